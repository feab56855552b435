"""Every write of field work: `<entity>_<verb>(*, actor, …)`, atomic, audited, with a timeline
event; state changes only through the transition tables in `workflows.py`."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shanzhi.accounts.models import Role, User
from shanzhi.core import services as core_services
from shanzhi.core import workdays
from shanzhi.core.errors import ConflictError
from shanzhi.core.models import AuditEvent
from shanzhi.core.scoping import CHANGE
from shanzhi.core.texts import Text
from shanzhi.fieldwork import casebridge, conf, workflows
from shanzhi.fieldwork.models import (
    AlertChain,
    AlertChainStep,
    Checklist,
    Dispute,
    DisputeParty,
    FieldEvent,
    FieldPhoto,
    Finding,
    Hazard,
    Incident,
    IncidentAlert,
    IncidentType,
    MediationSession,
    Patrol,
    PatrolPlan,
    SafetyRecord,
    Severity,
    Wish,
    new_code,
)
from shanzhi.notifications.models import Notification
from shanzhi.notifications.services import notification_send

# ============================================================================ shared helpers


def timeline_add(
    *,
    obj,
    actor,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str | Text = "",
    data: dict | None = None,
) -> FieldEvent:
    """Append a step. What the system writes itself (`note` or texts in `data`) is a `Text`, so
    that every reader sees it in their own language; a person's note is kept as they wrote it."""
    return FieldEvent.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=core_services._jsonable(data or {}),
    )


def timeline_for(obj) -> list[FieldEvent]:
    return list(
        FieldEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        ).select_related("actor")
    )


def _lock(obj, expected_version: int | None = None):
    locked = type(obj).objects.select_for_update().filter(pk=obj.pk).first()
    if locked is None:
        raise ValidationError(_("This record no longer exists."))
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(_("Someone else changed this record first. Reload the page and try again."))
    return locked


def _require(actor, perm: str | None) -> None:
    if perm and not actor.has_perm(perm):
        raise PermissionDenied(_("Your role may not do this."))


def _require_scope(obj, actor) -> None:
    if not type(obj).objects.filter(pk=obj.pk).restrict(actor, CHANGE).exists():
        raise PermissionDenied(_("This record is outside your scope."))


def _save_transition(
    locked,
    *,
    actor,
    action: str,
    old: str,
    new: str,
    note: str | Text = "",
    data: dict | None = None,
    fields: Iterable[str] = (),
) -> Any:
    locked.status = new
    locked.updated_by = actor
    locked.version = F("version") + 1
    locked.save(update_fields=["status", "updated_by", "version", "updated_at", *fields])
    locked.refresh_from_db()
    timeline_add(obj=locked, actor=actor, action=action, from_status=old, to_status=new, note=note, data=data)
    core_services.audit_log(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        obj=locked,
        changes={"status": [old, new], "action": action, **({"data": data} if data else {})},
        note=note,
    )
    return locked


def _staff_of_community(community_id) -> list[User]:
    if not community_id:
        return []
    return list(User.objects.filter(role=Role.COMMUNITY, community_id=community_id, is_active=True))


def _leaders() -> list[User]:
    return list(User.objects.filter(role=Role.LEADER, is_active=True))


def _grid_workers(grid_id) -> list[User]:
    if not grid_id:
        return []
    return list(
        User.objects.filter(
            role=Role.GRID, is_active=True, grid_assignments__grid_id=grid_id, grid_assignments__is_deleted=False
        ).distinct()
    )


# ============================================================================ photos


