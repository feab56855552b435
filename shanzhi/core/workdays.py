"""China's official working-day calendar (holidays and make-up working days), and the office
hours within a working day.

The `chinese-calendar` package is the source; `CalendarOverride` rows win over it (local
adjustments, and years the package does not know yet, for which weekends are assumed and a
warning is logged once so that an operator adds the State Council's notice).

Office hours are the `core.SiteSetting` "calendar.office_hours": one or more periods of a day,
in order and not overlapping, as ["HH:MM", "HH:MM"] pairs — e.g. [["08:30", "12:00"],
["14:30", "17:30"]] for an office with a lunch break. Without the row, 09:00–17:30 in one piece.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
import time
from collections.abc import Mapping
from typing import Any

import chinese_calendar

logger = logging.getLogger(__name__)

OFFICE_HOURS_KEY = "calendar.office_hours"
DEFAULT_OFFICE_HOURS = [["09:00", "17:30"]]
CACHE_KEY = "shanzhi:calendar"

Periods = tuple[tuple[datetime.time, datetime.time], ...]
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


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


def _time(text: Any) -> datetime.time:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError(
            _("“%(value)s” is not a time of day: write hours and minutes, such as 08:30.") % {"value": text}
        )
    return datetime.time(int(match[1]), int(match[2]))


def parse_office_hours(value: Any) -> Periods:
    """The periods of a day's office hours, from the setting's form ([["08:30", "12:00"], …]);
    ValidationError for a value the calendar cannot use."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    shape = _("A list of periods, each a start and an end, such as %(example)s.") % {
        "example": '[["08:30", "12:00"], ["14:30", "17:30"]]'
    }
    if not isinstance(value, (list, tuple)) or any(not isinstance(p, (list, tuple)) or len(p) != 2 for p in value):
        raise ValidationError(shape)
    if not value:
        raise ValidationError(_("Give at least one period of office hours."))
    periods: list[tuple[datetime.time, datetime.time]] = []
    for start_text, end_text in value:
        start, end = _time(start_text), _time(end_text)
        if end <= start:
            raise ValidationError(
                _("The period %(start)s–%(end)s must end after it starts.") % {"start": start_text, "end": end_text}
            )
        if periods and start < periods[-1][1]:
            raise ValidationError(
                _(
                    "The period %(start)s–%(end)s starts before the previous one ends: list periods in order, without overlaps."
                )
                % {"start": start_text, "end": end_text}
            )
        periods.append((start, end))
    return tuple(periods)


DEFAULT_PERIODS = parse_office_hours(DEFAULT_OFFICE_HOURS)


def validate_setting(key: str, value: Any) -> None:
    """The admin's check of a "calendar.*" setting (registered by the core app)."""
    from shanzhi.core import setting_checks

    if key != OFFICE_HOURS_KEY:
        raise setting_checks.unknown(key, [OFFICE_HOURS_KEY])
    parse_office_hours(value)


def _periods_from(value: Any) -> Periods:
    if value is None:
        return DEFAULT_PERIODS
    from django.core.exceptions import ValidationError

    try:
        return parse_office_hours(value)
    except ValidationError:
        # Stored before the admin checked it, or from a shell: deadlines go on with the
        # default hours rather than failing every intake.
        logger.warning(
            "The setting %s is unusable (%r): office hours %s are used.", OFFICE_HOURS_KEY, value, DEFAULT_OFFICE_HOURS
        )
        return DEFAULT_PERIODS


_LOCAL_TTL = 30.0  # seconds a process keeps its copy before asking the shared cache again
_local: tuple[float, dict[datetime.date, bool], Periods] | None = None


def _snapshot() -> tuple[dict[datetime.date, bool], Periods]:
    """Override days and office hours, from a copy in this process (30 s), else the shared cache
    (5 min, one entry for both), else the tables. Saving an override or the office hours
    clears this process's copy and the shared cache; other processes see it when their copy
    expires."""
    global _local  # noqa: PLW0603 (a per-process memo, replaced whole)
    now = time.monotonic()
    if _local is not None and _local[0] > now:
        return _local[1], _local[2]
    from django.core.cache import cache

    from shanzhi.core.models import CalendarOverride, SiteSetting

    data = cache.get(CACHE_KEY)
    if data is None:
        data = {
            "overrides": {o.date.isoformat(): o.is_workday for o in CalendarOverride.objects.all()},
            "office_hours": SiteSetting.objects.filter(key=OFFICE_HOURS_KEY).values_list("value", flat=True).first(),
        }
        cache.set(CACHE_KEY, data, 300)
    overrides = {datetime.date.fromisoformat(k): v for k, v in data["overrides"].items()}
    periods = _periods_from(data["office_hours"])
    _local = (now + _LOCAL_TTL, overrides, periods)
    return overrides, periods


