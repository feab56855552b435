"""Every write of the plans app: drafts and their confirmation, supervision (reports, 督办单,
status sweep), indicators and their actuals. Keyword-only, explicit actor, atomic, audited,
with a timeline event for the supervision workflow."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shanzhi.core import services as core
from shanzhi.core.errors import ImportRowError, ValidationError
from shanzhi.core.models import AuditEvent, SiteSetting
from shanzhi.core.texts import Text
from shanzhi.orgs.models import Department
from shanzhi.plans import drafts, rules
from shanzhi.plans.models import (
    Indicator,
    IndicatorActual,
    Milestone,
    Plan,
    PlanDraft,
    PlanEvent,
    PlanNode,
    ProgressReport,
    ReportAttachment,
    Status,
    SupervisionNotice,
)
from shanzhi.plans.parsing import DocumentError, parse_plan, read_docx, read_text

MAX_TEXT_CHARS = 2_000_000

# The parser library's reader errors are plain English (no Django there); listed here so that
# they are translated when shown.
DOCUMENT_ERRORS = (
    gettext_noop("The file is empty."),
    gettext_noop("The file is not plain text (it contains binary data)."),
    gettext_noop("The file is not text in UTF-8 or GB18030."),
    gettext_noop("The file is not a valid .docx document."),
    gettext_noop("The .docx document contains no text."),
)
# Likewise the parser's warnings, kept on the draft in English and translated when shown.
PARSER_WARNINGS = (
    gettext_noop("No document title found."),
    gettext_noop("No plan year found; past-year figures are recognised by wording only."),
    gettext_noop("No numbered sections found; the whole text is in the preamble."),
)
# The task fields node_update changes, named in the timeline in the reader's language.
NODE_FIELD_LABELS = {
    "title": gettext_noop("title"),
    "kind": gettext_noop("kind"),
    "lead_unit": gettext_noop("lead unit"),
    "co_units": gettext_noop("co-responsible units"),
    "responsible_leader": gettext_noop("responsible leader"),
    "start_date": gettext_noop("start date"),
    "deadline": gettext_noop("deadline"),
    "weight": gettext_noop("weight"),
}
# Warning level → (the title of its message, its name in the timeline).
WARNING_TEXTS = {
    "blue": (gettext_noop("Blue warning: %(t)s"), gettext_noop("Blue warning")),
    "yellow": (gettext_noop("Yellow warning: %(t)s"), gettext_noop("Yellow warning")),
    "red": (gettext_noop("Red warning: %(t)s"), gettext_noop("Red warning")),
}


def plan_event(
    *, plan: Plan, actor, kind: str, text: Text | str = "", node: PlanNode | None = None, data: dict | None = None
) -> PlanEvent:
    """A timeline step. The system's words are a `Text` (shown in each reader's language); a
    person's words go in as parameters."""
    return PlanEvent.objects.create(
        plan=plan,
        node=node,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        text=text,
        data=core._jsonable(data or {}),
    )


# ----------------------------------------------------------------------------- drafts


def document_text(*, data: bytes, filename: str = "") -> str:
    """The text of an uploaded .txt or .docx (by content, not only by name). ValidationError if
    it is empty, binary, or a .docx that is not one."""
    name = (filename or "").lower()
    try:
        if data[:2] == b"PK" or name.endswith(".docx"):
            return read_docx(bytes(data))
        if name and not name.endswith((".txt", ".text", ".md")) and b"\x00" in data[:4096]:
            raise DocumentError("The file is not plain text (it contains binary data).")
        return read_text(bytes(data))
    except DocumentError as exc:
        raise ValidationError(_("The document cannot be read: %(reason)s") % {"reason": _(str(exc))}) from exc


@transaction.atomic
def draft_create(*, actor, text: str, source_name: str | Text = "") -> PlanDraft:
    """Parse a plan text and keep it, unchanged, with the recognised tree for review. The
    source is a file's name, or a `Text` (pasted text) shown in the reader's language."""
    if not text or not text.strip():
        raise ValidationError(_("The text is empty."))
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(_("The text is too long (at most %(n)s characters).") % {"n": MAX_TEXT_CHARS})
    parsed = parse_plan(text).to_dict()
    file_name = source_name[:255] if isinstance(source_name, str) else ""
    return core.record_create(
        PlanDraft,
        actor=actor,
        # Without a recognised title the draft is called by its file (a Text source by itself).
        title=(parsed.get("title") or file_name)[:300],
        year=parsed.get("year"),
        source_name=source_name if isinstance(source_name, Text) else file_name,
        source_text=text,
        parsed=parsed,
        tree=drafts.tree_from_parsed(parsed),
        indicators=drafts.indicators_from_parsed(parsed),
        warnings=parsed.get("warnings", []),
    )