def photo_clean(upload) -> ContentFile:
    """Refuse what is not a real image or is too large; re-encode without metadata (EXIF, GPS)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    max_bytes = int(conf.get("photo_max_bytes"))
    name = getattr(upload, "name", "photo") or "photo"
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)}
        )
    raw = upload.read()
    if len(raw) > max_bytes:
        raise ValidationError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": max_bytes // (1024 * 1024)}
        )
    not_image = ValidationError(_("%(name)s is not an image (JPEG, PNG, WebP or GIF).") % {"name": name})
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF", "MPO"):
                raise not_image
            probe.verify()
        with Image.open(io.BytesIO(raw)) as opened:
            if opened.width * opened.height > 50_000_000:
                raise ValidationError(_("%(name)s has too many pixels.") % {"name": name})
            img = ImageOps.exif_transpose(opened)
            side = int(conf.get("photo_max_side"))
            img.thumbnail((side, side))
            out = io.BytesIO()
            if img.mode in ("RGBA", "LA", "P"):
                img = img.convert("RGBA")
                img.save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                img.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise not_image from exc
    return ContentFile(out.getvalue(), name=f"photo.{ext}")


def photos_attach(*, obj, uploads: Iterable, actor, purpose: str = "", caption: str = "") -> list[FieldPhoto]:
    """Validate every upload first (all or nothing), then store them."""
    cleaned = [photo_clean(u) for u in uploads if u]
    out = []
    ct = ContentType.objects.get_for_model(type(obj))
    for content in cleaned:
        photo = FieldPhoto(
            content_type=ct, object_id=obj.pk, caption=caption, purpose=purpose, created_by=actor, updated_by=actor
        )
        photo.image.save(content.name, content, save=False)
        photo.save()
        core_services.audit_log(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=photo,
            changes={"for": f"{obj._meta.label}:{obj.pk}", "purpose": purpose},
        )
        out.append(photo)
    return out


def photos_for(obj, purpose: str | None = None) -> list[FieldPhoto]:
    qs = FieldPhoto.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
    if purpose is not None:
        qs = qs.filter(purpose=purpose)
    return list(qs)


# ============================================================================ micro-wishes


@transaction.atomic
def wish_create(
    *,
    actor,
    title: str,
    beneficiary_kind: str,
    budget,
    deadline: datetime.date,
    community,
    grid=None,
    description: str = "",
    beneficiary_name: str = "",
    beneficiary_phone: str = "",
    consent: bool = False,
    is_generated: bool = False,
) -> Wish:
    if not consent:
        raise ValidationError({"consent": _("The person the wish is for must consent before it is posted.")})
    if deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The date must not be in the past.")})
    if grid is not None and grid.community_id != community.pk:
        raise ValidationError({"grid": _("The grid is not in this community.")})
    wish = core_services.record_create(
        Wish,
        actor=actor,
        code=new_code(conf.get("wish_prefix")),
        title=title,
        description=description,
        beneficiary_kind=beneficiary_kind,
        beneficiary_name=beneficiary_name,
        beneficiary_phone=beneficiary_phone,
        consent=consent,
        budget=budget,
        deadline=deadline,
        community=community,
        grid=grid,
        submitted_by=actor,
        is_generated=is_generated,
    )
    timeline_add(obj=wish, actor=actor, action="submit", to_status=wish.status)
    transaction.on_commit(
        lambda: notification_send(
            recipients=_staff_of_community(wish.community_id),
            title=Text(gettext_noop("New micro-wish to review: %(t)s"), t=wish.title),
            url=reverse("fieldwork:wish_detail", args=[wish.pk]),
            kind="fieldwork.wish",
            topic=f"wish:{wish.pk}:review",
        )
    )
    return wish


def _wish_guard(wish: Wish, action: str, actor) -> None:
    staff = actor.has_perm("fieldwork.change_wish") and Wish.objects.filter(pk=wish.pk).restrict(actor, CHANGE).exists()
    if action in ("release", "deliver"):
        if not (staff or (wish.claimer_user_id and wish.claimer_user_id == actor.pk)):
            raise PermissionDenied(_("Only the claimer or the community may do this."))
    elif action in ("confirm", "dispute_delivery", "cancel") and wish.status != Wish.Status.PUBLISHED:
        if not (staff or wish.submitted_by_id == actor.pk):
            raise PermissionDenied(_("Only the person who posted the wish or the community may do this."))
    elif action != "claim":
        _require_scope(wish, actor)


@transaction.atomic
def wish_transition(
    *,
    wish: Wish,
    action: str,
    actor,
    note: str = "",
    expected_version: int | None = None,
    claimer_kind: str = "",
    claimer_name: str = "",
    claimer_phone: str = "",
    thanks: str = "",
    photos: Iterable = (),
) -> Wish:
    locked = _lock(wish, expected_version)
    old = locked.status
    if action == "claim" and old != Wish.Status.PUBLISHED:
        if old in (Wish.Status.CLAIMED, Wish.Status.DELIVERED, Wish.Status.COMPLETED):
            raise ConflictError(_("This wish has already been claimed by someone else."))
    new, perm = workflows.next_state(workflows.WISH, old, action, label=_("wish"))
    _require(actor, perm)
    _wish_guard(locked, action, actor)
    fields: list[str] = []
    now = timezone.now()
    if action == "publish":
        locked.published_at = now
        fields.append("published_at")
    elif action == "claim":
        if claimer_kind not in Wish.ClaimerKind.values:
            raise ValidationError({"claimer_kind": _("Say whether a party member, a volunteer or a unit claims it.")})
        name = (claimer_name or str(actor)).strip()
        locked.claimer_kind, locked.claimer_name, locked.claimer_phone = claimer_kind, name[:100], claimer_phone
        locked.claimer_user, locked.claimed_at = actor, now
        locked.full_clean(exclude=["created_by", "updated_by", "deleted_by"])
        fields += ["claimer_kind", "claimer_name", "claimer_phone", "claimer_user", "claimed_at"]
    elif action == "release":
        locked.claimer_kind = locked.claimer_name = locked.claimer_phone = ""
        locked.claimer_user, locked.claimed_at = None, None
        fields += ["claimer_kind", "claimer_name", "claimer_phone", "claimer_user", "claimed_at"]
    elif action == "deliver":
        photos = [p for p in photos if p]
        if not photos and not note.strip():
            raise ValidationError(_("Upload a photo or describe the delivery as proof."))
        photos_attach(obj=locked, uploads=photos, actor=actor, purpose="proof")
        locked.proof_note, locked.delivered_at = note, now
        fields += ["proof_note", "delivered_at"]
    elif action == "confirm":
        locked.completed_at = now
        fields.append("completed_at")
    elif action == "thank":
        if not thanks.strip():
            raise ValidationError({"thanks": _("Write the thanks to publish.")})
        locked.thanks = thanks.strip()
        fields.append("thanks")
    elif action in ("reject", "cancel", "dispute_delivery") and not note.strip():
        raise ValidationError(_("Give a reason."))
    locked = _save_transition(locked, actor=actor, action=action, old=old, new=new, note=note, fields=fields)
    _wish_notify(locked, action)
    return locked


def _wish_notify(wish: Wish, action: str) -> None:
    url = reverse("fieldwork:wish_detail", args=[wish.pk])
    if action == "claim":
        recipients = [*_staff_of_community(wish.community_id), wish.submitted_by]
        title = Text(gettext_noop("Micro-wish claimed: %(t)s"), t=wish.title)
    elif action == "deliver":
        recipients = [*_staff_of_community(wish.community_id), wish.submitted_by]
        title = Text(gettext_noop("Micro-wish delivered, please confirm: %(t)s"), t=wish.title)
    elif action == "confirm":
        recipients = [wish.claimer_user]
        title = Text(gettext_noop("Delivery confirmed: %(t)s"), t=wish.title)
    elif action == "dispute_delivery":
        recipients = [wish.claimer_user]
        title = Text(gettext_noop("Delivery not confirmed: %(t)s"), t=wish.title)
    else:
        return
    transaction.on_commit(
        lambda: notification_send(
            recipients=[r for r in recipients if r is not None],
            title=title,
            url=url,
            kind="fieldwork.wish",
            topic=f"wish:{wish.pk}:{action}",
        )
    )


def wishes_flag_near_deadline(*, now: datetime.datetime | None = None) -> int:
    """Periodic: flag (once) every published wish still unclaimed close to its deadline."""
    now = now or timezone.now()
    limit = timezone.localdate(now) + datetime.timedelta(days=int(conf.get("wish_flag_days")))
    flagged = 0
    for wish in Wish.objects.filter(status=Wish.Status.PUBLISHED, flagged_at__isnull=True, deadline__lte=limit):
        with transaction.atomic():
            n = Wish.objects.filter(pk=wish.pk, flagged_at__isnull=True).update(flagged_at=now)
            if not n:
                continue
            timeline_add(
                obj=wish, actor=None, action="flag", note=Text(gettext_noop("Unclaimed close to its deadline."))
            )
            notification_send(
                recipients=_staff_of_community(wish.community_id),
                level=Notification.Level.WARNING,
                title=Text(
                    gettext_noop("Micro-wish still unclaimed, due %(d)s: %(t)s"), d=str(wish.deadline), t=wish.title
                ),
                url=reverse("fieldwork:wish_detail", args=[wish.pk]),
                kind="fieldwork.wish",
                topic=f"wish:{wish.pk}:flag",
            )
            flagged += 1
    return flagged


# ============================================================================ disputes


def _group_flag(dispute_type: str, people: int) -> bool:
    return dispute_type == Dispute.Type.LABOUR and people >= int(conf.get("group_dispute_workers"))


@transaction.atomic
def dispute_create(
    *,
    actor,
    title: str,
    dispute_type: str,
    description: str,
    source: str,
    community,
    grid=None,
    risk_level: str = Dispute.Risk.LOW,
    risk_reason: str = "",
    people_involved: int = 2,
    case_code: str = "",
    parties: Iterable[dict] = (),
    is_generated: bool = False,
) -> Dispute:
    if grid is not None and grid.community_id != community.pk:
        raise ValidationError({"grid": _("The grid is not in this community.")})
    if risk_level in (Dispute.Risk.MEDIUM, Dispute.Risk.HIGH) and not risk_reason.strip():
        raise ValidationError({"risk_reason": _("Give the reason for a medium or high risk level.")})
    if source == Dispute.Source.CASE and not case_code.strip():
        raise ValidationError({"case_code": _("Give the code of the case this dispute comes from.")})
    dispute = core_services.record_create(
        Dispute,
        actor=actor,
        code=new_code(conf.get("dispute_prefix")),
        title=title,
        dispute_type=dispute_type,
        description=description,
        source=source,
        case_code=case_code,
        community=community,
        grid=grid,
        risk_level=risk_level,
        risk_reason=risk_reason,
        people_involved=people_involved,
        is_group=_group_flag(dispute_type, people_involved),
        is_generated=is_generated,
    )
    for p in parties:
        dispute_party_add(dispute=dispute, actor=actor, **p)
    timeline_add(
        obj=dispute,
        actor=actor,
        action="register",
        to_status=dispute.status,
        data={"risk": risk_level, "group": dispute.is_group},
    )
    if dispute.risk_level == Dispute.Risk.HIGH or dispute.is_group:
        _dispute_alert(dispute)
    return dispute


def _dispute_alert(dispute: Dispute) -> None:
    """High-risk and group disputes: the community and the 街道 leaders at once, by SMS too."""
    # The body is the staff's own reason, or the system's (a Text: see notification_send).
    reason = dispute.risk_reason or Text(gettext_noop("group dispute of %(n)d workers"), n=dispute.people_involved)
    title = Text(gettext_noop("High-risk dispute %(code)s: %(t)s"), code=dispute.code, t=dispute.title)
    url = reverse("fieldwork:dispute_detail", args=[dispute.pk])
    recipients = [*_staff_of_community(dispute.community_id), *_leaders()]
    transaction.on_commit(
        lambda: notification_send(
            recipients=recipients,
            title=title,
            body=reason,
            url=url,
            level=Notification.Level.URGENT,
            kind="fieldwork.dispute",
            topic=f"dispute:{dispute.pk}:risk",
            channels=("sms",),
        )
    )


@transaction.atomic
def dispute_party_add(
    *,
    dispute: Dispute,
    actor,
    name: str,
    kind: str = DisputeParty.Kind.PERSON,
    side: str = DisputeParty.Side.APPLICANT,
    phone: str = "",
) -> DisputeParty:
    if dispute.status == Dispute.Status.CLOSED:
        raise ValidationError(_("The dispute is closed."))
    return core_services.record_create(
        DisputeParty, actor=actor, dispute=dispute, name=name, kind=kind, side=side, phone=phone
    )


@transaction.atomic
def dispute_set_risk(
    *,
    dispute: Dispute,
    actor,
    risk_level: str,
    risk_reason: str,
    people_involved: int | None = None,
    expected_version: int | None = None,
) -> Dispute:
    _require(actor, "fieldwork.change_dispute")
    _require_scope(dispute, actor)
    if risk_level not in Dispute.Risk.values:
        raise ValidationError({"risk_level": _("Unknown risk level.")})
    if risk_level != Dispute.Risk.LOW and not risk_reason.strip():
        raise ValidationError({"risk_reason": _("Give the reason for a medium or high risk level.")})
    was_alerting = dispute.risk_level == Dispute.Risk.HIGH or dispute.is_group
    people = dispute.people_involved if people_involved is None else people_involved
    updated = core_services.record_update(
        dispute,
        actor=actor,
        expected_version=expected_version,
        risk_level=risk_level,
        risk_reason=risk_reason,
        people_involved=people,
        is_group=_group_flag(dispute.dispute_type, people),
    )
    timeline_add(
        obj=updated, actor=actor, action="risk", note=risk_reason, data={"risk": risk_level, "group": updated.is_group}
    )
    if not was_alerting and (updated.risk_level == Dispute.Risk.HIGH or updated.is_group):
        _dispute_alert(updated)
    return updated


@transaction.atomic
def dispute_transition(
    *,
    dispute: Dispute,
    action: str,
    actor,
    note: str = "",
    expected_version: int | None = None,
    held_at: datetime.datetime | None = None,
    mediators: str = "",
    outcome: str = "",
    agreement: str = "",
    agreement_file=None,
    referred_to: str = "",
    referral_body: str = "",
) -> Dispute:
    locked = _lock(dispute, expected_version)
    old = locked.status
    new, perm = workflows.next_state(workflows.DISPUTE, old, action, label=_("dispute"))
    _require(actor, perm)
    _require_scope(locked, actor)
    fields: list[str] = []
    data: dict[str, Any] = {}
    if action in ("session", "follow_up"):
        kind = MediationSession.Kind.SESSION if action == "session" else MediationSession.Kind.FOLLOW_UP
        valid = {"continue", "failed"} if action == "session" else {"stable", "unstable"}
        if outcome not in valid:
            raise ValidationError({"outcome": _("Choose the outcome of this %(kind)s.") % {"kind": kind.label}})
        if not mediators.strip():
            raise ValidationError({"mediators": _("Name who took part.")})
        session = core_services.record_create(
            MediationSession,
            actor=actor,
            dispute=locked,
            kind=kind,
            held_at=held_at or timezone.now(),
            mediators=mediators,
            outcome=outcome,
            notes=note,
        )
        data = {"session": session.pk, "outcome": outcome}
    elif action == "agree":
        if not agreement.strip() and not agreement_file:
            raise ValidationError({"agreement": _("Write the agreement or attach the signed document.")})
        locked.agreement = agreement
        fields.append("agreement")
        if agreement_file:
            locked.agreement_file = agreement_file
            fields.append("agreement_file")
        if mediators.strip():
            core_services.record_create(
                MediationSession,
                actor=actor,
                dispute=locked,
                kind=MediationSession.Kind.SESSION,
                held_at=held_at or timezone.now(),
                mediators=mediators,
                outcome=MediationSession.Outcome.AGREED,
                notes=note,
            )
    elif action == "refer":
        if referred_to not in Dispute.ReferTo.values:
            raise ValidationError({"referred_to": _("Choose where the dispute is referred.")})
        if not referral_body.strip():
            raise ValidationError({"referral_body": _("Name the receiving body.")})
        locked.referred_to, locked.referral_body = referred_to, referral_body
        fields += ["referred_to", "referral_body"]
        data = {"to": referred_to, "body": referral_body}
    elif action == "close":
        if not note.strip():
            raise ValidationError({"note": _("Write the closure note.")})
        locked.closed_at, locked.closure_note = timezone.now(), note
        fields += ["closed_at", "closure_note"]
    elif action == "reopen":
        if not note.strip():
            raise ValidationError({"note": _("Give a reason.")})
        locked.closed_at = None
        fields.append("closed_at")
    return _save_transition(locked, actor=actor, action=action, old=old, new=new, note=note, data=data, fields=fields)


# ============================================================================ checklists and plans


def checklist_items_from_text(text: str) -> list[str]:
    items = [line.strip(" \t-•·") for line in (text or "").splitlines()]
    items = [i for i in items if i]
    if not items:
        raise ValidationError({"items": _("A checklist needs at least one item.")})
    if len(set(items)) != len(items):
        raise ValidationError({"items": _("Each item may appear only once.")})
    return items


def _period(frequency: str, day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """[start, end) of the period that contains `day`, and its key."""
    if frequency == PatrolPlan.Frequency.DAILY:
        return day, day + datetime.timedelta(days=1), day.isoformat()
    if frequency == PatrolPlan.Frequency.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        iso = start.isocalendar()
        return start, start + datetime.timedelta(days=7), f"{iso[0]}-W{iso[1]:02d}"
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, end, f"{start:%Y-%m}"


def plan_period(
    plan: PatrolPlan, day: datetime.date, previous: bool = False
) -> tuple[datetime.date, datetime.date, str]:
    start, end, key = _period(plan.frequency, day)
    if previous:
        return _period(plan.frequency, start - datetime.timedelta(days=1))
    return start, end, key


# ============================================================================ patrols


@transaction.atomic
def patrol_start(
    *,
    actor,
    plan: PatrolPlan | None = None,
    checklist: Checklist | None = None,
    grid=None,
    river_section=None,
    enterprise=None,
    longitude: float | None = None,
    latitude: float | None = None,
    is_reinspection: bool = False,
    is_generated: bool = False,
    started_at=None,
) -> Patrol:
    _require(actor, "fieldwork.add_patrol")
    if plan is not None:
        if not plan.is_active:
            raise ValidationError(_("This patrol plan is not active."))
        if plan.patroller_id != actor.pk and not PatrolPlan.objects.filter(pk=plan.pk).restrict(actor, CHANGE).exists():
            raise PermissionDenied(_("This patrol plan is someone else's."))
        checklist = plan.checklist
        grid, river_section, enterprise = plan.grid, plan.river_section, plan.enterprise
        community = plan.community
    else:
        if checklist is None:
            raise ValidationError({"checklist": _("Choose a checklist.")})
        place = enterprise or river_section or grid
        if place is None:
            raise ValidationError(_("Choose where you patrol: a grid, a river section or an enterprise."))
        # Grids are reference data every staff member may view: patrolling one needs it in scope.
        action = CHANGE if place is grid else "view"
        if not type(place).objects.filter(pk=place.pk).restrict(actor, action).exists():
            raise PermissionDenied(_("You cannot patrol outside your own scope."))
        community = getattr(place, "community", None)
        grid = grid or getattr(place, "grid", None)
        if community is None:
            raise ValidationError(_("The place has no community."))
    if not checklist.is_active:
        raise ValidationError({"checklist": _("This checklist is not in use.")})
    if (
        Patrol.objects.filter(patroller=actor, status=Patrol.Status.IN_PROGRESS, is_generated=is_generated).exists()
        and not is_generated
    ):
        raise ValidationError(_("You already have a patrol in progress: end it first."))
    patrol = core_services.record_create(
        Patrol,
        actor=actor,
        code=new_code(conf.get("patrol_prefix")),
        plan=plan,
        patroller=actor,
        checklist=checklist,
        community=community,
        grid=grid,
        river_section=river_section,
        enterprise=enterprise,
        longitude=longitude,
        latitude=latitude,
        is_reinspection=is_reinspection,
        is_generated=is_generated,
        started_at=started_at or timezone.now(),
    )
    if not Patrol.objects.filter(pk=patrol.pk).restrict(actor, CHANGE).exists():
        raise PermissionDenied(_("You cannot patrol outside your own scope."))
    timeline_add(obj=patrol, actor=actor, action="start", to_status=patrol.status)
    return patrol


def _patrol_step(patrol: Patrol, action: str, actor, expected_version=None) -> tuple[Patrol, str, str]:
    locked = _lock(patrol, expected_version)
    if action == "end" and locked.status == Patrol.Status.ENDED:
        raise ValidationError(
            _("This patrol has already ended (at %(t)s).")
            % {"t": timezone.localtime(locked.ended_at).strftime("%Y-%m-%d %H:%M")}
        )
    new, perm = workflows.next_state(workflows.PATROL, locked.status, action, label=_("patrol"))
    _require(actor, perm)
    if locked.patroller_id != actor.pk:
        _require_scope(locked, actor)
    return locked, locked.status, new


@transaction.atomic
def patrol_check(
    *, patrol: Patrol, actor, results: dict[str, str], notes: str | None = None, expected_version: int | None = None
) -> Patrol:
    """Record the answers: {item: "ok" | "problem" | "na"} for items of the checklist."""
    locked, old, new = _patrol_step(patrol, "check", actor, expected_version)
    items = set(locked.checklist.items)
    unknown = [k for k in results if k not in items]
    if unknown:
        raise ValidationError(_("Not on this checklist: %(items)s") % {"items": "、".join(unknown)})
    bad = [k for k, v in results.items() if v not in ("ok", "problem", "na")]
    if bad:
        raise ValidationError(_("Answer each item with OK, problem or not applicable."))
    merged = {**locked.results, **results}
    locked.results = merged
    fields = ["results"]
    if notes is not None:
        locked.notes = notes
        fields.append("notes")
    return _save_transition(
        locked, actor=actor, action="check", old=old, new=new, data={"results": results}, fields=fields
    )


@transaction.atomic
def patrol_end(
    *,
    patrol: Patrol,
    actor,
    notes: str = "",
    expected_version: int | None = None,
    ended_at: datetime.datetime | None = None,
) -> Patrol:
    locked, old, new = _patrol_step(patrol, "end", actor, expected_version)
    locked.ended_at = ended_at or timezone.now()
    fields = ["ended_at"]
    if notes:
        locked.notes = (locked.notes + "\n" + notes).strip()
        fields.append("notes")
    locked = _save_transition(locked, actor=actor, action="end", old=old, new=new, note=notes, fields=fields)
    if locked.enterprise_id:
        SafetyRecord.objects.filter(enterprise_id=locked.enterprise_id).update(last_inspection_at=locked.ended_at)
    return locked


@transaction.atomic
def finding_report(
    *,
    patrol: Patrol,
    actor,
    description: str,
    item: str = "",
    photos: Iterable = (),
    rectify_workdays: int | None = None,
    hazard_level: str = "",
    longitude: float | None = None,
    latitude: float | None = None,
) -> Finding:
    """A problem found on a patrol: stored, and raised as a case with a rectification deadline."""
    locked, _old, _new = _patrol_step(patrol, "find", actor)
    if not description.strip():
        raise ValidationError({"description": _("Describe the problem.")})
    if item and item not in locked.checklist.items:
        raise ValidationError({"item": _("Not on this checklist.")})
    days = int(rectify_workdays or conf.get("finding_workdays"))
    if not 1 <= days <= 60:
        raise ValidationError({"rectify_workdays": _("Between 1 and 60 working days.")})
    finding = core_services.record_create(
        Finding,
        actor=actor,
        patrol=locked,
        item=item,
        description=description.strip(),
        community=locked.community,
        grid=locked.grid,
        enterprise=locked.enterprise,
        rectify_workdays=days,
        deadline=workdays.deadline_after(timezone.now(), workdays=days),
    )
    photo_rows = photos_attach(obj=finding, uploads=photos, actor=actor, purpose="finding")
    if item:
        locked.results = {**locked.results, item: "problem"}
        locked.save(update_fields=["results", "updated_at"])
    case = casebridge.raise_case(
        finding=finding,
        patrol=locked,
        actor=actor,
        photos=photo_rows,
        longitude=longitude if longitude is not None else locked.longitude,
        latitude=latitude if latitude is not None else locked.latitude,
    )
    if case is not None:
        finding.case_id_ref, finding.case_code = case.pk, case.code
        finding.deadline = case.deadline or finding.deadline
        finding.save(update_fields=["case_id_ref", "case_code", "deadline", "updated_at"])
    if locked.enterprise_id and hazard_level:
        if hazard_level not in Hazard.Level.values:
            raise ValidationError({"hazard_level": _("Unknown hazard level.")})
        core_services.record_create(
            Hazard,
            actor=actor,
            enterprise=locked.enterprise,
            community=locked.community,
            grid=locked.grid,
            finding=finding,
            level=hazard_level,
            description=finding.description,
            deadline=finding.deadline,
        )
    timeline_add(
        obj=locked,
        actor=actor,
        action="find",
        note=finding.description,
        data={"finding": finding.pk, "case": finding.case_code},
    )
    timeline_add(
        obj=finding,
        actor=actor,
        action="report",
        to_status=finding.status,
        data={"case": finding.case_code, "deadline": finding.deadline},
    )
    return finding


@transaction.atomic
def finding_reinspect(
    *,
    finding: Finding,
    actor,
    passed: bool,
    note: str = "",
    photos: Iterable = (),
    rectify_workdays: int | None = None,
    expected_version: int | None = None,
) -> Finding:
    """The re-inspection closes the finding (and its case) or sends it back with a new deadline."""
    locked = _lock(finding, expected_version)
    action = "pass" if passed else "send_back"
    old = locked.status
    new, perm = workflows.next_state(workflows.FINDING, old, action, label=_("finding"))
    _require(actor, perm)
    _require_scope(locked, actor)
    if not passed and not note.strip():
        raise ValidationError({"note": _("Say what is still wrong.")})
    photos_attach(obj=locked, uploads=photos, actor=actor, purpose="reinspection")
    now = timezone.now()
    locked.reinspected_at, locked.reinspection_note = now, note
    fields = ["reinspected_at", "reinspection_note"]
    if not passed:
        days = int(rectify_workdays or locked.rectify_workdays)
        locked.deadline = workdays.deadline_after(now, workdays=days)
        locked.times_sent_back = F("times_sent_back") + 1
        fields += ["deadline", "times_sent_back"]
    locked = _save_transition(locked, actor=actor, action=action, old=old, new=new, note=note, fields=fields)
    hazard = Hazard.objects.filter(finding=locked).first()
    if hazard is not None:
        if passed:
            core_services.record_update(hazard, actor=actor, status=Hazard.Status.RECTIFIED, rectified_at=now)
        else:
            core_services.record_update(hazard, actor=actor, deadline=locked.deadline)
    casebridge.after_reinspection(finding=locked, actor=actor, passed=passed, note=note)
    return locked


def finding_on_case_event(case, action: str) -> None:
    """Origin handler called by the cases engine after a transition of a finding's case."""
    finding = Finding.objects.filter(pk=case.origin_id).first()
    if finding is None:
        return
    status = getattr(case, "status", "")
    if action in ("cancel",) and finding.status in (Finding.Status.OPEN, Finding.Status.SENT_BACK):
        with transaction.atomic():
            locked = _lock(finding)
            _save_transition(
                locked,
                actor=None,
                action="cancel",
                old=locked.status,
                new=Finding.Status.CANCELLED,
                note=Text(gettext_noop("The case %(code)s was cancelled."), code=case.code),
            )
    else:
        timeline_add(obj=finding, actor=None, action=f"case:{action}", data={"case": case.code, "case_status": status})


