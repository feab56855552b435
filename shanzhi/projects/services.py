"""Every write of the projects app: keyword-only, an explicit actor, atomic, audited.

Stage moves follow the tables in `workflows.py`; a blocker is raised to its department as a
coordination case through the cases engine, and the case's outcome comes back through the
origin handler registered in apps.py.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shanzhi.core import services as core
from shanzhi.core.errors import ConflictError, ImportRowError, PermissionDenied, ValidationError
from shanzhi.core.models import AuditEvent
from shanzhi.core.scoping import CHANGE
from shanzhi.core.texts import Text
from shanzhi.projects import workflows
from shanzhi.projects.conf import get_setting
from shanzhi.projects.models import (
    Blocker,
    Lead,
    LeadActivity,
    Milestone,
    Parcel,
    Project,
    ProjectMonth,
    ProjectPhoto,
    ProjectStageChange,
    Proposal,
    ProposalVote,
    month_start,
)

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------------- input parsing

# The amount fields hold 14 digits with 2 decimals (up to 10^12 万元).
MAX_AMOUNT = Decimal("1e12")


def parse_amount(
    value: Any, *, field: str, label: str, allow_empty: bool = False, maximum: Decimal | None = None
) -> Decimal | None:
    """A non-negative decimal from a form, the API or a spreadsheet cell; a clear error otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_empty:
            return None
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: _("%(label)s must be a number (got “%(value)s”).") % {"label": label, "value": value}}
        )
    if not amount.is_finite():
        raise ValidationError(
            {field: _("%(label)s must be a number (got “%(value)s”).") % {"label": label, "value": value}}
        )
    if amount < 0:
        raise ValidationError({field: _("%(label)s cannot be negative.") % {"label": label}})
    if maximum is not None and amount > maximum:
        raise ValidationError({field: _("%(label)s cannot exceed %(max)s.") % {"label": label, "max": maximum}})
    if amount >= MAX_AMOUNT:
        raise ValidationError({field: _("%(label)s is too large.") % {"label": label}})
    return amount.quantize(Decimal("0.01"))


def parse_month(value: Any, *, field: str = "month") -> datetime.date:
    if isinstance(value, datetime.datetime):
        return month_start(value.date())
    if isinstance(value, datetime.date):
        return month_start(value)
    text = str(value or "").strip().replace("/", "-").replace("年", "-").replace("月", "")
    for fmt in ("%Y-%m", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y%m"):
        try:
            return month_start(datetime.datetime.strptime(text, fmt).date())
        except ValueError:
            continue
    raise ValidationError({field: _("“%(value)s” is not a month (use 2023-05).") % {"value": value}})


def _lock(model, obj, expected_version: int | None = None):
    locked = model.objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            _("This record was changed by someone else (version %(theirs)s, yours %(mine)s). Reload and try again.")
            % {"theirs": locked.version, "mine": expected_version}
        )
    return locked


def _bump(obj, actor, fields: list[str]) -> None:
    obj.updated_by = actor if getattr(actor, "pk", None) else None
    obj.version = F("version") + 1
    obj.save(update_fields=[*fields, "updated_by", "version", "updated_at"])
    obj.refresh_from_db()


def _in_scope(obj, actor, action: str = CHANGE) -> bool:
    return type(obj).objects.filter(pk=obj.pk).restrict(actor, action).exists()


# ----------------------------------------------------------------------------- projects


@transaction.atomic
def project_create(*, actor, on: datetime.date | None = None, **fields) -> Project:
    """Create a project; its first stage is recorded on the timeline."""
    fields.setdefault("stage", Project.Stage.PLANNING)
    fields.setdefault("stage_changed_on", on or timezone.localdate())
    project = core.record_create(Project, actor=actor, **fields)
    ProjectStageChange.objects.create(
        project=project,
        from_stage="",
        to_stage=project.stage,
        on=project.stage_changed_on,
        created_by=project.created_by,
        note=Text(gettext_noop("Entered into the project library.")),
    )
    return project


@transaction.atomic
def project_update(*, project: Project, actor, expected_version: int | None = None, **fields) -> Project:
    if "stage" in fields:
        raise ValidationError({"stage": _("Change the stage with a stage move, which keeps its date.")})
    return core.record_update(project, actor=actor, expected_version=expected_version, **fields)


