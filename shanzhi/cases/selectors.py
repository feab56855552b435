"""Reads that shape dashboards: the three rates (响应率、解决率、满意率), the composite score and
the process rates, by grid, community, department, category or month, and their ranking.

Formulas (constants in `cases.rates`, see conf.py), over cases with a valid call-back:
    响应率 response     = contacted / valid
    解决率 resolution   = resolved / valid
    满意率 satisfaction = (satisfied + w_basic × basically satisfied) / valid
    composite           = w_r × response + w_s × resolution + w_m × satisfaction
Process rates: on-time sign-for = signed on time / signed; return rate = cases returned at
least once / dispatched; rework rate = cases reworked at least once / replied;
on-time completion = replied by the deadline / replied (suspended cases excluded).
One GROUP BY over the case table; no per-row Python.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanzhi.cases import conf
from shanzhi.cases.models import Case, CaseEvent, Category, Submission

logger = logging.getLogger(__name__)

DIMENSIONS = {
    "community": ("community_id", _("community")),
    "grid": ("grid_id", _("grid")),
    "department": ("department_id", _("handling department")),
    "category": ("category__parent_id", _("category")),
    "month": ("received_month", _("month")),
}


@dataclass
class RateRow:
    key: object
    label: str
    total: int
    valid: int
    contacted: int
    resolved: int
    satisfied: int
    basic: int
    response: float | None
    resolution: float | None
    satisfaction: float | None
    composite: float | None
    signed: int
    signed_on_time: int
    dispatched: int
    returned: int
    replied: int
    reworked: int
    completed_counted: int
    completed_on_time: int
    on_time_sign: float | None
    return_rate: float | None
    rework_rate: float | None
    on_time_completion: float | None
    rank: int | None = None


AGGREGATES = {
    "total": Count("id"),
    "valid": Count("id", filter=Q(callback_valid=True)),
    "contacted": Count("id", filter=Q(callback_valid=True, callback_contacted=True)),
    "resolved": Count("id", filter=Q(callback_valid=True, callback_resolved=True)),
    "satisfied": Count("id", filter=Q(callback_valid=True, callback_satisfaction=Case.Satisfaction.SATISFIED)),
    "basic": Count("id", filter=Q(callback_valid=True, callback_satisfaction=Case.Satisfaction.BASIC)),
    "signed": Count("id", filter=Q(signed_on_time__isnull=False)),
    "signed_on_time": Count("id", filter=Q(signed_on_time=True)),
    "dispatched": Count("id", filter=Q(dispatched_at__isnull=False)),
    "returned": Count("id", filter=Q(return_count__gt=0)),
    "replied": Count("id", filter=Q(replied_at__isnull=False)),
    "reworked": Count("id", filter=Q(rework_count__gt=0, replied_at__isnull=False)),
    "completed_counted": Count("id", filter=Q(completed_on_time__isnull=False)),
    "completed_on_time": Count("id", filter=Q(completed_on_time=True)),
}


def categories_as_tree():
    """Every category, each top-level one followed by its sub-categories (a filter's choices;
    a sub-category reads "parent / name")."""
    return (
        Category.objects.select_related("parent")
        .alias(top_order=Coalesce("parent__sort_order", "sort_order"), top_code=Coalesce("parent__code", "code"))
        .order_by("top_order", "top_code", F("parent").asc(nulls_first=True), "sort_order", "code")
    )


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def constants() -> dict[str, float]:
    """The three-rate constants; a stored value that does not validate (saved before the
    admin checked it) falls back to the defaults, with a warning, instead of failing every
    rates page."""
    from django.core.exceptions import ValidationError

    value = conf.get("cases.rates")
    try:
        conf.validate("cases.rates", value)
    except ValidationError as exc:
        logger.warning("Setting cases.rates ignored (%s): %s", " ".join(exc.messages), value)
        value = conf.DEFAULTS["cases.rates"]
    return {k: float(v) for k, v in value.items()}


def compute(agg: dict, c: dict[str, float] | None = None) -> dict:
    c = c or constants()
    valid = agg["valid"]
    out = {
        "response": _ratio(agg["contacted"], valid),
        "resolution": _ratio(agg["resolved"], valid),
        "satisfaction": _ratio(agg["satisfied"] + c["basic_satisfied_weight"] * agg["basic"], valid) if valid else None,
        "on_time_sign": _ratio(agg["signed_on_time"], agg["signed"]),
        "return_rate": _ratio(agg["returned"], agg["dispatched"]),
        "rework_rate": _ratio(agg["reworked"], agg["replied"]),
        "on_time_completion": _ratio(agg["completed_on_time"], agg["completed_counted"]),
    }
    out["composite"] = (
        c["weight_response"] * out["response"]
        + c["weight_resolution"] * out["resolution"]
        + c["weight_satisfaction"] * out["satisfaction"]
        if valid
        else None
    )
    return out


def overall(qs) -> dict:
    agg = qs.aggregate(**AGGREGATES)
    agg = {k: v or 0 for k, v in agg.items()}
    return {**agg, **compute(agg)}


def _labels(dimension: str, keys: list) -> dict:
    from shanzhi.orgs.models import Community, Department, Grid

    model = {"community": Community, "grid": Grid, "department": Department, "category": Category}.get(dimension)
    if model is None:
        return {k: (k.strftime("%Y-%m") if k else "—") for k in keys}
    names = dict(model.all_objects.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", "name"))
    return {k: names.get(k, "—") if k is not None else str(_("(none)")) for k in keys}


def rates_by(qs, dimension: str) -> list[RateRow]:
    """One row per value of `dimension`, ranked by the composite (months: in order)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    field = DIMENSIONS[dimension][0]
    rows = list(qs.order_by().values(field).annotate(**AGGREGATES))
    labels = _labels(dimension, [r[field] for r in rows])
    c = constants()
    out = []
    for r in rows:
        agg = {k: r[k] or 0 for k in AGGREGATES}
        out.append(RateRow(key=r[field], label=labels[r[field]], **agg, **compute(agg, c)))
    if dimension == "month":
        out.sort(key=lambda x: (x.key is None, x.key))
    else:
        rank(
            out,
            composite=lambda r: r.composite,
            valid=lambda r: r.valid,
            ranked=lambda r: r.key is not None,
            label=lambda r: str(r.label),
        )
    return out


