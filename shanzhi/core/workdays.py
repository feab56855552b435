"""China's official working-day calendar (holidays and make-up working days).

The `chinese-calendar` package is the source; `CalendarOverride` rows win over it (local
adjustments, and years the package does not know yet, for which weekends are assumed and a
warning is logged once so that an operator adds the State Council's notice).
"""

from __future__ import annotations

import datetime
import functools
import logging
import time

import chinese_calendar

logger = logging.getLogger(__name__)

WORKDAY_START = datetime.time(9, 0)
WORKDAY_END = datetime.time(17, 30)
HOURS_PER_WORKDAY = 8


@functools.lru_cache(maxsize=1)
def _package_years() -> tuple[int, int]:
    years = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return min(years), max(years)


_warned_years: set[int] = set()


@functools.lru_cache(maxsize=8192)
def _package_is_workday(day: datetime.date) -> bool:
    # The package scans its holiday tables on every call (about 27 µs); the answer for a date
    # never changes within a release of the package.
    return chinese_calendar.is_workday(day)


_LOCAL_TTL = 30.0  # seconds a process keeps its copy before asking the shared cache again
_local: tuple[float, dict[datetime.date, bool]] | None = None


def _overrides() -> dict[datetime.date, bool]:
    """Override days, from a copy in this process (30 s), else the shared cache (5 min), else
    the table. Saving an override in the admin clears both; other processes see it within the
    shared cache's lifetime, as before."""
    global _local  # noqa: PLW0603 (a per-process memo, replaced whole)
    now = time.monotonic()
    if _local is not None and _local[0] > now:
        return _local[1]
    from django.core.cache import cache

    from shanzhi.core.models import CalendarOverride

    data = cache.get("shanzhi:calendar-overrides")
    if data is None:
        data = {o.date.isoformat(): o.is_workday for o in CalendarOverride.objects.all()}
        cache.set("shanzhi:calendar-overrides", data, 300)
    result = {datetime.date.fromisoformat(k): v for k, v in data.items()}
    _local = (now + _LOCAL_TTL, result)
    return result


def forget_local_memo() -> None:
    global _local  # noqa: PLW0603
    _local = None


def clear_override_cache(*_args, **_kwargs) -> None:
    from django.core.cache import cache

    forget_local_memo()
    cache.delete("shanzhi:calendar-overrides")


def is_workday(day: datetime.date, overrides: dict[datetime.date, bool] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides()
    if day in overrides:
        return overrides[day]
    first, last = _package_years()
    if first <= day.year <= last:
        return _package_is_workday(day)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "The working-day calendar has no official data for %s: weekends only. "
            "Add the year's holidays as calendar overrides or upgrade chinesecalendar.",
            day.year,
        )
    return day.weekday() < 5


def add_workdays(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    overrides = _overrides()
    current = start
    remaining = days
    while remaining > 0:
        current += datetime.timedelta(days=1)
        if is_workday(current, overrides):
            remaining -= 1
    return current


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -workdays_between(end, start)
    overrides = _overrides()
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_workday(current, overrides):
            count += 1
    return count


def deadline_after(start: datetime.datetime, *, workdays: int = 0, workhours: int = 0) -> datetime.datetime:
    """The deadline for something received at `start` (aware datetime), counting working days
    (to the end of the working day) or working hours within 09:00–17:30 on working days."""
    from django.utils import timezone

    local = timezone.localtime(start)
    tz = local.tzinfo
    if workhours:
        overrides = _overrides()
        remaining = datetime.timedelta(hours=workhours)
        cursor = local
        while True:
            day = cursor.date()
            if is_workday(day, overrides):
                day_start = datetime.datetime.combine(day, WORKDAY_START, tz)
                day_end = datetime.datetime.combine(day, WORKDAY_END, tz)
                begin = max(cursor, day_start)
                if begin < day_end:
                    available = day_end - begin
                    if available >= remaining:
                        return begin + remaining
                    remaining -= available
            cursor = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 0), tz)
    end_day = add_workdays(local.date(), workdays)
    return datetime.datetime.combine(end_day, WORKDAY_END, tz)
