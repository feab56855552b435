"""The cockpit's widgets: each a function of the viewer (and the day) returning plain data with
the URL of the list behind every figure. Case figures read the `CaseStat` rollup (plus one
indexed count for today); the others read the other apps' selectors and scoped querysets.
Every read goes through `restrict(user)`, so a community secretary gets the community's
cockpit, a department its department's, a grid worker their grids'.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanzhi.cases import selectors as case_selectors
from shanzhi.cases.models import Case, Category
from shanzhi.cockpit.models import COUNTERS, CaseCategoryStat, CaseStat
from shanzhi.cockpit.rollup import month_bounds, month_start, next_month
from shanzhi.core.scoping import LEVEL_COMMUNITY, LEVEL_DEPARTMENT, LEVEL_GRID, scope_for
from shanzhi.orgs.models import Community, Department, Grid


def url(name: str, **params) -> str:
    base = reverse(name)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


def pct(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 1)


def sum_counters(qs, *group: str) -> list[dict]:
    sums = {c: Sum(c) for c in COUNTERS}
    if group:
        return [{**r, **{c: r[c] or 0 for c in COUNTERS}} for r in qs.order_by().values(*group).annotate(**sums)]
    r = qs.aggregate(**sums)
    return [{c: r[c] or 0 for c in COUNTERS}]


def with_rates(row: dict, constants: dict | None = None) -> dict:
    rates = case_selectors.compute(row, constants)
    return {**row, **{k: pct(v) for k, v in rates.items()}}


def stats(user):
    return CaseStat.objects.restrict(user)


def case_list_url(**params) -> str:
    return url("cases:case_list", **params)


def _month_params(month: datetime.date) -> dict:
    return {
        "received_after": month.isoformat(),
        "received_before": (next_month(month) - datetime.timedelta(days=1)).isoformat(),
    }


def _year_params(year: int) -> dict:
    return {"received_after": f"{year}-01-01", "received_before": f"{year}-12-31"}


# ----------------------------------------------------------------------------- cases


def category_counts(user, month: datetime.date) -> list[dict]:
    """Cases of the month by top-level category: from the category rollup, or counted live
    for grid workers (the category rollup has no grid; a grid's month is a few dozen cases)."""
    if scope_for(user).level == LEVEL_GRID:
        from django.db.models.functions import Coalesce

        lo, hi = month_bounds(month)
        rows = (
            Case.objects.restrict(user)
            .filter(received_at__gte=lo, received_at__lt=hi)
            .annotate(top=Coalesce("category__parent_id", "category_id"))
            .order_by()
            .values("top")
            .annotate(total=Count("id"))
        )
        return [{"category_id": r["top"], "total": r["total"]} for r in rows]
    return list(
        CaseCategoryStat.objects.restrict(user)
        .filter(month=month)
        .order_by()
        .values("category_id")
        .annotate(total=Sum("total"), closed=Sum("closed"), overdue=Sum("overdue"))
    )


def cases_widget(user, today: datetime.date) -> dict[str, Any]:
    """Cases today (indexed live count), this month (rollup), open overdue, by category, the
    last twelve months."""
    month = month_start(today)
    tz = timezone.get_current_timezone()
    day_start = datetime.datetime.combine(today, datetime.time.min, tz)
    today_count = (
        Case.objects.restrict(user)
        .filter(received_at__gte=day_start, received_at__lt=day_start + datetime.timedelta(days=1))
        .count()
    )
    qs = stats(user)
    this_month = sum_counters(qs.filter(month=month))[0]
    overdue = qs.filter(overdue__gt=0).aggregate(n=Sum("overdue"))["n"] or 0
    open_total = qs.filter(open__gt=0).aggregate(n=Sum("open"))["n"] or 0
    cats = category_counts(user, month)
    names = dict(
        Category.all_objects.filter(pk__in=[c["category_id"] for c in cats if c["category_id"]]).values_list(
            "pk", "name"
        )
    )
    by_category = sorted(
        (
            {
                "id": c["category_id"],
                "name": names.get(c["category_id"], _("(uncategorised)")),
                "total": c["total"],
                "url": case_list_url(category=c["category_id"], **_month_params(month))
                if c["category_id"]
                else case_list_url(**_month_params(month)),
            }
            for c in cats
            if c["total"]
        ),
        key=lambda c: (-c["total"], str(c["name"])),
    )
    first = month
    for _i in range(11):
        first = month_start(first - datetime.timedelta(days=1))
    trend_rows = {r["month"]: r for r in sum_counters(qs.filter(month__gte=first, month__lte=month), "month")}
    trend = []
    m = first
    while m <= month:
        r = trend_rows.get(m, {})
        trend.append(
            {
                "month": m.strftime("%Y-%m"),
                "total": r.get("total", 0),
                "closed": r.get("closed", 0),
                "url": case_list_url(**_month_params(m)),
            }
        )
        m = next_month(m)
    mp = _month_params(month)
    return {
        "today": today_count,
        "today_url": case_list_url(received_after=today.isoformat(), received_before=today.isoformat()),
        "month": month.strftime("%Y-%m"),
        "month_total": this_month["total"],
        "month_total_url": case_list_url(**mp),
        "month_closed": this_month["closed"],
        "month_closed_url": case_list_url(open="false", **mp),
        "month_open": this_month["open"],
        "month_open_url": case_list_url(open="true", **mp),
        "open": open_total,
        "open_url": case_list_url(open="true"),
        "overdue": overdue,
        "overdue_url": case_list_url(overdue="true"),
        "by_category": by_category,
        "trend": trend,
    }


# ----------------------------------------------------------------------------- three rates


def _ranking(rows: list[dict], key: str, names: dict, link: Callable[[Any], str]) -> list[dict]:
    rows = [r for r in rows if r[key] is not None and r["total"]]
    exact = {id(r): case_selectors.compute(r)["composite"] for r in rows}
    # Ranked on the exact composite, as the rates page and the API do: the percentages shown
    # are rounded, and ranking on them had put two units in the opposite order there.
    case_selectors.rank(
        rows, composite=lambda r: exact[id(r)], valid=lambda r: r["valid"], label=lambda r: str(names.get(r[key], ""))
    )
    return [
        {"id": r[key], "name": names.get(r[key], "—"), "url": link(r[key]), **with_rates(r), "rank": r["rank"]}
        for r in rows
    ]


def rates_widget(user, today: datetime.date) -> dict[str, Any]:
    """The three rates and the composite this year, and the rankings of communities and
    departments (over cases with a valid call-back, cases.selectors formulas)."""
    year = today.year
    qs = stats(user).filter(month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1))
    overall = with_rates(sum_counters(qs)[0])
    by_comm = sum_counters(qs, "community_id")
    by_dept = sum_counters(qs, "department_id")
    comm_names = dict(Community.all_objects.values_list("pk", "name"))
    dept_names = dict(Department.all_objects.values_list("pk", "name"))
    yp = _year_params(year)
    return {
        "year": year,
        "overall": overall,
        "rates_url": url("cases:rates", year=year),
        "communities": _ranking(by_comm, "community_id", comm_names, lambda pk: case_list_url(community=pk, **yp)),
        "departments": _ranking(by_dept, "department_id", dept_names, lambda pk: case_list_url(department=pk, **yp)),
        "communities_url": url("cases:rates", by="community", year=year),
        "departments_url": url("cases:rates", by="department", year=year),
    }