def rank(rows: list, *, composite, valid, ranked=lambda r: True, label=str) -> list:
    """Sort `rows` by composite (highest first; more valid call-backs first among equals) and
    give each ranked row its place, equal composites sharing one (1, 2, 2, 4). Composites are
    compared at 9 decimals: 0.66 and 0.6599999999999999 are one score, not two places apart.
    Rows without a composite, or not `ranked` (cases of no unit, "(none)"), come last with no
    rank. The rates page, the API and the cockpit all rank with this."""

    def score(r):
        value = composite(r)
        return None if value is None or not ranked(r) else round(value, 9)

    rows.sort(key=lambda r: (score(r) is None, -(score(r) or 0), -valid(r), label(r)))
    place, previous = 0, None
    for i, r in enumerate(rows, start=1):
        value = score(r)
        if value is not None and value != previous:
            place, previous = i, value
        _set_rank(r, place if value is not None else None)
    return rows


def _set_rank(row, value) -> None:
    if isinstance(row, dict):
        row["rank"] = value
    else:
        row.rank = value


# Timeline steps the public never sees (the public page and API show the steps that move the
# case — received, accepted, dispatched, signed, in progress, replied, closed, reopened,
# suspended, cancelled … — and the reporter's own rating, without names or notes). Private:
# internal warnings and escalations, call-back records, staff notes, the router leaving a case
# at the desk, supervision (督办), extension requests and refusals (an approved extension is
# public: it moves the deadline the reporter sees), the summoned departments' arrival and
# reports and their rating by the summoner (吹哨报到 coordination), and another case merged in.
PRIVATE_ACTIONS = (
    "warn",
    "escalate",
    "callback",
    "note",
    "route",
    "supervise",
    "request_extension",
    "refuse_extension",
    "arrive",
    "report_part",
    "rate_department",
    "merged_in",
)