@transaction.atomic
def draft_create_from_upload(*, actor, data: bytes, filename: str) -> PlanDraft:
    return draft_create(actor=actor, text=document_text(data=data, filename=filename), source_name=filename)


def _lock_open_draft(draft: PlanDraft) -> PlanDraft:
    locked = PlanDraft.objects.select_for_update().get(pk=draft.pk)
    if locked.state != PlanDraft.State.OPEN:
        raise ValidationError(_("This draft was already %(state)s.") % {"state": locked.get_state_display()})
    return locked


@transaction.atomic
def draft_edit(*, draft: PlanDraft, actor, op: str, node_id: int, **params) -> tuple[PlanDraft, int]:
    """Apply one edit (rename, kind, indent, outdent, merge, split, assign) to the draft's tree.
    Returns the draft and the id of the node to show."""
    locked = _lock_open_draft(draft)
    tree = locked.tree
    target = node_id
    try:
        if op == "rename":
            tree = drafts.rename(tree, node_id, params.get("title", ""))
        elif op == "kind":
            tree = drafts.set_kind(tree, node_id, params.get("kind", ""))
        elif op == "indent":
            tree = drafts.indent(tree, node_id)
        elif op == "outdent":
            tree = drafts.outdent(tree, node_id)
        elif op == "merge":
            tree, target = drafts.merge_with_previous(tree, node_id)
        elif op == "split":
            tree, target = drafts.split_at_phrase(tree, node_id, params.get("phrase", ""))
        elif op == "assign":
            lead = params.get("lead_unit")
            co = [int(u) for u in params.get("co_units") or []]
            known = set(Department.objects.filter(pk__in=[*co, *([lead] if lead else [])]).values_list("pk", flat=True))
            if (lead and lead not in known) or any(u not in known for u in co):
                raise drafts.DraftEditError(_("Unknown unit."))
            tree = drafts.assign(
                tree,
                node_id,
                lead_unit=lead,
                co_units=co,
                deadline=params.get("deadline") or None,
                leader=params.get("leader"),
                apply_to_children=bool(params.get("apply_to_children")),
            )
        else:
            raise drafts.DraftEditError(_("Unknown edit %(op)s.") % {"op": op})
    except drafts.DraftEditError as exc:
        raise ValidationError(str(exc)) from exc
    if op in ("merge", "split"):
        # Indicators follow their text: re-home them by where their sentence now lives.
        locked.indicators = _rehome_indicators(tree, locked.indicators, locked.source_text)
    updated = core.record_update(locked, actor=actor, tree=tree, indicators=locked.indicators)
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=updated,
        changes={"edit": op, "node": node_id, **{k: v for k, v in params.items() if k != "co_units"}},
    )
    return updated, target


def _rehome_indicators(tree, indicators: list[dict], source: str) -> list[dict]:
    """After a merge or split, an indicator belongs to the node that now holds its quantity
    (with a few characters before it), else its whole sentence."""
    nodes = [n for n, _depth in drafts.walk(tree)]
    for ind in indicators:
        start, end = (ind.get("span") or [0, 0])[:2]
        probes = [source[max(0, start - 4) : end], source[start:end], ind.get("sentence") or ""]
        for probe in probes:
            holders = [n for n in nodes if probe and probe in n["text"]]
            if len(holders) == 1:
                ind["node_id"] = holders[0]["id"]
                break
    return indicators


@transaction.atomic
def draft_update_indicator(*, draft: PlanDraft, actor, index: int, values: dict[str, Any]) -> PlanDraft:
    locked = _lock_open_draft(draft)
    items = locked.indicators
    if not 0 <= index < len(items):
        raise ValidationError(_("No such indicator in this draft."))
    item = dict(items[index])
    if "name" in values:
        name = str(values["name"]).strip()
        if not name:
            raise ValidationError({"name": _("A name is required.")})
        item["name"] = name[:200]
    if "value" in values:
        item["value"] = str(parse_decimal(values["value"], field="value"))
    if "comparator" in values:
        if values["comparator"] not in Indicator.Comparator.values:
            raise ValidationError({"comparator": _("Unknown comparator.")})
        item["comparator"] = values["comparator"]
    for key in ("unit", "measure_unit"):
        if key in values:
            item[key] = str(values[key]).strip()[:20]
    if "include" in values:
        item["include"] = bool(values["include"])
    items[index] = item
    return core.record_update(locked, actor=actor, indicators=items)