STAGE_DATE_FIELD = {"started": "started_on", "production": "production_on", "completed": "completed_on"}


@transaction.atomic
def project_move_stage(
    *,
    project: Project,
    to_stage: str,
    actor,
    on: datetime.date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Project:
    """Move a project along 谋划 → 储备 → 开工 → 投产 / 竣工 with the date of the move."""
    locked = _lock(Project, project, expected_version)
    try:
        workflows.check_project_move(locked.stage, to_stage)
    except workflows.StageError:
        labels = dict(Project.Stage.choices)
        raise ValidationError(
            {
                "stage": _("A project cannot move from “%(a)s” to “%(b)s”: stages may not be skipped.")
                % {"a": labels.get(locked.stage, locked.stage), "b": labels.get(to_stage, to_stage)}
            }
        )
    on = on or timezone.localdate()
    if locked.stage_changed_on and on < locked.stage_changed_on:
        raise ValidationError(
            {"on": _("The date of a move cannot be before the previous move (%(d)s).") % {"d": locked.stage_changed_on}}
        )
    before = locked.stage
    locked.stage = to_stage
    locked.stage_changed_on = on
    fields = ["stage", "stage_changed_on"]
    if to_stage in STAGE_DATE_FIELD:
        setattr(locked, STAGE_DATE_FIELD[to_stage], on)
        fields.append(STAGE_DATE_FIELD[to_stage])
    _bump(locked, actor, fields)
    ProjectStageChange.objects.create(
        project=locked,
        from_stage=before,
        to_stage=to_stage,
        on=on,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        obj=locked,
        changes={"stage": [before, to_stage], "on": on},
        note=note,
    )
    return locked


@transaction.atomic
def project_plan_set(*, project: Project, actor, plan: dict[Any, Any]) -> list[ProjectMonth]:
    """Set the planned investment of several months (month → amount); other months keep theirs."""
    parsed = {}
    for month, amount in plan.items():
        m = parse_month(month)
        parsed[m] = parse_amount(amount, field="planned_investment", label=_("Planned investment"))
    rows = []
    for m, amount in sorted(parsed.items()):
        row = ProjectMonth.objects.select_for_update().filter(project=project, month=m).first()
        if row is None:
            row = core.record_create(ProjectMonth, actor=actor, project=project, month=m, planned_investment=amount)
        elif row.planned_investment != amount:
            row = core.record_update(row, actor=actor, planned_investment=amount)
        rows.append(row)
    return rows


@transaction.atomic
def project_progress_record(
    *,
    project: Project,
    actor,
    month: Any,
    completed_investment: Any = None,
    physical_progress: Any = None,
    note: str = "",
    photo=None,
    caption: str = "",
) -> ProjectMonth:
    """Report one month: completed investment, physical progress (%), notes and a photo."""
    m = parse_month(month)
    done = parse_amount(
        completed_investment, field="completed_investment", label=_("Completed investment"), allow_empty=True
    )
    progress = parse_amount(
        physical_progress,
        field="physical_progress",
        label=_("Physical progress"),
        allow_empty=True,
        maximum=Decimal("100"),
    )
    if done is None and progress is None and not note and photo is None:
        raise ValidationError(_("Enter the completed investment, the progress, a note or a photo."))
    changes: dict[str, Any] = {"reported_at": timezone.now()}
    if done is not None:
        changes["completed_investment"] = done
    if progress is not None:
        changes["physical_progress"] = progress.quantize(Decimal("0.1"))
    if note:
        changes["note"] = note
    row = ProjectMonth.objects.select_for_update().filter(project=project, month=m).first()
    if row is None:
        row = core.record_create(ProjectMonth, actor=actor, project=project, month=m, **changes)
    else:
        row = core.record_update(row, actor=actor, **changes)
    if photo is not None:
        core.record_create(ProjectPhoto, actor=actor, project=project, month=m, image=photo, caption=caption)
    return row


PROGRESS_COLUMNS = {
    # canonical name: accepted headers (English, Chinese)
    "code": ("project code", "项目编号"),
    "month": ("month", "月份"),
    "completed": ("completed investment", "完成投资（万元）", "完成投资(万元)", "完成投资"),
    "progress": ("physical progress", "形象进度（%）", "形象进度(%)", "形象进度"),
    "note": ("note", "备注"),
}


def _column(headers: list[str], key: str) -> str | None:
    for h in PROGRESS_COLUMNS[key]:
        if h in headers:
            return h
    return None


@transaction.atomic
def progress_import(*, actor, uploaded) -> int:
    """Import monthly progress from .xlsx / .csv: all rows or none; the first bad row is reported.

    Columns: project code, month, completed investment, and optionally physical progress and note
    (English or Chinese headers, see PROGRESS_COLUMNS). Returns the number of rows imported.
    """
    from shanzhi.core.excel import read_table

    rows = read_table(uploaded)
    headers = rows.headers
    cols = {k: _column(headers, k) for k in PROGRESS_COLUMNS}
    missing = [PROGRESS_COLUMNS[k][1] for k in ("code", "month", "completed") if cols[k] is None]
    if missing:
        raise ValidationError(_("Missing columns: %(cols)s.") % {"cols": "、".join(missing)})
    projects = {p.code: p for p in Project.objects.restrict(actor, CHANGE)}
    seen: set[tuple[str, datetime.date]] = set()
    count = 0
    for row in rows:
        index = row.number  # the row in the file, blank rows counted
        code = row.get(cols["code"], "")
        project = projects.get(code)
        if project is None:
            raise ImportRowError(
                index,
                _("unknown project code “%(code)s”, or outside your scope.") % {"code": code},
                column=cols["code"],
            )
        try:
            month = parse_month(row.get(cols["month"]))
            if (code, month) in seen:
                raise ValidationError(_("the same project and month appear twice."))
            seen.add((code, month))
            project_progress_record(
                project=project,
                actor=actor,
                month=month,
                completed_investment=row.get(cols["completed"]),
                physical_progress=row.get(cols["progress"]) if cols["progress"] else None,
                note=row.get(cols["note"], "") if cols["note"] else "",
            )
        except ValidationError as exc:
            raise ImportRowError(index, "; ".join(exc.messages)) from exc
        count += 1
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        model=ProjectMonth,
        note=Text(gettext_noop("%(n)d rows imported from %(file)s"), n=count, file=getattr(uploaded, "name", "")),
    )
    return count


