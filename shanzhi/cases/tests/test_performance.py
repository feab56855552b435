"""Intake cost (queries per case), the in-process lookup caches and their invalidation, and the
bulk import's fast path against the single-case path."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shanzhi.cases import router, services
from shanzhi.cases.models import Case, CaseEvent, Category
from shanzhi.cases.tests.factories import make_categories
from shanzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db

BODY = {"description": "小区门口垃圾没人清理", "category": "urban-garbage", "longitude": 113.355, "latitude": 22.515}


def test_api_intake_is_one_commit_with_few_queries(api_for, org):
    make_categories(org)
    c = api_for("community")
    assert c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="warm").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        r = c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert r.status_code == 201 and r.json()["status"] == "dispatched"
    sql = [q["sql"] for q in ctx.captured_queries]
    writes = [s for s in sql if s.startswith(("INSERT", "UPDATE"))]
    # One INSERT each for the case, its two timeline events and its two audit rows; the
    # dispatch notification (after commit) is the only other write.
    assert sum(s.startswith('INSERT INTO "cases_case"') for s in writes) == 1
    assert not any(s.startswith('UPDATE "cases_case"') for s in writes)
    assert sum(s.startswith('INSERT INTO "cases_caseevent"') for s in writes) == 1
    assert sum(s.startswith('INSERT INTO "core_auditevent"') for s in writes) == 1
    assert len(sql) <= 14, "\n".join(sql)
    assert not any('FROM "cases_category"' in s or 'FROM "orgs_grid"' in s for s in sql)


def test_folded_dispatch_keeps_timeline_audit_and_state(api_for, org, django_capture_on_commit_callbacks):
    make_categories(org)
    with django_capture_on_commit_callbacks(execute=True):
        r = api_for("community").post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="f1")
    case = Case.objects.get(pk=r.json()["id"])
    assert case.status == Case.Status.DISPATCHED and case.version == 2
    assert case.department == org.departments["urban"] and case.grid == org.grids["A1"]
    assert case.dispatched_at is not None and case.sign_deadline > case.dispatched_at
    assert case.deadline is not None and case.updated_by is None
    events = list(case.events.order_by("pk").values_list("action", "from_status", "to_status", "actor_label"))
    assert events == [
        ("create", "", "received", "甲社区"),
        ("dispatch", "received", "dispatched", "system"),
    ]
    audits = list(
        AuditEvent.objects.filter(object_id=str(case.pk), content_type__model="case")
        .order_by("pk")
        .values_list("action", "changes")
    )
    assert [a for a, _c in audits] == ["create", "transition"]
    assert audits[0][1]["status"] == "received" and audits[0][1]["version"] == 1
    assert audits[1][1]["status"] == ["received", "dispatched"]
    # The dispatched department is told, after commit.
    assert org.users["dept"].notifications.filter(topic=f"case:{case.pk}").exists()


def test_category_cache_sees_a_change_at_once(org):
    cats = make_categories(org)
    assert router.categories_by_code()["urban-garbage"].default_department == org.departments["urban"]
    cats["garbage"].default_department = org.departments["health"]
    cats["garbage"].save()
    assert router.categories_by_code()["urban-garbage"].default_department == org.departments["health"]
    cats["garbage"].is_active = False
    cats["garbage"].save()
    assert "urban-garbage" not in router.categories_by_code()
    Category.objects.create(code="new-one", name="新分类", parent=cats["top"])
    assert "new-one" in router.categories_by_code()


def test_lookup_cache_expires_for_changes_made_elsewhere(org, monkeypatch):
    cats = make_categories(org)
    assert "urban-garbage" in router.categories_by_code()
    # A change no signal reports here (another process; a queryset update) …
    Category.objects.filter(pk=cats["garbage"].pk).update(is_active=False)
    assert "urban-garbage" in router.categories_by_code()  # … is seen after the TTL.
    monkeypatch.setattr(router, "LOOKUP_SECONDS", 0)
    assert "urban-garbage" not in router.categories_by_code()


def test_grid_cache_follows_grid_changes(org):
    assert router.locate(113.355, 22.515) == org.grids["A1"]
    g = org.grids["A1"]
    g.name = "改名网格"
    g.save()
    assert router.locate(113.355, 22.515).name == "改名网格"


def test_deadline_memo_is_cleared_by_a_calendar_override(org):
    import datetime

    from django.utils import timezone

    from shanzhi.core.models import CalendarOverride

    start = timezone.make_aware(datetime.datetime(2025, 3, 3, 10, 0))  # a Monday
    first = router.workday_deadline(start, 2)
    assert first.date() == datetime.date(2025, 3, 5)
    CalendarOverride.objects.create(date=datetime.date(2025, 3, 4), is_workday=False, name="停工")
    from shanzhi.core import workdays

    workdays.clear_cache()
    assert router.workday_deadline(start, 2).date() == datetime.date(2025, 3, 6)


def test_deadline_memo_is_cleared_when_the_office_hours_change(org):
    """Day deadlines end when the office closes (setting calendar.office_hours): saving the
    setting reaches the router's memo at once, not when its lookup period runs out."""
    import datetime

    from django.utils import timezone

    from shanzhi.core.models import SiteSetting

    start = timezone.make_aware(datetime.datetime(2025, 3, 3, 10, 0))  # a Monday
    assert timezone.localtime(router.workday_deadline(start, 2)).time() == datetime.time(17, 30)
    SiteSetting.objects.create(key="calendar.office_hours", value=[["08:30", "12:00"], ["14:00", "18:00"]])
    assert timezone.localtime(router.workday_deadline(start, 2)).time() == datetime.time(18, 0)