def parse_decimal(value: Any, *, field: str = "value") -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    text = text.rstrip("%％")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": value}}) from None
    if not number.is_finite():
        raise ValidationError({field: _("“%(v)s” is not a number.") % {"v": value}})
    return number


@transaction.atomic
def draft_confirm(
    *, draft: PlanDraft, actor, title: str, year: int, rollup: str = Plan.Rollup.WEIGHTED, is_generated: bool = False
) -> Plan:
    """Create the plan from the reviewed draft: its nodes (page clutter left out; it stays in the
    source text), their units and deadlines, and the included indicators."""
    locked = _lock_open_draft(draft)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("The plan needs a title.")})
    plan = core.record_create(
        Plan,
        actor=actor,
        title=title[:300],
        year=year,
        rollup=rollup,
        source_name=locked.source_name,
        source_text=locked.source_text,
        is_generated=is_generated,
    )
    units = {d.pk: d for d in Department.objects.all()}
    from shanzhi.accounts.models import User

    leaders = {
        u.pk: u for u in User.objects.filter(pk__in=[n["leader"] for n, _d in drafts.walk(locked.tree) if n["leader"]])
    }
    id_map: dict[int, PlanNode] = {}
    position = 0
    start = datetime.date(year, 1, 1)

    def create(nodes, parent: PlanNode | None, depth: int) -> None:
        nonlocal position
        for item in nodes:
            if item["kind"] == "clutter":
                continue
            position += 1
            deadline = datetime.date.fromisoformat(item["deadline"]) if item.get("deadline") else None
            node = PlanNode(
                plan=plan,
                parent=parent,
                kind=item["kind"] if item["kind"] in PlanNode.Kind.values else "paragraph",
                level=depth,
                position=position,
                label=(item.get("label") or "")[:20],
                title=(item.get("title") or drafts._first_words(item["text"]) or "—")[:500],
                text=item["text"],
                lead_unit=units.get(item.get("lead_unit")),
                responsible_leader=leaders.get(item.get("leader")),
                start_date=start if item.get("lead_unit") else None,
                deadline=deadline,
                weight=Decimal(str(item.get("weight") or 1)),
                created_by=actor,
                updated_by=actor,
            )
            node.save()
            co = [units[u] for u in item.get("co_units") or [] if u in units]
            if co:
                node.co_units.set(co)
            id_map[item["id"]] = node
            create(item["children"], node, depth + 1)

    create(locked.tree, None, 1)
    count = 0
    for item in locked.indicators:
        if not item.get("include"):
            continue
        count += 1
        Indicator.objects.create(
            plan=plan,
            node=id_map.get(item.get("node_id")),
            name=item["name"][:200],
            kind=item.get("kind") if item.get("kind") in Indicator.Kind.values else Indicator.Kind.OTHER,
            comparator=item.get("comparator") if item.get("comparator") in Indicator.Comparator.values else "=",
            target_value=Decimal(item["value"]),
            target_value_max=Decimal(item["value_max"]) if item.get("value_max") else None,
            unit=item.get("unit", "")[:20],
            measure_unit=item.get("measure_unit", "")[:20],
            sentence=item.get("sentence", ""),
            position=count,
            created_by=actor,
            updated_by=actor,
        )
    core.record_update(locked, actor=actor, state=PlanDraft.State.CONFIRMED, plan=plan)
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        obj=plan,
        note=Text(gettext_noop("%(n)s nodes, %(i)s indicators from draft %(d)s"), n=len(id_map), i=count, d=locked.pk),
    )
    plan_event(
        plan=plan,
        actor=actor,
        kind="created",
        text=Text(
            gettext_noop("Plan confirmed from the document %(name)s: %(n)s nodes, %(i)s indicators."),
            name=locked.source_name or str(locked.pk),
            n=len(id_map),
            i=count,
        ),
    )
    return plan


@transaction.atomic
def draft_discard(*, draft: PlanDraft, actor) -> PlanDraft:
    locked = _lock_open_draft(draft)
    return core.record_update(locked, actor=actor, state=PlanDraft.State.DISCARDED)


# ----------------------------------------------------------------------------- plan and tasks