@transaction.atomic
def milestone_complete(*, milestone: Milestone, actor, on: datetime.date | None = None) -> Milestone:
    if milestone.done_on:
        raise ValidationError(_("This milestone is already done."))
    return core.record_update(milestone, actor=actor, done_on=on or timezone.localdate())


# ----------------------------------------------------------------------------- blockers and cases


def _cases_available() -> bool:
    try:
        from shanzhi.cases import services as case_services
    except ImportError:
        return False
    return hasattr(case_services, "case_create")


@transaction.atomic
def blocker_raise(
    *,
    project: Project,
    actor,
    kind: str,
    description: str,
    department,
    deadline=None,
    deadline_workdays: int | None = None,
) -> Blocker:
    """Record a blocker and raise it to the responsible department as a coordination case."""
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe the blocker.")})
    if department is None:
        raise ValidationError({"department": _("Choose the responsible department.")})
    blocker = core.record_create(
        Blocker,
        actor=actor,
        project=project,
        kind=kind,
        description=description.strip(),
        department=department,
        deadline=deadline,
    )
    if _cases_available():
        from shanzhi.cases import services as case_services

        if deadline is None and deadline_workdays is None:
            deadline_workdays = int(get_setting("projects.blocker_workdays", 10))
        case = case_services.case_create(
            actor=actor,
            kind="coordination",
            source="project",
            title=_("Project blocker: %(project)s (%(kind)s)")
            % {"project": project.name, "kind": blocker.get_kind_display()},
            description=blocker.description,
            department=department,
            deadline=deadline,
            deadline_workdays=None if deadline else deadline_workdays,
            origin=blocker,
            address=project.address,
            longitude=project.longitude,
            latitude=project.latitude,
            auto_route=False,
        )
        blocker.case = case
        blocker.deadline = case.deadline
        blocker.status = Blocker.Status.RAISED
        _bump(blocker, actor, ["case", "deadline", "status"])
    return blocker