def test_idempotent_api_retry_returns_the_first_case(api_for, org):
    make_categories(org)
    c = api_for("community")
    r1 = c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    r2 = c.post("/api/cases/cases/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert (r1.status_code, r2.status_code) == (201, 200) and r1.json()["id"] == r2.json()["id"]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 2
    services.case_create(actor=org.users["admin"], source="api", description="x", idempotency_key="api:zz")
    again = services.case_create(actor=org.users["admin"], source="api", description="y", idempotency_key="api:zz")
    assert again.description == "x"


IMPORT_ROWS = [
    {"description": "小区门口垃圾堆积", "category": "urban-garbage", "nature": "投诉", "longitude": "113.355",
     "latitude": "22.515", "reporter_phone": "13900000001", "received_at": "2025-03-03 09:30"},
    {"description": "社区医院排队太久", "category": "health-clinic", "longitude": "113.375", "latitude": "22.515",
     "received_at": "2025-03-07 16:00", "reporter_name": "李女士"},
    {"description": "无位置的求助", "category": "urban-other", "received_at": "2025-03-08 10:00"},
    {"description": "位置在街道外", "category": "urban-garbage", "longitude": "100.0", "latitude": "30.0",
     "kind": "enterprise", "received_at": "2025-03-04 11:00"},
]  # fmt: skip

SKIP = {"id", "code", "created_at", "updated_at", "dispatched_at", "sign_deadline"}  # the import's own time


def _rows_of(source: str) -> list[dict]:
    cases = Case.objects.filter(source=source).order_by("received_at").values()
    out = []
    for c in cases:
        events = list(
            CaseEvent.objects.filter(case_id=c["id"]).values("action", "to_status", "note", "data", "is_public")
        )
        row = {k: v for k, v in c.items() if k not in SKIP}
        row["timed"] = (c["dispatched_at"] is not None, c["sign_deadline"] is not None)
        out.append((row, events))
    return out


def test_fast_import_writes_the_same_rows_as_the_reference_path(org):
    make_categories(org)
    assert services.cases_import(rows=IMPORT_ROWS, actor=org.users["admin"], fast=False) == 4
    reference = _rows_of("import")
    Case.all_objects.update(source="web")
    assert services.cases_import(rows=IMPORT_ROWS, actor=org.users["admin"], fast=True) == 4
    fast = _rows_of("import")
    assert len(fast) == 4 and [r[0]["status"] for r in fast].count("dispatched") == 2
    for (ref_case, ref_events), (fast_case, fast_events) in zip(reference, fast, strict=True):
        ref_case.pop("source"), fast_case.pop("source")
        assert fast_case == ref_case
        assert fast_events == ref_events
    codes = list(Case.objects.values_list("code", flat=True))
    assert len(set(codes)) == 8


def _ordered(source: str) -> list[tuple[dict, list]]:
    """The import's cases in id order with their timeline rows (ids and per-run values left out)."""
    out = []
    for c in Case.objects.filter(source=source).order_by("id").values():
        events = list(
            CaseEvent.objects.filter(case_id=c["id"])
            .order_by("id")
            .values("action", "to_status", "note", "data", "is_public", "actor_id")
        )
        row = {k: v for k, v in c.items() if k not in SKIP | {"source"}}
        row["timed"] = (c["dispatched_at"] is not None, c["sign_deadline"] is not None)
        out.append((row, events))
    return out


AWKWARD_ROWS = [
    {"诉求内容": "第一行\t制表符\n换行\\反斜杠 'quote' 50% \r", "分类编码": "urban-garbage", "性质": "举报",
     "经度": 113.355, "纬度": 22.515, "受理时间": "2025-03-07 09:00", "标题": "同一时间 A", "地址": "路\t口"},
    {"诉求内容": "同一时间的第二行", "分类编码": "urban-fast", "经度": "113.355", "纬度": "22.515",
     "受理时间": "2025/03/07 09:00", "标题": "同一时间 B", "姓名": "王\\先生", "电话": 13900000002},
    {"诉求内容": "更早的一行", "分类编码": "health-clinic", "类型": "enterprise", "受理时间": "2025-03-01T08:00:00+08:00"},
    {"诉求内容": "没有受理时间，也没有分类"},
    {"诉求内容": "同一时间的第三行", "分类编码": "urban-fast", "受理时间": "2025-03-07 09:00"},
]  # fmt: skip


def test_fast_import_matches_reference_on_awkward_rows(org):
    """Aliases, special characters (COPY escaping), ties in reception time, working-hour and
    enterprise deadlines, rows without time or category: the fast path writes what the
    reference path writes, in the same order."""
    import datetime

    from django.utils import timezone

    cats = make_categories(org)
    Category.objects.create(
        code="urban-fast", name="紧急\t类", parent=cats["top"], default_department=org.departments["urban"],
        deadline_workhours=4, priority=4,
    )  # fmt: skip
    admin = org.users["admin"]
    assert services.cases_import(rows=AWKWARD_ROWS, actor=admin, fast=False) == 5
    reference = _ordered("import")
    Case.all_objects.update(source="web")
    assert services.cases_import(rows=AWKWARD_ROWS, actor=admin, fast=True) == 5
    fast = _ordered("import")
    assert [r[0]["title"] for r in fast][1:4] == ["同一时间 A", "同一时间 B", "同一时间的第三行"]
    assert fast[1][0]["description"] == AWKWARD_ROWS[0]["诉求内容"].strip() and fast[1][0]["address"] == "路\t口"
    with translation.override("zh-hans"):
        assert str(fast[1][0]["routing_reason"]) == "导入；类别 城乡建设 / 垃圾清运"
    # The row without a time is received at the import's own time (last, after 2025).
    for case, _e in (reference[-1], fast[-1]):
        assert case["description"] == "没有受理时间，也没有分类"
        assert abs(case["received_at"] - timezone.now()) < datetime.timedelta(hours=1)
        for key in ("received_at", "deadline", "received_month"):
            case.pop(key)
    for (ref_case, ref_events), (fast_case, fast_events) in zip(reference, fast, strict=True):
        assert fast_case == ref_case
        assert fast_events == ref_events and fast_events[0]["actor_id"] == admin.pk
    # Deadlines as the single-case path computes them (working hours, days, enterprise limit).
    for case in Case.objects.filter(source="import").select_related("category"):
        expected = services.compute_deadline(
            start=case.received_at, nature=case.nature, kind=case.kind, category=case.category
        )
        assert case.deadline == expected, case.description


def test_import_writes_cases_in_order_of_reception(org):
    """Ids (and so the time-keyed indexes) grow with the reception time; equal times keep the
    file's order; each timeline row follows its case's order."""
    make_categories(org)
    times = ["2025-03-05 10:00", "2025-03-01 10:00", "2025-03-05 10:00", "2025-02-01 10:00", "2025-03-01 10:00"]
    rows = [{"description": f"第{i}行", "category": "urban-garbage", "received_at": t} for i, t in enumerate(times)]
    services.cases_import(rows=rows, actor=org.users["admin"])
    cases = list(Case.objects.order_by("id").values_list("description", "id"))
    assert [d for d, _i in cases] == ["第3行", "第1行", "第4行", "第0行", "第2行"]
    events = list(CaseEvent.objects.order_by("id").values_list("case_id", flat=True))
    assert events == [i for _d, i in cases]


def test_tracking_codes_are_drawn_uniformly_and_distinct(monkeypatch):
    import datetime
    import secrets

    from shanzhi.cases import bulk
    from shanzhi.cases.services import CODE_ALPHABET

    day = datetime.date(2025, 3, 7)
    codes = bulk.new_codes([day] * 20_000, "SZ")
    assert len(set(codes)) == 20_000
    assert all(c.startswith("SZ250307") and len(c) == 16 for c in codes)
    for pos in range(8, 16):  # every position takes every character, none favoured much
        counts = {ch: 0 for ch in CODE_ALPHABET}
        for c in codes:
            counts[c[pos]] += 1
        assert min(counts.values()) > 20_000 / 31 * 0.8 and max(counts.values()) < 20_000 / 31 * 1.2
    # A draw that repeats itself: the import still gets distinct codes.
    real = secrets.token_bytes
    monkeypatch.setattr(secrets, "token_bytes", lambda n: bytes(n) if n > 8 else real(n))
    again = bulk.new_codes([day] * 3, "SZ")
    assert len(set(again)) == 3 and again[0] == "SZ250307" + CODE_ALPHABET[0] * 8


def test_copy_lines_escape_text_and_render_nulls_and_times():
    import datetime

    from django.utils import timezone

    from shanzhi.cases import bulk

    at = timezone.make_aware(datetime.datetime(2025, 3, 7, 9, 0))
    values = dict.fromkeys(bulk.CASE_COLUMNS)
    values.update(code="SZ1", kind="hotline", title="a\tb", description="x\\y\nz\r", status="received", priority=2)
    values.update(received_at=at, deadline=at, received_month=at.date(), longitude=113.5, grid_id=7)
    values.update(
        nature="help",
        address="",
        reporter_name="",
        reporter_phone="",
        reporter_phone_key="",
        routed_by="",
        routing_reason="r",
    )
    (lines,) = bulk._copy_lines([[[values[c] for c in bulk.CASE_COLUMNS]]])
    fields = lines[0].split("\t")
    assert len(fields) == len(bulk.CASE_COLUMNS)
    got = dict(zip(bulk.CASE_COLUMNS, fields, strict=True))
    assert got["title"] == "a\\tb" and got["description"] == "x\\\\y\\nz\\r"
    assert got["category_id"] == "\\N" and got["routing_confidence"] == "\\N" and got["grid_id"] == "7"
    assert got["received_at"] == at.isoformat() and got["received_month"] == "2025-03-07"
    assert got["longitude"] == "113.5" and got["dispatched_at"] == "\\N"


# Index audit: the queries that must stay indexed (EXPLAIN on the database in use).
def _plan(qs) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: show what could be used
    return qs.explain()


def _uses_index(plan: str, *, search: bool) -> bool:
    """An index is used; with `search`, to find the rows (a range or equality on its leading
    columns), not only to walk the table in order."""
    if connection.vendor == "postgresql":
        if "Seq Scan on cases_case" in plan or "Index" not in plan:
            return False
        return not search or "Index Cond" in plan
    lines = [ln for ln in plan.splitlines() if " cases_case " in ln + " "]
    if not lines or not all("USING" in ln and "INDEX" in ln for ln in lines):
        return False
    return not search or all("SEARCH" in ln for ln in lines)


def test_case_queries_still_use_an_index(org):
    import datetime

    from django.utils import timezone

    from shanzhi.cockpit import rollup

    now = timezone.now()
    day = now.replace(hour=0, minute=0)
    live = Case.objects.all()
    queries = {
        "list": live.order_by("-received_at", "-id")[:25],
        "list by status": live.filter(status="dispatched").order_by("-received_at", "-id")[:25],
        "list by kind": live.filter(kind="hotline").order_by("-received_at", "-id")[:25],
        "scope department": live.filter(department_id=1).order_by("-received_at", "-id")[:25],
        "scope community": live.filter(community_id=1).order_by("-received_at", "-id")[:25],
        "scope grid": live.filter(grid_id=1).order_by("-received_at", "-id")[:25],
        "list by category": live.filter(category_id=1).order_by("-received_at", "-id")[:25],
        "deadline job": live.open()
        .exclude(status=Case.Status.SUSPENDED)
        .filter(warned_at__isnull=True, deadline__gt=now, deadline__lte=now + datetime.timedelta(hours=4)),
        "status and deadline": live.filter(status="dispatched", deadline__lt=now),
        "idempotency key": Case.all_objects.filter(idempotency_key="api:k"),
        "tracking code": live.filter(code="SZ250307ABCDEFGH"),
        # Partial indexes (WHERE … IS NOT NULL): an equality implies the condition.
        "a resident's cases": live.filter(reporter_id=1).order_by("-received_at", "-id"),
        "an enterprise's cases": live.filter(enterprise_id=1),
        "a leader's cases": live.filter(leader_id=1),
        "merged into": Case.all_objects.filter(merged_into_id=1),
        "origin": live.filter(origin_type_id=1, origin_id="5"),
        # rollup.dirty_months also asks DISTINCT, which SQLite then answers by walking the
        # received_at index; without it the (updated_at, received_at) index covers the query.
        "rollup watermark": Case.all_objects.filter(updated_at__gte=now).order_by().values("received_at"),
        "today": live.filter(community_id=1, received_at__gte=day, received_at__lt=day + datetime.timedelta(days=1)),
        "today (all)": live.filter(received_at__gte=day, received_at__lt=day + datetime.timedelta(days=1)),
        "rollup month": live.filter(received_at__gte=day, received_at__lt=day + datetime.timedelta(days=31)),
    }
    plans = {name: _plan(qs) for name, qs in queries.items()}
    print("\n".join(f"{name}: {' | '.join(p.splitlines())}" for name, p in plans.items()))
    ordered_only = {"list", "list by kind"}  # ORDER BY received_at LIMIT 25: the walk is the plan
    bad = {name: p for name, p in plans.items() if not _uses_index(p, search=name not in ordered_only)}
    assert not bad, bad
    assert rollup.dirty_months(now, now, now) == set()


def test_redundant_case_indexes_are_gone():
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, Case._meta.db_table)
    indexed = {tuple(c["columns"]) for c in found.values() if c["index"] or c["unique"]}
    for covered in [("status",), ("category_id",), ("department_id",), ("community_id",), ("grid_id",),
                    ("kind",), ("callback_valid",), ("is_deleted",), ("created_at",), ("created_by_id",),
                    ("origin_type_id",)]:  # fmt: skip
        assert covered not in indexed, covered
    for kept in [("status", "deadline"), ("received_at",), ("deadline",), ("updated_at", "received_at"),
                 ("code",), ("idempotency_key",), ("grid_id", "received_at"), ("reporter_id",)]:  # fmt: skip
        assert kept in indexed, kept
    assert all(not name.endswith("_like") for name in found)
    uniques = {tuple(c["columns"]) for c in found.values() if c["unique"]}
    assert {("code",), ("idempotency_key",)} <= uniques