@transaction.atomic
def plan_publish(*, plan: Plan, actor, published: bool) -> Plan:
    plan = core.record_update(
        plan, actor=actor, is_published=published, published_at=timezone.now() if published else None
    )
    plan_event(
        plan=plan,
        actor=actor,
        kind="published" if published else "unpublished",
        text=Text(gettext_noop("Published for the public."))
        if published
        else Text(gettext_noop("Withdrawn from the public.")),
    )
    return plan


@transaction.atomic
def node_update(
    *, node: PlanNode, actor, expected_version: int | None = None, co_units: Sequence | None = None, **fields
) -> PlanNode:
    """Change a task's supervision data (units, leader, dates, weight, title)."""
    allowed = {"title", "lead_unit", "responsible_leader", "start_date", "deadline", "weight", "kind"}
    bad = set(fields) - allowed
    if bad:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(bad))})
    if fields.get("lead_unit") and not fields.get("start_date") and not node.start_date:
        fields["start_date"] = datetime.date(node.plan.year, 1, 1)
    start, deadline = fields.get("start_date", node.start_date), fields.get("deadline", node.deadline)
    if start and deadline and deadline < start:
        raise ValidationError({"deadline": _("The deadline is before the start date.")})
    m2m = {"co_units": list(co_units)} if co_units is not None else None
    updated = core.record_update(node, actor=actor, expected_version=expected_version, m2m=m2m, **fields)
    plan_event(
        plan=updated.plan,
        node=updated,
        actor=actor,
        kind="edited",
        text=Text(
            gettext_noop("Task data changed: %(f)s"),
            f=[Text(NODE_FIELD_LABELS[name]) for name in sorted([*fields, *(m2m or {})])],
        ),
    )
    node_assess(node=updated)
    return updated


@transaction.atomic
def node_close(*, node: PlanNode, actor, closed: bool = True) -> PlanNode:
    updated = core.record_update(node, actor=actor, closed_at=timezone.now() if closed else None)
    plan_event(
        plan=updated.plan,
        node=updated,
        actor=actor,
        kind="closed" if closed else "reopened",
        text=Text(gettext_noop("Task closed.")) if closed else Text(gettext_noop("Task reopened.")),
    )
    node_assess(node=updated)
    return updated


@transaction.atomic
def milestone_create(*, node: PlanNode, actor, title: str, due_date: datetime.date) -> Milestone:
    milestone = core.record_create(Milestone, actor=actor, node=node, title=title, due_date=due_date)
    plan_event(
        plan=node.plan,
        node=node,
        actor=actor,
        kind="milestone",
        text=Text(gettext_noop("Milestone “%(t)s” due %(d)s."), t=title, d=str(due_date)),
    )
    node_assess(node=node)
    return milestone


@transaction.atomic
def milestone_complete(*, milestone: Milestone, actor, done_on: datetime.date | None = None) -> Milestone:
    done_on = done_on or timezone.localdate()
    updated = core.record_update(milestone, actor=actor, done_on=done_on)
    plan_event(
        plan=milestone.node.plan,
        node=milestone.node,
        actor=actor,
        kind="milestone_done",
        text=Text(gettext_noop("Milestone “%(t)s” done on %(d)s."), t=milestone.title, d=str(done_on)),
    )
    node_assess(node=milestone.node)
    return updated


def _actor_units(actor) -> set[int] | None:
    """The units an actor may report for: None = any (leaders, administrators)."""
    from shanzhi.core.scoping import scope_for

    scope = scope_for(actor)
    if scope.is_all:
        return None
    return set(scope.department_ids)


