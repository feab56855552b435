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
from collections.abc import Mapping

import chinese_calendar

logger = logging.getLogger(__name__)

WORKDAY_START = datetime.time(9, 0)
WORKDAY_END = datetime.time(17, 30)


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


class Calendar:
    """A snapshot of the working-day calendar for a run of computations: the overrides read
    once (when it is made, or given), each day's answer remembered. The one working-day walk:
    the module functions below use a fresh calendar per call; the bulk import of cases keeps
    one for the whole import and the case router one per lookup period. A calendar does not
    see overrides saved after it was made; make a new one for that."""

    __slots__ = ("_workday", "overrides")

    def __init__(self, overrides: Mapping[datetime.date, bool] | None = None):
        self.overrides = _overrides() if overrides is None else overrides
        self._workday: dict[datetime.date, bool] = {}

    def is_workday(self, day: datetime.date) -> bool:
        working = self._workday.get(day)
        if working is None:
            working = self._workday[day] = is_workday(day, self.overrides)
        return working

    def add_workdays(self, start: datetime.date, days: int) -> datetime.date:
        """The date `days` working days after `start` (the start day itself does not count)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        memo, overrides = self._workday, self.overrides
        one_day = datetime.timedelta(days=1)
        current, remaining = start, days
        while remaining > 0:
            current += one_day
            working = memo.get(current)
            if working is None:
                working = memo[current] = is_workday(current, overrides)
            if working:
                remaining -= 1
        return current

    def workdays_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.workdays_between(end, start)
        count, current = 0, start
        while current < end:
            current += datetime.timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def day_deadline(self, day: datetime.date, days: int, tz: datetime.tzinfo) -> datetime.datetime:
        """The end of the working day (17:30 in `tz`) `days` working days after local date
        `day`; with 0, the end of `day` itself, even when it is not a working day."""
        return datetime.datetime.combine(self.add_workdays(day, days), WORKDAY_END, tz)

    def hours_deadline(self, local: datetime.datetime, hours: int) -> datetime.datetime:
        """`hours` working hours after `local` (aware, in local time), counted within
        09:00–17:30 of working days (no lunch break); a start outside working time counts from
        the next opening, a result falling on 17:30 stays on that day."""
        memo, overrides = self._workday, self.overrides
        tz = local.tzinfo
        remaining = datetime.timedelta(hours=hours)
        cursor = local
        while True:
            day = cursor.date()
            working = memo.get(day)
            if working is None:
                working = memo[day] = is_workday(day, overrides)
            if working:
                day_start = datetime.datetime.combine(day, WORKDAY_START, tz)
                day_end = datetime.datetime.combine(day, WORKDAY_END, tz)
                begin = max(cursor, day_start)
                if begin < day_end:
                    available = day_end - begin
                    if available >= remaining:
                        return begin + remaining
                    remaining -= available
            cursor = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0, 0), tz)

    def working_time_between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """The working time (09:00–17:30 of working days, in `start`'s zone) between two aware
        moments; zero when `end` is not after `start`."""
        from django.utils import timezone

        if end <= start:
            return datetime.timedelta(0)
        local_start, local_end = timezone.localtime(start), timezone.localtime(end)
        tz = local_start.tzinfo
        total = datetime.timedelta(0)
        day = local_start.date()
        while day <= local_end.date():
            if self.is_workday(day):
                opens = max(datetime.datetime.combine(day, WORKDAY_START, tz), local_start)
                closes = min(datetime.datetime.combine(day, WORKDAY_END, tz), local_end)
                if closes > opens:
                    total += closes - opens
            day += datetime.timedelta(days=1)
        return total

    def deadline_after(self, start: datetime.datetime, *, workdays: int = 0, workhours: int = 0) -> datetime.datetime:
        """See the module's `deadline_after`."""
        from django.utils import timezone

        local = timezone.localtime(start)
        if workhours:
            return self.hours_deadline(local, workhours)
        return self.day_deadline(local.date(), workdays, local.tzinfo)


def add_workdays(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    return Calendar().add_workdays(start, days)


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    return Calendar().workdays_between(start, end)


def deadline_after(
    start: datetime.datetime, *, workdays: int = 0, workhours: int = 0, calendar: Calendar | None = None
) -> datetime.datetime:
    """The deadline for something received at `start` (aware datetime), counting working days
    (to the end of the working day) or working hours within 09:00–17:30 on working days.
    `calendar`: a snapshot to reuse across many calls (overrides read once, days remembered)."""
    if calendar is None:
        calendar = Calendar()
    return calendar.deadline_after(start, workdays=workdays, workhours=workhours)