# ============================================================================ enterprise safety


@transaction.atomic
def safety_record_save(
    *,
    actor,
    enterprise,
    responsible_person: str,
    responsible_phone: str = "",
    safety_officer: str = "",
    risk_category: str = "",
    is_generated: bool = False,
) -> SafetyRecord:
    existing = SafetyRecord.objects.filter(enterprise=enterprise).first()
    fields = dict(
        responsible_person=responsible_person,
        responsible_phone=responsible_phone,
        safety_officer=safety_officer,
        risk_category=risk_category,
        community=enterprise.community,
        grid=enterprise.grid,
    )
    if existing:
        return core_services.record_update(existing, actor=actor, **fields)
    return core_services.record_create(
        SafetyRecord, actor=actor, enterprise=enterprise, is_generated=is_generated, **fields
    )


# ============================================================================ emergencies


def chain_for(incident_type: str, severity: int) -> AlertChain | None:
    """The most specific active chain: same type before any type, then the strictest severity."""
    chains = (
        AlertChain.objects.filter(is_active=True, max_severity__gte=severity)
        .filter(models_q_type(incident_type))
        .order_by("-incident_type", "max_severity", "pk")
    )
    return chains.first()


def models_q_type(incident_type: str):
    from django.db.models import Q

    return Q(incident_type=incident_type) | Q(incident_type="")