@transaction.atomic
def report_submit(
    *,
    node: PlanNode,
    actor,
    period: datetime.date,
    text: str,
    percent: Any,
    unit: Department | None = None,
    files: Iterable = (),
    submitted_at: datetime.datetime | None = None,
) -> ProgressReport:
    """A unit's monthly report: refused on a closed task, for a month already reported, with a
    percent outside 0–100, or from a unit not responsible for the task."""
    node = PlanNode.objects.select_for_update().select_related("plan").get(pk=node.pk)
    if node.is_closed:
        raise ValidationError(_("This task is closed: it takes no more reports."))
    if node.lead_unit_id is None:
        raise ValidationError(_("This node has no lead unit: it is not supervised."))
    percent = parse_decimal(percent, field="percent")
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("The percent done must be between 0 and 100.")})
    if not (text or "").strip():
        raise ValidationError({"text": _("Describe the progress.")})
    period = period.replace(day=1)
    units = _actor_units(actor)
    responsible = {node.lead_unit_id, *node.co_units.values_list("pk", flat=True)}
    if unit is None:
        mine = responsible if units is None else units & responsible
        if node.lead_unit_id in mine:
            unit = node.lead_unit
        elif mine:
            unit = Department.objects.get(pk=min(mine))
    if unit is None or unit.pk not in responsible or (units is not None and unit.pk not in units):
        raise ValidationError(_("Only the lead or a co-responsible unit of this task reports on it."))
    if ProgressReport.objects.filter(node=node, period=period).exists():
        raise ValidationError(
            {"period": _("A report for %(m)s already exists for this task.") % {"m": f"{period:%Y-%m}"}}
        )
    submitted_at = submitted_at or timezone.now()
    due = rules.report_due_date(period, rules.current_rules()["report_day"])
    file_list = list(files)
    report = core.record_create(
        ProgressReport,
        actor=actor,
        node=node,
        unit=unit,
        period=period,
        text=text.strip(),
        percent=percent,
        submitted_at=submitted_at,
        is_late=timezone.localtime(submitted_at).date() > due,
        attachment=file_list[0] if file_list else "",
    )
    for f in file_list[1:]:
        core.record_create(ReportAttachment, actor=actor, report=report, file=f)
    plan_event(
        plan=node.plan,
        node=node,
        actor=actor,
        kind="report",
        text=Text(
            gettext_noop("Progress report for %(m)s: %(p)s%%. %(t)s"),
            m=f"{period:%Y-%m}",
            p=str(percent),
            t=text.strip()[:300],
        ),
        data={"report": report.pk, "percent": percent, "late": report.is_late},
    )
    # The lead unit's latest report sets the progress; a co-unit's report is information.
    if unit.pk == node.lead_unit_id:
        latest = node.reports.filter(unit_id=node.lead_unit_id).order_by("-period").first()
        if latest is not None and latest.pk == report.pk:
            PlanNode.objects.filter(pk=node.pk).update(progress=percent)
    plan_recompute_progress(plan=node.plan)
    node_assess(node=node)
    return report


def _notice_code(issued_on: datetime.date) -> str:
    prefix = f"DB-{issued_on:%Y}-"
    last = SupervisionNotice.all_objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


@transaction.atomic
def notice_issue(
    *,
    node: PlanNode,
    actor,
    content: str,
    reply_due: datetime.date | None = None,
    unit: Department | None = None,
    issued_on: datetime.date | None = None,
) -> SupervisionNotice:
    """A leader's 督办单 on a task, to its lead unit unless another responsible unit is named."""
    if not (content or "").strip():
        raise ValidationError({"content": _("State what the unit must do.")})
    unit = unit or node.lead_unit
    if unit is None:
        raise ValidationError(_("This node has no lead unit to supervise."))
    issued_on = issued_on or timezone.localdate()
    reply_due = reply_due or (issued_on + datetime.timedelta(days=rules.current_rules()["notice_reply_days"]))
    if reply_due < issued_on:
        raise ValidationError({"reply_due": _("The reply date is before the issue date.")})
    notice = core.record_create(
        SupervisionNotice,
        actor=actor,
        code=_notice_code(issued_on),
        node=node,
        unit=unit,
        issued_by=actor,
        issued_on=issued_on,
        content=content.strip(),
        reply_due=reply_due,
    )
    plan_event(
        plan=node.plan,
        node=node,
        actor=actor,
        kind="notice",
        text=Text(
            gettext_noop("Supervision notice %(c)s to %(u)s, reply by %(d)s: %(t)s"),
            c=notice.code,
            u=str(unit),
            d=str(reply_due),
            t=content.strip()[:300],
        ),
    )
    from shanzhi.notifications.services import notification_send

    notification_send(
        recipients=unit.staff.filter(is_active=True),
        title=Text(gettext_noop("Supervision notice %(c)s: reply by %(d)s"), c=notice.code, d=str(reply_due)),
        body=content.strip()[:500],
        url=reverse("plans:notice_detail", args=[notice.pk]),
        level="warning",
        kind="plans.notice",
        topic=f"plans:notice:{notice.pk}",
    )
    node_assess(node=node)
    return notice


