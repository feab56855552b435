"""Every write of the cases app: `case_<verb>(*, actor, …)`, atomic, audited, with a timeline.

- `case_create`: intake from any channel (web, hotline, API, Open311, patrol, project …),
  idempotent by key, routed, deadline on working days.
- `case_submit` / `cases_file_submissions`: the queued intake — accept with one INSERT, file
  as cases in the task worker, a batch at a time (docs/adr/0004).
- `case_transition`: the ONE place a case changes state (table in `workflow.py`).
- `case_merge`, `case_callback`, `case_whistle`, `case_rate_public` … are thin wrappers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import io
import logging
import math
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shanzhi.cases import conf, hooks, router, selectors, workflow
from shanzhi.cases.models import (
    CLOSED_STATES,
    HANDLED_STATES,
    TOP_LEVEL_CATEGORY,
    UNDER_CLOSED_CATEGORY,
    CallBack,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseSummons,
    Category,
    Submission,
)
from shanzhi.core import db, workdays
from shanzhi.core import services as core_services
from shanzhi.core.errors import ConflictError
from shanzhi.core.models import AuditEvent
from shanzhi.core.params import int_param
from shanzhi.core.scoping import CHANGE, LEVEL_ALL, LEVEL_COMMUNITY, LEVEL_DEPARTMENT, LEVEL_GRID, scope_for
from shanzhi.core.texts import Text, strip_controls

NOTE_MAX = 4000  # a step's note or reply, like a case's description
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out on the phone
_CODE_SPACE = len(CODE_ALPHABET) ** 8
logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- helpers


def new_code(at: datetime.datetime | None = None) -> str:
    """<prefix><yymmdd><8 random characters>: short, and not guessable from a neighbour's code."""
    at = timezone.localtime(at or timezone.now())
    n = secrets.randbelow(_CODE_SPACE)  # one draw, written in base 31: 8 uniform characters
    rand = ""
    for _i in range(8):
        n, r = divmod(n, 31)
        rand += CODE_ALPHABET[r]
    return f"{conf.get('cases.code_prefix')}{at:%y%m%d}{rand}"


def nature_workdays(nature: str) -> int:
    table = conf.get("cases.deadline_workdays_by_nature")
    return int(table.get(nature, table.get("help", 10)))


def compute_deadline(
    *,
    start: datetime.datetime,
    nature: str,
    kind: str,
    category: Category | None,
    workdays_override: int | None = None,
) -> datetime.datetime:
    """Deadline on China's working days: explicit days, else the sub-category's hours or days,
    else the nature's days (2 / 10 / 15); enterprise requests at most the 直通车 limit."""
    if workdays_override is not None:
        return workdays.deadline_after(start, workdays=int(workdays_override))
    if category is not None and category.deadline_workhours:
        deadline = workdays.deadline_after(start, workhours=category.deadline_workhours)
    else:
        days = category.deadline_workdays if category is not None and category.deadline_workdays else None
        deadline = router.workday_deadline(start, days or nature_workdays(nature))
    if kind == Case.Kind.ENTERPRISE:  # the 直通车 limit, under a deadline in hours too
        deadline = min(deadline, router.workday_deadline(start, int(conf.get("cases.enterprise_deadline_workdays"))))
    return deadline


def _validate_location(longitude, latitude) -> tuple[float | None, float | None]:
    if longitude in (None, "") and latitude in (None, ""):
        return None, None
    if longitude in (None, "") or latitude in (None, ""):
        raise ValidationError({"longitude": _("Give both longitude and latitude, or neither.")})
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError):
        raise ValidationError({"longitude": _("Coordinates must be numbers.")}) from None
    if not (math.isfinite(lon) and math.isfinite(lat)) or not -180 <= lon <= 180 or not -90 <= lat <= 90:
        raise ValidationError({"longitude": _("Coordinates out of range (longitude −180…180, latitude −90…90).")})
    return lon, lat


def clean_photo(upload) -> tuple[ContentFile, str]:
    """Check an uploaded photo (an image, ≤ the size limit) and re-encode it without metadata
    (EXIF GPS position, camera). Raises ValidationError for anything else."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    limit = int(conf.get("cases.max_photo_bytes"))
    size = getattr(upload, "size", None)
    if size is None:
        raw = upload.read()
        size = len(raw)
    else:
        if size > limit:
            raise ValidationError(_("Each photo must be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)})
        raw = upload.read()
    if size > limit or len(raw) > limit:
        raise ValidationError(_("Each photo must be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)})
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        img = Image.open(io.BytesIO(raw))
        fmt = (img.format or "").upper()
        if fmt not in {"JPEG", "PNG", "WEBP", "GIF"}:
            raise ValidationError(_("Photos must be JPEG, PNG, WebP or GIF images."))
        if img.width * img.height > 60_000_000:
            raise ValidationError(_("The image is too large."))
        img = ImageOps.exif_transpose(img)
        out = io.BytesIO()
        if fmt == "JPEG":
            img.convert("RGB").save(out, format="JPEG", quality=88)  # no exif= → no metadata
            ext = "jpg"
        else:
            if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                img = img.convert("RGBA")
            img.save(out, format="PNG")
            ext = "png"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("Only image files can be attached as photos.")) from None
    name = f"{secrets.token_hex(8)}.{ext}"
    return ContentFile(out.getvalue(), name=name), f"image/{'jpeg' if ext == 'jpg' else 'png'}"


def _event(case: Case, **fields) -> CaseEvent:
    """Write one timeline event now (`_event_row` builds it; see there for the fields)."""
    ev = _event_row(case, **fields)
    db.insert([ev])
    return ev


_FK_FIELDS = ["category", "grid", "community", "department", "enterprise", "leader", "reporter", "origin_type"]


def _event_row(
    case: Case,
    *,
    action: str,
    actor,
    from_status: str = "",
    to_status: str = "",
    note: str | Text = "",
    data: dict | None = None,
    is_public: bool = True,
    at: datetime.datetime | None = None,
    label: str = "",
) -> CaseEvent:
    """`label`: the acting unit as shown, if not the actor's (e.g. CaseEvent.REPORTER_LABEL)."""
    if not label:
        if actor is None:
            label = CaseEvent.SYSTEM_LABEL
        elif getattr(actor, "department_id", None):
            label = str(actor.department)
        elif getattr(actor, "community_id", None):
            label = str(actor.community)
    return CaseEvent(
        case=case,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label[:100],
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=core_services._jsonable(data or {}),
        is_public=is_public,
    )


def _clean_photos(photos: Sequence) -> list[tuple[ContentFile, str]]:
    """Check and re-encode photos (metadata stripped) — before any transaction is opened."""
    limit = int(conf.get("cases.max_photos"))
    photos = [p for p in photos if p]
    if len(photos) > limit:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": limit}})
    cleaned = []
    for upload in photos:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as exc:
            # On the photos field (a form shows it there), naming the file when it has a name.
            name = getattr(upload, "name", "") or ""
            errors = [_("%(name)s: %(error)s") % {"name": name, "error": m} if name else m for m in exc.messages]
            raise ValidationError({"photos": errors}) from None
    return cleaned


def _store_photos(
    case: Case, cleaned: Sequence[tuple[ContentFile, str]], *, actor, event=None, is_public: bool = True
) -> None:
    for content, ctype in cleaned:
        CaseAttachment.objects.create(
            case=case,
            event=event,
            file=content,
            content_type=ctype,
            size=content.size,
            is_public=is_public,
            created_by=actor if getattr(actor, "pk", None) else None,
        )


def _attach(case: Case, photos: Sequence, *, actor, event: CaseEvent | None = None, is_public: bool = True) -> None:
    _store_photos(case, _clean_photos(photos), actor=actor, event=event, is_public=is_public)


def likely_duplicates(case: Case, limit: int = 5) -> list[Case]:
    """Open cases of the same category, near the same point, received recently (并单 candidates)."""
    if case.category_id is None or case.longitude is None or case.latitude is None:
        return []
    radius = float(conf.get("cases.duplicate_radius_m"))
    days = int(conf.get("cases.duplicate_days"))
    dlat = radius / 111_320
    dlon = radius / (111_320 * max(math.cos(math.radians(case.latitude)), 0.01))
    since = case.received_at - datetime.timedelta(days=days)
    qs = (
        Case.objects.filter(
            category_id=case.category_id,
            received_at__gte=since,
            received_at__lte=case.received_at + datetime.timedelta(days=days),
            longitude__range=(case.longitude - dlon, case.longitude + dlon),
            latitude__range=(case.latitude - dlat, case.latitude + dlat),
        )
        .exclude(pk=case.pk)
        .exclude(status__in=CLOSED_STATES)  # closed, archived, cancelled: merging into them is refused
        .order_by("received_at")
    )
    out = []
    for other in qs[: limit * 3]:
        dist = _distance_m(case.longitude, case.latitude, other.longitude, other.latitude)
        if dist <= radius:
            out.append(other)
        if len(out) >= limit:
            break
    return out


def _distance_m(lon1, lat1, lon2, lat2) -> float:
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ----------------------------------------------------------------------------- intake