def _alert_level(incident: Incident, level: int, now: datetime.datetime) -> list[IncidentAlert]:
    if incident.chain_id is None:
        return []
    steps = list(AlertChainStep.objects.filter(chain_id=incident.chain_id, level=level).select_related("user"))
    created = []
    for step in steps:
        if IncidentAlert.objects.filter(incident=incident, user=step.user).exists():
            continue
        minutes = step.ack_minutes or int(conf.get("ack_minutes"))
        created.append(
            IncidentAlert.objects.create(
                incident=incident,
                user=step.user,
                level=level,
                sent_at=now,
                due_at=now + datetime.timedelta(minutes=minutes),
            )
        )
    if created:
        title = Text(
            gettext_noop("%(drill)s%(sev)s %(type)s: %(title)s — acknowledge now"),
            drill=Text(gettext_noop("[DRILL] ")) if incident.is_drill else "",
            sev=Text.choice(Severity, incident.severity),
            type=Text.choice(IncidentType, incident.incident_type),
            title=incident.title,
        )
        body = f"{incident.address} · {incident.code}"
        url = reverse("fieldwork:incident_detail", args=[incident.pk])
        users = [a.user for a in created]
        transaction.on_commit(
            lambda: notification_send(
                recipients=users,
                title=title,
                body=body,
                url=url,
                level=Notification.Level.URGENT,
                kind="fieldwork.incident",
                topic=f"incident:{incident.pk}:L{level}",
                channels=("sms", "wechat"),
            )
        )
        timeline_add(obj=incident, actor=None, action="alert", data={"level": level, "users": [str(u) for u in users]})
    return created


