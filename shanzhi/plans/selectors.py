"""Reads that cross models or shape pages and the cockpit: progress by program, indicator
series and summary, the unit scorecard. Every function takes the viewer and reads through
scoped querysets."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q

from shanzhi.orgs.models import Department
from shanzhi.plans import rules
from shanzhi.plans.models import Indicator, Plan, PlanNode, ProgressReport, Status, SupervisionNotice

STATUS_KEYS = [s.value for s in Status]


def current_plan(user, plan: Plan | None = None) -> Plan | None:
    if plan is not None:
        return plan
    return Plan.objects.restrict(user).order_by("-year", "-id").first()


def build_tree(nodes: list[PlanNode]) -> list[dict[str, Any]]:
    """Nested [{"node", "children"}] from a flat, position-ordered list (one query)."""
    items = {n.pk: {"node": n, "children": []} for n in nodes}
    roots = []
    for n in nodes:
        parent = items.get(n.parent_id)
        (parent["children"] if parent else roots).append(items[n.pk])
    return roots


def plan_progress_by_program(user, plan: Plan | None = None) -> list[dict[str, Any]]:
    """For the cockpit: each program of the plan with its progress % and its supervised tasks
    counted by status (green, yellow, red, done, none)."""
    plan = current_plan(user, plan)
    if plan is None:
        return []
    nodes = list(
        PlanNode.objects.restrict(user)
        .filter(plan=plan)
        .only("id", "parent_id", "kind", "title", "label", "progress", "status", "lead_unit_id", "position")
    )
    by_id = {n.pk: n for n in nodes}

    def program_of(node: PlanNode) -> PlanNode | None:
        while node.parent_id and node.parent_id in by_id:
            node = by_id[node.parent_id]
        return node if node.kind == "program" else None

    counts: dict[int, Counter] = defaultdict(Counter)
    for n in nodes:
        if n.lead_unit_id is None:
            continue
        program = program_of(n)
        if program is not None:
            counts[program.pk][n.status] += 1
    out = []
    for n in nodes:
        if n.kind == "program" and n.parent_id is None:
            c = counts[n.pk]
            out.append(
                {
                    "id": n.pk,
                    "program": str(n),
                    "label": n.label,
                    "title": n.title,
                    "progress": float(n.progress),
                    "counts": {k: c.get(k, 0) for k in STATUS_KEYS},
                    "tasks": sum(c.values()),
                }
            )
    return out


# ----------------------------------------------------------------------------- indicators


def _dec(value) -> Decimal | None:
    return Decimal(value) if value is not None else None


def indicator_series(indicator: Indicator, year: int) -> dict[str, Any]:
    """Monthly values, cumulative values, cumulative year-on-year growth (computed from last
    year's months, or the reported figure), the gap to target and a simple forecast."""
    rows = {(a.year, a.month): a for a in indicator.actuals.filter(year__in=[year - 1, year])}
    months = []
    cum, cum_prev = Decimal(0), Decimal(0)
    prev_total = sum((a.value for (y, _m), a in rows.items() if y == year - 1), Decimal(0))
    prev_complete = sum(1 for (y, _m) in rows if y == year - 1) == 12
    latest = None
    for m in range(1, 13):
        a = rows.get((year, m))
        p = rows.get((year - 1, m))
        cum_prev += p.value if p else Decimal(0)
        if a is None:
            months.append(
                {"month": m, "value": None, "cumulative": None, "yoy": None, "prev_value": p.value if p else None}
            )
            continue
        cum += a.value
        yoy = a.reported_yoy
        if yoy is None and cum_prev:
            yoy = ((cum / cum_prev - 1) * 100).quantize(Decimal("0.01"))
        entry = {"month": m, "value": a.value, "cumulative": cum, "yoy": yoy, "prev_value": p.value if p else None}
        months.append(entry)
        latest = entry
    target = indicator.target_value
    out: dict[str, Any] = {
        "months": months,
        "latest": latest,
        "year": year,
        "cumulative": latest["cumulative"] if latest else None,
    }
    # Forecast of the year: last year's seasonality when complete, else a straight line.
    forecast_total = forecast_yoy = None
    if latest:
        n = latest["month"]
        prev_to_date = sum((rows[(year - 1, m)].value for m in range(1, n + 1) if (year - 1, m) in rows), Decimal(0))
        if prev_complete and prev_to_date:
            forecast_total = (latest["cumulative"] * prev_total / prev_to_date).quantize(Decimal("0.01"))
        else:
            forecast_total = (latest["cumulative"] / n * 12).quantize(Decimal("0.01"))
        if prev_complete and prev_total:
            forecast_yoy = ((forecast_total / prev_total - 1) * 100).quantize(Decimal("0.01"))
    out["forecast_total"] = forecast_total
    out["forecast_yoy"] = forecast_yoy
    # Gap and status: growth targets compare the cumulative growth; others the cumulative amount.
    measured = None
    if latest:
        measured = latest["yoy"] if indicator.is_growth else latest["cumulative"]
    gap = None
    status = "none"
    if measured is not None:
        comparator = indicator.comparator
        if comparator in (">=", "~", "=", "range"):
            gap = (measured - target).quantize(Decimal("0.01"))
        else:
            gap = (target - measured).quantize(Decimal("0.01"))
        if indicator.is_growth:
            status = "green" if gap >= 0 else ("yellow" if gap >= -Decimal(3) else "red")
        else:
            # An amount to reach by the year's end: compare with the time-proportional share.
            share = target * Decimal(latest["month"]) / 12
            reached = measured >= share if comparator != "<=" else measured <= share
            status = "green" if reached else ("yellow" if measured >= share * Decimal("0.8") else "red")
    out["measured"] = measured
    out["gap"] = gap
    out["status"] = status
    return out


def indicator_summary(user, year: int | None = None, plan: Plan | None = None) -> list[dict[str, Any]]:
    """For the cockpit: every indicator the user may see (of the year's plans) with its target,
    latest month, cumulative value, year-on-year growth, gap to target and status."""
    qs = Indicator.objects.restrict(user).select_related("plan", "responsible_unit")
    if plan is not None:
        qs = qs.filter(plan=plan)
    elif year is not None:
        qs = qs.filter(plan__year=year)
    else:
        latest = Plan.objects.restrict(user).order_by("-year").values_list("year", flat=True).first()
        if latest is None:
            return []
        qs = qs.filter(plan__year=latest)
    out = []
    for ind in qs:
        series = indicator_series(ind, year or ind.plan.year)
        latest = series["latest"]
        out.append(
            {
                "id": ind.pk,
                "name": ind.name,
                "unit": ind.unit,
                "measure_unit": ind.measure_unit,
                "kind": ind.kind,
                "target": ind.target_value,
                "target_max": ind.target_value_max,
                "comparator": ind.comparator,
                "target_display": ind.target_display(),
                "plan": ind.plan_id,
                "latest_month": latest["month"] if latest else None,
                "latest_actual": latest["value"] if latest else None,
                "cumulative": series["cumulative"],
                "yoy_growth": latest["yoy"] if latest else None,
                "gap": series["gap"],
                "status": series["status"],
                "forecast_total": series["forecast_total"],
                "forecast_yoy": series["forecast_yoy"],
            }
        )
    return out


# ----------------------------------------------------------------------------- scorecard


def scorecard(user, plan: Plan, today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Units ranked by score: base score plus / minus the configured points for reports on time,
    late or missing, tasks done / yellow / red and 督办 replies."""
    today = plan.assessment_day(today)
    rule_set = rules.current_rules()
    tasks = list(PlanNode.objects.filter(plan=plan, lead_unit__isnull=False).select_related("lead_unit"))
    facts: dict[int, rules.UnitFacts] = defaultdict(rules.UnitFacts)
    reported = defaultdict(set)
    for r in ProgressReport.objects.filter(node__plan=plan).values("node_id", "unit_id", "period", "is_late"):
        reported[r["node_id"]].add(r["period"])
        f = facts[r["unit_id"]]
        if r["is_late"]:
            f.reports_late += 1
        else:
            f.reports_on_time += 1
    last_due = rules.month_start(today)
    if today <= rules.report_due_date(last_due, rule_set["report_day"]):
        last_due = rules.previous_month(last_due)
    for t in tasks:
        f = facts[t.lead_unit_id]
        if t.status == Status.DONE:
            f.tasks_done += 1
        elif t.status == Status.YELLOW:
            f.tasks_yellow += 1
        elif t.status == Status.RED:
            f.tasks_red += 1
        if t.is_closed:
            continue
        period = rules.month_start(t.start_date or datetime.date(plan.year, 1, 1))
        end = min(last_due, rules.month_start(t.deadline) if t.deadline else last_due)
        while period <= end:
            if period not in reported[t.pk]:
                f.reports_missing += 1
            period = (period + datetime.timedelta(days=32)).replace(day=1)
    for n in SupervisionNotice.objects.filter(node__plan=plan):
        f = facts[n.unit_id]
        if n.state == SupervisionNotice.State.OPEN:
            if n.reply_due < today:
                f.notices_unanswered += 1
        elif n.replied_late:
            f.notices_late += 1
        else:
            f.notices_on_time += 1
    units = {d.pk: d for d in Department.objects.restrict(user).filter(pk__in=facts.keys())}
    rows = [
        {
            "unit": units[pk],
            "facts": f,
            "score": rules.score(f, rule_set),
            "tasks": sum(1 for t in tasks if t.lead_unit_id == pk),
        }
        for pk, f in facts.items()
        if pk in units
    ]
    rows.sort(key=lambda r: (-r["score"], r["unit"].name))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return rows


def unit_tasks(user, unit: Department, plan: Plan | None = None):
    qs = PlanNode.objects.restrict(user).filter(Q(lead_unit=unit) | Q(co_units=unit)).distinct()
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.select_related("plan", "lead_unit").order_by("plan", "position")