def test_indexes_on_mostly_empty_columns_are_partial():
    """A case without a resident account, enterprise, leader, merge, origin or idempotency key
    writes no entry into those indexes: each is `WHERE … IS NOT NULL`."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'")
        else:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases_case'")
        definitions = dict(cur.fetchall())
    columns = ["reporter_id", "enterprise_id", "leader_id", "merged_into_id", "origin_type_id", "idempotency_key"]
    for column in columns:
        found = [d for d in definitions.values() if d and f"({column}" in d.replace('"', "")]
        assert found, column
        bare = [d.replace('"', "").replace("(", "").replace(")", "") for d in found]
        assert all(f"WHERE {column} IS NOT NULL" in d for d in bare), (column, found)


def test_import_deadlines_match_the_calendar(org):
    """The import keeps one calendar snapshot for all its rows (overrides read once, working
    days remembered); its working-hour and working-day deadlines equal workdays.deadline_after
    on a fresh calendar per call, and router.workday_deadline, over weekends, a public holiday,
    the make-up working days and local overrides, at every half hour."""
    import datetime

    from shanzhi.core import workdays
    from shanzhi.core.models import CalendarOverride

    CalendarOverride.objects.create(date=datetime.date(2025, 10, 13), is_workday=False, name="停工")
    CalendarOverride.objects.create(date=datetime.date(2025, 10, 19), is_workday=True, name="加班")
    workdays.clear_cache()
    try:
        _compare_deadline_walks(workdays.Calendar())
    finally:  # the overrides go with the test's transaction; the caches must forget them too
        workdays.clear_cache()
        router.clear_caches()


def _compare_deadline_walks(calendar) -> None:
    import datetime

    from django.utils import timezone

    from shanzhi.core import workdays

    tz = timezone.get_current_timezone()
    start = datetime.datetime(2025, 9, 26, 0, 0, tzinfo=tz)  # National Day week and its make-up days
    checked = 0
    for step in range(0, 24 * 2 * 20):
        at = start + datetime.timedelta(minutes=30 * step)
        for hours in (1, 4, 8, 24):
            got = calendar.hours_deadline(at, hours)
            assert got == workdays.deadline_after(at, workhours=hours), (at, hours)
            checked += 1
        for days in (0, 1, 2, 5, 10, 15):
            got = calendar.day_deadline(at.date(), days, tz)
            assert got == workdays.deadline_after(at, workdays=days) == router.workday_deadline(at, days), (at, days)
            checked += 1
    assert checked == 9600


@pytest.mark.parametrize("fast", [True, False])
def test_imported_deadlines_equal_the_single_case_path_around_holidays(org, fast):
    """End to end: cases imported around National Day 2025 (holiday week, make-up Saturday
    11 Oct) and two local overrides — working-hour, sub-category-day, nature-day and enterprise
    deadlines — carry the deadline that compute_deadline gives the same case one at a time."""
    import datetime

    from django.utils import timezone

    from shanzhi.core import workdays
    from shanzhi.core.models import CalendarOverride

    cats = make_categories(org)
    Category.objects.create(
        code="urban-fast", name="紧急", parent=cats["top"], default_department=org.departments["urban"],
        deadline_workhours=4,
    )  # fmt: skip
    CalendarOverride.objects.create(date=datetime.date(2025, 10, 13), is_workday=False, name="停工")
    CalendarOverride.objects.create(date=datetime.date(2025, 10, 19), is_workday=True, name="加班")
    workdays.clear_cache()
    try:
        codes = ["urban-fast", "health-clinic", "urban-other", ""]
        natures = ["求助", "投诉", "咨询", "举报", "建议"]
        rows = []
        for i in range(200):  # every 3 h 15 min from Friday 26 Sep 2025, 00:45
            at = datetime.datetime(2025, 9, 26, 0, 45) + datetime.timedelta(minutes=195 * i)
            rows.append(
                {
                    "description": f"第{i}行",
                    "category": codes[i % 4],
                    "nature": natures[i % 5],
                    "kind": "enterprise" if i % 7 == 0 else "",
                    "received_at": f"{at:%Y-%m-%d %H:%M}",
                }
            )
        assert services.cases_import(rows=rows, actor=org.users["admin"], fast=fast) == 200
        imported = list(Case.objects.filter(source="import").select_related("category"))
        assert len(imported) == 200
        by_hours = 0
        for case in imported:
            expected = services.compute_deadline(
                start=case.received_at, nature=case.nature, kind=case.kind, category=case.category
            )
            assert case.deadline == expected, (case.description, timezone.localtime(case.received_at))
            if case.category is not None and case.category.deadline_workhours:
                by_hours += 1
                assert case.deadline == workdays.deadline_after(case.received_at, workhours=4)
        assert by_hours == 50
        # The holiday week, the make-up Saturday and the overrides are all in play.
        local_days = {timezone.localtime(c.deadline).date() for c in imported}
        assert datetime.date(2025, 10, 11) in local_days and datetime.date(2025, 10, 19) in local_days
        assert not local_days & {datetime.date(2025, 10, d) for d in (1, 2, 3, 4, 5, 6, 7, 8, 13)}
    finally:
        workdays.clear_cache()
        router.clear_caches()
