"""Intake cost (queries per case), the in-process lookup caches and their invalidation, and the
bulk import's fast path against the single-case path."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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

    workdays.clear_override_cache()
    assert router.workday_deadline(start, 2).date() == datetime.date(2025, 3, 6)


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
