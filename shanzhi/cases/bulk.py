"""Bulk import of cases: validate every row first, then insert as plain tuples in big batches.

The public entry point is `services.cases_import` (writes go through services); this module holds
the machinery so that the intake path and the bulk path can be tuned apart.

Where the time goes (100,000 rows, see bench/bench_cases_import.py): the per-row Python work is
kept to dictionary look-ups (aliases resolved once, dates parsed, localised and formatted once
per distinct value, department / deadline / routing reason once per category and day, tracking
codes drawn in one vectorised draw); rows are inserted in order of reception (stable, so equal
times keep the file's order), which keeps every received_at / deadline index insertion at the
right-hand edge of its B-tree instead of at random pages; timeline rows are written by the
database from the new cases (SQLite: one INSERT … SELECT) or streamed by COPY (PostgreSQL).
`last_timings` holds the phases of the last import (seconds), for the benchmark.
"""

from __future__ import annotations

import datetime
import re
import secrets
import time
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shanzhi.cases import conf, router
from shanzhi.cases.models import (
    OFFERED_CATEGORIES,
    TOP_LEVEL_CATEGORY,
    UNDER_CLOSED_CATEGORY,
    Case,
    CaseEvent,
    Category,
)
from shanzhi.cases.services import CODE_ALPHABET, _validate_location, nature_workdays
from shanzhi.core import services as core_services
from shanzhi.core import workdays
from shanzhi.core.masking import phone_key
from shanzhi.core.models import AuditEvent
from shanzhi.core.texts import SystemTextField, Text, strip_controls

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
# The longest text each column takes (the model's, and for the description the intake's limit):
# a longer value is refused with its row, never cut.
TEXT_LIMITS = {
    "description": 4000,
    **{key: Case._meta.get_field(key).max_length for key in ("title", "address", "reporter_name", "reporter_phone")},
}
# Times of reception accepted from a file: none before this day, none later than now (plus a
# few minutes for a clock that runs ahead).
RECEIVED_EARLIEST = datetime.date(2000, 1, 1)
RECEIVED_SKEW = datetime.timedelta(minutes=5)
# How much of a refused value an error quotes (enough to find it in the file).
SHOWN_CHARS = 40


def shown(value: str) -> str:
    """A value as an error quotes it: cut to SHOWN_CHARS characters."""
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def category_refusal(code: str) -> str:
    """Why `code` is no category a case can take (looked up only for a refused row): unknown,
    deleted, switched off — the last two are fixed differently from a typing error."""
    known = Category.all_objects.filter(code=code).only("is_deleted", "is_active").first()
    if known is None:
        return _("Unknown category “%(value)s”.") % {"value": shown(code)}
    if known.is_deleted:
        return _("The category “%(value)s” has been deleted; give a category in use.") % {"value": shown(code)}
    return _("The category “%(value)s” is switched off; switch it on or give another category.") % {
        "value": shown(code)
    }


def choice_aliases(choices) -> dict[str, str]:
    """A TextChoices' values and its labels in every language of the site → the value (a file
    may say 热线来电 or "Hotline call" as well as hotline)."""
    from django.conf import settings
    from django.utils import translation

    aliases: dict[str, str] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            aliases.update({str(label): value for value, label in choices.choices})
    aliases.update({value: value for value in choices.values})
    return aliases


def import_columns() -> list[dict]:
    """The import's columns for its page, from IMPORT_ALIASES (the names a header may have):
    what each holds, whether it is required, what to write in it — in the active language."""
    from django.utils.text import capfirst

    def labels(choices) -> str:
        return " / ".join(str(label) for _v, label in choices.choices)

    notes = {
        "description": _("required"),
        "category": _("the code of a sub-category in use; empty: routed by the text"),
        "nature": _("one of: %(labels)s; empty: %(default)s")
        % {"labels": labels(Case.Nature), "default": Case.Nature.HELP.label},
        "kind": _("one of: %(labels)s; empty: %(default)s")
        % {"labels": labels(Case.Kind), "default": Case.Kind.HOTLINE.label},
        "longitude": _("decimal degrees, with the latitude"),
        "latitude": _("decimal degrees, with the longitude"),
        "received_at": _("like 2025-03-01 09:30; empty: the time of the import"),
    }
    return [
        {
            "label": capfirst(Case._meta.get_field(key).verbose_name),
            "names": names,
            "required": key == "description",
            "note": notes.get(key, ""),
        }
        for key, names in IMPORT_ALIASES.items()
    ]