@transaction.atomic
def incident_report(
    *,
    actor,
    incident_type: str,
    severity: int,
    title: str,
    address: str,
    description: str = "",
    community=None,
    grid=None,
    longitude: float | None = None,
    latitude: float | None = None,
    is_drill: bool = False,
    photos: Iterable = (),
    occurred_at=None,
    is_generated: bool = False,
) -> Incident:
    _require(actor, "fieldwork.add_incident")
    if grid is not None:
        if community is not None and grid.community_id != community.pk:
            raise ValidationError({"grid": _("The grid is not in this community.")})
        community = grid.community
    cleaned = [photo_clean(p) for p in photos if p]  # refuse bad photos before anything is written
    now = timezone.now()
    incident = core_services.record_create(
        Incident,
        actor=actor,
        code=new_code(conf.get("incident_prefix")),
        incident_type=incident_type,
        severity=severity,
        title=title,
        description=description,
        address=address,
        community=community,
        grid=grid,
        longitude=longitude,
        latitude=latitude,
        is_drill=is_drill,
        reported_by=actor,
        chain=chain_for(incident_type, severity),
        occurred_at=occurred_at or now,
        is_generated=is_generated,
    )
    photos_attach(obj=incident, uploads=cleaned, actor=actor, purpose="incident")
    timeline_add(
        obj=incident,
        actor=actor,
        action="report",
        to_status=incident.status,
        data={"drill": is_drill, "chain": str(incident.chain or "")},
    )
    if incident.chain_id is None:
        # No chain configured: the leaders are alerted so that nothing is silent.
        transaction.on_commit(
            lambda: notification_send(
                recipients=_leaders(),
                title=Text(gettext_noop("Incident without an alert chain: %(t)s"), t=incident.title),
                url=reverse("fieldwork:incident_detail", args=[incident.pk]),
                level=Notification.Level.URGENT,
                kind="fieldwork.incident",
                topic=f"incident:{incident.pk}:nochain",
                channels=("sms", "wechat"),
            )
        )
    else:
        _alert_level(incident, 1, now)
    return incident