@transaction.atomic
def notice_reply(*, notice: SupervisionNotice, actor, reply: str) -> SupervisionNotice:
    locked = SupervisionNotice.objects.select_for_update().get(pk=notice.pk)
    if locked.state != SupervisionNotice.State.OPEN:
        raise ValidationError(_("This notice was already answered."))
    if not (reply or "").strip():
        raise ValidationError({"reply": _("The reply cannot be empty.")})
    updated = core.record_update(
        locked,
        actor=actor,
        state=SupervisionNotice.State.REPLIED,
        reply=reply.strip(),
        replied_at=timezone.now(),
        replied_by=actor,
    )
    plan_event(
        plan=updated.node.plan,
        node=updated.node,
        actor=actor,
        kind="notice_reply",
        text=Text(
            gettext_noop("Reply to %(c)s%(late)s: %(t)s"),
            c=updated.code,
            late=Text(gettext_noop(" (late)")) if updated.replied_late else "",
            t=reply.strip()[:300],
        ),
    )
    from shanzhi.notifications.services import notification_send

    notification_send(
        recipients=[updated.issued_by],
        title=Text(gettext_noop("%(c)s answered by %(u)s"), c=updated.code, u=str(updated.unit)),
        body=reply.strip()[:500],
        url=reverse("plans:notice_detail", args=[updated.pk]),
        kind="plans.notice_reply",
        topic=f"plans:notice:{updated.pk}:reply",
    )
    node_assess(node=updated.node)
    return updated


@transaction.atomic
def notice_close(*, notice: SupervisionNotice, actor) -> SupervisionNotice:
    updated = core.record_update(notice, actor=actor, state=SupervisionNotice.State.CLOSED)
    plan_event(
        plan=updated.node.plan,
        node=updated.node,
        actor=actor,
        kind="notice_closed",
        text=Text(gettext_noop("Supervision notice %(c)s closed."), c=updated.code),
    )
    return updated


# ----------------------------------------------------------------------------- progress and status


def plan_recompute_progress(*, plan: Plan) -> Decimal:
    """Roll progress up from the leaves: a parent's progress is the weighted (or plain) average
    of its children's; leaves keep their reported progress."""
    nodes = list(PlanNode.objects.filter(plan=plan).only("id", "parent_id", "progress", "weight", "kind"))
    children: dict[int | None, list[PlanNode]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n)
    weighted = plan.rollup == Plan.Rollup.WEIGHTED
    changed: list[PlanNode] = []
    # A node its lead unit reports on keeps the reported progress; the others roll up.
    reported = set(ProgressReport.objects.filter(node__plan=plan).values_list("node_id", flat=True))

    def value(node: PlanNode) -> Decimal:
        kids = [k for k in children.get(node.pk, []) if k.kind in ("program", "task", "measure")]
        for k in kids:
            if node.pk in reported:
                value(k)  # still roll up its own sub-items
        if not kids or node.pk in reported:
            return node.progress
        vals = [(value(k), k.weight if weighted else Decimal(1)) for k in kids]
        total = sum((w for _v, w in vals), Decimal(0))
        result = (sum((v * w for v, w in vals), Decimal(0)) / total) if total else Decimal(0)
        result = result.quantize(Decimal("0.1"))
        if result != node.progress:
            node.progress = result
            changed.append(node)
        return result

    roots = [n for n in children.get(None, []) if n.kind == "program"]
    vals = [(value(r), r.weight if weighted else Decimal(1)) for r in roots]
    total = sum((w for _v, w in vals), Decimal(0))
    overall = (sum((v * w for v, w in vals), Decimal(0)) / total).quantize(Decimal("0.1")) if total else Decimal(0)
    if changed:
        PlanNode.objects.bulk_update(changed, ["progress"])
    if overall != plan.progress:
        Plan.objects.filter(pk=plan.pk).update(progress=overall)
        plan.progress = overall
    return overall


def task_facts(node: PlanNode) -> rules.TaskFacts:
    start = node.start_date or datetime.date(node.plan.year, 1, 1)
    return rules.TaskFacts(
        start=start,
        deadline=node.deadline or datetime.date(node.plan.year, 12, 31),
        progress=node.progress,
        closed=node.is_closed,
        milestones=[(m.due_date, m.done_on) for m in node.milestones.all()],
        report_months={r.period for r in node.reports.filter(unit_id=node.lead_unit_id)},
        open_notices=[n.reply_due for n in node.notices.filter(state=SupervisionNotice.State.OPEN)],
    )


