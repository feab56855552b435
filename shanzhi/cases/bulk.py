"""Bulk import of cases: validate every row first, then insert as plain tuples in big batches.

The public entry point is `services.cases_import` (writes go through services); this module holds
the machinery so that the intake path and the bulk path can be tuned apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.cases import conf, router
from shanzhi.cases.models import Case, CaseEvent, Category, month_of
from shanzhi.cases.services import _validate_location, nature_workdays, new_code
from shanzhi.core import services as core_services
from shanzhi.core import workdays
from shanzhi.core.models import AuditEvent

IMPORT_ALIASES = {
    "description": ("description", "诉求内容", "内容"),
    "title": ("title", "标题"),
    "category": ("category", "分类编码", "分类"),
    "nature": ("nature", "性质", "诉求性质"),
    "kind": ("kind", "类型"),
    "longitude": ("longitude", "经度", "lon"),
    "latitude": ("latitude", "纬度", "lat"),
    "address": ("address", "地址"),
    "reporter_name": ("reporter_name", "姓名", "诉求人"),
    "reporter_phone": ("reporter_phone", "电话", "联系电话"),
    "received_at": ("received_at", "受理时间"),
}
NATURE_ALIASES = {
    "咨询": "consultation",
    "求助": "help",
    "投诉": "complaint",
    "举报": "report",
    "建议": "suggestion",
    "表扬": "praise",
}


def _pick(row: dict, key: str) -> str:
    for alias in IMPORT_ALIASES[key]:
        value = row.get(alias)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def import_cases(
    *, rows: Sequence[dict], actor, source: str = Case.Source.IMPORT, batch_size: int = 2000, fast: bool = True
) -> int:
    """Import cases in bulk (a hotline's export, a migration): all or nothing.

    Every row is checked first; the first bad one raises ImportRowError(row number, reason)
    and nothing is written. Then grids are found for all points at once (vectorised), the
    department comes from the category (or the text classifier, in one batch), deadlines are
    computed on working days (memoised per day), and rows are inserted as plain tuples in big
    batches (PostgreSQL COPY, else one prepared INSERT run with executemany), each case with
    its "received" timeline event; one audit row covers the import. `fast=False` takes the
    model-instance path (the reference the tests compare the fast path with).
    """
    from shanzhi.core.errors import ImportRowError
    from shanzhi.orgs.selectors import grid_locator

    cats = {c.code: c for c in Category.objects.filter(is_active=True).select_related("default_department")}
    now = timezone.now()
    parsed: list[dict] = []
    natures, kinds = set(Case.Nature.values), set(Case.Kind.values)
    for n, row in enumerate(rows, start=2):  # spreadsheet row numbers: header is row 1
        description = _pick(row, "description")
        if not description:
            raise ImportRowError(n, _("Describe the problem."), column="description")
        cat_code = _pick(row, "category")
        cat = cats.get(cat_code) if cat_code else None
        if cat_code and cat is None:
            raise ImportRowError(n, _("Unknown category."), column="category")
        nature = _pick(row, "nature") or Case.Nature.HELP
        nature = NATURE_ALIASES.get(nature, nature)
        if nature not in natures:
            raise ImportRowError(n, _("Unknown nature of request."), column="nature")
        kind = _pick(row, "kind") or Case.Kind.HOTLINE
        if kind not in kinds:
            raise ImportRowError(n, _("Unknown kind of case."), column="kind")
        try:
            lon, lat = _validate_location(_pick(row, "longitude") or None, _pick(row, "latitude") or None)
        except ValidationError as exc:
            raise ImportRowError(n, " ".join(exc.messages), column="longitude") from None
        received = now
        raw_at = _pick(row, "received_at")
        if raw_at:
            try:
                received = datetime.datetime.fromisoformat(raw_at.replace("/", "-"))
            except ValueError:
                raise ImportRowError(
                    n, _("Unreadable date and time (use 2025-03-01 09:30)."), column="received_at"
                ) from None
            if timezone.is_naive(received):
                received = timezone.make_aware(received)
        parsed.append(
            {
                "description": description[:4000],
                "title": _pick(row, "title")[:200],
                "category": cat,
                "nature": nature,
                "kind": kind,
                "lon": lon,
                "lat": lat,
                "address": _pick(row, "address")[:300],
                "reporter_name": _pick(row, "reporter_name")[:50],
                "reporter_phone": _pick(row, "reporter_phone")[:30],
                "received_at": received,
            }
        )
    if not parsed:
        return 0

    import numpy as np

    from shanzhi.orgs.models import Department, Grid

    locator = grid_locator()
    lons = np.array([p["lon"] if p["lon"] is not None else np.nan for p in parsed])
    lats = np.array([p["lat"] if p["lat"] is not None else np.nan for p in parsed])
    idx = locator.locate_many_index(lons, lats)
    grid_ids = [locator.keys[i] if i >= 0 else None for i in idx]
    grid_comm = dict(Grid.objects.values_list("pk", "community_id"))
    desk = router.dispatch_desk()
    min_conf = float(conf.get("cases.routing_min_confidence"))
    need_model = [i for i, p in enumerate(parsed) if p["category"] is None or not p["category"].default_department_id]
    predicted: dict[int, tuple[int | None, float]] = {}
    model = router.classifier("department") if need_model else None
    if model is not None:
        dept_by_code = dict(Department.objects.values_list("code", "pk"))
        preds = model.predict_many([parsed[i]["description"] for i in need_model], reasons=False)
        for i, pred in zip(need_model, preds, strict=True):
            predicted[i] = (dept_by_code.get(pred.label), pred.confidence)
    sign_deadline = workdays.deadline_after(now, workhours=int(conf.get("cases.sign_workhours")))
    by_nature = {n: nature_workdays(n) for n in Case.Nature.values}
    enterprise_days = int(conf.get("cases.enterprise_deadline_workdays"))
    label = _("Imported")
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    objs: list[dict] = []
    for i, p in enumerate(parsed):
        cat = p["category"]
        gid = grid_ids[i]
        dept_id, routed_by, confidence, reason = None, Case.RoutedBy.DISPATCH, None, ""
        if cat is not None and cat.default_department_id:
            dept_id, routed_by, reason = cat.default_department_id, Case.RoutedBy.CATEGORY, str(cat)
        elif i in predicted and predicted[i][0] and predicted[i][1] >= min_conf:
            dept_id, confidence = predicted[i]
            routed_by, reason = Case.RoutedBy.CLASSIFIER, "classifier"
        confident = dept_id is not None and gid is not None
        if not confident:
            dept_id, routed_by = (desk.pk if desk else None), Case.RoutedBy.DISPATCH
        at = p["received_at"]
        if cat is not None and cat.deadline_workhours:
            deadline = workdays.deadline_after(at, workhours=cat.deadline_workhours)
        else:
            days = cat.deadline_workdays if cat is not None and cat.deadline_workdays else by_nature[p["nature"]]
            if p["kind"] == Case.Kind.ENTERPRISE:
                days = min(days, enterprise_days)
            deadline = router.workday_deadline(at, days)
        c = {
            "code": new_code(at),
            "kind": p["kind"],
            "source": source,
            "title": (p["title"] or p["description"][:40]),
            "description": p["description"],
            "category_id": cat.pk if cat is not None else None,
            "nature": p["nature"],
            "status": Case.Status.DISPATCHED if confident else Case.Status.RECEIVED,
            "priority": cat.priority if cat else 2,
            "grid_id": gid,
            "community_id": grid_comm.get(gid) if gid else None,
            "department_id": dept_id,
            "longitude": p["lon"],
            "latitude": p["lat"],
            "address": p["address"],
            "received_at": at,
            "deadline": deadline,
            "reporter_name": p["reporter_name"],
            "reporter_phone": p["reporter_phone"],
            "routed_by": routed_by,
            "routing_reason": f"{label}: {reason}"[:500],
            "routing_confidence": confidence,
            "created_by_id": actor_id,
            "received_month": month_of(at),
            "dispatched_at": now if confident else None,
            "sign_deadline": sign_deadline if confident else None,
        }
        objs.append(c)
    with transaction.atomic():
        if fast:
            _import_fast(objs, now=now, actor_id=actor_id, label=label, batch_size=max(batch_size, 20_000))
        else:
            _import_orm(objs, now=now, actor_id=actor_id, label=label, batch_size=batch_size)
        core_services.audit_log(
            actor=actor, action=AuditEvent.Action.IMPORT, model=Case, note=f"imported {len(objs)} cases"
        )
    return len(objs)


def _import_orm(objs: list[dict], *, now, actor_id, label: str, batch_size: int) -> None:
    """The reference path: model instances, one prepared INSERT per batch (the fast path must
    write the same rows; tests compare them)."""
    cases = [Case(**c) for c in objs]
    for start in range(0, len(cases), batch_size):
        chunk = cases[start : start + batch_size]
        _insert_rows(Case, chunk, now)
        ids = dict(Case.objects.filter(code__in=[c.code for c in chunk]).values_list("code", "pk"))
        events = [
            CaseEvent(
                case_id=ids[c.code],
                at=now,
                actor_id=actor_id,
                action="create",
                to_status=c.status,
                note=label,
                data={},
                is_public=True,
            )
            for c in chunk
        ]
        _insert_rows(CaseEvent, events, now)


def _row_plan(model, now) -> tuple[list, list]:
    """Columns (no primary key) and each one's value when a row does not give it: the field's
    default, `now` for auto_now(_add) columns."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults.append(now)
        else:
            defaults.append(f.get_default())
    return fields, defaults


def _copy_or_executemany(model, rows: list[dict], now) -> None:
    """Insert plain rows (attname → value): PostgreSQL COPY, else one prepared INSERT run for
    all rows (executemany). Values are converted once per column kind, not per field object."""
    from django.db import connection

    fields, defaults = _row_plan(model, now)
    names = [f.attname for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Columns whose Python value the driver cannot take as is.
    prep = [
        i
        for i, f in enumerate(fields)
        if f.get_internal_type() in ("DateTimeField", "DateField", "JSONField", "DecimalField", "TimeField")
    ]
    pg = connection.vendor == "postgresql"
    if pg:
        import json

        conv = {}
        for i in prep:
            if fields[i].get_internal_type() == "JSONField":
                conv[i] = lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    else:

        def memoised(f):
            seen: dict = {}

            def fn(v):
                if v is None:
                    return None
                try:
                    return seen[v]
                except KeyError:
                    out = seen[v] = f.get_db_prep_save(v, connection)
                    return out
                except TypeError:  # unhashable (JSON)
                    return f.get_db_prep_save(v, connection)

            return fn

        conv = {i: memoised(fields[i]) for i in prep}
    tuples = []
    for r in rows:
        values = [r.get(n, d) for n, d in zip(names, defaults, strict=True)]
        for i, fn in conv.items():
            values[i] = fn(values[i])
        tuples.append(values)
    with connection.cursor() as cur:
        if not pg:  # room for the indexes' pages during a big insert (this connection only)
            cur.execute("PRAGMA cache_size = -262144")
        if pg:
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for t in tuples:
                    copy.write_row(t)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuples)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        import json

        value = json.dumps(value, ensure_ascii=False)
    return str(value).translate(_COPY_ESCAPES)


def _copy_rows(model, rows: list[dict], now) -> None:
    """PostgreSQL COPY in text format: the columns every row gives first, the columns no row
    gives (their defaults, the same for all rows) rendered once as a common line ending."""
    from django.db import connection

    fields, defaults = _row_plan(model, now)
    given = [n for n in rows[0]] if rows else []
    by_name = {f.attname: (f, d) for f, d in zip(fields, defaults, strict=True)}
    if model._meta.pk.attname in given:
        by_name[model._meta.pk.attname] = (model._meta.pk, None)
    rest = [n for n in by_name if n not in given]
    suffix = "".join("\t" + _copy_text(by_name[n][1]) for n in rest) + "\n"
    cols = ", ".join(connection.ops.quote_name(by_name[n][0].column) for n in [*given, *rest])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        buf: list[str] = []
        for r in rows:
            buf.append("\t".join([_copy_text(r.get(n)) for n in given]) + suffix)
            if len(buf) >= 5000:
                copy.write("".join(buf).encode())
                buf.clear()
        if buf:
            copy.write("".join(buf).encode())


def _import_fast(objs: list[dict], *, now, actor_id, label: str, batch_size: int) -> None:
    """COPY-class path: cases, then their ids by code, then the timeline rows, in big batches.
    On PostgreSQL the ids are drawn from the table's sequence first and the rows go in by COPY."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Case._meta.db_table, len(objs)],
            )
            new_ids = [r[0] for r in cur.fetchall()]
        keys = list(objs[0])
        case_rows = [{"id": i, **{k: c.get(k) for k in keys}} for i, c in zip(new_ids, objs, strict=True)]
        _copy_rows(Case, case_rows, now)
        event = {"at": now, "actor_id": actor_id, "action": "create", "note": label, "data": {}, "is_public": True}
        _copy_rows(
            CaseEvent,
            [{"case_id": i, "to_status": c["status"], **event} for i, c in zip(new_ids, objs, strict=True)],
            now,
        )
        return
    for start in range(0, len(objs), batch_size):
        chunk = objs[start : start + batch_size]
        _copy_or_executemany(Case, chunk, now)
        ids: dict[str, int] = {}
        codes = [c["code"] for c in chunk]
        for k in range(0, len(codes), 5000):
            ids.update(Case.all_objects.filter(code__in=codes[k : k + 5000]).values_list("code", "pk"))
        events = [
            {
                "case_id": ids[c["code"]],
                "at": now,
                "actor_id": actor_id,
                "action": "create",
                "to_status": c["status"],
                "note": label,
                "data": {},
                "is_public": True,
            }
            for c in chunk
        ]
        _copy_or_executemany(CaseEvent, events, now)


def _insert_rows(model, objs: list, now: datetime.datetime) -> None:
    """One prepared INSERT executed for many rows (executemany). Django's bulk_create splits a
    wide model into statements of a few rows on SQLite, which costs more than the rows."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for obj in objs:
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({cols}) VALUES ({marks})"
    rows = [[f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs]
    with connection.cursor() as cur:
        cur.executemany(sql, rows)