@transaction.atomic
def incident_acknowledge(*, incident: Incident, actor, note: str = "") -> IncidentAlert:
    locked = _lock(incident)
    if locked.status == Incident.Status.CLOSED:
        raise ValidationError(
            _("This incident was closed at %(t)s: there is nothing to acknowledge.")
            % {"t": timezone.localtime(locked.closed_at).strftime("%Y-%m-%d %H:%M")}
        )
    alert = IncidentAlert.objects.select_for_update().filter(incident=locked, user=actor).first()
    if alert is None:
        raise PermissionDenied(_("You were not alerted for this incident."))
    if alert.acknowledged_at is not None:
        raise ValidationError(
            _("You already acknowledged at %(t)s.")
            % {"t": timezone.localtime(alert.acknowledged_at).strftime("%H:%M:%S")}
        )
    old = locked.status
    new, _perm = workflows.next_state(workflows.INCIDENT, old, "acknowledge", label=_("incident"))
    alert.acknowledged_at = timezone.now()
    alert.save(update_fields=["acknowledged_at"])
    _save_transition(
        locked,
        actor=actor,
        action="acknowledge",
        old=old,
        new=new,
        note=note,
        data={"level": alert.level, "late": alert.acknowledged_at > alert.due_at},
    )
    return alert


@transaction.atomic
def incident_act(
    *, incident: Incident, actor, note: str, photos: Iterable = (), expected_version: int | None = None
) -> Incident:
    locked = _lock(incident, expected_version)
    old = locked.status
    new, perm = workflows.next_state(workflows.INCIDENT, old, "act", label=_("incident"))
    _require(actor, perm)
    if not note.strip():
        raise ValidationError({"note": _("Describe the action taken.")})
    photos_attach(obj=locked, uploads=photos, actor=actor, purpose="action")
    return _save_transition(locked, actor=actor, action="act", old=old, new=new, note=note.strip())