def case_create(**fields) -> Case:
    """Create a case from any channel: validate, route (unless grid and department are given),
    set the deadline on working days, store photos without metadata, write the timeline.
    `fields` are the keyword arguments of `_case_prepare` (its signature is the intake's).

    A retry with the same `idempotency_key` returns the case the first call created: the key is
    unique in the database, so the retry's INSERT fails and the first case is read instead (no
    lookup before every submission; retries are rare). A new case has `was_created` set.
    Raises ValidationError (→ 400) for bad input; nothing is stored then.
    """
    # Everything that only reads (validation, routing, deadlines, photo re-encoding) happens
    # before the transaction: on SQLite a write transaction holds the database's one write
    # lock, so it should last no longer than the INSERTs themselves.
    prepared = _case_prepare(**fields)
    idempotency_key = prepared.case.idempotency_key
    try:
        with transaction.atomic():
            case = _case_write(prepared, actor=fields["actor"])
    except IntegrityError:
        if idempotency_key:
            existing = Case.all_objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:  # a retry, or a concurrent one that won the race
                return existing
        raise
    case.was_created = True
    return case


def open_cases_of_department(department) -> str:
    """Why a department cannot be retired yet: open cases it handles or was summoned to."""
    from django.utils.translation import ngettext

    summoned = Q(summons__department=department, summons__is_deleted=False)
    n = Case.objects.open().filter(Q(department=department) | summoned).distinct().count()
    if not n:
        return ""
    return ngettext(
        "%(n)d open case is handled by it or waits for it: reassign it first",
        "%(n)d open cases are handled by it or wait for it: reassign them first",
        n,
    ) % {"n": n}


def open_cases_in_place(place) -> str:
    """Why a community or grid cannot be retired yet: open cases lie in it."""
    from django.utils.translation import ngettext

    field = "grid" if place._meta.model_name == "grid" else "community"
    n = Case.objects.open().filter(**{field: place}).count()
    if not n:
        return ""
    return ngettext(
        "%(n)d open case lies in it: close or move it first",
        "%(n)d open cases lie in it: close or move them first",
        n,
    ) % {"n": n}


def subcategories_under(category) -> str:
    """Why a top-level category cannot be retired yet: sub-categories under it (switched off
    or not), which would be left orphaned — and, when active, still offered at intake."""
    from django.utils.translation import ngettext

    n = Category.objects.filter(parent=category).count()
    if not n:
        return ""
    return ngettext(
        "%(n)d sub-category is still in use under it: delete it or move it to another category first",
        "%(n)d sub-categories are still in use under it: delete them or move them to another category first",
        n,
    ) % {"n": n}


def intake_placement_errors(actor, *, grid=None, enterprise=None, department=None) -> dict[str, str]:
    """What a staff or API caller may not decide when filing a case: a grid outside their own
    part of the street (`selectors.placeable_grids`), an enterprise they cannot see, or the
    handling department unless their role dispatches (a resident naming a department skipped
    the desk). Internal callers (a project's blocker, a patrol
    finding) place their cases themselves and do not ask."""
    errors = {}
    outside = _("You cannot place this record outside your own scope.")
    if grid is not None and not selectors.placeable_grids(actor).filter(pk=grid.pk).exists():
        errors["grid"] = outside
    if enterprise is not None and not type(enterprise).objects.restrict(actor).filter(pk=enterprise.pk).exists():
        errors["enterprise"] = outside
    if department is not None and workflow.DISPATCH not in role_capabilities(actor):
        errors["department"] = _("Your role does not choose the handling department: the dispatch desk does.")
    return errors


def _home_of(actor) -> tuple[Any, int | None]:
    """Where a case filed by community or grid staff with no location belongs: their own grid
    (if they hold one) or community. It then stays in their view and their community's work —
    before, a community worker's case without a point was visible to the desk only."""
    from shanzhi.orgs.models import Grid

    scope = scope_for(actor)
    if scope.level == LEVEL_GRID and len(scope.grid_ids) == 1:
        grid = Grid.objects.filter(pk=next(iter(scope.grid_ids))).first()
        if grid is not None:
            return grid, grid.community_id
    if scope.level in (LEVEL_COMMUNITY, LEVEL_GRID) and len(scope.community_ids) == 1:
        return None, next(iter(scope.community_ids))
    return None, None


@dataclasses.dataclass
class _Prepared:
    """A new case and every row it writes, built before the transaction; only the case's id is
    missing (`_case_write` fills it in)."""

    case: Case
    photos: list
    events: list[CaseEvent]
    audits: list[AuditEvent]  # the creation first
    notice: tuple | None  # the department's inbox notice, when confident routing dispatches


