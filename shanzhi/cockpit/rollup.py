"""Maintains `CaseStat`, the monthly case rollup the cockpit and the bulletin read.

A month's rows are recomputed as a whole (delete + one GROUP BY over that month's cases on the
`received_at` index + bulk insert), inside one transaction, so a reader never sees half a month.
`refresh()` (the periodic job) recomputes only the months that changed since the last run:
months of cases written since the watermark (every case write bumps `updated_at`, soft
deletion included), months of open cases whose deadline passed since the last run (they became
overdue without being written), and the current month. `rebuild()` (the management command and
the nightly job) recomputes every month.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from shanzhi.cases.models import CLOSED_STATES, DEADLINE_STATES, Case
from shanzhi.cases.selectors import AGGREGATES
from shanzhi.cockpit.models import CATEGORY_COUNTERS, COUNTERS, CaseCategoryStat, CaseStat, RollupState

logger = logging.getLogger(__name__)

STATE_NAME = "cases"
# Transactions that started before the watermark may commit after it: look back this far.
SAFETY_MARGIN = datetime.timedelta(minutes=10)
KEYS = ("community_id", "grid_id", "department_id")
CATEGORY_KEYS = ("community_id", "department_id", "top_category")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(month, datetime.time.min, tz)
    hi = datetime.datetime.combine(next_month(month), datetime.time.min, tz)
    return lo, hi


def local_month(value: datetime.datetime) -> datetime.date:
    return month_start(timezone.localtime(value).date())


def _aggregates(now: datetime.datetime) -> dict:
    open_q = ~Q(status__in=CLOSED_STATES)
    return {
        **AGGREGATES,
        "open": Count("id", filter=open_q),
        "closed": Count("id", filter=Q(status__in=CLOSED_STATES)),
        "overdue": Count("id", filter=Q(status__in=DEADLINE_STATES, deadline__lt=now)),  # as CaseQuerySet.overdue
        "supervised": Count("id", filter=Q(supervised=True)),
    }


def compute_month(month: datetime.date, now: datetime.datetime | None = None) -> tuple[list, list]:
    """The rollup rows of one month (CaseStat, CaseCategoryStat), straight from the case table."""
    now = now or timezone.now()
    lo, hi = month_bounds(month)
    cases = Case.objects.filter(received_at__gte=lo, received_at__lt=hi).order_by()
    aggregates = _aggregates(now)
    stats = [
        CaseStat(
            month=month,
            community_id=r["community_id"],
            grid_id=r["grid_id"],
            department_id=r["department_id"],
            **{c: r[c] or 0 for c in COUNTERS},
        )
        for r in cases.values(*KEYS).annotate(**aggregates)
    ]
    by_category = [
        CaseCategoryStat(
            month=month,
            community_id=r["community_id"],
            department_id=r["department_id"],
            category_id=r["top_category"],
            **{c: r[c] or 0 for c in CATEGORY_COUNTERS},
        )
        for r in cases.annotate(top_category=Coalesce("category__parent_id", "category_id"))
        .values(*CATEGORY_KEYS)
        .annotate(**{c: aggregates[c] for c in CATEGORY_COUNTERS})
    ]
    return stats, by_category


def rebuild_months(months: Iterable[datetime.date], now: datetime.datetime | None = None) -> int:
    """Recompute the given months; returns the number of rollup rows written."""
    now = now or timezone.now()
    written = 0
    for month in sorted({month_start(m) for m in months}):
        with transaction.atomic():
            rows, by_category = compute_month(month, now)
            CaseStat.objects.filter(month=month).delete()
            CaseStat.objects.bulk_create(rows, batch_size=2000)
            CaseCategoryStat.objects.filter(month=month).delete()
            CaseCategoryStat.objects.bulk_create(by_category, batch_size=2000)
        written += len(rows)
    return written


def all_months() -> list[datetime.date]:
    bounds = Case.objects.aggregate(lo=Min("received_at"), hi=Max("received_at"))
    if bounds["lo"] is None:
        return []
    month, last = local_month(bounds["lo"]), local_month(bounds["hi"])
    out = []
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def _save_state(state: RollupState, started: datetime.datetime, months: int) -> None:
    state.refreshed_at = timezone.now()
    state.watermark = started
    state.months_refreshed = months
    state.save()


def rebuild(now: datetime.datetime | None = None) -> dict:
    """Recompute every month and drop months that no longer have cases."""
    started = now or timezone.now()
    months = all_months()
    CaseStat.objects.exclude(month__in=months).delete()
    CaseCategoryStat.objects.exclude(month__in=months).delete()
    rows = rebuild_months(months, started)
    state, _ = RollupState.objects.get_or_create(name=STATE_NAME)
    _save_state(state, started, len(months))
    logger.info("Case rollup rebuilt: %s months, %s rows", len(months), rows)
    return {"months": len(months), "rows": rows}


def dirty_months(since: datetime.datetime, overdue_since: datetime.datetime, now: datetime.datetime) -> set:
    """Months whose counts may have changed since `since`."""
    # No DISTINCT: the set de-duplicates, and SQLite answers DISTINCT by walking the whole
    # received_at index instead of the (updated_at, received_at) one.
    received = set(Case.all_objects.filter(updated_at__gte=since).order_by().values_list("received_at", flat=True))
    received |= set(
        Case.objects.running()
        .filter(deadline__gte=overdue_since, deadline__lt=now)
        .order_by()
        .values_list("received_at", flat=True)
    )
    return {local_month(r) for r in received}


def refresh(now: datetime.datetime | None = None) -> dict:
    """Recompute the months that changed since the last run (the periodic job)."""
    started = now or timezone.now()
    state, _ = RollupState.objects.get_or_create(name=STATE_NAME)
    if state.watermark is None:
        return rebuild(started)
    since = state.watermark - SAFETY_MARGIN
    months = dirty_months(since, since, started)
    months.add(local_month(started))
    rows = rebuild_months(months, started)
    _save_state(state, started, len(months))
    return {"months": len(months), "rows": rows}


def state() -> RollupState | None:
    return RollupState.objects.filter(name=STATE_NAME).first()