def public_events(case: Case):
    """The steps of a case shown with its tracking code, oldest first."""
    if case.pk is None:  # a queued submission's stand-in (`public_case`)
        return CaseEvent.objects.none()
    return case.events.filter(is_public=True).exclude(action__in=PRIVATE_ACTIONS)


def case_by_code(code: str) -> Case | None:
    """The case with this tracking code (as typed: spaces and case do not matter), or None."""
    return Case.objects.filter(code=code.strip().upper()).select_related("category__parent", "merged_into").first()


def public_case(code: str) -> Case | None:
    """The case a tracking code names, for its public page: a case, or — while the queued
    intake has not filed it (or could not: the desk then enters it) — its submission as an
    unsaved case (received, no steps)."""
    case = case_by_code(code)
    if case is not None:
        return case
    sub = Submission.objects.filter(code=code.strip().upper()).select_related("case").first()
    if sub is None:
        return None
    if sub.case_id:  # filed under another code (its key had made a case already)
        return sub.case
    return sub.as_case()  # queued, or refused: then the desk enters it by hand


def stuck_submissions(user, limit: int = 20) -> dict:
    """Submissions of the queued intake that need a person: waiting longer than
    `services.ROUTING_OVERDUE` (the task worker is down or behind) or kept as refused."""
    from shanzhi.cases.services import ROUTING_OVERDUE  # (services imports this module)

    overdue = timezone.now() - ROUTING_OVERDUE
    mine = Submission.objects.restrict(user)
    # Two queries, each on its partial index (an OR of the two reads the whole table on SQLite).
    parts = [
        mine.filter(status=Submission.Status.QUEUED, received_at__lt=overdue),
        mine.filter(status=Submission.Status.REFUSED),
    ]
    rows = sorted((s for qs in parts for s in qs.order_by("id")[:limit]), key=lambda s: s.pk)[:limit]
    return {"count": sum(qs.count() for qs in parts), "rows": rows}


def leaders():
    """The street leaders who may be named for an enterprise request (企业家直通车)."""
    from shanzhi.accounts.models import User

    return User.objects.filter(role="leader", is_active=True).order_by("username")


def placeable_grids(actor):
    """The grids the actor may file a case into: every grid for those whose case scope is
    street-wide (the desk, leaders, admins); otherwise the grids of their own part of the
    street. A community worker who placed a case in another community's grid lost sight of it
    at once — grids are reference data every staff member may *view*."""
    from shanzhi.core.scoping import CHANGE, scope_for
    from shanzhi.orgs.models import Grid

    if Case.scope_rule.q_for(scope_for(actor), CHANGE) is None:
        return Grid.objects.all()
    return Grid.objects.restrict(actor, CHANGE)


@dataclass
class CallerHistory:
    """A caller's cases that the viewer may see, newest first (`cases`: the first `limit`)."""

    key: str
    count: int
    cases: list


def caller_history(user, *, phone: str = "", case: Case | None = None, limit: int = 10) -> CallerHistory:
    """The cases in the viewer's scope from the same phone number: the number typed (`phone`)
    or that of `case` (itself left out). Exact match on the number's digits
    (`core.masking.phone_key`), never a part of one: a number finds only its own caller."""
    from shanzhi.core.masking import phone_key

    key = case.reporter_phone_key if case is not None else phone_key(phone)
    if not key:
        return CallerHistory(key="", count=0, cases=[])
    qs = Case.objects.restrict(user).filter(reporter_phone_key=key)
    if case is not None:
        qs = qs.exclude(pk=case.pk)
    found = list(
        qs.select_related("category__parent", "department", "community").order_by("-received_at", "-id")[:limit]
    )
    count = len(found) if len(found) < limit else qs.count()
    return CallerHistory(key=key, count=count, cases=found)