CASE_STATUS_TO_BLOCKER = {
    "closed": Blocker.Status.RESOLVED,
    "archived": Blocker.Status.RESOLVED,
    "cancelled": Blocker.Status.CANCELLED,
}


def blocker_case_changed(case, action: str) -> None:
    """Origin handler: the cases engine calls it (after commit) for each transition of a case that
    a blocker raised. The blocker follows the case: closed → resolved, cancelled → cancelled,
    anything else (reopened, returned…) → raised."""
    status = CASE_STATUS_TO_BLOCKER.get(str(case.status), Blocker.Status.RAISED)
    with transaction.atomic():
        for blocker in Blocker.objects.select_for_update().filter(case_id=case.pk):
            if blocker.status == status:
                continue
            before = blocker.status
            blocker.status = status
            blocker.resolved_on = timezone.localdate() if status == Blocker.Status.RESOLVED else None
            _bump(blocker, None, ["status", "resolved_on"])
            core.audit_log(
                actor=None,
                action=AuditEvent.Action.TRANSITION,
                obj=blocker,
                changes={"status": [before, status]},
                note=Text(gettext_noop("Coordination case %(code)s: %(action)s"), code=case.code, action=action),
            )


@transaction.atomic
def blocker_resolve(*, blocker: Blocker, actor, note: str = "", cancel: bool = False) -> Blocker:
    """Close a blocker that was never raised as a case (with a case, close the case instead)."""
    locked = _lock(Blocker, blocker)
    if getattr(locked, "case_id", None):
        raise ValidationError(
            _("This blocker is handled as case %(code)s: close the case instead.") % {"code": locked.case.code}
        )
    if locked.status in (Blocker.Status.RESOLVED, Blocker.Status.CANCELLED):
        raise ValidationError(_("This blocker is already closed."))
    before = locked.status
    locked.status = Blocker.Status.CANCELLED if cancel else Blocker.Status.RESOLVED
    locked.resolved_on = None if cancel else timezone.localdate()
    _bump(locked, actor, ["status", "resolved_on"])
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        obj=locked,
        changes={"status": [before, locked.status]},
        note=note,
    )
    return locked


# ----------------------------------------------------------------------------- investment leads


@transaction.atomic
def lead_create(*, actor, **fields) -> Lead:
    fields.setdefault("stage", Lead.Stage.LEAD)
    fields.setdefault("stage_changed_on", timezone.localdate())
    fields.setdefault("last_activity_at", timezone.now())
    if fields.get("stage") not in (Lead.Stage.LEAD, None):
        raise ValidationError({"stage": _("A new lead starts at the first stage.")})
    return core.record_create(Lead, actor=actor, **fields)


@transaction.atomic
def lead_log_activity(
    *, lead: Lead, actor, kind: str, summary: str, at: datetime.datetime | None = None
) -> LeadActivity:
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Say what was discussed.")})
    at = at or timezone.now()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("A contact cannot be logged in the future.")})
    activity = core.record_create(LeadActivity, actor=actor, lead=lead, kind=kind, summary=summary.strip(), at=at)
    Lead.objects.filter(pk=lead.pk, last_activity_at__lt=at).update(last_activity_at=at)
    return activity


@transaction.atomic
def lead_move(
    *,
    lead: Lead,
    to_stage: str,
    actor,
    reason: str = "",
    expected_version: int | None = None,
    on: datetime.date | None = None,
) -> Lead:
    locked = _lock(Lead, lead, expected_version)
    labels = dict(Lead.Stage.choices)
    try:
        workflows.check_lead_move(locked.stage, to_stage)
    except workflows.StageError:
        raise ValidationError(
            {
                "stage": _("A lead cannot move from “%(a)s” to “%(b)s”: move one stage at a time.")
                % {"a": labels.get(locked.stage, locked.stage), "b": labels.get(to_stage, to_stage)}
            }
        )
    if to_stage == Lead.Stage.DROPPED and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for dropping the lead.")})
    before = locked.stage
    locked.stage = to_stage
    locked.stage_changed_on = on or timezone.localdate()
    locked.drop_reason = reason.strip() if to_stage == Lead.Stage.DROPPED else ""
    locked.last_activity_at = timezone.now()
    _bump(locked, actor, ["stage", "stage_changed_on", "drop_reason", "last_activity_at"])
    # The stages are shown in each reader's language; the reason as the person wrote it.
    moved = {"a": Text.choice(Lead.Stage, before), "b": Text.choice(Lead.Stage, to_stage)}
    if reason.strip():
        summary = Text(gettext_noop("%(a)s → %(b)s: %(reason)s"), **moved, reason=reason.strip())
    else:
        summary = Text(gettext_noop("%(a)s → %(b)s"), **moved)
    core.record_create(LeadActivity, actor=actor, lead=locked, kind=LeadActivity.Kind.STAGE, summary=summary)
    core.audit_log(
        actor=actor, action=AuditEvent.Action.TRANSITION, obj=locked, changes={"stage": [before, to_stage]}, note=reason
    )
    return locked