def template_header(key: str) -> str:
    """The header the template gives `key`: its first Chinese name for a Chinese reader, its
    English name otherwise (both accepted by the import)."""
    from django.utils.translation import get_language

    names = IMPORT_ALIASES[key]
    if (get_language() or "").lower().startswith("zh"):
        return next((n for n in names if not n.isascii()), names[0])
    return names[0]


def import_template() -> tuple[list[str], list[list[str]]]:
    """Headers and one example row for the import template (the example imports as it is)."""
    in_use = Category.objects.filter(OFFERED_CATEGORIES).order_by("sort_order", "code")
    # The example is about a street light: the category whose keywords say so, else the first.
    category = (
        in_use.filter(keywords__contains="路灯").values_list("code", flat=True).first()
        or in_use.values_list("code", flat=True).first()
    )
    received = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)
    if received > timezone.now():
        received -= datetime.timedelta(days=1)
    example = {
        "description": _("The street light at the gate of building 3 has been out for a week."),
        "title": _("Street light out"),
        "category": category or "",
        "nature": str(Case.Nature.HELP.label),
        "kind": str(Case.Kind.HOTLINE.label),
        "longitude": "",
        "latitude": "",
        "address": _("Building 3, Hepingli"),
        "reporter_name": _("Mr Zhang"),
        "reporter_phone": "13800000000",
        "received_at": f"{received:%Y-%m-%d %H:%M}",
    }
    return [template_header(key) for key in IMPORT_ALIASES], [[example[key] for key in IMPORT_ALIASES]]


last_timings: dict[str, float] = {}


def _pick(row: dict, key: str) -> str:
    for alias in IMPORT_ALIASES[key]:
        value = row.get(alias)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _picker(aliases: tuple[str, ...]):
    """`_pick` for the aliases the file actually has (resolved once, not per row and field),
    without the control characters XML cannot carry (as on every intake channel)."""
    if not aliases:
        return None
    if len(aliases) == 1:
        (alias,) = aliases

        def one(row: dict) -> str:
            value = row.get(alias)
            if value is None or value == "":
                return ""
            return strip_controls(value).strip() if type(value) is str else str(value).strip()

        return one

    def many(row: dict) -> str:
        for a in aliases:
            value = row.get(a)
            if value is not None and value != "":
                return strip_controls(str(value)).strip()
        return ""

    return many


def _column(row: dict, key: str, present: set[str]) -> str:
    """The header that gives `key` in this row (for an error: the name the user wrote)."""
    names = [a for a in IMPORT_ALIASES[key] if a in present]
    for a in names:
        if row.get(a) not in (None, ""):
            return a
    return names[0] if names else IMPORT_ALIASES[key][0]