@transaction.atomic
def incident_close(*, incident: Incident, actor, summary: str, expected_version: int | None = None) -> Incident:
    locked = _lock(incident, expected_version)
    old = locked.status
    new, perm = workflows.next_state(workflows.INCIDENT, old, "close", label=_("incident"))
    _require(actor, perm)
    _require_scope(locked, actor)
    if not summary.strip():
        raise ValidationError({"summary": _("Write the summary of the incident.")})
    locked.summary, locked.closed_at = summary.strip(), timezone.now()
    return _save_transition(
        locked, actor=actor, action="close", old=old, new=new, note=summary.strip(), fields=["summary", "closed_at"]
    )


def incidents_escalate(*, now: datetime.datetime | None = None) -> int:
    """Periodic (every minute): an alert not acknowledged in time alerts the next level once."""
    now = now or timezone.now()
    escalated = 0
    due = (
        IncidentAlert.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True, due_at__lt=now)
        .exclude(incident__status=Incident.Status.CLOSED)
        .select_related("incident")
    )
    for alert in due:
        with transaction.atomic():
            if not IncidentAlert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            incident = alert.incident
            timeline_add(
                obj=incident,
                actor=None,
                action="overdue",
                note=Text(gettext_noop("%(user)s did not acknowledge within the time."), user=str(alert.user)),
                data={"level": alert.level},
            )
            next_level = alert.level + 1
            if IncidentAlert.objects.filter(incident=incident, level=next_level).exists():
                continue
            created = _alert_level(incident, next_level, now)
            if (
                not created
                and not AlertChainStep.objects.filter(chain_id=incident.chain_id, level__gt=alert.level).exists()
            ):
                # End of the chain: tell the leaders once.
                leaders = [u for u in _leaders() if u.pk != alert.user_id]
                notification_send(
                    recipients=leaders,
                    title=Text(gettext_noop("Nobody acknowledged incident %(code)s in time"), code=incident.code),
                    url=reverse("fieldwork:incident_detail", args=[incident.pk]),
                    level=Notification.Level.URGENT,
                    kind="fieldwork.incident",
                    topic=f"incident:{incident.pk}:chain-end",
                    channels=("sms",),
                )
            escalated += 1
    return escalated