def stale_leads_notify() -> int:
    """Periodic job: tell each owner about their leads without activity for the configured time."""
    from shanzhi.notifications.services import notification_send

    days = int(get_setting("projects.lead_stale_days", 30))
    by_owner: dict[int, list[Lead]] = {}
    for lead in Lead.objects.stale(days).exclude(owner=None).select_related("owner"):
        by_owner.setdefault(lead.owner_id, []).append(lead)
    for leads in by_owner.values():
        names = "、".join(lead.company for lead in leads[:5])
        notification_send(
            recipients=[leads[0].owner],
            title=Text(gettext_noop("%(n)d investment leads without activity for %(d)d days"), n=len(leads), d=days),
            body=names,
            url="/projects/leads/?stale=1",
            kind="projects.stale_leads",
        )
    return sum(len(v) for v in by_owner.values())


# ----------------------------------------------------------------------------- renewal parcels

PARCEL_DATE_FIELD = {
    "signing": "signed_on",
    "relocation": "relocated_on",
    "demolition": "demolished_on",
    "preparation": "prepared_on",
    "transfer": "transferred_on",
}


@transaction.atomic
def parcel_move(
    *,
    parcel: Parcel,
    to_stage: str,
    actor,
    on: datetime.date | None = None,
    note: str = "",
    transfer_price: Any = None,
    expected_version: int | None = None,
) -> Parcel:
    locked = _lock(Parcel, parcel, expected_version)
    labels = dict(Parcel.Stage.choices)
    try:
        workflows.check_parcel_move(locked.stage, to_stage)
    except workflows.StageError:
        raise ValidationError(
            {
                "stage": _("A parcel cannot move from “%(a)s” to “%(b)s”: move one stage at a time.")
                % {"a": labels.get(locked.stage, locked.stage), "b": labels.get(to_stage, to_stage)}
            }
        )
    fields = ["stage", PARCEL_DATE_FIELD[to_stage]]
    if to_stage == Parcel.Stage.TRANSFER:
        locked.transfer_price = parse_amount(transfer_price, field="transfer_price", label=_("Transfer price"))
        fields.append("transfer_price")
    before = locked.stage
    locked.stage = to_stage
    setattr(locked, PARCEL_DATE_FIELD[to_stage], on or timezone.localdate())
    if note:
        locked.note = (locked.note + "\n" if locked.note else "") + note
        fields.append("note")
    _bump(locked, actor, fields)
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.TRANSITION,
        obj=locked,
        changes={"stage": [before, to_stage], "on": getattr(locked, PARCEL_DATE_FIELD[to_stage])},
        note=note,
    )
    return locked


# ----------------------------------------------------------------------------- 问需于民


def _hash(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}|projects|{value}".encode()).hexdigest()


@transaction.atomic
def proposal_submit(
    *,
    actor,
    title: str,
    description: str,
    category: str,
    community=None,
    proposer_name: str = "",
    proposer_phone: str = "",
    ip: str = "",
    for_year: int | None = None,
) -> Proposal:
    """A public proposal; at most `projects.proposals_per_ip_per_day` from one address a day."""
    if not (title or "").strip() or not (description or "").strip():
        raise ValidationError(_("Give a title and a description."))
    limit = int(get_setting("projects.proposals_per_ip_per_day", 5))
    ip_hash = _hash(ip or "unknown")
    today = timezone.localdate()
    recent = core.AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        content_type__app_label="projects",
        content_type__model="proposal",
        note=f"ip:{ip_hash[:16]}",
        at__date__gte=today,
    ).count()
    if recent >= limit:
        raise PermissionDenied(_("Too many proposals from your network today. Please try again tomorrow."))
    proposal = Proposal(
        title=title.strip(),
        description=description.strip(),
        category=category,
        community=community,
        proposer_name=proposer_name.strip(),
        proposer_phone=proposer_phone.strip(),
        for_year=for_year or today.year + 1,
    )
    proposal.full_clean(exclude=["created_by", "updated_by", "deleted_by", "answered_by"])
    proposal.save()
    core.audit_log(actor=actor, action=AuditEvent.Action.CREATE, obj=proposal, note=f"ip:{ip_hash[:16]}")
    return proposal


