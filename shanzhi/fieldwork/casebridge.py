"""The one place field work talks to the cases engine (shanzhi.cases): a patrol finding is
raised as a case of kind "finding" with the finding as its origin; the re-inspection verifies
and closes that case, or sends it back for rework. Case routing, deadlines on working days,
the timeline and notifications stay in the cases engine — nothing is duplicated here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shanzhi.core.texts import Text

# Case states in which the handling unit has reported the rectification (see cases.workflow).
REPORTED_STATES = ("replied", "verified", "called_back")
CLOSED_STATES = ("closed", "archived")


def _cases():
    try:
        from shanzhi.cases import services as case_services
        from shanzhi.cases.models import Case
    except ImportError:  # the cases engine is not installed yet: findings keep their own deadline
        return None, None
    return case_services, Case


def available() -> bool:
    return _cases()[0] is not None


def case_of(finding):
    _services, Case = _cases()
    if Case is None or not finding.case_id_ref:
        return None
    return Case.all_objects.filter(pk=finding.case_id_ref).first()


def raise_case(*, finding, patrol, actor, photos=(), longitude=None, latitude=None):
    case_services, _Case = _cases()
    if case_services is None:
        return None
    place = patrol.place
    title = (f"【{_('Patrol finding')}】{finding.item or ''} {place}").strip()
    description = finding.description
    if finding.item:
        description = f"{finding.item}：{description}"
    return case_services.case_create(
        actor=actor,
        description=description,
        source="patrol",
        kind="finding",
        title=title[:200],
        longitude=longitude,
        latitude=latitude,
        address=getattr(place, "address", "") or str(place),
        grid=finding.grid,
        deadline_workdays=finding.rectify_workdays,
        origin=finding,
        enterprise=finding.enterprise,
        photos=[_reopen(p.image) for p in photos],
    )


def _reopen(field_file):
    field_file.open("rb")
    return field_file


def after_reinspection(*, finding, actor, passed: bool, note: str) -> None:
    """Pass: verify and close the case. Fail: send it back (rework, or reopen if already closed)."""
    case_services, _Case = _cases()
    case = case_of(finding)
    if case_services is None or case is None:
        return
    # The case's step: the inspector's note, or the system's (shown in each reader's language).
    if note:
        text = note
    elif passed:
        text = Text(gettext_noop("Re-inspection passed."))
    else:
        text = Text(gettext_noop("Re-inspection failed."))
    if passed and case.status in CLOSED_STATES:
        return
    if case.status not in (*REPORTED_STATES, *CLOSED_STATES):
        raise ValidationError(
            _("The handling unit has not reported the rectification of case %(code)s yet (%(status)s).")
            % {"code": case.code, "status": case.get_status_display()}
        )
    if passed:
        if case.status == "replied":
            case = case_services.case_transition(case=case, action="verify", actor=actor, note=text)
        case_services.case_transition(case=case, action="close", actor=actor, note=text)
    elif case.status in ("replied", "verified"):
        case_services.case_transition(case=case, action="rework", actor=actor, note=text)
    else:
        case_services.case_transition(case=case, action="reopen", actor=actor, note=text)
