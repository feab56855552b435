"""Transition tables of the field-work workflows, in plain Python (unit-testable without a
database). `(state, action) -> (next state, permission needed or None)`; a permission of None
means the service checks a guard of its own (the claimer, the submitter, the alerted person).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shanzhi.fieldwork.models import Dispute, Finding, Incident, Patrol, Wish

W = Wish.Status
WISH = {
    (W.SUBMITTED, "publish"): (W.PUBLISHED, "fieldwork.change_wish"),
    (W.SUBMITTED, "reject"): (W.REJECTED, "fieldwork.change_wish"),
    (W.PUBLISHED, "claim"): (W.CLAIMED, "fieldwork.claim_wish"),
    (W.CLAIMED, "release"): (W.PUBLISHED, None),  # the claimer or staff
    (W.CLAIMED, "deliver"): (W.DELIVERED, None),  # the claimer or staff
    (W.DELIVERED, "confirm"): (W.COMPLETED, None),  # the submitter or staff
    (W.DELIVERED, "dispute_delivery"): (W.CLAIMED, None),  # the submitter or staff
    (W.COMPLETED, "thank"): (W.COMPLETED, "fieldwork.change_wish"),
    (W.SUBMITTED, "cancel"): (W.CANCELLED, None),  # the submitter or staff
    (W.PUBLISHED, "cancel"): (W.CANCELLED, "fieldwork.change_wish"),
}

D = Dispute.Status
DISPUTE = {
    (D.REGISTERED, "session"): (D.MEDIATING, "fieldwork.change_dispute"),
    (D.MEDIATING, "session"): (D.MEDIATING, "fieldwork.change_dispute"),
    (D.REGISTERED, "agree"): (D.AGREED, "fieldwork.change_dispute"),
    (D.MEDIATING, "agree"): (D.AGREED, "fieldwork.change_dispute"),
    (D.REGISTERED, "refer"): (D.REFERRED, "fieldwork.change_dispute"),
    (D.MEDIATING, "refer"): (D.REFERRED, "fieldwork.change_dispute"),
    (D.AGREED, "follow_up"): (D.FOLLOW_UP, "fieldwork.change_dispute"),
    (D.REFERRED, "follow_up"): (D.FOLLOW_UP, "fieldwork.change_dispute"),
    (D.FOLLOW_UP, "follow_up"): (D.FOLLOW_UP, "fieldwork.change_dispute"),
    (D.AGREED, "close"): (D.CLOSED, "fieldwork.change_dispute"),
    (D.REFERRED, "close"): (D.CLOSED, "fieldwork.change_dispute"),
    (D.FOLLOW_UP, "close"): (D.CLOSED, "fieldwork.change_dispute"),
    (D.CLOSED, "reopen"): (D.MEDIATING, "fieldwork.change_dispute"),
}

P = Patrol.Status
PATROL = {
    (P.IN_PROGRESS, "check"): (P.IN_PROGRESS, "fieldwork.change_patrol"),
    (P.IN_PROGRESS, "find"): (P.IN_PROGRESS, "fieldwork.add_finding"),
    (P.IN_PROGRESS, "end"): (P.ENDED, "fieldwork.change_patrol"),
}

F = Finding.Status
FINDING = {
    (F.OPEN, "pass"): (F.RECTIFIED, "fieldwork.change_finding"),
    (F.OPEN, "send_back"): (F.SENT_BACK, "fieldwork.change_finding"),
    (F.SENT_BACK, "pass"): (F.RECTIFIED, "fieldwork.change_finding"),
    (F.SENT_BACK, "send_back"): (F.SENT_BACK, "fieldwork.change_finding"),
    (F.OPEN, "cancel"): (F.CANCELLED, None),  # only through the case (cancelled there)
    (F.SENT_BACK, "cancel"): (F.CANCELLED, None),
}

I = Incident.Status  # noqa: E741
INCIDENT = {
    (I.OPEN, "acknowledge"): (I.RESPONDING, None),  # the alerted person
    (I.RESPONDING, "acknowledge"): (I.RESPONDING, None),
    (I.OPEN, "act"): (I.RESPONDING, "fieldwork.change_incident"),
    (I.RESPONDING, "act"): (I.RESPONDING, "fieldwork.change_incident"),
    (I.OPEN, "close"): (I.CLOSED, "fieldwork.change_incident"),
    (I.RESPONDING, "close"): (I.CLOSED, "fieldwork.change_incident"),
}


def next_state(table: dict, state: str, action: str, *, label: str = "") -> tuple[str, str | None]:
    """The next state, or a ValidationError that says why the action is not possible now."""
    try:
        return table[(state, action)]
    except KeyError:
        raise ValidationError(
            _("“%(action)s” is not possible while the %(what)s is “%(state)s”.")
            % {"action": action_label(action), "what": label or _("record"), "state": state_label(state)}
        ) from None


def allowed_actions(table: dict, state: str) -> list[str]:
    return [a for (s, a) in table if s == state]


def action_label(action: str) -> str:
    labels = {
        "publish": pgettext("wish", "Publish"),
        "reject": _("Reject"),
        "claim": _("Claim"),
        "release": _("Release the claim"),
        "deliver": _("Deliver"),
        "confirm": _("Confirm delivery"),
        "dispute_delivery": _("Not delivered"),
        "thank": _("Publish thanks"),
        "cancel": _("Cancel"),
        "session": _("Record a session"),
        "agree": _("Record the agreement"),
        "refer": _("Refer"),
        "follow_up": _("Record a follow-up visit"),
        "close": _("Close"),
        "reopen": _("Reopen"),
        "check": _("Record the checks"),
        "find": _("Report a finding"),
        "end": _("End the patrol"),
        "pass": _("Re-inspection passed"),
        "send_back": _("Send back"),
        "acknowledge": _("Acknowledge"),
        "act": _("Record an action"),
    }
    return str(labels.get(action, action))


def state_label(state: str) -> str:
    for choices in (Wish.Status, Dispute.Status, Patrol.Status, Finding.Status, Incident.Status):
        if state in choices.values:
            return str(choices(state).label)
    return state
