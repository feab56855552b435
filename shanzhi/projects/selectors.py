"""Reads that shape boards and summaries (no writes here)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from shanzhi.projects import workflows
from shanzhi.projects.models import Lead, Parcel, Project, month_start

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def with_investment(qs: QuerySet[Project], today: datetime.date | None = None) -> QuerySet[Project]:
    """Annotate planned-to-date, planned (year) and completed investment in one query."""
    cutoff = month_start(today or timezone.localdate())
    live = Q(months__is_deleted=False)
    return qs.annotate(
        planned_year=Coalesce(Sum("months__planned_investment", filter=live), ZERO),
        planned_to_date=Coalesce(Sum("months__planned_investment", filter=live & Q(months__month__lte=cutoff)), ZERO),
        completed=Coalesce(Sum("months__completed_investment", filter=live), ZERO),
    )


def board(qs: QuerySet[Project]) -> list[dict]:
    """四个一批: the projects of each stage with their count and totals."""
    labels = dict(Project.Stage.choices)
    projects = list(with_investment(qs).select_related("department"))
    columns = []
    for stage in workflows.PROJECT_ORDER:
        items = [p for p in projects if p.stage == stage]
        columns.append(
            {
                "stage": stage,
                "label": labels[stage],
                "projects": items,
                "count": len(items),
                "total_investment": sum((p.total_investment for p in items), Decimal("0")),
                "completed": sum((p.completed for p in items), Decimal("0")),
                "land": sum((p.land_area_mu or Decimal("0") for p in items), Decimal("0")),
                "moves": sorted(workflows.PROJECT_MOVES[stage], key=workflows.PROJECT_ORDER.index),
            }
        )
    return columns


def renewal_summary(project: Project) -> dict:
    """Signing and demolition rates (by area), land transferred and money returned."""
    parcels = Parcel.objects.filter(project=project)
    agg = parcels.aggregate(
        n=Count("id"),
        area=Coalesce(Sum("area_mu"), ZERO),
        signed=Coalesce(Sum("area_mu", filter=~Q(stage="survey")), ZERO),
        demolished=Coalesce(Sum("area_mu", filter=Q(stage__in=["demolition", "preparation", "transfer"])), ZERO),
        transferred=Coalesce(Sum("area_mu", filter=Q(stage="transfer")), ZERO),
        money=Coalesce(Sum("transfer_price", filter=Q(stage="transfer")), ZERO),
        enforcement_n=Count("id", filter=~Q(enforcement=Parcel.Enforcement.NONE)),
        enforced_n=Count("id", filter=Q(enforcement=Parcel.Enforcement.EXECUTED)),
    )
    area = agg["area"] or Decimal("0")

    def rate(x):
        return round(float(x) / float(area) * 100, 1) if area else 0.0

    by_stage = dict(parcels.values_list("stage").annotate(c=Count("id")))
    labels = dict(Parcel.Stage.choices)
    return {
        **agg,
        "signing_rate": rate(agg["signed"]),
        "demolition_rate": rate(agg["demolished"]),
        "transfer_rate": rate(agg["transferred"]),
        "stages": [(labels[s], by_stage.get(s, 0)) for s in workflows.PARCEL_ORDER],
    }


def lead_totals(qs: QuerySet[Lead]) -> dict:
    agg = qs.aggregate(
        n=Count("id"),
        investment=Coalesce(Sum("investment"), ZERO),
        signed=Count("id", filter=Q(stage__in=workflows.LEAD_ORDER[4:])),
    )
    return agg


def livelihood_rows(qs: QuerySet[Project]) -> list[dict]:
    rows = []
    for p in with_investment(qs).select_related("department").prefetch_related("milestones"):
        milestones = [m for m in p.milestones.all() if not m.is_deleted]
        done = sum(1 for m in milestones if m.done_on)
        spend_pct = round(float(p.completed) / float(p.total_investment) * 100, 1) if p.total_investment else 0.0
        rows.append(
            {
                "project": p,
                "budget": p.total_investment,
                "spent": p.completed,
                "spend_pct": min(spend_pct, 100.0),
                "progress": p.latest_progress or Decimal("0"),
                "milestones": milestones,
                "milestones_done": done,
            }
        )
    return rows
