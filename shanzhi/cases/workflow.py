"""The case state machine as a table (pure Python; no database).

`TRANSITIONS[(state, action)] = Transition(to, who)`: `to` is the next state (`SAME` keeps
the state: overlays such as 督办 or an extension request; `PREVIOUS` returns to the state a
suspended case came from). `who` names the capabilities allowed to take the step:

- dispatch:  the dispatch desk (派单台 staff, community staff in their community, leaders, admin)
- handle:    the handling unit (the case's department; community / grid staff when no department)
- lead:      the street's leaders (approve extensions and suspensions, 督办)
- summoner:  who may blow the whistle and rate the summoned departments (community, grid, dispatch)
- summoned:  a department summoned to the case (报到, report its part)
- reporter:  the grid worker who reported the case (their own patrol finding) checks the
             result on site: verify, send back for rework (返工), close
- system:    the periodic job (deadline warnings, escalation)

`shanzhi.cases.services.case_transition` applies it: lock, check the table, the role and the
scope, guards, timeline, audit, deadlines, notifications on commit. docs/cases-workflow.md
draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy, pgettext_lazy

RECEIVED, ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS = "received", "accepted", "dispatched", "signed", "in_progress"
REPLIED, VERIFIED, CALLED_BACK, CLOSED, ARCHIVED = "replied", "verified", "called_back", "closed", "archived"
RETURNED, SUSPENDED, CANCELLED = "returned", "suspended", "cancelled"

STATES = (
    RECEIVED,
    ACCEPTED,
    DISPATCHED,
    SIGNED,
    IN_PROGRESS,
    REPLIED,
    VERIFIED,
    CALLED_BACK,
    CLOSED,
    ARCHIVED,
    RETURNED,
    SUSPENDED,
    CANCELLED,
)
OPEN_STATES = tuple(s for s in STATES if s not in (CLOSED, ARCHIVED, CANCELLED))
WORKING_STATES = (DISPATCHED, SIGNED, IN_PROGRESS)
# The deadline runs: nobody has answered yet (from "replied" on, the answer is in; a suspended
# case's clock is stopped). The deadline job warns and escalates only these.
DEADLINE_STATES = (RECEIVED, ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS, RETURNED)

SAME = "="
PREVIOUS = "<"

DISPATCH, HANDLE, LEAD, SUMMONER, SUMMONED, SYSTEM = "dispatch", "handle", "lead", "summoner", "summoned", "system"
REPORTER = "reporter"


@dataclass(frozen=True)
class Transition:
    to: str
    who: frozenset[str]
    needs_note: bool = False


def _t(to: str, *who: str, note: bool = False) -> Transition:
    return Transition(to, frozenset(who), note)


TRANSITIONS: dict[tuple[str, str], Transition] = {}


def _add(action: str, sources, to: str, *who: str, note: bool = False) -> None:
    for s in sources:
        TRANSITIONS[(s, action)] = _t(to, *who, note=note)


_add("accept", [RECEIVED], ACCEPTED, DISPATCH)
_add("dispatch", [RECEIVED, ACCEPTED, RETURNED], DISPATCHED, DISPATCH)
_add("sign", [DISPATCHED], SIGNED, HANDLE)
_add("start", [SIGNED], IN_PROGRESS, HANDLE)
_add("return", [DISPATCHED, SIGNED], RETURNED, HANDLE, note=True)
_add("reassign", [DISPATCHED, SIGNED, IN_PROGRESS, RETURNED], DISPATCHED, DISPATCH, LEAD, note=True)
_add("reply", [SIGNED, IN_PROGRESS], REPLIED, HANDLE, note=True)
_add("verify", [REPLIED], VERIFIED, DISPATCH, REPORTER)
_add("rework", [REPLIED, VERIFIED], IN_PROGRESS, DISPATCH, LEAD, REPORTER, note=True)
_add("callback", [VERIFIED], CALLED_BACK, DISPATCH)
_add("close", [VERIFIED, CALLED_BACK], CLOSED, DISPATCH, REPORTER)
_add("reopen", [CALLED_BACK, CLOSED], DISPATCHED, DISPATCH, LEAD, note=True)
_add("archive", [CLOSED], ARCHIVED, DISPATCH)
_add("cancel", [RECEIVED, ACCEPTED, DISPATCHED, RETURNED], CANCELLED, DISPATCH, note=True)
_add("merge", [RECEIVED, ACCEPTED, DISPATCHED, RETURNED], CANCELLED, DISPATCH)
_add("suspend", [ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS], SUSPENDED, LEAD, note=True)
_add("resume", [SUSPENDED], PREVIOUS, LEAD)
_add("request_extension", [SIGNED, IN_PROGRESS], SAME, HANDLE, note=True)
_add("approve_extension", [SIGNED, IN_PROGRESS], SAME, LEAD)
_add("refuse_extension", [SIGNED, IN_PROGRESS], SAME, LEAD, note=True)
_add("supervise", [s for s in OPEN_STATES if s != SUSPENDED], SAME, LEAD, note=True)
_add("warn", DEADLINE_STATES, SAME, SYSTEM)
_add("escalate", DEADLINE_STATES, SAME, SYSTEM)
_add("whistle", [ACCEPTED, DISPATCHED, SIGNED, IN_PROGRESS], DISPATCHED, SUMMONER, DISPATCH, LEAD)
_add("arrive", [DISPATCHED, SIGNED, IN_PROGRESS], SAME, SUMMONED)
_add("report_part", [DISPATCHED, SIGNED, IN_PROGRESS], SAME, SUMMONED, note=True)
_add("rate_department", [REPLIED, VERIFIED, CALLED_BACK, CLOSED], SAME, SUMMONER, DISPATCH, LEAD)
_add("note", list(OPEN_STATES), SAME, HANDLE, DISPATCH, SUMMONED, LEAD, note=True)
# 催办: the reporter calls again before the answer; the hotline records it on the case (what
# they said) and the handler hears of it. Counted on the case.
_add("urge", [*DEADLINE_STATES, SUSPENDED], SAME, DISPATCH, note=True)

ACTIONS = tuple(sorted({a for _s, a in TRANSITIONS}))

# Overlays that change neither the case's state nor its handler: a summoned department's
# arrival and report, the summoner's rating of a department (they write the summons row), a
# note and a repeat call (the hotline records it mid-call, from the page it had open). They are not refused for a stale version (a department's page read before another
# department arrived stays valid for these); they still bump it, so a step that changes the
# case from a page read before them conflicts (the lead replies having seen the others' parts).
SIDE_STEPS = frozenset({"arrive", "report_part", "rate_department", "note", "urge"})

# Why a case is cancelled (`cancel`'s `reason`; the API and the page offer these).
CANCEL_REASONS = {
    "duplicate": gettext_lazy("Duplicate of another case"),
    "invalid": gettext_lazy("Invalid request"),
}

# Actions that a person chooses on the case page (the others are taken by the system or by a
# dedicated form: callback, merge, whistle).
STAFF_ACTIONS = tuple(a for a in ACTIONS if a not in ("warn", "escalate"))


def transition_for(state: str, action: str) -> Transition | None:
    return TRANSITIONS.get((state, action))


def next_state(state: str, action: str, previous: str = "") -> str | None:
    """The state after `action`, or None when the table forbids it."""
    t = TRANSITIONS.get((state, action))
    if t is None:
        return None
    if t.to == SAME:
        return state
    if t.to == PREVIOUS:
        return previous or None
    return t.to


def allowed_actions(state: str, capabilities: set[str] | frozenset[str]) -> list[str]:
    return [a for (s, a), t in TRANSITIONS.items() if s == state and t.who & set(capabilities)]


# How each action (and each system event of the timeline) reads, on buttons, in the timeline
# and in refusals.
ACTION_LABELS = {
    "accept": gettext_lazy("Accept"),
    "dispatch": gettext_lazy("Dispatch"),
    "sign": gettext_lazy("Sign for"),
    "start": gettext_lazy("Start handling"),
    "return": gettext_lazy("Return"),
    "reassign": gettext_lazy("Reassign"),
    "reply": pgettext_lazy("case action", "Reply"),
    "verify": gettext_lazy("Verify"),
    "rework": gettext_lazy("Send back for rework"),
    "callback": gettext_lazy("Record call-back"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "archive": gettext_lazy("Archive"),
    # Not "Cancel" (取消): beside a form it read as "close this form"; the state is 已作废.
    "cancel": pgettext_lazy("case action", "Cancel the case"),
    "merge": gettext_lazy("Merge"),
    "suspend": gettext_lazy("Suspend (挂账)"),
    "resume": gettext_lazy("Resume"),
    "request_extension": gettext_lazy("Request extension"),
    "approve_extension": gettext_lazy("Approve extension"),
    "refuse_extension": gettext_lazy("Refuse extension"),
    "supervise": gettext_lazy("Supervise (督办)"),
    "warn": gettext_lazy("Deadline warning"),
    "escalate": gettext_lazy("Escalate"),
    "whistle": gettext_lazy("Blow the whistle (吹哨)"),
    "arrive": gettext_lazy("Report arrival (报到)"),
    "report_part": gettext_lazy("Report our part"),
    "rate_department": gettext_lazy("Rate a department"),
    "note": gettext_lazy("Add a note"),
    "urge": gettext_lazy("Repeat call (催办)"),
    "create": gettext_lazy("Received"),
    "route": gettext_lazy("Routed to the dispatch desk"),
    "rate": gettext_lazy("Rated by the reporter"),
    "merged_in": gettext_lazy("Duplicate merged in"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