def _case_prepare(
    *,
    actor,
    description: str,
    source: str,
    kind: str = Case.Kind.REQUEST,
    title: str = "",
    category: Category | None = None,
    nature: str | None = None,
    longitude: float | None = None,
    latitude: float | None = None,
    address: str = "",
    grid=None,
    department=None,
    deadline: datetime.datetime | None = None,
    deadline_workdays: int | None = None,
    origin=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    enterprise=None,
    photos: Sequence = (),
    idempotency_key: str | None = None,
    auto_route: bool = True,
    priority: int | None = None,
    leader=None,
    received_at: datetime.datetime | None = None,
    route_now: bool = False,
    code: str | None = None,
) -> _Prepared:
    # What people typed, without invisible control characters (no XML feed or .xlsx export
    # could carry them).
    description = strip_controls(description or "").strip()
    title, address = strip_controls(title or ""), strip_controls(address or "")
    reporter_name = strip_controls(reporter_name or "")
    errors: dict[str, str] = {}
    if not description:
        errors["description"] = _("Describe the problem.")
    if kind not in Case.Kind.values:
        errors["kind"] = _("Unknown kind of case.")
    if source not in Case.Source.values:
        errors["source"] = _("Unknown source.")
    if nature is not None and nature not in Case.Nature.values:
        errors["nature"] = _("Unknown nature of request.")
    if category is not None and (not isinstance(category, Category) or not category.is_active or category.is_deleted):
        errors["category"] = _("Unknown category.")
    elif category is not None and category.parent_id is None:
        errors["category"] = _(TOP_LEVEL_CATEGORY) % {"code": category.code}
    elif category is not None and not category.is_offered:
        errors["category"] = _(UNDER_CLOSED_CATEGORY) % {"code": category.code}
    if errors:
        raise ValidationError(errors)
    lon, lat = _validate_location(longitude, latitude)
    cleaned_photos = _clean_photos(photos)
    now = received_at or timezone.now()
    nature = nature or Case.Nature.HELP
    text = f"{title} {description}".strip()

    if grid is None and enterprise is not None and lon is None and enterprise.grid_id:
        grid = enterprise.grid
        lon, lat = enterprise.longitude, enterprise.latitude
    if auto_route and department is None and settings.CASES_ROUTE_IN_WORKER and not route_now:
        # Accept now, route in the task worker (cases_route_pending): the dispatch desk holds
        # the case meanwhile, so it is never without a responsible unit.
        decision = router.Decision(
            grid=grid,
            community_id=grid.community_id if grid else None,
            department=router.dispatch_desk(),
            category=category,
            routed_by=Case.RoutedBy.PENDING,
            reasons=[Text(gettext_noop("routing in the background"))],
            confident=False,
        )
    elif auto_route and not (grid is not None and department is not None):
        decision = router.route(
            text=text, category=category, longitude=lon, latitude=lat, grid=grid, department=department
        )
    else:
        decision = router.Decision(
            grid=grid,
            community_id=grid.community_id if grid else None,
            department=department,
            category=category,
            routed_by=Case.RoutedBy.MANUAL if department else "",
            reasons=[Text(gettext_noop("placed by staff"))] if department else [],
        )
        if department is None:
            decision.department = router.dispatch_desk()
            decision.routed_by = Case.RoutedBy.DISPATCH
            decision.confident = False
    category = decision.category
    if decision.grid is None and decision.community_id is None:
        decision.grid, decision.community_id = _home_of(actor)
    if priority is None:
        priority = _default_priority(category, kind)

    case = Case(
        code=code or new_code(now),
        kind=kind,
        source=source,
        title=(title or description[:40]).strip()[:200],
        description=description,
        category=category,
        nature=nature,
        status=Case.Status.RECEIVED,
        priority=priority,
        grid=decision.grid,
        community_id=decision.community_id,
        department=decision.department,
        longitude=lon,
        latitude=lat,
        address=(address or "")[:300],
        received_at=now,
        reporter_name=(reporter_name or "").strip()[:50],
        reporter_phone=(reporter_phone or "").strip()[:30],
        enterprise=enterprise,
        leader=leader,
        routed_by=decision.routed_by,
        routing_reason=decision.reason,
        routing_confidence=decision.confidence,
        suggested_category=decision.suggested_category,
        idempotency_key=idempotency_key or None,
        reporter=actor if getattr(actor, "pk", None) and getattr(actor, "role", "") == "resident" else None,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if enterprise is not None and case.community_id is None:
        case.community_id = enterprise.community_id
    if origin is not None:
        case.origin_type = ContentType.objects.get_for_model(origin)
        case.origin_id = str(origin.pk)
    case.deadline = deadline or compute_deadline(
        start=now, nature=nature, kind=kind, category=category, workdays_override=deadline_workdays
    )
    case.updated_by = case.created_by
    # Foreign keys are objects we hold (validated by the caller or from the router's cache):
    # no existence query for each. Uniqueness (code, idempotency key) is the database's job.
    case.clean_fields(exclude=["created_by", "updated_by", "deleted_by", "code", *_FK_FIELDS])
    case.clean()
    # Confident routing dispatches at once (Beijing: within minutes); otherwise the desk decides.
    # Folded into the creation: one INSERT in the received → dispatched state, the same two
    # timeline events and audit rows the separate "dispatch" transition writes.
    dispatch = bool(
        decision.confident
        and case.department_id
        and case.department.kind != "dispatch"
        and conf.get("cases.auto_dispatch")
    )
    dispatch_changes: dict[str, Any] = {}
    if dispatch:
        dispatch_changes = {
            "department": case.department,
            "dispatched_at": now if received_at is None else timezone.now(),
            "signed_at": None,
            "signed_on_time": None,
            "sign_deadline": None,
        }
        dispatch_changes["sign_deadline"] = workdays.deadline_after(
            dispatch_changes["dispatched_at"], workhours=int(conf.get("cases.sign_workhours"))
        )
        for k, v in dispatch_changes.items():
            setattr(case, k, v)
        case.status = Case.Status.DISPATCHED
        case.version = 2
        case.updated_by = None  # the system dispatched it
    case.derive_columns()
    events, audits = _case_rows(case, actor=actor, now=now, dispatch_changes=dispatch_changes if dispatch else None)
    notice = _notice(case, "dispatch") if dispatch else None
    return _Prepared(case=case, photos=cleaned_photos, events=events, audits=audits, notice=notice)


def _case_rows(case: Case, *, actor, now, dispatch_changes: dict | None) -> tuple[list, list]:
    """The timeline steps and audit rows of a new case (not yet saved): "create", and "dispatch"
    when confident routing dispatches it at once."""
    dispatch = dispatch_changes is not None
    created = snapshot_created = core_services.snapshot(case)
    if dispatch:  # the audit row of the creation shows the case as received, as before
        snapshot_created = {
            **created,
            "status": Case.Status.RECEIVED,
            "version": 1,
            "dispatched_at": None,
            "sign_deadline": None,
            "updated_by": case.created_by_id,
        }
    events = [
        _event_row(
            case,
            action="create",
            actor=actor,
            to_status=Case.Status.RECEIVED,
            at=now,
            note=Text(gettext_noop("Received via %(s)s."), s=Text.choice(Case.Source, case.source)),
            data={"routing": case.routing_reason},
        )
    ]
    audits = [core_services.audit_row(actor=actor, action=AuditEvent.Action.CREATE, obj=case, changes=snapshot_created)]
    if dispatch:
        note = Text(gettext_noop("Dispatched automatically: %(r)s"), r=case.routing_reason)
        at = dispatch_changes["dispatched_at"]
        events.append(
            _event_row(
                case,
                action="dispatch",
                actor=None,
                from_status=Case.Status.RECEIVED,
                to_status=Case.Status.DISPATCHED,
                note=note,
                data={"department": case.department.name},
                at=at,
            )
        )
        audits.append(
            core_services.audit_row(
                actor=None,
                action=AuditEvent.Action.TRANSITION,
                obj=case,
                changes={
                    "action": "dispatch",
                    "status": [Case.Status.RECEIVED, Case.Status.DISPATCHED],
                    **dispatch_changes,
                },
                note=note,
            )
        )
    return events, audits


def _case_write(prepared: _Prepared, *, actor) -> Case:
    """The INSERTs of one new case: the row, its timeline, audit rows, photos and notices, all
    built beforehand, so the transaction (on SQLite: the database's one write lock) holds little
    more than the writes."""
    case, events, audits = prepared.case, prepared.events, prepared.audits
    db.insert([case])
    _fill_ids(prepared)
    db.insert(events)  # (their case_id comes from the case just saved)
    db.insert(audits)
    if prepared.photos:
        _store_photos(case, prepared.photos, actor=actor, event=events[0])
    if prepared.notice is not None:
        _send_notice(case, prepared.notice)  # inbox rows in the same transaction as the case
    if case.status == Case.Status.DISPATCHED:  # dispatched at once by confident routing
        if case.origin_type_id:
            pk = case.pk
            transaction.on_commit(lambda: _origin_hook(pk, "dispatch"))
    elif case.routed_by == Case.RoutedBy.PENDING:
        transaction.on_commit(_wake_router)
    return case


def _fill_ids(prepared: _Prepared) -> None:
    """After the case's INSERT: its id in its audit rows, and in the creation's snapshot what
    the INSERT itself set."""
    case = prepared.case
    for audit in prepared.audits:
        audit.object_id = str(case.pk)
    snapshot = prepared.audits[0].changes
    for name in ("id", "created_at", "updated_at"):
        snapshot[name] = core_services._jsonable(getattr(case, name))


def _default_priority(category: Category | None, kind: str) -> int:
    if category is not None and category.priority:
        return category.priority
    return 3 if kind == Case.Kind.ENTERPRISE else 2


# ----------------------------------------------------------------------------- routing in the worker

# A process wakes the worker at most once per WAKE_SECONDS; the woken task then keeps watching
# the queue until it has been empty for longer than that, so no accepted case waits for the
# periodic sweep (which stays as the safety net).
WAKE_SECONDS = 1.0
# A case still waiting for the worker after this long shows in the desk's queue for a person.
ROUTING_OVERDUE = datetime.timedelta(minutes=2)
_wake_lock = threading.Lock()
_last_wake = [-math.inf]


def _wake(task, last: list[float]) -> None:
    """Wake the worker for `task` unless this process did so less than WAKE_SECONDS ago."""
    with _wake_lock:
        now = time.monotonic()
        if now - last[0] < WAKE_SECONDS:
            return
        last[0] = now
    from shanzhi.cases import tasks

    tasks.wake(task)


def _wake_router() -> None:
    from shanzhi.cases import tasks

    _wake(tasks.route_pending_cases, _last_wake)


def cases_route_pending(*, batch: int = 50, limit: int | None = None) -> int:
    """Route the cases accepted with routing left to the worker (settings.CASES_ROUTE_IN_WORKER),
    oldest first, a batch at a time: the same decision as routing at intake (location → grid →
    community, rules, category, classifier, the desk when unsure), confident ones dispatched at
    once with their notices. Each case gets one timeline event and audit row ("dispatch", or
    "route" when it stays at the desk). A case the desk already acted on keeps what they did.

    Decisions are made before the write transaction, which then holds only the writes: on
    SQLite the transaction holds the database's one write lock, which intake needs too. Several
    workers may run: on PostgreSQL rows are claimed with SKIP LOCKED; everywhere a row is written
    only if unchanged since it was read. Returns how many cases left the queue."""
    done = 0
    claim = connection.features.has_select_for_update_skip_locked
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        qs = (
            Case.all_objects.filter(routed_by=Case.RoutedBy.PENDING)
            .select_related("category", "grid", "department")
            .order_by("id")
        )
        if claim:  # PostgreSQL: row locks; other workers skip these rows
            with transaction.atomic():
                cases = list(qs.select_for_update(skip_locked=True, of=("self",))[:size])
                done += _route_write([_route_plan_or_desk(case) for case in cases])
        else:
            cases = list(qs[:size])
            plans = [_route_plan_or_desk(case) for case in cases]
            with transaction.atomic():
                done += _route_write(plans)
        if len(cases) < size:
            break
    return done


@dataclasses.dataclass
class _RoutePlan:
    case: Case
    changes: dict  # empty: settle (the desk acted on it meanwhile)
    action: str = ""
    note: Text | str = ""
    reason: Text | str = ""


def _pk(value):
    return value.pk if isinstance(value, Model) else value


def _route_plan_or_desk(case: Case) -> _RoutePlan:
    """`_route_plan`, or — if routing this one case fails — the desk with the reason logged, so
    one bad case neither blocks the queue behind it nor stays pending for ever."""
    try:
        return _route_plan(case)
    except Exception:
        logger.exception("routing case %s failed; left at the dispatch desk", case.pk)
        reason = Text(gettext_noop("routing failed: the dispatch desk decides"))
        return _RoutePlan(
            case=case,
            changes={"routed_by": Case.RoutedBy.DISPATCH, "routing_reason": reason},
            action="route",
            note=Text(gettext_noop("Left at the dispatch desk: %(r)s"), r=reason),
            reason=reason,
        )


def _route_plan(case: Case) -> _RoutePlan:
    desk = router.dispatch_desk()
    if case.status != Case.Status.RECEIVED or case.is_deleted or (desk and case.department_id != desk.pk):
        # The desk accepted, cancelled or merged it meanwhile (a dispatch by hand already marks
        # it routed by staff): theirs is the decision.
        return _RoutePlan(case=case, changes={})
    given_title = "" if case.description.startswith(case.title) else case.title
    decision = router.route(
        text=f"{given_title} {case.description}".strip(),
        category=case.category,
        longitude=case.longitude,
        latitude=case.latitude,
        grid=case.grid,
    )
    changes: dict[str, Any] = {
        "grid": decision.grid,
        "community_id": decision.community_id or case.community_id,  # an enterprise's, if any
        "department": decision.department,
        "routed_by": decision.routed_by,
        "routing_reason": decision.reason,
        "routing_confidence": decision.confidence,
        "suggested_category": decision.suggested_category,
    }
    if decision.category is not None and case.category_id is None:
        # The router chose the category: its priority and deadline apply unless the channel
        # set them (they then differ from what no category gives).
        changes["category"] = decision.category
        if case.priority == _default_priority(None, case.kind):
            changes["priority"] = _default_priority(decision.category, case.kind)
        kw = {"start": case.received_at, "nature": case.nature, "kind": case.kind}
        if case.deadline == compute_deadline(category=None, **kw):
            changes["deadline"] = compute_deadline(category=decision.category, **kw)
    dispatch = bool(
        conf.get("cases.auto_dispatch")
        and decision.confident
        and decision.department
        and decision.department.kind != "dispatch"
    )
    if dispatch:
        now = timezone.now()
        changes |= {
            "status": Case.Status.DISPATCHED,
            "dispatched_at": now,
            "sign_deadline": workdays.deadline_after(now, workhours=int(conf.get("cases.sign_workhours"))),
        }
    if dispatch:
        template = gettext_noop("Dispatched automatically: %(r)s")
    else:
        template = gettext_noop("Left at the dispatch desk: %(r)s")
    return _RoutePlan(
        case=case,
        changes=changes,
        action="dispatch" if dispatch else "route",
        note=Text(template, r=decision.reason),
        reason=decision.reason,
    )


def _route_write(plans: list[_RoutePlan]) -> int:
    now = timezone.now()
    events, audits, dispatched, settled = [], [], [], 0
    for plan in plans:
        case, changes = plan.case, plan.changes
        pending = Case.all_objects.filter(pk=case.pk, routed_by=Case.RoutedBy.PENDING)
        if not changes:
            settled += pending.update(routed_by=Case.RoutedBy.DISPATCH)
            continue
        old = {k: getattr(case, Case._meta.get_field(k).attname) for k in changes}
        if not pending.filter(version=case.version).update(
            **changes, version=F("version") + 1, updated_at=now, updated_by=None
        ):
            continue  # changed since read: the next batch reads it again
        for k, v in changes.items():
            setattr(case, k, v)
        case.version += 1
        events.append(
            _event_row(
                case,
                action=plan.action,
                actor=None,
                from_status=Case.Status.RECEIVED,
                to_status=case.status,
                note=plan.note,
                data={"department": case.department.name if case.department else "", "routing": plan.reason},
                at=changes.get("dispatched_at", now),
            )
        )
        audits.append(
            core_services.audit_row(
                actor=None,
                action=AuditEvent.Action.TRANSITION,
                obj=case,
                changes={
                    "action": plan.action,
                    **{k: [old[k], _pk(v)] for k, v in changes.items() if old[k] != _pk(v)},
                },
                note=plan.note,
            )
        )
        if plan.action == "dispatch":
            dispatched.append(case)
    db.insert(events)
    db.insert(audits)
    notices = []
    for case in dispatched:
        notice = _notice(case, "dispatch")
        if notice is not None:
            notices += _notice_rows(case, notice)
        if case.origin_type_id:
            pk = case.pk
            transaction.on_commit(lambda pk=pk: _origin_hook(pk, "dispatch"))
    db.insert(notices)
    return len(events) + settled


# ----------------------------------------------------------------------------- queued intake

# The input `case_submit` keeps: the keyword arguments of `case_create` a caller may give.
# Related rows are stored by id and read again when the case is filed.
SUBMISSION_FIELDS = (
    "description",
    "title",
    "kind",
    "nature",
    "longitude",
    "latitude",
    "address",
    "reporter_name",
    "reporter_phone",
)
SUBMISSION_RELATED = ("category", "grid", "department", "enterprise", "leader")
# A batch of the worker: one transaction (on SQLite: the one write lock) of about 10 ms.
FILE_BATCH = 50


def case_submit(*, actor, source: str, data: dict, idempotency_key: str | None = None) -> tuple[Submission, bool]:
    """Accept a case now and file it in the task worker: one INSERT, no routing, no deadline.

    `data` is input the caller has validated (`case_create`'s keyword arguments; related rows
    as instances). The submission gets the tracking code its case will carry. A retry with the
    same `idempotency_key` returns the first submission (the key is unique; no lookup before
    the INSERT). Returns (submission, created). After the commit the worker is woken
    (`cases_file_submissions`); the periodic job `cases.file_submissions` is the safety net."""
    stored = {k: data[k] for k in SUBMISSION_FIELDS if data.get(k) not in (None, "")}
    for k in SUBMISSION_RELATED:
        if data.get(k) is not None:
            stored[k] = data[k].pk
    now = timezone.now()
    for attempt in range(3):
        sub = Submission(
            code=new_code(now),
            received_at=now,
            submitted_by=actor,
            source=source,
            idempotency_key=idempotency_key or None,
            data=stored,
        )
        try:
            # Alone (autocommit) the INSERT is its own transaction; inside a caller's, a
            # savepoint keeps a refused INSERT from breaking it.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                db.insert([sub])
            break
        except IntegrityError:
            existing = Submission.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
            if existing is not None:
                return existing, False
            if attempt == 2 or not Submission.objects.filter(code=sub.code).exists():
                raise
            # else a code drawn twice (about 1 in 10^12 a pair): draw again
    transaction.on_commit(_wake_filer)
    return sub, True


_last_file_wake = [-math.inf]


def _wake_filer() -> None:
    from shanzhi.cases import tasks

    _wake(tasks.file_submissions, _last_file_wake)


@dataclasses.dataclass
class _Filing:
    sub: Submission
    prepared: _Prepared | None = None
    case_id: int | None = None  # filed before: a case with the same idempotency key exists
    error: str = ""


def cases_file_submissions(*, batch: int = FILE_BATCH, limit: int | None = None) -> int:
    """File queued submissions as cases, oldest first, a batch at a time: each exactly as
    `case_create` would have at the moment it was accepted (routing, deadline from its
    reception, dispatch, timeline, audit, notices), with the code it was given.

    Everything is worked out before the write transaction, which holds only the INSERTs and
    one UPDATE of the batch's submissions. Several workers may run: on PostgreSQL a batch is
    claimed with SKIP LOCKED; elsewhere the UPDATE checks that no other worker took it. A
    submission whose case cannot be built even without the rows it names (a category switched
    off since) is kept as refused, with the reason. Returns how many left the queue."""
    done = 0
    claim = connection.features.has_select_for_update_skip_locked
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        qs = Submission.objects.filter(status=Submission.Status.QUEUED).order_by("id")
        if claim:  # PostgreSQL: row locks; other workers skip these rows
            with transaction.atomic():
                subs = list(qs.select_for_update(skip_locked=True)[:size])
                filings = _file_plans(subs)
                done += _file_write(filings)
        else:
            subs = list(qs[:size])
            filings = _file_plans(subs)
            done += _file_write(filings)
        if len(subs) < size:
            break
    return done


def _file_plans(subs: list[Submission], *, code: str | None = None) -> list[_Filing]:
    """Each submission's case built (`_Prepared`) under the submission's code, or `code`."""
    from shanzhi.accounts.models import User
    from shanzhi.orgs.models import Enterprise

    if not subs:
        return []
    users = {u.pk: u for u in User.objects.filter(pk__in={s.submitted_by_id for s in subs})}
    keys = [s.idempotency_key for s in subs if s.idempotency_key]
    filed = dict(Case.all_objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "pk")) if keys else {}
    wanted = {k: {s.data[k] for s in subs if s.data.get(k)} for k in ("enterprise", "leader")}
    rows = {
        "enterprise": Enterprise.objects.in_bulk(wanted["enterprise"]),
        "leader": User.objects.in_bulk(wanted["leader"]),
    }
    lookup = {
        "category": router.category_by_pk,
        "grid": router.grid_by_pk,
        "department": router.department_by_pk,
        "enterprise": rows["enterprise"].get,
        "leader": rows["leader"].get,
    }
    filings = []
    for sub in subs:
        filing = _Filing(sub=sub, case_id=filed.get(sub.idempotency_key))
        if filing.case_id is None:
            kwargs = {k: v for k, v in sub.data.items() if k in SUBMISSION_FIELDS}
            related = {k: lookup[k](sub.data[k]) for k in SUBMISSION_RELATED if sub.data.get(k)}
            # Then without the rows it names (one switched off since): the desk places it.
            for attempt in (related, {}) if related else (related,):
                try:
                    filing.prepared = _case_prepare(
                        **kwargs,
                        **attempt,
                        actor=users[sub.submitted_by_id],
                        source=sub.source,
                        idempotency_key=sub.idempotency_key,
                        received_at=sub.received_at,
                        route_now=True,
                        code=code or sub.code,
                    )
                    break
                except ValidationError as exc:
                    filing.error = "; ".join(exc.messages)
                except Exception as exc:  # a bug one input trips must not hold up the queue behind it
                    logger.exception("submission %s could not be prepared; kept as refused", sub.code)
                    filing.error = f"{type(exc).__name__}: {exc}"
                    break
            if filing.prepared is not None and attempt is not related:
                logger.warning("submission %s filed without %s: %s", sub.code, ", ".join(related), filing.error)
                filing.error = ""
        filings.append(filing)
    return filings