def node_assess(
    *, node: PlanNode, today: datetime.date | None = None, rule_set: dict | None = None, notify: bool = False
) -> rules.Assessment | None:
    """Recompute a supervised task's status (and, with `notify`, send its warning)."""
    node = PlanNode.objects.select_related("plan", "lead_unit", "responsible_leader").get(pk=node.pk)
    if node.lead_unit_id is None:
        return None
    today = node.plan.assessment_day(today)
    rule_set = rule_set or rules.current_rules()
    result = rules.assess(task_facts(node), today, rule_set)
    if result.status != node.status:
        plan_event(
            plan=node.plan,
            node=node,
            actor=None,
            kind="status",
            text=Text(
                gettext_noop("Status: %(old)s → %(new)s."),
                old=Text.choice(Status, node.status),
                new=Text.choice(Status, result.status),
            ),
            data={"reasons": result.reasons},
        )
    PlanNode.objects.filter(pk=node.pk).update(
        status=result.status,
        warning=result.warning,
        status_reasons=core._jsonable(result.reasons),  # the texts as Text JSON (PlanNode.reasons)
        status_at=timezone.now(),
    )
    if notify and result.warning:
        _send_warning(node, result, today)
    return result


def _send_warning(node: PlanNode, result: rules.Assessment, today: datetime.date) -> None:
    """Blue and yellow warnings go to the lead unit; red ones also to the responsible leader
    (or, without one, to the leaders). One message per task, level and month."""
    from shanzhi.accounts.models import Role, User
    from shanzhi.notifications.models import Notification
    from shanzhi.notifications.services import notification_send

    topic = f"plans:warning:{node.pk}:{result.warning}:{today:%Y-%m}"
    if Notification.objects.filter(topic=topic).exists():
        return
    recipients = list(node.lead_unit.staff.filter(is_active=True)) if node.lead_unit else []
    if result.warning == "red":
        if node.responsible_leader_id:
            recipients.append(node.responsible_leader)
        else:
            recipients += list(User.objects.filter(role=Role.LEADER, is_active=True))
    title, label = WARNING_TEXTS[result.warning]
    notification_send(
        recipients=recipients,
        title=Text(title, t=str(node)[:180]),
        body=Text.lines([r["text"] for r in result.reasons]) if result.reasons else "",
        url=reverse("plans:node_detail", args=[node.pk]),
        level={"blue": "info", "yellow": "warning", "red": "urgent"}[result.warning],
        kind="plans.warning",
        topic=topic,
    )
    plan_event(
        plan=node.plan,
        node=node,
        actor=None,
        kind="warning",
        text=Text(label),
        data={"level": result.warning, "recipients": [u.pk for u in recipients]},
    )


@transaction.atomic
def notices_escalate(*, today: datetime.date | None = None) -> int:
    """Overdue 督办 replies escalate once to the responsible leader (or the leaders)."""
    from shanzhi.accounts.models import Role, User
    from shanzhi.notifications.services import notification_send

    count = 0
    for notice in SupervisionNotice.objects.filter(
        state=SupervisionNotice.State.OPEN, reply_due__lt=today or timezone.localdate(), escalated_at__isnull=True
    ).select_related("node", "unit", "node__plan"):
        if not notice.is_overdue(notice.node.plan.assessment_day(today)):
            continue
        leader = notice.node.responsible_leader
        recipients = [leader] if leader else list(User.objects.filter(role=Role.LEADER, is_active=True))
        recipients.append(notice.issued_by)
        notification_send(
            recipients=recipients,
            title=Text(gettext_noop("Supervision notice %(c)s unanswered by %(u)s"), c=notice.code, u=str(notice.unit)),
            body=notice.content[:500],
            url=reverse("plans:notice_detail", args=[notice.pk]),
            level="urgent",
            kind="plans.notice_overdue",
            topic=f"plans:notice:{notice.pk}:overdue",
        )
        SupervisionNotice.objects.filter(pk=notice.pk).update(escalated_at=timezone.now())
        plan_event(
            plan=notice.node.plan,
            node=notice.node,
            actor=None,
            kind="escalated",
            text=Text(gettext_noop("Supervision notice %(c)s is overdue: escalated."), c=notice.code),
        )
        count += 1
    return count