# ----------------------------------------------------------------------------- map


def map_grids(user):
    """The grids of the viewer's area: a community secretary's community, a grid worker's
    grids; everyone else the whole street."""
    scope = scope_for(user)
    qs = Grid.objects.select_related("community")
    if scope.level == LEVEL_COMMUNITY:
        qs = qs.filter(community_id__in=scope.community_ids)
    elif scope.level == LEVEL_GRID:
        qs = qs.filter(pk__in=scope.grid_ids)
    return qs


def map_widget(user, today: datetime.date) -> dict[str, Any]:
    """Each grid's cases this year and its composite three-rate score, for the shaded map."""
    year = today.year
    qs = stats(user).filter(month__gte=datetime.date(year, 1, 1), month__lt=datetime.date(year + 1, 1, 1))
    by_grid = {r["grid_id"]: with_rates(r) for r in sum_counters(qs, "grid_id")}
    yp = _year_params(year)
    grids = []
    for g in map_grids(user).order_by("code"):
        r = by_grid.get(g.pk, {})
        grids.append(
            {
                "id": g.pk,
                "code": g.code,
                "name": g.name,
                "community": g.community.name if g.community_id else "",
                "households": g.households,
                "cases": r.get("total", 0),
                "density": round(r.get("total", 0) * 100 / g.households, 1) if g.households else None,
                "composite": r.get("composite"),
                "url": case_list_url(grid=g.pk, **yp),
                "grid_url": reverse("orgs:grid_detail", args=[g.pk]),
                "has_boundary": bool(g.boundary),
            }
        )
    return {"year": year, "grids": grids, "data_url": reverse("cockpit:map_data")}


