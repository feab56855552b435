"""What the public portal shows: published aggregates and public titles only. Every query here
selects explicit non-personal columns (no names, phones, addresses of people)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone


def portal_data() -> dict:
    from shanzhi.fieldwork.models import Wish
    from shanzhi.plans.models import Plan, PlanNode
    from shanzhi.projects.models import Project, Proposal
    from shanzhi.projects.selectors import with_investment

    plans = list(
        Plan.objects.filter(is_published=True).order_by("-year", "title").only("id", "title", "year", "progress")[:3]
    )
    programs = []
    if plans:
        programs = list(
            PlanNode.objects.filter(plan=plans[0], kind="program", parent__isnull=True)
            .order_by("position")
            .values("label", "title", "progress")
        )
    year = timezone.localdate().year
    livelihood = Project.objects.public().livelihood()
    if not livelihood.filter(year=year).exists():
        year = livelihood.order_by("-year").values_list("year", flat=True).first() or year
    projects = [
        {
            "name": p.name,
            "budget": p.total_investment,
            "spent": p.completed,
            "pct": min(round(float(p.completed) / float(p.total_investment) * 100, 1), 100.0)
            if p.total_investment
            else 0.0,
            "progress": p.latest_progress or Decimal("0"),
        }
        for p in with_investment(livelihood.filter(year=year)).order_by("code")
    ]
    wishes = list(
        Wish.objects.filter(status__in=[Wish.Status.PUBLISHED, Wish.Status.CLAIMED, Wish.Status.COMPLETED])
        .order_by("status", "-published_at")
        .values("title", "status", "community__name")[:8]
    )
    labels = dict(Wish.Status.choices)
    for w in wishes:
        w["status_label"] = labels.get(w["status"], w["status"])
    wish_open = Wish.objects.filter(status=Wish.Status.PUBLISHED).count()
    proposals = list(
        Proposal.objects.exclude(status=Proposal.Status.HIDDEN)
        .order_by("-for_year", "-votes")
        .values("pk", "title", "votes", "for_year")[:6]
    )
    return {
        "plans": plans,
        "programs": programs,
        "livelihood_year": year,
        "livelihood": projects,
        "livelihood_budget": sum((p["budget"] or Decimal("0") for p in projects), Decimal("0")),
        "livelihood_spent": sum((p["spent"] for p in projects), Decimal("0")),
        "wishes": wishes,
        "wish_open": wish_open,
        "proposals": proposals,
    }