# ============================================================================ periodic: overdue patrols


def patrols_flag_overdue(*, today: datetime.date | None = None) -> int:
    """Periodic: a plan whose previous period had fewer patrols than planned is flagged once."""
    from shanzhi.fieldwork import selectors

    today = today or timezone.localdate()
    flagged = 0
    for plan in PatrolPlan.objects.filter(is_active=True).select_related("patroller"):
        start, end, key = plan_period(plan, today, previous=True)
        if end <= plan.starts_on or plan.flagged_period == key:
            continue
        done = selectors.patrols_done(plan, start, end)
        if done >= plan.times_per_period:
            continue
        with transaction.atomic():
            try:
                n = PatrolPlan.objects.filter(pk=plan.pk).exclude(flagged_period=key).update(flagged_period=key)
            except IntegrityError:  # pragma: no cover - defensive
                n = 0
            if not n:
                continue
            notification_send(
                recipients=[plan.patroller, *_staff_of_community(plan.community_id)],
                level=Notification.Level.WARNING,
                title=Text(
                    gettext_noop("Patrols behind plan (%(period)s): %(plan)s — %(done)d of %(planned)d"),
                    period=key,
                    plan=plan.name,
                    done=done,
                    planned=plan.times_per_period,
                ),
                url=reverse("fieldwork:compliance"),
                kind="fieldwork.patrol",
                topic=f"plan:{plan.pk}:{key}",
            )
            flagged += 1
    return flagged