class _Taken(Exception):
    """Another worker filed part of the batch first."""


class _Stale(Exception):
    """Another writer took the case keys reserved for the batch."""


@dataclasses.dataclass
class _FileRows:
    """A batch's rows, converted for writing (`db.prepare`); the cases carry reserved keys."""

    cases: list[Case]
    prepared: list  # of db.Prepared: cases, timeline, audit, notices


def _file_prepare(filings: list[_Filing]) -> _FileRows:
    """Everything the batch writes, built and converted before its write transaction (on SQLite
    the whole database's write lock: the web processes wait for it, so it holds only the
    statements). The cases get keys reserved now (again, if called again), so their timeline,
    audit and notices are complete too."""
    new = [f for f in filings if f.prepared is not None and f.case_id is None]
    cases = [f.prepared.case for f in new]
    for f in new:
        f.prepared.case.pk = None
        for event in f.prepared.events:
            event.case = f.prepared.case  # its key read again when prepared (Django keeps one set)
    for case, pk in zip(cases, db.reserve_keys(Case, len(cases)) if cases else (), strict=True):
        case.pk = pk
    prepared = [db.prepare(cases)]  # (sets created_at and updated_at, which the audit records)
    events, audits, notices = [], [], []
    for f in new:
        _fill_ids(f.prepared)
        events += f.prepared.events
        audits += f.prepared.audits
        if f.prepared.notice is not None:
            notices += _notice_rows(f.prepared.case, f.prepared.notice)
    prepared += [db.prepare(events), db.prepare(audits), db.prepare(notices)]  # the batch's inbox rows together
    return _FileRows(cases=cases, prepared=prepared)