def map_geojson(user, today: datetime.date) -> dict[str, Any]:
    data = map_widget(user, today)
    by_id = {g["id"]: g for g in data["grids"]}
    features = [
        {"type": "Feature", "geometry": g.boundary, "properties": by_id[g.pk]}
        for g in map_grids(user).select_related(None).exclude(boundary__isnull=True).only("id", "boundary")
        if g.pk in by_id
    ]
    return {"type": "FeatureCollection", "features": features}


# ----------------------------------------------------------------------------- plans


def indicators_widget(user, today: datetime.date) -> dict[str, Any]:
    from shanzhi.plans import selectors as plan_selectors

    rows = plan_selectors.indicator_summary(user)
    for r in rows:
        r["url"] = reverse("plans:indicator_detail", args=[r["id"]])
    return {"indicators": rows, "list_url": reverse("plans:indicator_list")}


def plan_widget(user, today: datetime.date) -> dict[str, Any]:
    from shanzhi.plans import selectors as plan_selectors

    programs = plan_selectors.plan_progress_by_program(user)
    for p in programs:
        p["url"] = url("plans:plannode_list", program=p["id"])
        p["red_url"] = url("plans:plannode_list", program=p["id"], status="red")
        p["yellow_url"] = url("plans:plannode_list", program=p["id"], status="yellow")
    return {
        "programs": programs,
        "red": sum(p["counts"].get("red", 0) for p in programs),
        "yellow": sum(p["counts"].get("yellow", 0) for p in programs),
        "red_url": url("plans:plannode_list", status="red"),
        "yellow_url": url("plans:plannode_list", status="yellow"),
        "list_url": reverse("plans:plannode_list"),
    }


# ----------------------------------------------------------------------------- projects


def projects_widget(user, today: datetime.date) -> dict[str, Any]:
    """四个一批: projects and investment by stage (livelihood projects shown apart)."""
    from shanzhi.projects.models import Project
    from shanzhi.projects.workflows import PROJECT_ORDER

    qs = Project.objects.restrict(user).exclude(kind=Project.Kind.LIVELIHOOD)
    rows = {
        r["stage"]: r for r in qs.order_by().values("stage").annotate(n=Count("id"), investment=Sum("total_investment"))
    }
    labels = dict(Project.Stage.choices)
    stages = [
        {
            "stage": s,
            "label": labels[s],
            "count": rows.get(s, {}).get("n", 0),
            "investment": rows.get(s, {}).get("investment") or Decimal("0"),
            "url": url("projects:project_list", stage=s),
        }
        for s in PROJECT_ORDER
    ]
    return {
        "stages": stages,
        "count": sum(s["count"] for s in stages),
        "investment": sum((s["investment"] for s in stages), Decimal("0")),
        "board_url": reverse("projects:board"),
    }


def livelihood_widget(user, today: datetime.date) -> dict[str, Any]:
    """民生实事 of the year: budget, completed spending, the projects."""
    from shanzhi.projects.models import Project
    from shanzhi.projects.selectors import with_investment

    qs = Project.objects.restrict(user).livelihood()
    year = today.year
    if not qs.filter(year=year).exists():
        year = qs.order_by("-year").values_list("year", flat=True).first() or year
    projects = list(with_investment(qs.filter(year=year)).order_by("code"))
    budget = sum((p.total_investment or Decimal("0") for p in projects), Decimal("0"))
    spent = sum((p.completed for p in projects), Decimal("0"))
    return {
        "year": year,
        "count": len(projects),
        "budget": budget,
        "spent": spent,
        "spend_pct": round(float(spent) / float(budget) * 100, 1) if budget else 0.0,
        "projects": [
            {
                "name": p.name,
                "budget": p.total_investment,
                "spent": p.completed,
                "pct": min(round(float(p.completed) / float(p.total_investment) * 100, 1), 100.0)
                if p.total_investment
                else 0.0,
                "url": reverse("projects:project_detail", args=[p.pk]),
            }
            for p in projects
        ],
        "list_url": url("projects:livelihood", year=year),
    }