def earlier_import(sha256: str) -> AuditEvent | None:
    """The last import of cases from the file with this SHA-256 (its audit row), if any."""
    if not sha256:
        return None
    from django.contrib.contenttypes.models import ContentType

    return (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.IMPORT, content_type=ContentType.objects.get_for_model(Case), object_id=sha256
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def refuse_repeat(sha256: str) -> None:
    """Refuse a file whose cases were imported before (its cases would be created twice)."""
    from django.utils import formats

    earlier = earlier_import(sha256)
    if earlier is not None:
        raise ValidationError(
            _(
                "This file was already imported on %(at)s by %(actor)s (%(n)s cases). Nothing was imported; "
                "tick “Import it again” to create its cases a second time."
            )
            % {
                "at": formats.date_format(timezone.localtime(earlier.at), "DATETIME_FORMAT"),
                "actor": earlier.actor or _("the system"),
                "n": earlier.changes.get("cases", "?"),
            }
        )


def new_codes(dates: Sequence[datetime.date], prefix: str) -> list[str]:
    """Tracking codes for cases received on `dates` (local): `services.new_code`'s format,
    <prefix><yymmdd><8 characters of CODE_ALPHABET>, uniform (one unbiased draw in [0, 31**8)
    per code from the system's CSPRNG, rejection sampling), all distinct, drawn at once."""
    import numpy as np

    n = len(dates)
    base = len(CODE_ALPHABET)
    space = base**8
    limit = (2**64 // space) * space  # draws at or above would bias the low digits
    draws = np.frombuffer(secrets.token_bytes(8 * n), dtype=np.uint64).copy()
    bad = np.flatnonzero(draws >= limit)
    while bad.size:
        draws[bad] = np.frombuffer(secrets.token_bytes(8 * bad.size), dtype=np.uint64)
        bad = bad[draws[bad] >= limit]
    draws %= np.uint64(space)
    digits = np.empty((n, 8), dtype=np.uint8)
    for k in range(8):  # least significant first, as new_code writes them
        digits[:, k] = draws % np.uint64(base)
        draws //= np.uint64(base)
    table = np.frombuffer(CODE_ALPHABET.encode(), dtype=np.uint8)
    text = table[digits].tobytes().decode("ascii")
    day_prefix: dict[datetime.date, str] = {}
    codes = []
    for i, d in enumerate(dates):
        p = day_prefix.get(d)
        if p is None:
            p = day_prefix[d] = f"{prefix}{d:%y%m%d}"
        codes.append(p + text[8 * i : 8 * i + 8])
    if len(set(codes)) != n:  # a collision inside the import (about 1 in 10^6 per 1,000 a day)
        seen: set[str] = set()
        for i in range(n):
            while codes[i] in seen:
                codes[i] = new_codes([dates[i]], prefix)[0]
            seen.add(codes[i])
    return codes


# Columns the import gives for every case, in the order of the tuples it builds; all other
# columns take their defaults (the same for all rows).
CASE_COLUMNS = (
    "code",
    "kind",
    "title",
    "description",
    "category_id",
    "nature",
    "status",
    "priority",
    "grid_id",
    "community_id",
    "department_id",
    "longitude",
    "latitude",
    "address",
    "received_at",
    "deadline",
    "reporter_name",
    "reporter_phone",
    "reporter_phone_key",
    "routed_by",
    "routing_reason",
    "routing_confidence",
    "received_month",
    "dispatched_at",
    "sign_deadline",
)
# Free text from the file (the only values that may need COPY escaping).
_TEXT_COLUMNS = frozenset({"title", "description", "address", "reporter_name", "reporter_phone"})


def import_cases(
    *,
    rows: Sequence[dict],
    actor,
    source: str = Case.Source.IMPORT,
    batch_size: int = 2000,
    fast: bool = True,
    again: bool = False,
) -> int:
    """Import cases in bulk (a hotline's export, a migration): all or nothing.

    Every row is checked first; the first bad one raises ImportRowError(row number, reason,
    the column as the file names it) and nothing is written: an unknown code, a time before
    2000 or in the future, a text longer than its column (never cut). Row numbers are the
    rows' own (`core.excel.Row.number`), else counted from 2. Then grids are found for all
    points at once (vectorised), the department comes from the category (or the text
    classifier, in one batch), deadlines are computed on working days (memoised per day), and
    rows are inserted in order of reception as plain tuples (PostgreSQL COPY, else one prepared
    INSERT run with executemany), each case with its "received" timeline event; one audit row
    covers the import, with the SHA-256 of the file (a `core.excel.read_table` table knows it)
    as its object id: a file imported before is refused unless `again` (`refuse_repeat`).
    `fast=False` takes the model-instance path (the reference the tests compare the fast path
    with).
    """
    from shanzhi.core.errors import ImportRowError
    from shanzhi.orgs.selectors import grid_locator

    timings = {}
    t0 = t = time.perf_counter()
    header_row = getattr(rows, "header_number", 1)
    if not rows:
        raise ImportRowError(header_row, _("The table has no data rows."))
    digest = getattr(rows, "sha256", "")  # a `core.excel.Table` knows its file
    if digest and not again:
        refuse_repeat(digest)
    cats = {c.code: c for c in Category.objects.filter(is_active=True).select_related("default_department", "parent")}
    now = timezone.now()
    tz = timezone.get_current_timezone()
    natures, kinds = choice_aliases(Case.Nature), choice_aliases(Case.Kind)
    headers = getattr(rows, "headers", None)
    if headers is not None:
        present = set(headers)
    else:
        present = set()
        for row in rows:
            present.update(row)
    if not any(a in present for a in IMPORT_ALIASES["description"]):
        raise ImportRowError(
            header_row,
            _("no column for the description (name it one of: %(names)s); the columns found are: %(found)s")
            % {
                "names": ", ".join(IMPORT_ALIASES["description"]),
                "found": ", ".join(headers if headers is not None else sorted(present)) or "—",
            },
        )
    pick = {key: _picker(tuple(a for a in aliases if a in present)) for key, aliases in IMPORT_ALIASES.items()}

    def picker(key):
        fn = pick[key]
        return fn if fn is not None else (lambda row: "")

    p_desc, p_title, p_cat, p_nature, p_kind = (
        picker(k) for k in ("description", "title", "category", "nature", "kind")
    )
    p_lon, p_lat, p_addr, p_name, p_phone, p_at = (
        picker(k) for k in ("longitude", "latitude", "address", "reporter_name", "reporter_phone", "received_at")
    )
    max_desc, max_title, max_addr, max_name, max_phone = (
        TEXT_LIMITS[k] for k in ("description", "title", "address", "reporter_name", "reporter_phone")
    )
    earliest = datetime.datetime.combine(RECEIVED_EARLIEST, datetime.time(), tzinfo=tz)
    latest = now + RECEIVED_SKEW
    default_nature, default_kind = Case.Nature.HELP.value, Case.Kind.HOTLINE.value
    times: dict[str, datetime.datetime] = {}  # raw text → aware datetime (files repeat times)
    parsed: list[tuple] = []
    append = parsed.append

    def refuse(i: int, row: dict, key: str, message: str) -> ImportRowError:
        # Only on the way out: the row's own number, the column as the file names it.
        return ImportRowError(getattr(row, "number", i), message, column=_column(row, key, present))

    def too_long(i: int, row: dict, key: str, value: str) -> ImportRowError:
        return refuse(
            i,
            row,
            key,
            _("“%(value)s” is too long: %(n)d characters, at most %(max)d (nothing is cut)")
            % {"value": shown(value), "n": len(value), "max": TEXT_LIMITS[key]},
        )

    for i, row in enumerate(rows, start=2):  # plain dicts: counted from 2 (the header is row 1)
        description = p_desc(row)
        if not description:
            raise refuse(i, row, "description", _("Describe the problem."))
        if len(description) > max_desc:
            raise too_long(i, row, "description", description)
        cat_code = p_cat(row)
        cat = None
        if cat_code:
            cat = cats.get(cat_code)
            if cat is None:
                raise refuse(i, row, "category", category_refusal(cat_code))
            if cat.parent_id is None:
                raise refuse(i, row, "category", _(TOP_LEVEL_CATEGORY) % {"code": cat_code})
            if not cat.is_offered:
                raise refuse(i, row, "category", _(UNDER_CLOSED_CATEGORY) % {"code": cat_code})
        raw = p_nature(row)
        nature = natures.get(raw) if raw else default_nature
        if nature is None:
            raise refuse(i, row, "nature", _("Unknown nature of request “%(value)s”.") % {"value": shown(raw)})
        raw = p_kind(row)
        kind = kinds.get(raw) if raw else default_kind
        if kind is None:
            raise refuse(i, row, "kind", _("Unknown kind of case “%(value)s”.") % {"value": shown(raw)})
        raw_lon, raw_lat = p_lon(row), p_lat(row)
        if raw_lon or raw_lat:
            try:
                lon, lat = _validate_location(raw_lon or None, raw_lat or None)
            except ValidationError as exc:
                key = "longitude" if raw_lon else "latitude"
                value = ", ".join(v for v in (raw_lon, raw_lat) if v)  # the pair: either may be wrong
                reason = " ".join(exc.messages)
                raise refuse(
                    i, row, key, _("“%(value)s”: %(reason)s") % {"value": shown(value), "reason": reason}
                ) from None
        else:
            lon = lat = None
        raw_at = p_at(row)
        if raw_at:
            received = times.get(raw_at)
            if received is None:
                try:
                    received = datetime.datetime.fromisoformat(raw_at.replace("/", "-"))
                except ValueError:
                    raise refuse(
                        i,
                        row,
                        "received_at",
                        _("Unreadable date and time “%(value)s” (use 2025-03-01 09:30).") % {"value": shown(raw_at)},
                    ) from None
                if received.utcoffset() is None:  # timezone.is_naive → make_aware in the current zone
                    received = received.replace(tzinfo=tz)
                if not earliest <= received <= latest:
                    raise refuse(
                        i,
                        row,
                        "received_at",
                        _("%(value)s is out of range: a case is received between %(earliest)s and now.")
                        % {"value": shown(raw_at), "earliest": RECEIVED_EARLIEST.isoformat()},
                    )
                times[raw_at] = received
        else:
            received = now
        title, address, name, phone = p_title(row), p_addr(row), p_name(row), p_phone(row)
        if len(title) > max_title:
            raise too_long(i, row, "title", title)
        if len(address) > max_addr:
            raise too_long(i, row, "address", address)
        if len(name) > max_name:
            raise too_long(i, row, "reporter_name", name)
        if len(phone) > max_phone:
            raise too_long(i, row, "reporter_phone", phone)
        append((description, title, cat, nature, kind, lon, lat, address, name, phone, received))
    timings["validate"] = time.perf_counter() - t
    t = time.perf_counter()

    import numpy as np

    from shanzhi.orgs.models import Department, Grid

    # Reception order (stable: equal times keep the file's order) — ids, and so the B-trees of
    # every time-keyed index, grow at their right-hand edge.
    at_key = {at: at.timestamp() for at in {p[10] for p in parsed}}
    order = np.argsort(np.fromiter((at_key[p[10]] for p in parsed), dtype=np.float64, count=len(parsed)), kind="stable")
    parsed = [parsed[i] for i in order.tolist()]

    locator = grid_locator()
    lons = np.fromiter((np.nan if p[5] is None else p[5] for p in parsed), dtype=np.float64, count=len(parsed))
    lats = np.fromiter((np.nan if p[6] is None else p[6] for p in parsed), dtype=np.float64, count=len(parsed))
    keys = locator.keys
    grid_ids = [keys[i] if i >= 0 else None for i in locator.locate_many_index(lons, lats).tolist()]
    grid_comm = dict(Grid.objects.values_list("pk", "community_id"))
    desk = router.dispatch_desk()
    desk_id = desk.pk if desk else None
    min_conf = float(conf.get("cases.routing_min_confidence"))
    need_model = [i for i, p in enumerate(parsed) if p[2] is None or not p[2].default_department_id]
    predicted: dict[int, tuple[int | None, float]] = {}
    model = router.classifier("department") if need_model else None
    if model is not None:
        dept_by_code = dict(Department.objects.values_list("code", "pk"))
        preds = model.predict_many([parsed[i][0] for i in need_model], reasons=False)
        for i, pred in zip(need_model, preds, strict=True):
            predicted[i] = (dept_by_code.get(pred.label), pred.confidence)
    timings["locate_route"] = time.perf_counter() - t
    t = time.perf_counter()

    # One calendar snapshot for the whole import: the overrides read once, each day's answer
    # remembered (deadline_after alone would read the overrides for every call).
    calendar = workdays.Calendar()
    sign_deadline = calendar.deadline_after(now, workhours=int(conf.get("cases.sign_workhours")))
    by_nature = {n: nature_workdays(n) for n in Case.Nature.values}
    enterprise_days = int(conf.get("cases.enterprise_deadline_workdays"))
    enterprise = Case.Kind.ENTERPRISE.value
    label = Text(gettext_noop("Imported from a file."))  # the note of each case's first step
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    received_s, dispatched_s = Case.Status.RECEIVED.value, Case.Status.DISPATCHED.value
    by_category, by_classifier, by_desk = (
        Case.RoutedBy.CATEGORY.value,
        Case.RoutedBy.CLASSIFIER.value,
        Case.RoutedBy.DISPATCH.value,
    )
    classifier_reason = Text(gettext_noop("imported; text classifier"))
    plain_reason = Text(gettext_noop("imported"))
    # Per category: (id, default department, routing reason, priority).
    cat_info = {
        c.pk: (c.pk, c.default_department_id, Text(gettext_noop("imported; category %(c)s"), c=str(c)), c.priority)
        for c in cats.values()
    }
    none_info = (None, None, plain_reason, 2)
    local_of: dict[datetime.datetime, tuple] = {}  # aware time → (local date, month)
    day_deadline: dict[tuple, datetime.datetime] = {}
    hour_deadline: dict[tuple, datetime.datetime] = {}
    code_prefix = conf.get("cases.code_prefix")
    # Deadlines first, on the calendar read above (no query may run during a COPY).
    locs: list[tuple] = []
    deadlines: list[datetime.datetime] = []
    for _d, _t, cat, nature, kind, _x, _y, _a, _n, _p, at in parsed:
        loc = local_of.get(at)
        if loc is None:
            d = at.astimezone(tz).date()
            loc = local_of[at] = (d, d.replace(day=1))
        hours = cat.deadline_workhours if cat is not None else None
        if hours:
            key = (at, hours)
            deadline = hour_deadline.get(key)
            if deadline is None:
                deadline = hour_deadline[key] = calendar.hours_deadline(at.astimezone(tz), hours)
            if kind == enterprise:  # the 直通车 limit holds under a deadline in hours too
                cap_key = (loc[0], enterprise_days)
                cap = day_deadline.get(cap_key)
                if cap is None:
                    cap = day_deadline[cap_key] = calendar.day_deadline(loc[0], enterprise_days, tz)
                deadline = min(deadline, cap)
        else:
            n_days = (cat.deadline_workdays if cat is not None else None) or by_nature[nature]
            if kind == enterprise:
                n_days = min(n_days, enterprise_days)
            key = (loc[0], n_days)
            deadline = day_deadline.get(key)
            if deadline is None:
                deadline = day_deadline[key] = calendar.day_deadline(loc[0], n_days, tz)
        locs.append(loc)
        deadlines.append(deadline)
    timings["deadlines"] = time.perf_counter() - t
    t = time.perf_counter()

    def derive(chunk: int = 10_000):
        """The case tuples (CASE_COLUMNS order), `chunk` at a time: the PostgreSQL path streams
        them into COPY while the database inserts the previous ones."""
        dates: list[datetime.date] = []
        values: list[list] = []
        for i, p in enumerate(parsed):
            description, title, cat, nature, kind, lon, lat, address, name, phone, at = p
            cat_id, dept_id, reason, priority = none_info if cat is None else cat_info[cat.pk]
            gid = grid_ids[i]
            routed_by, confidence = by_desk, None
            if dept_id:
                routed_by = by_category
            elif i in predicted:
                reason = plain_reason
                pred_dept, pred_conf = predicted[i]
                if pred_dept and pred_conf >= min_conf:
                    dept_id, confidence, routed_by, reason = pred_dept, pred_conf, by_classifier, classifier_reason
            else:
                reason = plain_reason
            confident = dept_id is not None and gid is not None
            if not confident:
                dept_id, routed_by = desk_id, by_desk
            loc, deadline = locs[i], deadlines[i]
            dates.append(loc[0])
            values.append(
                [
                    None,  # code, drawn below for all rows at once
                    kind,
                    title or description[:40],
                    description,
                    cat_id,
                    nature,
                    dispatched_s if confident else received_s,
                    priority,
                    gid,
                    grid_comm.get(gid) if gid else None,
                    dept_id,
                    lon,
                    lat,
                    address,
                    at,
                    deadline,
                    name,
                    phone,
                    phone_key(phone),
                    routed_by,
                    reason,
                    confidence,
                    loc[1],
                    now if confident else None,
                    sign_deadline if confident else None,
                ]
            )
            if len(values) == chunk:
                for v, code in zip(values, new_codes(dates, code_prefix), strict=True):
                    v[0] = code
                yield values
                dates, values = [], []
        if values:
            for v, code in zip(values, new_codes(dates, code_prefix), strict=True):
                v[0] = code
            yield values

    constants = {"source": source, "created_by_id": actor_id}
    from django.db import connection

    if fast and connection.vendor == "postgresql":
        chunks = derive()  # derived while streamed (nothing in it can fail: rows are checked)
    else:
        chunks = [[v for chunk in derive() for v in chunk]]
        timings["derive"] = time.perf_counter() - t
    t = time.perf_counter()
    with transaction.atomic():
        if fast:
            _import_fast(chunks, len(parsed), constants, now=now, actor_id=actor_id, label=label, timings=timings)
        else:
            objs = [dict(zip(CASE_COLUMNS, v, strict=True), **constants) for v in chunks[0]]
            _import_orm(objs, now=now, actor_id=actor_id, label=label, batch_size=batch_size)
        if digest and not again:
            # Again inside the write transaction: on SQLite it holds the write lock, so of two
            # uploads of one file at the same moment the second sees the first and rolls back.
            refuse_repeat(digest)
        core_services.audit_log(
            actor=actor,
            action=AuditEvent.Action.IMPORT,
            model=Case,
            object_id=digest,  # indexed with the model: `earlier_import` finds the file again
            changes={"sha256": digest, "file": getattr(rows, "name", ""), "cases": len(parsed)},
            note=f"imported {len(parsed)} cases",
        )
        t = time.perf_counter()
    timings["commit"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    last_timings.clear()
    last_timings.update(timings)
    return len(parsed)


def _import_orm(objs: list[dict], *, now, actor_id, label: Text, batch_size: int) -> None:
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


def _constant_columns(model, given: Sequence[str], overrides: dict, now) -> list[tuple]:
    """(field, value) of every column (no primary key) not in `given`: `overrides`, else the
    default (`now` for auto_now(_add))."""
    fields, defaults = _row_plan(model, now)
    return [(f, overrides.get(f.attname, d)) for f, d in zip(fields, defaults, strict=True) if f.attname not in given]


def _sqlite_literal(field, value, connection) -> str:
    """A constant as an SQL literal (values the import makes itself: defaults, ids, `now`)."""
    value = field.get_db_prep_save(value, connection)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
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
    value = value.encode() if isinstance(value, Text) else str(value)
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


def _copy_lines(chunks):
    """The cases' varying columns in COPY text format, one list of lines (without their end)
    for each chunk of case tuples. Per column one converter chosen once: free text escaped only when
    it holds a special character, times formatted once per distinct value."""
    memo: dict = {}

    def stamp(v):
        if v is None:
            return "\\N"
        s = memo.get(v)
        if s is None:
            s = memo[v] = v.isoformat()
        return s

    def text(v):
        return v.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(v) else v

    def number(v):
        return "\\N" if v is None else str(v)

    def system_text(v):
        return text(v.encode() if isinstance(v, Text) else v)  # encoded once per Text

    def plain(v):
        return v

    kinds = []
    for name in CASE_COLUMNS:
        f = Case._meta.get_field(name.removesuffix("_id"))
        if isinstance(f, SystemTextField):
            kinds.append(system_text)
        elif name in _TEXT_COLUMNS:
            kinds.append(text)
        elif f.get_internal_type() in ("DateTimeField", "DateField"):
            kinds.append(stamp)
        elif f.get_internal_type() in ("CharField", "SlugField"):
            kinds.append(plain)  # choices and codes: no special characters
        else:
            kinds.append(number)
    conv = tuple(enumerate(kinds))
    for values in chunks:
        yield ["\t".join([fn(v[i]) for i, fn in conv]) for v in values]


def _import_fast(chunks, n: int, constants: dict, *, now, actor_id, label: Text, timings: dict) -> None:
    """COPY-class path for `n` cases given as chunks of tuples. PostgreSQL: ids drawn from the
    table's sequence, cases and their timeline rows streamed by COPY (text format; the columns
    no row gives rendered once as a common line ending; a writer thread sends while the next
    chunk is derived, so Python and the server work at the same time). SQLite: one prepared INSERT run for all cases (executemany; constants
    as literals in the statement), then the timeline rows made by the database from the new
    cases (INSERT … SELECT, in id order)."""
    from django.db import connection

    t = time.perf_counter()
    qn = connection.ops.quote_name
    event = {"at": now, "actor_id": actor_id, "action": "create", "note": label, "data": {}, "is_public": True}
    case_table, event_table = qn(Case._meta.db_table), qn(CaseEvent._meta.db_table)
    case_const = _constant_columns(Case, CASE_COLUMNS, constants, now)
    event_const = _constant_columns(CaseEvent, ("case_id", "to_status"), event, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            # One text value back rather than 100,000 rows (the ids are only written back as text).
            cur.execute(
                "SELECT string_agg(v::text, ',' ORDER BY v) FROM "
                "(SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS v FROM generate_series(1, %s)) AS s",
                [Case._meta.db_table, n],
            )
            new_ids = cur.fetchone()[0].split(",")
            cols = ", ".join(
                qn(c) for c in ("id", *(Case._meta.get_field(n.removesuffix("_id")).column for n in CASE_COLUMNS))
            )
            cols += "".join(", " + qn(f.column) for f, _v in case_const)
            suffix = "".join("\t" + _copy_text(v) for _f, v in case_const) + "\n"
            timings["prepare"] = time.perf_counter() - t
            t = time.perf_counter()
            from psycopg.copy import QueuedLibpqWriter

            statuses: list[str] = []
            status_at = CASE_COLUMNS.index("status")

            def tracked():
                for values in chunks:
                    statuses.extend([v[status_at] for v in values])
                    yield values

            sql = f"COPY {case_table} ({cols}) FROM STDIN"
            with cur.cursor.copy(sql, writer=QueuedLibpqWriter(cur.cursor)) as copy:
                k = 0
                for lines in _copy_lines(tracked()):
                    ids = new_ids[k : k + len(lines)]
                    k += len(lines)
                    copy.write("".join([i + "\t" + line + suffix for i, line in zip(ids, lines, strict=True)]).encode())
            if k != n:
                raise RuntimeError(f"COPY wrote {k} cases of {n}")
            timings["copy_cases"] = time.perf_counter() - t
            t = time.perf_counter()
            cols = "case_id, to_status" + "".join(", " + qn(f.column) for f, _v in event_const)
            suffix = "".join("\t" + _copy_text(v) for _f, v in event_const) + "\n"
            with cur.cursor.copy(f"COPY {event_table} ({cols}) FROM STDIN") as copy:
                for start in range(0, n, 20_000):
                    part = zip(new_ids[start : start + 20_000], statuses[start : start + 20_000], strict=True)
                    copy.write("".join([i + "\t" + st + suffix for i, st in part]).encode())
            timings["copy_events"] = time.perf_counter() - t
        return
    # SQLite
    values = [v for chunk in chunks for v in chunk]
    # Values the driver cannot take as they are: times, and system texts (a few distinct ones).
    fields = [(i, Case._meta.get_field(n.removesuffix("_id"))) for i, n in enumerate(CASE_COLUMNS)]
    memo_fields = [
        (i, f)
        for i, f in fields
        if f.get_internal_type() in ("DateTimeField", "DateField") or isinstance(f, SystemTextField)
    ]
    memos = [(i, f, {}) for i, f in memo_fields]
    for v in values:
        for i, f, memo in memos:
            x = v[i]
            if x is not None:
                s = memo.get(x)
                if s is None:
                    s = memo[x] = f.get_db_prep_save(x, connection)
                v[i] = s
    case_cols = [Case._meta.get_field(n.removesuffix("_id")).column for n in CASE_COLUMNS]
    cols = ", ".join(qn(c) for c in case_cols) + "".join(", " + qn(f.column) for f, _v in case_const)
    marks = ", ".join(["%s"] * len(CASE_COLUMNS)) + "".join(
        ", " + _sqlite_literal(f, v, connection).replace("%", "%%") for f, v in case_const
    )
    timings["prepare"] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("PRAGMA cache_size = -262144")  # room for the indexes' pages (this connection)
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {case_table}")
        (before,) = cur.fetchone()
        cur.executemany(f"INSERT INTO {case_table} ({cols}) VALUES ({marks})", values)
        timings["insert_cases"] = time.perf_counter() - t
        t = time.perf_counter()
        ev_cols = ", ".join(qn(f.column) for f, _v in event_const)
        ev_vals = ", ".join(_sqlite_literal(f, v, connection).replace("%", "%%") for f, v in event_const)
        # Ids only grow and the transaction holds the write lock: the new cases are id > before.
        cur.execute(
            f"INSERT INTO {event_table} (case_id, to_status, {ev_cols}) "
            f"SELECT id, status, {ev_vals} FROM {case_table} WHERE id > %s ORDER BY id",
            [before],
        )
        timings["insert_events"] = time.perf_counter() - t


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