def _file_write(filings: list[_Filing]) -> int:
    """One transaction for the batch. If it fails on a unique index (a case filed meanwhile
    through the other intake with the same key; a code drawn twice), each submission is written
    on its own: linked to that case, or given a new code, or at last kept as refused."""
    if not filings:
        return 0
    try:
        for _attempt in range(2):
            rows = _file_prepare(filings)
            try:
                with transaction.atomic():
                    return _file_rows(filings, rows)
            except _Stale:  # a case made meanwhile took a reserved key
                pass
        with transaction.atomic():  # at last built under the write lock, where none is taken
            return _file_rows(filings, None)
    except _Taken:
        return 0
    except IntegrityError:
        pass
    done = 0
    for sub in [f.sub for f in filings]:
        # Built again: the failed batch may have set ids on the first build's rows. Built, it
        # also links a case that took the key meanwhile.
        (filing,) = _file_plans([sub])
        for attempt in range(3):
            try:
                with transaction.atomic():
                    done += _file_rows([filing], None)
                break
            except _Taken:
                break
            except IntegrityError as exc:
                (filing,) = _file_plans([sub])
                if filing.case_id is not None or filing.prepared is None:
                    continue
                if attempt == 0:  # its code was drawn twice: a new one
                    (filing,) = _file_plans([sub], code=new_code(sub.received_at))
                else:
                    filing.prepared, filing.error = None, str(exc)
    return done


def _file_rows(filings: list[_Filing], rows: _FileRows | None) -> int:
    """The batch's statements, inside its transaction; `rows` built before it (checked: are
    its reserved keys still free?), or None to build them now."""
    now = timezone.now()
    subs = [f.sub for f in filings]
    # Take the batch first: on SQLite this makes the transaction the writer, so a second worker
    # waits here, then finds the rows taken and leaves them (PostgreSQL holds their row locks).
    taken = Submission.objects.filter(pk__in=[s.pk for s in subs], status=Submission.Status.QUEUED).update(
        status=Submission.Status.FILED, filed_at=now
    )
    if taken != len(subs):
        raise _Taken
    if rows is None:
        rows = _file_prepare(filings)
    elif not db.keys_free(Case, [c.pk for c in rows.cases]):
        raise _Stale
    for prepared in rows.prepared:
        db.write(prepared)
    new = [f for f in filings if f.prepared is not None and f.case_id is None]
    for f in new:
        f.case_id = f.prepared.case.pk
    for f in filings:
        f.sub.status = Submission.Status.FILED if f.case_id else Submission.Status.REFUSED
        f.sub.case_id, f.sub.filed_at = f.case_id, now
        f.sub.error = "" if f.case_id else f.error
    # Most were filed under their own code: one UPDATE finds their cases by it (unique index).
    same = [f.sub.pk for f in new if f.prepared.case.code == f.sub.code]
    if same:
        Submission.objects.filter(pk__in=same).update(
            case_id=Subquery(Case.all_objects.filter(code=OuterRef("code")).values("pk")[:1])
        )
    same = set(same)
    for f in filings:  # the few others: linked to a case made earlier, given a new code, refused
        if f.sub.pk not in same:
            Submission.objects.filter(pk=f.sub.pk).update(status=f.sub.status, case_id=f.case_id, error=f.sub.error)
    refused = [f.sub.code for f in filings if not f.case_id]
    if refused:
        logger.error("submissions kept as refused (could not be filed): %s", ", ".join(refused))
    return len(filings)


# ----------------------------------------------------------------------------- capabilities


def role_capabilities(actor) -> set[str]:
    """What the actor's role may do to any case in its scope (the part that does not depend on
    the case): e.g. DISPATCH — choosing the handling department, at intake too."""
    if actor is None:
        return {workflow.SYSTEM}
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return set()
    role = getattr(actor, "role", "")
    if actor.is_superuser or role == "admin":
        # Not SUMMONED: 报到 and a department's report are its department's (see `capabilities`);
        # the page offered them to the administrator on every whistled case, then refused both.
        return {workflow.DISPATCH, workflow.HANDLE, workflow.LEAD, workflow.SUMMONER}
    if role == "leader":
        return {workflow.LEAD, workflow.DISPATCH, workflow.SUMMONER}
    if role == "dept" and actor.department_id and actor.department.kind == "dispatch":
        return {workflow.DISPATCH, workflow.SUMMONER}
    if role == "community":
        return {workflow.DISPATCH, workflow.SUMMONER}
    if role == "grid":
        return {workflow.SUMMONER}
    return set()


def capabilities(actor, case: Case) -> set[str]:
    """What the actor may do to this case in the workflow table's terms (scope is checked apart)."""
    caps = role_capabilities(actor)
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return caps
    role = getattr(actor, "role", "")
    if actor.is_superuser or role == "admin":
        if _summoned(actor, case):
            caps.add(workflow.SUMMONED)
        return caps
    if role == "dept" and actor.department_id:
        if case.department_id == actor.department_id:
            caps.add(workflow.HANDLE)
        if _summoned(actor, case):
            caps.add(workflow.SUMMONED)
    elif role == "community":
        if _locally_handled(case):
            caps.add(workflow.HANDLE)
    elif role == "grid":
        if _locally_handled(case):
            caps.add(workflow.HANDLE)
        if case.created_by_id == actor.pk:  # their own finding: they check the result on site
            caps.add(workflow.REPORTER)
    return caps


def _summoned(actor, case: Case) -> bool:
    """Whether the actor's own department is summoned to the case (吹哨报到)."""
    return bool(getattr(actor, "department_id", None)) and (
        case.summons.filter(department_id=actor.department_id, is_deleted=False).exists()
    )


def _locally_handled(case: Case) -> bool:
    """No department: the community / grid handles the case itself (社区自办)."""
    return case.department_id is None


def _in_scope(actor, case: Case) -> bool:
    if actor is None:
        return True
    return Case.objects.filter(pk=case.pk).restrict(actor, CHANGE).exists()


def available_actions(actor, case: Case) -> list[str]:
    if actor is not None and not actor.has_perm("cases.change_case"):
        return []
    if not _in_scope(actor, case):
        return []
    caps = capabilities(actor, case)
    return [
        a
        for a in workflow.allowed_actions(case.status, caps)
        if a in workflow.STAFF_ACTIONS
        and _refusal(case, a, actor) is None
        and (a != "rate_department" or rateable_summons(case, actor))
    ]


def _unit(user) -> tuple:
    """The unit a person speaks for when summoning (吹哨), from their scope: the street
    (leaders, admins), their department (the dispatch desk), their community; a grid worker
    only for themselves."""
    scope = scope_for(user)
    if scope.level == LEVEL_ALL:
        return ("street",)
    if scope.level == LEVEL_DEPARTMENT:
        return ("department", scope.department_ids)
    if scope.level == LEVEL_COMMUNITY:
        return ("community", scope.community_ids)
    return ("user", user.pk)


def summoner_side(actor, summons: CaseSummons) -> bool:
    """Whether `actor` may rate `summons`: the side that summoned the department (whoever blew
    that whistle, or a colleague of the same unit — see `_unit`). A summons with no recorded
    summoner (the system's, older rows) may be rated by any summoner in scope."""
    if actor is None or workflow.SUMMONER not in role_capabilities(actor):
        return False
    summoner = summons.created_by
    if summoner is None:
        return True
    return actor.pk == summoner.pk or _unit(actor) == _unit(summoner)


def rateable_summons(case: Case, actor) -> list[CaseSummons]:
    """The summoned departments `actor` may still rate (once each, by the summoning side)."""
    live = case.summons.filter(is_deleted=False, rated_at__isnull=True).select_related("department", "created_by")
    return [s for s in live if summoner_side(actor, s)]