def proposal_vote(*, proposal: Proposal, voter_token: str, ip: str) -> Proposal:
    """One vote per proposal per browser token, and at most `projects.votes_per_ip_per_day` per
    proposal per IP address per day. Raises ValidationError for a repeated vote."""
    if proposal.status == Proposal.Status.HIDDEN or proposal.is_deleted:
        raise ValidationError(_("This proposal is not open for votes."))
    if not voter_token or len(voter_token) < 16:
        raise ValidationError(_("Your browser must accept cookies to vote."))
    voter_hash, ip_hash = _hash(f"voter:{voter_token}"), _hash(f"ip:{ip or 'unknown'}")
    today = timezone.localdate()
    limit = int(get_setting("projects.votes_per_ip_per_day", 5))
    try:
        with transaction.atomic():
            locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if ProposalVote.objects.filter(proposal=locked, voter_hash=voter_hash).exists():
                raise ValidationError(_("You have already voted for this proposal."))
            if ProposalVote.objects.filter(proposal=locked, ip_hash=ip_hash, day=today).count() >= limit:
                raise ValidationError(_("Too many votes for this proposal from your network today."))
            ProposalVote.objects.create(proposal=locked, voter_hash=voter_hash, ip_hash=ip_hash, day=today)
            Proposal.objects.filter(pk=locked.pk).update(votes=F("votes") + 1)
    except IntegrityError:
        raise ValidationError(_("You have already voted for this proposal."))
    proposal.refresh_from_db()
    return proposal


ANSWER_STATUSES = {
    Proposal.Status.ANSWERED,
    Proposal.Status.DECLINED,
    Proposal.Status.HIDDEN,
    Proposal.Status.SUBMITTED,
}


@transaction.atomic
def proposal_answer(
    *,
    proposal: Proposal,
    actor,
    answer: str,
    status: str = Proposal.Status.ANSWERED,
    expected_version: int | None = None,
) -> Proposal:
    if status not in ANSWER_STATUSES:
        raise ValidationError({"status": _("Turn a proposal into a project with “Make a project”.")})
    if status != Proposal.Status.HIDDEN and not (answer or "").strip():
        raise ValidationError({"answer": _("Write the answer the public will read.")})
    locked = _lock(Proposal, proposal, expected_version)
    if locked.status == Proposal.Status.ACCEPTED:
        raise ValidationError(_("This proposal is already a project."))
    return core.record_update(
        locked, actor=actor, answer=(answer or "").strip(), status=status, answered_at=timezone.now(), answered_by=actor
    )


@transaction.atomic
def proposal_to_project(
    *, proposal: Proposal, actor, code: str, department=None, total_investment: Any = 0, answer: str = ""
) -> Project:
    """Adopt a proposal as a livelihood project of the year it was proposed for."""
    locked = _lock(Proposal, proposal)
    if locked.project_id:
        raise ValidationError(_("This proposal is already a project."))
    amount = parse_amount(total_investment, field="total_investment", label=_("Total investment"))
    project = project_create(
        actor=actor,
        code=code,
        name=locked.title,
        kind=Project.Kind.LIVELIHOOD,
        year=locked.for_year,
        department=department,
        community=locked.community,
        total_investment=amount,
        description=locked.description,
    )
    core.record_update(
        locked,
        actor=actor,
        project=project,
        status=Proposal.Status.ACCEPTED,
        answered_by=actor,
        answered_at=timezone.now(),
        answer=(answer or "").strip()
        or Text(gettext_noop("Adopted as a livelihood project for %(year)s."), year=locked.for_year),
    )
    return project