def _overrides() -> dict[datetime.date, bool]:
    return _snapshot()[0]


def forget_local_memo() -> None:
    global _local  # noqa: PLW0603
    _local = None


def clear_cache(*_args, **_kwargs) -> None:
    """Forget the cached overrides and office hours (this process's copy and the shared one)."""
    from django.core.cache import cache

    forget_local_memo()
    cache.delete(CACHE_KEY)


def clear_on_setting_change(sender=None, instance=None, **_kwargs) -> None:
    """Signal receiver: a "calendar.*" SiteSetting saved or deleted anywhere (admin, shell)."""
    if instance is None or instance.key.startswith("calendar."):
        clear_cache()


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
    """A snapshot of the working-day calendar for a run of computations: the overrides and the
    office hours (setting "calendar.office_hours") read once (when it is made, or given), each
    day's answer remembered. The one working-day walk: the module functions below use a fresh
    calendar per call; the bulk import of cases keeps one for the whole import and the case
    router one per lookup period. A calendar does not see overrides or office hours saved after
    it was made; make a new one for that.

    `office_hours`, when given, is in the setting's form ([["08:30", "12:00"], …])."""

    __slots__ = ("_workday", "overrides", "periods")

    def __init__(
        self, overrides: Mapping[datetime.date, bool] | None = None, office_hours: list[list[str]] | None = None
    ):
        if overrides is None or office_hours is None:
            stored_overrides, stored_periods = _snapshot()
        self.overrides = stored_overrides if overrides is None else overrides
        self.periods: Periods = stored_periods if office_hours is None else parse_office_hours(office_hours)
        self._workday: dict[datetime.date, bool] = {}

    @property
    def workday_length(self) -> datetime.timedelta:
        """The office hours of one working day, all periods together."""
        day = datetime.date.min
        return sum(
            (
                datetime.datetime.combine(day, end) - datetime.datetime.combine(day, start)
                for start, end in self.periods
            ),
            datetime.timedelta(0),
        )

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
        """The end of the working day (the end of the last period of the office hours, setting
        "calendar.office_hours", in `tz`) `days` working days after local date `day`; with 0,
        the end of `day` itself, even when it is not a working day."""
        return datetime.datetime.combine(self.add_workdays(day, days), self.periods[-1][1], tz)

    def hours_deadline(self, local: datetime.datetime, hours: int) -> datetime.datetime:
        """`hours` working hours after `local` (aware, in local time), counted within the office
        hours (setting "calendar.office_hours"; by default 09:00–17:30 without a break) of
        working days; time outside the periods (a lunch break, the night) does not count. A
        start outside working time counts from the next opening; a result falling exactly on
        the end of a period stays there."""
        memo, overrides, periods = self._workday, self.overrides, self.periods
        tz = local.tzinfo
        combine = datetime.datetime.combine
        remaining = datetime.timedelta(hours=hours)
        cursor = local
        while True:
            day = cursor.date()
            working = memo.get(day)
            if working is None:
                working = memo[day] = is_workday(day, overrides)
            if working:
                for opens, closes in periods:
                    period_end = combine(day, closes, tz)
                    if cursor >= period_end:
                        continue
                    # Periods are in order: once past the first that is still open, each later
                    # one begins at its opening.
                    begin = max(cursor, combine(day, opens, tz))
                    available = period_end - begin
                    if available >= remaining:
                        return begin + remaining
                    remaining -= available
                    cursor = period_end
            cursor = combine(day + datetime.timedelta(days=1), datetime.time(0, 0), tz)

    def working_time_between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """The working time between two aware moments: the time inside the office hours
        (setting "calendar.office_hours") of working days, in local time; zero when `end` is
        not after `start`."""
        from django.utils import timezone

        if end <= start:
            return datetime.timedelta(0)
        local_start, local_end = timezone.localtime(start), timezone.localtime(end)
        tz = local_start.tzinfo
        combine = datetime.datetime.combine
        total = datetime.timedelta(0)
        day = local_start.date()
        while day <= local_end.date():
            if self.is_workday(day):
                for period_start, period_end in self.periods:
                    opens = max(combine(day, period_start, tz), local_start)
                    closes = min(combine(day, period_end, tz), local_end)
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
    (to the end of the working day) or working hours within the office hours (setting
    "calendar.office_hours") of working days.
    `calendar`: a snapshot to reuse across many calls (overrides and office hours read once,
    days remembered)."""
    if calendar is None:
        calendar = Calendar()
    return calendar.deadline_after(start, workdays=workdays, workhours=workhours)