# ----------------------------------------------------------------------------- fieldwork


def disputes_widget(user, today: datetime.date) -> dict[str, Any]:
    from shanzhi.fieldwork.models import Dispute

    qs = Dispute.objects.restrict(user).exclude(status=Dispute.Status.CLOSED)
    counts = dict(qs.order_by().values_list("risk_level").annotate(n=Count("id")))
    risks = [
        {
            "risk": value,
            "label": label,
            "count": counts.get(value, 0),
            "url": url("fieldwork:dispute_list", risk_level=value),
        }
        for value, label in reversed(Dispute.Risk.choices)
    ]
    return {
        "risks": risks,
        "open": sum(counts.values()),
        "group": qs.filter(is_group=True).count(),
        "group_url": url("fieldwork:dispute_list", is_group="true"),
        "list_url": reverse("fieldwork:dispute_list"),
    }


def incidents_widget(user, today: datetime.date) -> dict[str, Any]:
    from shanzhi.fieldwork.models import Incident

    qs = Incident.objects.restrict(user).exclude(status=Incident.Status.CLOSED).select_related("community")
    items = list(qs.order_by("severity", "-id")[:5])
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "open": sum(counts.values()),
        "statuses": [
            {"label": label, "count": counts.get(value, 0), "url": url("fieldwork:incident_list", status=value)}
            for value, label in Incident.Status.choices
            if value != Incident.Status.CLOSED
        ],
        "items": [
            {
                "title": str(i),
                "severity": i.get_severity_display(),
                "community": str(i.community or ""),
                "url": reverse("fieldwork:incident_detail", args=[i.pk]),
            }
            for i in items
        ],
        "list_url": reverse("fieldwork:incident_list"),
    }


# ----------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Widget:
    name: str
    title: str
    func: Callable[[Any, datetime.date], dict]
    permission: str
    width: str = "col-lg-6"


WIDGETS: list[Widget] = [
    Widget(
        "indicators",
        gettext_lazy("Economic indicators against targets"),
        indicators_widget,
        "plans.view_indicator",
        "col-lg-6",
    ),
    Widget("plan", gettext_lazy("Work plan progress by program"), plan_widget, "plans.view_plannode", "col-lg-6"),
    Widget("cases", gettext_lazy("Cases"), cases_widget, "cases.view_case", "col-lg-6"),
    Widget("map", gettext_lazy("Grid map"), map_widget, "cases.view_case", "col-lg-6"),
    Widget("rates", gettext_lazy("Three rates and rankings"), rates_widget, "cases.view_case", "col-lg-12"),
    Widget(
        "projects",
        gettext_lazy("Project pipeline (four batches)"),
        projects_widget,
        "projects.view_project",
        "col-lg-4",
    ),
    Widget(
        "livelihood",
        gettext_lazy("Livelihood projects spending"),
        livelihood_widget,
        "projects.view_project",
        "col-lg-4",
    ),
    Widget("disputes", gettext_lazy("Open disputes by risk"), disputes_widget, "fieldwork.view_dispute", "col-lg-2"),
    Widget(
        "incidents", gettext_lazy("Emergencies in progress"), incidents_widget, "fieldwork.view_incident", "col-lg-2"
    ),
]
WIDGETS_BY_NAME = {w.name: w for w in WIDGETS}


def widgets_for(user) -> list[Widget]:
    return [w for w in WIDGETS if user.has_perm(w.permission)]


def scope_label(user) -> str:
    scope = scope_for(user)
    if scope.level == LEVEL_COMMUNITY:
        return ", ".join(Community.objects.filter(pk__in=scope.community_ids).values_list("name", flat=True))
    if scope.level == LEVEL_DEPARTMENT:
        return ", ".join(Department.objects.filter(pk__in=scope.department_ids).values_list("name", flat=True))
    if scope.level == LEVEL_GRID:
        return ", ".join(Grid.objects.filter(pk__in=scope.grid_ids).values_list("name", flat=True))
    return _("Whole sub-district")