def supervision_sweep(today: datetime.date | None = None) -> str:
    """Periodic job: reassess every open supervised task, send warnings, escalate notices."""
    rule_set = rules.current_rules()
    escalated = notices_escalate(today=today)
    assessed = 0
    for plan in Plan.objects.all():
        with transaction.atomic():
            plan_recompute_progress(plan=plan)
            for node in PlanNode.objects.filter(plan=plan, lead_unit__isnull=False, closed_at__isnull=True):
                node_assess(node=node, today=plan.assessment_day(today), rule_set=rule_set, notify=True)
                assessed += 1
    return f"assessed {assessed} tasks, escalated {escalated} notices"


@transaction.atomic
def rules_update(*, actor, values: dict[str, Any]) -> dict[str, Any]:
    try:
        clean = rules.validate_rules(values)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    row, _created = SiteSetting.objects.get_or_create(key=rules.SETTING_KEY, defaults={"value": {}})
    before = dict(row.value or {})
    row.value = {**before, **clean}
    row.description = "Supervision rules and scorecard constants of the plans app"
    row.save()
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        model=SiteSetting,
        object_id=str(row.pk),
        changes={k: [before.get(k), v] for k, v in clean.items() if before.get(k) != v},
        note=rules.SETTING_KEY,
    )
    return rules.current_rules()


# ----------------------------------------------------------------------------- indicators


@transaction.atomic
def actual_record(
    *, indicator: Indicator, actor, year: int, month: int, value: Any, reported_yoy: Any = None, note: str = ""
) -> IndicatorActual:
    """Enter (or correct) the value of one month."""
    number = parse_decimal(value, field="value")
    yoy = parse_decimal(reported_yoy, field="reported_yoy") if reported_yoy not in (None, "") else None
    if not 1 <= int(month) <= 12:
        raise ValidationError({"month": _("The month must be between 1 and 12.")})
    existing = IndicatorActual.objects.filter(indicator=indicator, year=year, month=month).first()
    if existing:
        return core.record_update(existing, actor=actor, value=number, reported_yoy=yoy, note=note)
    return core.record_create(
        IndicatorActual,
        actor=actor,
        indicator=indicator,
        year=year,
        month=month,
        value=number,
        reported_yoy=yoy,
        note=note,
    )


ACTUAL_COLUMNS = ("indicator", "year", "month", "value")
ACTUAL_OPTIONAL = ("reported_yoy", "note")


@transaction.atomic
def actuals_import(*, plan: Plan, actor, rows: list[dict[str, str]], allowed: Iterable[Indicator] | None = None) -> int:
    """Monthly actuals from a table (columns indicator, year, month, value[, reported_yoy, note]),
    all or nothing: the first bad row aborts with its spreadsheet row number."""
    pool = list(allowed) if allowed is not None else list(plan.indicators.all())
    by_name = {i.name: i for i in pool if i.plan_id == plan.pk}
    by_id = {str(i.pk): i for i in by_name.values()}
    if not rows:
        raise ImportRowError(1, _("The table has no data rows."))
    count = 0
    for i, row in enumerate(rows, start=2):
        n = getattr(row, "number", i)  # the row in the file (core.excel.Row), blank rows counted
        missing = [c for c in ACTUAL_COLUMNS if not row.get(c)]
        if missing:
            raise ImportRowError(n, _("empty column(s): %(c)s") % {"c": ", ".join(missing)})
        indicator = by_id.get(row["indicator"]) or by_name.get(row["indicator"])
        if indicator is None:
            raise ImportRowError(
                n, _("unknown indicator “%(i)s” (or outside your scope)") % {"i": row["indicator"]}, "indicator"
            )
        try:
            year, month = int(float(row["year"])), int(float(row["month"]))
        except ValueError:
            raise ImportRowError(n, _("year and month must be whole numbers")) from None
        if not 2000 <= year <= 2100 or not 1 <= month <= 12:
            raise ImportRowError(n, _("year or month out of range"))
        try:
            actual_record(
                indicator=indicator,
                actor=actor,
                year=year,
                month=month,
                value=row["value"],
                reported_yoy=row.get("reported_yoy") or None,
                note=row.get("note", "")[:300],
            )
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
            raise ImportRowError(n, "; ".join(f"{k}: {' '.join(v)}" for k, v in messages.items())) from exc
        count += 1
    core.audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        model=IndicatorActual,
        note=Text(gettext_noop("%(n)s rows, plan %(p)s"), n=count, p=plan.pk),
    )
    plan_event(
        plan=plan,
        actor=actor,
        kind="actuals_import",
        text=Text(gettext_noop("%(n)s monthly actuals imported."), n=count),
    )
    return count
