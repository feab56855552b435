"""Widget figures against the hand-counted fixture in conftest.py."""

import pytest

from shanzhi.cockpit import selectors
from shanzhi.cockpit.models import CaseCategoryStat, CaseStat

pytestmark = pytest.mark.django_db


def test_rollup_rows_of_this_month(known):
    rows = CaseStat.objects.filter(month=known.month)
    assert sum(r.total for r in rows) == 5
    assert sum(r.closed for r in rows) == 3
    assert sum(r.open for r in rows) == 2
    assert sum(r.overdue for r in rows) == 1
    assert sum(r.valid for r in rows) == 3
    # Sub-categories roll up to their top category: cases 1, 2 (noise) and 4 (env) under env.
    by_category = CaseCategoryStat.objects.filter(month=known.month)
    env = sum(r.total for r in by_category if r.category_id == known.cases[4].category_id)
    assert env == 3
    assert sum(r.total for r in by_category) == 5


@pytest.mark.parametrize(
    ("role", "month_total", "closed", "open_", "overdue", "today"),
    [("leader", 5, 3, 2, 1, 1), ("community", 3, 2, 1, 1, 1), ("dept", 3, 2, 1, 1, 1), ("grid", 2, 1, 1, 1, 1)],
)
def test_cases_widget_by_scope(known, org, role, month_total, closed, open_, overdue, today):
    data = selectors.cases_widget(org.users[role], known.today)
    assert (data["month_total"], data["month_closed"], data["month_open"], data["overdue"], data["today"]) == (
        month_total,
        closed,
        open_,
        overdue,
        today,
    )


def test_cases_widget_other_community_and_links(known, org):
    data = selectors.cases_widget(org.others["community"], known.today)
    assert (data["month_total"], data["overdue"], data["today"]) == (2, 0, 0)
    assert "overdue=true" in data["overdue_url"]
    assert f"received_after={known.month.isoformat()}" in data["month_total_url"]
    by_cat = {c["name"]: c["total"] for c in data["by_category"]}
    assert by_cat == {"环境保护": 1, "城乡建设": 1}
    # A grid worker's categories are counted live from the grid's cases.
    grid = selectors.cases_widget(org.users["grid"], known.today)
    assert {c["name"]: c["total"] for c in grid["by_category"]} == {"环境保护": 2}


def test_three_rates_and_rankings(known, org):
    data = selectors.rates_widget(org.users["leader"], known.today)
    o = data["overall"]
    if known.last_month_same_year:
        assert (o["valid"], o["response"], o["resolution"], o["satisfaction"], o["composite"]) == (
            4,
            100.0,
            75.0,
            72.5,
            76.5,
        )
    else:
        assert (o["valid"], o["response"], o["resolution"], o["satisfaction"], o["composite"]) == (
            3,
            100.0,
            66.7,
            96.7,
            82.0,
        )
    ranking = [(r["rank"], r["name"]) for r in data["communities"]]
    assert ranking == [(1, "乙社区"), (2, "甲社区")]
    a = data["communities"][1]
    assert a["composite"] == (68.7 if known.last_month_same_year else 73.0)
    assert "community=" in a["url"]


def test_community_sees_only_its_ranking(known, org):
    data = selectors.rates_widget(org.users["community"], known.today)
    assert [r["name"] for r in data["communities"]] == ["甲社区"]


def test_map_widget_counts_per_grid(known, org):
    data = selectors.map_widget(org.users["leader"], known.today)
    cases = {g["code"]: g["cases"] for g in data["grids"]}
    expected_a1 = 3 if known.last_month_same_year else 2
    assert cases == {"A1": expected_a1, "A2": 1, "B1": 2, "B2": 0}
    community = selectors.map_widget(org.users["community"], known.today)
    assert {g["code"] for g in community["grids"]} == {"A1", "A2"}
    geo = selectors.map_geojson(org.users["grid"], known.today)
    assert [ft["properties"]["code"] for ft in geo["features"]] == ["A1"]


def test_refresh_picks_up_a_change(known, org):
    from django.utils import timezone

    from shanzhi.cases.models import Case
    from shanzhi.cockpit import rollup

    case5 = known.cases[5]
    case5.status = Case.Status.CLOSED
    case5.save()
    rollup.refresh(timezone.now())
    data = selectors.cases_widget(org.users["leader"], known.today)
    assert (data["month_closed"], data["month_open"]) == (4, 1)
