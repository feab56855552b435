"""The rollup equals a direct count over the raw case table, after random changes (several
seeds), counted independently in Python."""

import datetime
import random
from collections import Counter

import pytest
from django.utils import timezone

from shanzhi.cases.models import CLOSED_STATES, Case
from shanzhi.cockpit import rollup
from shanzhi.cockpit.models import CATEGORY_COUNTERS, CaseCategoryStat, CaseStat
from shanzhi.cockpit.tests import factories as f

pytestmark = pytest.mark.django_db

CHECKED = ("total", "open", "closed", "overdue", "valid", "contacted", "resolved", "satisfied", "basic")
STATUSES = [
    Case.Status.RECEIVED,
    Case.Status.IN_PROGRESS,
    Case.Status.SUSPENDED,
    Case.Status.CLOSED,
    Case.Status.CANCELLED,
]


def expected(now) -> Counter:
    out = Counter()
    for c in Case.objects.select_related("category"):
        month = rollup.local_month(c.received_at)
        top = c.category.parent_id or c.category_id if c.category_id else None
        key = (month, c.community_id, c.grid_id, c.department_id)
        cat_key = ("category", month, c.community_id, c.department_id, top)
        is_open = c.status not in CLOSED_STATES
        valid = c.callback_valid
        flags = {
            "total": True,
            "open": is_open,
            "closed": not is_open,
            "overdue": is_open and c.status != Case.Status.SUSPENDED and c.deadline is not None and c.deadline < now,
            "valid": valid,
            "contacted": valid and c.callback_contacted,
            "resolved": valid and c.callback_resolved,
            "satisfied": valid and c.callback_satisfaction == "satisfied",
            "basic": valid and c.callback_satisfaction == "basic",
        }
        for name, on in flags.items():
            if on:
                out[(*key, name)] += 1
                if name in CATEGORY_COUNTERS:
                    out[(*cat_key, name)] += 1
    return out


def actual() -> Counter:
    out = Counter()
    for r in CaseStat.objects.all():
        key = (r.month, r.community_id, r.grid_id, r.department_id)
        for name in CHECKED:
            if getattr(r, name):
                out[(*key, name)] += getattr(r, name)
    for r in CaseCategoryStat.objects.all():
        key = ("category", r.month, r.community_id, r.department_id, r.category_id)
        for name in CATEGORY_COUNTERS:
            if getattr(r, name):
                out[(*key, name)] += getattr(r, name)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_matches_raw_counts_after_random_changes(org, seed):
    rng = random.Random(seed)
    now = timezone.now()
    top = f.category(f"top{seed}", "顶级")
    cats = [None, top, f.category(f"sub{seed}", "子类", parent=top), f.category(f"other{seed}", "其他")]
    grids = list(org.grids.values())
    depts = list(org.departments.values())
    today = timezone.localdate()
    cases = []
    for _ in range(80):
        grid = rng.choice([*grids, None])
        cases.append(
            f.case(
                received_at=f.at(today - datetime.timedelta(days=rng.randint(0, 120)), rng.randint(0, 23)),
                grid=grid,
                community=grid.community if grid else None,
                department=rng.choice([*depts, None]),
                category=rng.choice(cats),
                status=rng.choice(STATUSES),
                nature=rng.choice(["help", "complaint"]),
                deadline=now + datetime.timedelta(hours=rng.randint(-200, 200)) if rng.random() < 0.8 else None,
                callback=rng.choice([None, "satisfied", "basic", "unsatisfied-unresolved"]),
            )
        )
    rollup.rebuild(now)
    assert actual() == expected(now)

    # Random changes: status, call-back, grid, deadline passing, soft deletion.
    later = now + datetime.timedelta(minutes=5)
    for c in rng.sample(cases, 30):
        change = rng.choice(["status", "callback", "move", "delete"])
        if change == "status":
            c.status = rng.choice(STATUSES)
        elif change == "callback":
            c.callback_valid, c.callback_contacted, c.callback_resolved = True, True, rng.random() < 0.5
            c.callback_satisfaction = rng.choice(["satisfied", "basic", "unsatisfied"])
        elif change == "move":
            grid = rng.choice(grids)
            c.grid, c.community = grid, grid.community
        else:
            c.is_deleted = True
        c.save()
    # Time passes too: open cases whose deadline falls between the runs become overdue
    # without being written.
    later = now + datetime.timedelta(hours=rng.randint(1, 100))
    rollup.refresh(later)
    assert actual() == expected(later)

    # A case moved to another month (a corrected intake date): the incremental refresh cannot
    # know the old month; the nightly full rebuild puts it right.
    moved = rng.choice([c for c in cases if not c.is_deleted])
    moved.received_at -= datetime.timedelta(days=45)
    moved.save()
    rollup.rebuild(later)
    assert actual() == expected(later)
