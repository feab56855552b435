"""Reads that cross models or shape a dashboard (compliance, counts for the cockpit).
Every function takes the viewer and reads through `restrict()`."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from shanzhi.fieldwork.models import Dispute, Incident, Patrol, PatrolPlan, Wish


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tz),
        datetime.datetime.combine(end, datetime.time.min, tz),
    )


def patrols_done(plan: PatrolPlan, start: datetime.date, end: datetime.date) -> int:
    lo, hi = _day_bounds(start, end)
    return Patrol.objects.filter(plan=plan, status=Patrol.Status.ENDED, started_at__gte=lo, started_at__lt=hi).count()


@dataclass
class PlanRow:
    plan: PatrolPlan
    period: str
    planned: int
    done: int
    previous_period: str
    previous_done: int

    @property
    def overdue(self) -> bool:
        """The last complete period fell short of the plan."""
        return self.previous_done < self.planned and self.previous_period != ""

    @property
    def rate(self) -> float:
        return min(self.done / self.planned, 1.0) if self.planned else 1.0


def compliance(user, today: datetime.date | None = None) -> dict:
    """Patrols done vs planned per plan, per person and per area, with the overdue plans."""
    from shanzhi.fieldwork.services import plan_period

    today = today or timezone.localdate()
    plans = list(
        PatrolPlan.objects.restrict(user)
        .filter(is_active=True)
        .select_related("patroller", "community", "grid", "river_section", "enterprise")
    )
    # One query for every plan's ended patrols over the widest window needed (two months back).
    since = (today.replace(day=1) - datetime.timedelta(days=35)).replace(day=1)
    lo, _hi = _day_bounds(since, today)
    counts: dict[int, list[datetime.date]] = defaultdict(list)
    for plan_id, started in Patrol.objects.filter(
        plan__in=plans, status=Patrol.Status.ENDED, started_at__gte=lo
    ).values_list("plan_id", "started_at"):
        counts[plan_id].append(timezone.localdate(started))
    rows = []
    for plan in plans:
        start, end, key = plan_period(plan, today)
        pstart, pend, pkey = plan_period(plan, today, previous=True)
        if pend <= plan.starts_on:
            pkey = ""
        days = counts.get(plan.pk, [])
        rows.append(
            PlanRow(
                plan=plan,
                period=key,
                planned=plan.times_per_period,
                done=sum(1 for d in days if start <= d < end),
                previous_period=pkey,
                previous_done=sum(1 for d in days if pstart <= d < pend),
            )
        )

    def aggregate(keyfunc):
        agg: dict = {}
        for r in rows:
            k = keyfunc(r)
            a = agg.setdefault(k, {"name": k, "planned": 0, "done": 0, "overdue": 0})
            a["planned"] += r.planned
            a["done"] += min(r.done, r.planned)
            a["overdue"] += 1 if r.overdue else 0
        for a in agg.values():
            a["rate"] = round(100 * a["done"] / a["planned"]) if a["planned"] else 100
        return sorted(agg.values(), key=lambda a: (a["rate"], str(a["name"])))

    return {
        "rows": rows,
        "by_person": aggregate(lambda r: str(r.plan.patroller)),
        "by_area": aggregate(lambda r: str(r.plan.community)),
        "overdue": [r for r in rows if r.overdue],
    }


def wish_counts(user) -> dict:
    """For the cockpit: wishes by community and status, and completed wishes by claimer."""
    qs = Wish.objects.restrict(user)
    by_community = list(
        qs.values("community__name")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=Wish.Status.PUBLISHED)),
            claimed=Count("pk", filter=Q(status__in=[Wish.Status.CLAIMED, Wish.Status.DELIVERED])),
            completed=Count("pk", filter=Q(status=Wish.Status.COMPLETED)),
            flagged=Count("pk", filter=Q(status=Wish.Status.PUBLISHED, flagged_at__isnull=False)),
        )
        .order_by("-total")
    )
    by_claimer = list(
        qs.exclude(claimer_name="")
        .values("claimer_kind", "claimer_name")
        .annotate(claimed=Count("pk"), completed=Count("pk", filter=Q(status=Wish.Status.COMPLETED)))
        .order_by("-completed", "-claimed")[:20]
    )
    return {"by_community": by_community, "by_claimer": by_claimer}


def high_risk_disputes(user):
    """For the cockpit: open high-risk or group disputes."""
    return (
        Dispute.objects.restrict(user)
        .exclude(status=Dispute.Status.CLOSED)
        .filter(Q(risk_level=Dispute.Risk.HIGH) | Q(is_group=True))
        .select_related("community")
    )


def open_incidents(user):
    return Incident.objects.restrict(user).exclude(status=Incident.Status.CLOSED).select_related("community")