def extension_deadline(case: Case, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """The deadline the pending extension request would give if approved now (None: no request)."""
    if not case.extension_days_requested:
        return None
    now = now or timezone.now()
    return workdays.deadline_after(max(case.deadline or now, now), workdays=case.extension_days_requested)


def _refusal(case: Case, action: str, actor, params: dict | None = None) -> str | None:
    """Why a step the table allows cannot be taken on this case now (the case's own state, not
    the input): the page offers no button for it, and the step is refused with this reason."""
    if action in ("approve_extension", "refuse_extension") and not case.extension_days_requested:
        return _("There is no extension request to decide.")
    if action == "request_extension" and case.extension_days_requested:
        return _("An extension request is already waiting for a decision.")
    if action == "reopen" and not (
        case.callback_satisfaction == Case.Satisfaction.UNSATISFIED
        or case.callback_resolved is False
        or (params or {}).get("force")
    ):
        return _("Only a case whose call-back was unsatisfied or unresolved can be reopened.")
    if action == "arrive" and getattr(actor, "department_id", None):
        if case.summons.filter(department_id=actor.department_id, is_deleted=False, arrived_at__isnull=False).exists():
            return _("Your department has already reported its arrival.")
    if action == "supervise" and case.supervised:
        return _("The case is already under supervision.")
    if action == "rate_department":
        live = case.summons.filter(is_deleted=False)
        if not live.exists():
            return _("No department was summoned to this case.")
        if not live.filter(rated_at__isnull=True).exists():
            return _("Every summoned department has already been rated.")
    return None


# ----------------------------------------------------------------------------- transitions


def case_transition(
    *,
    case: Case,
    action: str,
    actor,
    note: str | Text = "",
    expected_version: int | None = None,
    photos: Sequence = (),
    **params: Any,
) -> Case:
    """Apply one workflow action. The one place a case's state changes.

    Locks the row; refuses a stale `expected_version` or a state that changed since the caller
    read it (ConflictError → 409); checks the table, the role, the scope and the guards
    (ValidationError → 400, PermissionDenied → 403); writes the timeline event and the audit
    row; recomputes deadlines; notifies and calls origin handlers after commit.
    `actor=None` is the system (periodic job).
    """
    with transaction.atomic():
        locked = Case.objects.select_for_update().filter(pk=case.pk).first()
        if locked is None:
            raise ValidationError(_("This case no longer exists."))
        # A side step (arrival, a department's report, a rating, a note) changes nothing a stale
        # page could overwrite: it is checked against the case as it is now, by the table below.
        side = action in workflow.SIDE_STEPS
        if expected_version is not None and locked.version != expected_version and not side:
            raise ConflictError(
                _("Someone else changed this case first (now: %(s)s). Reload the page and try again.")
                % {"s": locked.get_status_display()}
            )
        if (
            expected_version is None
            and case.status != locked.status
            and action not in ("warn", "escalate")
            and not side
        ):
            raise ConflictError(
                _("Someone else changed this case first (now: %(s)s). Reload the page and try again.")
                % {"s": locked.get_status_display()}
            )
        t = workflow.transition_for(locked.status, action)
        if t is None:
            raise ValidationError(
                _("“%(a)s” is not possible while the case is %(s)s.")
                % {"a": workflow.action_label(action), "s": locked.get_status_display()}
            )
        if actor is not None:
            if not actor.has_perm("cases.change_case"):
                raise PermissionDenied(_("Your role may not do this."))
            if not _in_scope(actor, locked):
                raise PermissionDenied(_("This case is outside your scope."))
        if not (t.who & capabilities(actor, locked)):
            raise PermissionDenied(_("Your role may not take this step on this case."))
        note = strip_controls(note or "").strip() if not isinstance(note, Text) else note
        if t.needs_note and not note:
            raise ValidationError({"note": _("Give a reason or a note for this step.")})
        if not isinstance(note, Text) and len(note) > NOTE_MAX:
            raise ValidationError({"note": _("At most %(n)d characters.") % {"n": NOTE_MAX}})
        result = _apply(locked, action, actor=actor, note=note, params=params, photos=photos)
    for k, v in vars(result).items():  # keep the caller's object fresh
        if not k.startswith("_"):
            setattr(case, k, v)
    return result


def department_of(value, key: str = "department"):
    """A Department from a Department or its id; None for nothing given. An id that is not a
    whole number or names no department is refused (`Department.objects.filter(pk="abc")`
    raised ValueError: a 500)."""
    from shanzhi.orgs.models import Department

    if value is None or value == "" or isinstance(value, Department):
        return value or None
    pk = int_param(value, lo=1)
    dept = Department.objects.filter(pk=pk).first() if pk is not None else None
    if dept is None:
        raise ValidationError({key: _("Unknown department.")})
    return dept


def _dept_or_error(params: dict, key: str = "department"):
    return department_of(params.get(key), key)


def _apply(
    case: Case, action: str, *, actor, note: str | Text = "", params: dict | None = None, photos: Sequence = ()
) -> Case:
    """Inside a transaction with `case` locked: guards, effects, timeline, audit."""
    params = params or {}
    now = timezone.now()
    before = case.status
    after = workflow.next_state(before, action, case.suspended_from)
    if after is None:
        raise ValidationError(_("“%(a)s” is not possible now.") % {"a": workflow.action_label(action)})
    refusal = _refusal(case, action, actor, params)
    if refusal is not None:
        raise ValidationError(refusal)
    data: dict[str, Any] = {}
    is_public = True
    changed: dict[str, Any] = {}
    notify_departments: list[int] | None = None

    def setf(**kw):
        for k, v in kw.items():
            setattr(case, k, v)
            changed[k] = v

    if action in ("dispatch", "reassign", "reopen"):
        dept = _dept_or_error(params)
        local = bool(params.get("local"))
        if action == "reassign" and dept is None and not local:
            raise ValidationError({"department": _("Choose the department to reassign to.")})
        if action == "dispatch" and dept is None and not local:
            dept = case.department
            if dept is None or dept.kind == "dispatch":
                raise ValidationError({"department": _("Choose the department to dispatch to.")})
        if action == "reopen" and not local:
            dept = dept or case.department
        # Reopening to the desk left a dispatched case with the desk: out of the desk's queue
        # (which holds only cases waiting to be dispatched) while the desk was offered the
        # handler's steps. A reopened case goes to a handling department (or the community).
        if dept is not None and dept.kind == "dispatch":
            raise ValidationError({"department": _("Dispatch to a handling department, not to the dispatch desk.")})
        if action == "reassign" and dept is not None and dept.pk == case.department_id:
            raise ValidationError({"department": _("The case is already with this department: choose another one.")})
        if action == "reopen":
            setf(
                reopen_count=case.reopen_count + 1,
                deadline=compute_deadline(start=now, nature=case.nature, kind=case.kind, category=case.category),
                warned_at=None,
                escalation_level=0,
                completed_on_time=None,
                replied_at=None,
                closed_at=None,
            )
        grid = params.get("grid")
        if grid is not None:
            setf(grid=grid, community_id=grid.community_id)
        if dept is not None or local:
            old = case.department
            setf(department=None if local else dept)
            if action in ("reassign", "dispatch") and not params.get("auto") and old != case.department:
                setf(
                    routed_by=Case.RoutedBy.MANUAL,
                    routing_reason=Text(
                        gettext_noop("re-routed by staff: %(a)s → %(b)s"),
                        a=old.name if old else "—",
                        b=case.department.name if case.department else Text(gettext_noop("community")),
                    ),
                )
            data["department"] = case.department.name if case.department else Text(gettext_noop("community handles it"))
        if "category" in params and params["category"] is not None:
            setf(category=params["category"])
        setf(
            dispatched_at=now,
            signed_at=None,
            signed_on_time=None,
            sign_deadline=workdays.deadline_after(now, workhours=int(conf.get("cases.sign_workhours"))),
        )
        if case.deadline is None:
            setf(
                deadline=compute_deadline(
                    start=case.received_at, nature=case.nature, kind=case.kind, category=case.category
                )
            )
    elif action == "sign":
        setf(signed_at=now, signed_on_time=bool(case.sign_deadline is None or now <= case.sign_deadline))
    elif action == "return":
        setf(return_count=case.return_count + 1, department=router.dispatch_desk() or case.department, signed_at=None)
        data["returned_by"] = str(getattr(actor, "department", "") or "")
    elif action == "reply":
        setf(
            reply=note,
            replied_at=now,
            completed_on_time=None if case.was_suspended else bool(case.deadline is None or now <= case.deadline),
        )
    elif action == "rework":
        setf(rework_count=case.rework_count + 1, replied_at=None, completed_on_time=None)
    elif action == "callback":
        contacted = bool(params.get("contacted"))
        resolved = params.get("resolved")
        satisfaction = params.get("satisfaction") or ""
        valid = params.get("is_valid", True)
        if contacted and satisfaction not in Case.Satisfaction.values:
            raise ValidationError({"satisfaction": _("Record the reporter's satisfaction.")})
        if contacted and resolved is None:
            raise ValidationError({"resolved": _("Record whether the problem was resolved.")})
        if not contacted:
            # Nobody was reached: nobody said it was resolved or how satisfied they were,
            # whatever the form sent (it always sends "resolved"). A valid unreached call-back
            # counts in the rates' denominator: not responded, not resolved, not satisfied.
            satisfaction, resolved = "", False
        cb = CallBack.objects.create(
            case=case,
            contacted=contacted,
            resolved=resolved,
            satisfaction=satisfaction,
            is_valid=bool(valid),
            note=note,
            at=now,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if cb.is_valid:
            setf(
                callback_valid=True,
                callback_contacted=contacted,
                callback_resolved=resolved,
                callback_satisfaction=satisfaction,
                callback_at=now,
            )
        data.update(contacted=contacted, resolved=resolved, satisfaction=satisfaction, valid=bool(valid))
        is_public = False
    elif action == "close":
        setf(closed_at=now)
    elif action in ("cancel", "merge"):
        setf(closed_at=now)
        if action == "merge":
            target = params.get("into")
            if not isinstance(target, Case):
                raise ValidationError({"into": _("Choose the case to merge into.")})
            if target.pk == case.pk:
                raise ValidationError({"into": _("A case cannot be merged into itself: choose the case to keep.")})
            # Its state as stored now, not as the caller read it.
            target = Case.objects.filter(pk=target.pk).first() or target
            if target.status in CLOSED_STATES:
                raise ValidationError(
                    {
                        "into": _("Case %(c)s is %(s)s: merge only into a case that is still open.")
                        % {"c": target.code, "s": target.get_status_display()}
                    }
                )
            setf(merged_into=target)
            data["into"] = target.code
            note = note or Text(gettext_noop("Merged into %(c)s (duplicate)."), c=target.code)
        else:
            reason = params.get("reason") or "invalid"
            if reason not in workflow.CANCEL_REASONS:
                raise ValidationError({"reason": _("Choose why the case is cancelled: a duplicate or invalid.")})
            data["reason"] = reason
    elif action == "suspend":
        setf(suspended_from=before, suspended_at=now, was_suspended=True)
    elif action == "resume":
        # The working time the case was suspended, in whole working days begun (deadlines end a
        # working day; a day is the office hours' length): with 09:00–17:30, Friday 17:00 to
        # Monday 09:00 gives 1 (half an hour), a whole Tuesday 09:00–17:00 gives 1 (the calendar
        # dates gave 0), Friday 17:30 to Monday 09:00 gives 0.
        calendar = workdays.Calendar()
        lost_time = calendar.working_time_between(case.suspended_at or now, now)
        lost = math.ceil(lost_time / calendar.workday_length)
        if case.deadline is not None and lost > 0:
            # A new deadline: its warning and escalations start over.
            setf(deadline=calendar.deadline_after(case.deadline, workdays=lost), warned_at=None, escalation_level=0)
        setf(suspended_from="", suspended_at=None)
        data["deadline_extended_workdays"] = lost
    elif action == "request_extension":
        days = params.get("days")
        try:
            days = int(days)
        except (TypeError, ValueError):
            raise ValidationError({"days": _("Give the number of working days requested.")}) from None
        if not 1 <= days <= 60:
            raise ValidationError({"days": _("Between 1 and 60 working days.")})
        setf(extension_days_requested=days)
        data["days"] = days
    elif action in ("approve_extension", "refuse_extension"):
        if action == "approve_extension":
            setf(deadline=extension_deadline(case, now), warned_at=None, escalation_level=0)
        data["days"] = case.extension_days_requested
        setf(extension_days_requested=None)
    elif action == "supervise":
        setf(supervised=True)
    elif action == "urge":
        setf(urge_count=case.urge_count + 1)
    elif action == "warn":
        setf(warned_at=now)
        is_public = False
    elif action == "escalate":
        level = params.get("level") or case.escalation_level + 1
        if not case.escalation_level < level <= int(conf.get("cases.max_escalation_level")):
            raise ValidationError(_("The case is already at this escalation level."))
        setf(escalation_level=level)
        data["level"] = level
        is_public = False
    elif action == "whistle":
        notify_departments = _whistle(case, actor=actor, params=params, now=now, data=data, setf=setf)
    elif action in ("arrive", "report_part"):
        if actor is None or not getattr(actor, "department_id", None):
            raise PermissionDenied(_("Only a summoned department reports here."))
        s = case.summons.filter(department_id=actor.department_id, is_deleted=False).first()
        if s is None:
            raise PermissionDenied(_("Your department was not summoned to this case."))
        if action == "arrive":
            s.arrived_at, s.status = now, CaseSummons.Status.ARRIVED
        else:
            s.report, s.reported_at, s.status = note, now, CaseSummons.Status.REPORTED
            s.arrived_at = s.arrived_at or now
        s.version = F("version") + 1
        s.save()
        data["department"] = s.department.name
    elif action == "rate_department":
        dept = _dept_or_error(params)
        s = None
        if dept is not None:
            s = case.summons.filter(department=dept, is_deleted=False).select_related("created_by").first()
        if s is None:
            raise ValidationError({"department": _("This department was not summoned to the case.")})
        if not summoner_side(actor, s):
            raise PermissionDenied(_("Only the side that blew the whistle rates the departments it summoned."))
        score = int_param(params.get("score"), lo=1, hi=5)
        if score is None:
            raise ValidationError({"score": _("Give a score from 1 to 5.")})
        # Once per department: the first rating stands (a conditional UPDATE, so two at once
        # cannot both pass).
        rated = CaseSummons.objects.filter(pk=s.pk, rated_at__isnull=True).update(
            rating=score,
            rated_at=now,
            version=F("version") + 1,
            updated_at=now,
            updated_by=actor if getattr(actor, "pk", None) else None,
        )
        if not rated:
            raise ValidationError(
                {"department": _("%(d)s has already been rated: each department is rated once.") % {"d": dept.name}}
            )
        data.update(department=dept.name, score=score)
    elif action == "note":
        is_public = bool(params.get("public", False))

    if case.extension_days_requested and after not in (workflow.SIGNED, workflow.IN_PROGRESS, workflow.SUSPENDED):
        # A pending extension lapses with the handling it was asked for (a reply, a return, a
        # reassignment, a whistle …): it stayed on the replied case, came back for a decision
        # after a rework and refused the department's new request.
        setf(extension_days_requested=None)
    if after != before:
        setf(status=after)
    case.updated_by = actor if getattr(actor, "pk", None) else None
    case.version = F("version") + 1
    case.save()
    case.refresh_from_db()
    ev = _event(
        case,
        action=action,
        actor=actor,
        from_status=before,
        to_status=after,
        note=note,
        data=data,
        is_public=is_public,
        at=now,
    )
    if photos:
        _attach(case, photos, actor=actor, event=ev, is_public=is_public)
    core_services.audit_log(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        obj=case,
        changes={"action": action, "status": [before, after], **{k: v for k, v in changed.items() if k != "status"}},
        note=note,
    )
    _notify(case, action, departments=notify_departments)
    if case.origin_type_id:
        pk = case.pk
        transaction.on_commit(lambda: _origin_hook(pk, action))
    return case


def _whistle(case: Case, *, actor, params: dict, now, data: dict, setf) -> list[int]:
    """Summon the departments with one lead; answers the departments to tell (the newly
    summoned ones and the lead, which signs for the case again)."""
    lead = _dept_or_error(params, "lead")
    depts = [department_of(d, "departments") for d in params.get("departments") or [] if d not in (None, "")]
    if lead is None:
        raise ValidationError({"lead": _("Choose the lead department.")})
    desk = _("Summon handling departments, not the dispatch desk.")
    if lead.kind == "dispatch":
        raise ValidationError({"lead": desk})
    if any(d.kind == "dispatch" for d in depts):
        raise ValidationError({"departments": desk})
    depts = [d for d in depts if d.pk != lead.pk]
    if not depts:
        raise ValidationError({"departments": _("Summon at least one department besides the lead.")})
    # The department handling the case, if the lead is another, stays in it as summoned (it
    # keeps sight of the case; the timeline says who handled it before).
    before = case.department
    if before is not None and before.kind != "dispatch" and before.pk != lead.pk:
        depts = list({d.pk: d for d in [*depts, before]}.values())
        data["handled_before"] = before.name
    # One lead: an earlier lead that is not this whistle's lead becomes an ordinary summoned
    # department (its arrival and report stay). Departments already summoned keep their rows.
    who = actor if getattr(actor, "pk", None) else None
    live = case.summons.filter(is_deleted=False)
    live.filter(is_lead=True).exclude(department=lead).update(
        is_lead=False, version=F("version") + 1, updated_at=now, updated_by=who
    )
    already = set(live.values_list("department_id", flat=True))
    live.filter(department=lead, is_lead=False).update(
        is_lead=True, version=F("version") + 1, updated_at=now, updated_by=who
    )
    new = list({d.pk: d for d in [lead, *depts] if d.pk not in already}.values())
    for d in new:
        CaseSummons.objects.create(case=case, department=d, is_lead=d.pk == lead.pk, summoned_at=now, created_by=who)
    setf(
        is_whistle=True,
        department=lead,
        dispatched_at=now,
        signed_at=None,
        signed_on_time=None,
        sign_deadline=workdays.deadline_after(now, workhours=int(conf.get("cases.sign_workhours"))),
    )
    data.update(lead=lead.name, departments=[d.name for d in depts])
    return list(dict.fromkeys([lead.pk, *(d.pk for d in new)]))


def _origin_hook(pk: int, action: str) -> None:
    case = Case.objects.filter(pk=pk).first()
    if case is not None:
        hooks.call_origin_handler(case, action)


# ----------------------------------------------------------------------------- wrappers


def case_merge(*, case: Case, into: Case, actor, note: str = "", expected_version: int | None = None) -> Case:
    """并单: cancel `case` as a duplicate of `into`; its reporter follows `into`'s progress."""
    result = case_transition(
        case=case, action="merge", actor=actor, note=note, into=into, expected_version=expected_version
    )
    with transaction.atomic():
        _event(
            into,
            action="merged_in",
            actor=actor,
            note=Text(gettext_noop("Case %(c)s merged into this one."), c=case.code),
            data={"from": case.code},
        )
    return result


def case_callback(
    *,
    case: Case,
    actor,
    contacted: bool,
    resolved: bool | None = None,
    satisfaction: str = "",
    note: str = "",
    is_valid: bool = True,
    expected_version: int | None = None,
) -> Case:
    return case_transition(
        case=case,
        action="callback",
        actor=actor,
        note=note,
        contacted=contacted,
        resolved=resolved,
        satisfaction=satisfaction,
        is_valid=is_valid,
        expected_version=expected_version,
    )


def case_whistle(
    *, case: Case, actor, lead, departments: Iterable, note: str = "", expected_version: int | None = None
) -> Case:
    """吹哨: summon `departments` with `lead` as the lead department."""
    return case_transition(
        case=case,
        action="whistle",
        actor=actor,
        note=note,
        lead=lead,
        departments=list(departments),
        expected_version=expected_version,
    )


@transaction.atomic
def case_rate_public(*, case: Case, rating: int, comment: str = "", actor=None) -> Case:
    """The reporter (anyone with the tracking code) rates the result once, after it was handled."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.status not in HANDLED_STATES:
        raise ValidationError(_("The case can be rated once it has been handled."))
    if locked.rated_at is not None:
        raise ValidationError(_("This case has already been rated."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Give a rating from 1 to 5.")})
    now = timezone.now()
    locked.public_rating, locked.public_rating_comment, locked.rated_at = rating, (comment or "")[:500], now
    locked.version = F("version") + 1
    locked.save(update_fields=["public_rating", "public_rating_comment", "rated_at", "version", "updated_at"])
    locked.refresh_from_db()
    _event(
        locked,
        action="rate",
        actor=actor,
        label=CaseEvent.REPORTER_LABEL,  # whoever has the tracking code: shown as the reporter
        note=locked.public_rating_comment,
        data={"rating": rating},
    )
    core_services.audit_log(actor=actor, action=AuditEvent.Action.UPDATE, obj=locked, changes={"public_rating": rating})
    return locked


def case_update_details(*, case: Case, actor, expected_version: int | None = None, **changes) -> Case:
    """Correct intake details (title, description, category, nature, address, priority)."""
    allowed = {"title", "description", "category", "nature", "address", "priority", "reporter_name", "reporter_phone"}
    bad = set(changes) - allowed
    if bad:
        raise ValidationError(_("These fields change through the workflow: %(f)s") % {"f": ", ".join(sorted(bad))})
    return core_services.record_update(case, actor=actor, expected_version=expected_version, **changes)


# ----------------------------------------------------------------------------- notifications


def _notify(case: Case, action: str, *, departments: list[int] | None = None) -> None:
    """Inbox rows for the people who must act, written in the caller's transaction: the case's
    change and its notices commit together (one commit; nothing is announced for a change that
    rolled back). Delivery through SMS/WeChat gateways, if any, runs in the task worker after
    the commit."""
    notice = _notice(case, action, departments=departments)
    if notice is not None:
        _send_notice(case, notice)


def _send_notice(case: Case, notice: tuple[list, Text, str]) -> None:
    db.insert(_notice_rows(case, notice))


def _notice_rows(case: Case, notice: tuple[list, Text, str]) -> list:
    """The inbox rows of a notice (`_notice`) about a saved case, not yet saved."""
    from shanzhi.notifications.services import notification_rows

    recipients, title, level = notice
    return notification_rows(
        recipients=recipients,
        title=title,
        body=case.title,
        url=case.get_absolute_url(),
        level=level,
        kind="case",
        topic=f"case:{case.pk}",
    )


def _notice(case: Case, action: str, *, departments: list[int] | None = None) -> tuple[list, Text, str] | None:
    """Who is told of `action` on the case, the title and the level; None when nobody is.
    `departments`: for a whistle, the departments to tell (the new ones and the lead)."""
    from shanzhi.accounts.models import User

    def users(**filters) -> list:
        return list(User.objects.filter(is_active=True, **filters).only("pk"))

    def dept_staff(department_id) -> list:
        return [User(pk=pk) for pk in router.department_staff_ids(department_id)]

    def handler(*, holder: bool = False) -> list:
        """The unit handling the case: its department's staff, or the community handling it
        itself. `holder`: whoever holds it now, the dispatch desk for a case waiting there;
        else a case at the desk (not yet dispatched) has no handler."""
        if case.department_id:
            return dept_staff(case.department_id) if holder or case.department.kind != "dispatch" else []
        if case.community_id and (holder or case.dispatched_at):
            return users(role="community", community_id=case.community_id)
        return []

    recipients: list = []
    title = ""  # a message id, shown with the case's code in each reader's language
    extra: dict = {}
    if action in ("dispatch", "reassign", "reopen", "rework"):
        recipients = handler(holder=True)
        title = gettext_noop("New case to handle: %(c)s")
    elif action == "urge":
        recipients = handler(holder=True)  # the desk too, for a case waiting there
        title = gettext_noop("The reporter called again about %(c)s (催办)")
    elif action == "whistle":
        ids = departments
        if ids is None:
            ids = list(case.summons.filter(is_deleted=False).values_list("department_id", flat=True))
        recipients = users(role="dept", department_id__in=ids)
        title = gettext_noop("Your department is summoned (吹哨报到): %(c)s")
    elif action in ("warn", "escalate", "supervise"):
        recipients = handler(holder=True)  # the desk too, for a case waiting there
        if (action == "escalate" and case.escalation_level >= 2) or action == "supervise":
            recipients += users(role="leader")
        elif action == "escalate":
            # Level 1: the department's leader; where none is set, the dispatch desk, which
            # answers for the street's deadlines — before, level 1 reached nobody new.
            if case.department_id and case.department.leader_id:
                recipients.append(case.department.leader)
            else:
                recipients += users(role="dept", department__kind="dispatch")
        if action == "escalate" and case.community_id and case.department_id:
            recipients += users(role="community", community_id=case.community_id)
        if action in ("warn", "escalate") and case.leader_id:  # 企业家直通车: the named leader
            recipients.append(case.leader)
        title = {
            "warn": gettext_noop("Deadline near: %(c)s"),
            "escalate": gettext_noop("Overdue case escalated: %(c)s"),
            "supervise": gettext_noop("督办 notice: %(c)s"),
        }[action]
    elif action == "request_extension":
        recipients = users(role="leader")
        title = gettext_noop("Extension requested: %(c)s")
    elif action == "return":
        recipients = users(role="dept", department__kind="dispatch")
        title = gettext_noop("Case returned: %(c)s")
    elif action in ("reply", "close") and case.reporter_id:
        recipients = [case.reporter]
        title = gettext_noop("Your request %(c)s has been answered")
    elif action in ("approve_extension", "refuse_extension", "suspend", "resume", "cancel", "merge"):
        # The handler learns what was decided about its case (it heard nothing before).
        recipients = handler()
        title = {
            "approve_extension": gettext_noop("Extension approved: %(c)s"),
            "refuse_extension": gettext_noop("Extension refused: %(c)s"),
            "suspend": gettext_noop("Case suspended: %(c)s"),
            "resume": gettext_noop("Case resumed: %(c)s"),
            "cancel": gettext_noop("Case cancelled: %(c)s"),
            "merge": gettext_noop("Case %(c)s merged into %(into)s as a duplicate"),
        }[action]
        if action == "merge":
            extra["into"] = case.merged_into.code if case.merged_into_id else "—"
    if not (recipients and title):
        return None
    level = "warning" if action in ("warn", "escalate", "supervise", "urge") else "info"
    return recipients, Text(title, c=case.code, **extra), level


# ----------------------------------------------------------------------------- deadline job


def cases_check_deadlines(now: datetime.datetime | None = None) -> dict[str, int]:
    """Periodic job: warn before the deadline; escalate an overdue case to level 1 at once and
    one level more after every `cases.escalate_every_workdays` full working days past its
    deadline. Only cases whose deadline runs (`Case.objects.running()`): a replied case waits
    for its check, not for its handler. Idempotent: a second run finds nothing to do."""
    now = now or timezone.now()
    warn_hours = int(conf.get("cases.warn_workhours"))
    every = max(int(conf.get("cases.escalate_every_workdays")), 1)
    max_level = int(conf.get("cases.max_escalation_level"))
    warned = escalated = 0
    calendar = workdays.Calendar()  # one snapshot of the overrides for the whole run
    active = Case.objects.running().exclude(deadline__isnull=True)
    # Warn: the deadline falls within the next `warn_hours` working hours.
    horizon = workdays.deadline_after(now, workhours=warn_hours, calendar=calendar)
    for case in active.filter(warned_at__isnull=True, deadline__gt=now, deadline__lte=horizon).only("pk", "status")[
        :5000
    ]:
        try:
            case_transition(case=case, action="warn", actor=None, note=Text(gettext_noop("The deadline is near.")))
            warned += 1
        except (ValidationError, ConflictError):
            continue
    for case in active.filter(deadline__lt=now, escalation_level__lt=max_level).only(
        "pk", "status", "deadline", "escalation_level"
    )[:5000]:
        level = _due_escalation_level(case.deadline, now, every=every, max_level=max_level, calendar=calendar)
        if case.escalation_level >= level:
            continue
        try:
            case_transition(
                case=case,
                action="escalate",
                actor=None,
                note=Text(gettext_noop("Overdue: escalated to level %(n)d."), n=level),
                level=level,
            )
            escalated += 1
        except (ValidationError, ConflictError):
            continue
    return {"warned": warned, "escalated": escalated}


def _due_escalation_level(deadline, now, *, every: int, max_level: int, calendar) -> int:
    """Level 1 once the deadline has passed; level k + 1 once `k × every` whole working days
    have passed after it (a Monday 17:30 deadline reaches level 2 on Tuesday at 17:30, not at
    midnight). A case found late by several periods goes straight to its level."""
    level = 1
    while level < max_level and now >= calendar.deadline_after(deadline, workdays=level * every):
        level += 1
    return level


# ----------------------------------------------------------------------------- bulk import


def cases_import(
    *,
    rows: Sequence[dict],
    actor,
    source: str = Case.Source.IMPORT,
    batch_size: int = 2000,
    fast: bool = True,
    again: bool = False,
) -> int:
    """Import cases in bulk (a hotline's export, a migration): all or nothing.

    The first bad row raises ImportRowError(row number, reason) and nothing is written; a file
    imported before is refused unless `again`. See `shanzhi.cases.bulk.import_cases` for how
    rows are checked, routed and inserted.
    """
    from shanzhi.cases import bulk

    return bulk.import_cases(rows=rows, actor=actor, source=source, batch_size=batch_size, fast=fast, again=again)
