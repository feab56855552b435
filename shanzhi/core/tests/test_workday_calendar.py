"""The one working-day walk (`workdays.Calendar`), used by deadline_after, the case router and
the bulk import: edge cases, and a comparison with an independent count."""

import datetime as dt
import functools
import zoneinfo

import chinese_calendar
import pytest

from shanzhi.core import workdays
from shanzhi.core.models import CalendarOverride

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
QUARTER = dt.timedelta(minutes=15)


@pytest.fixture
def overrides():
    """A Monday off (停工) and a Saturday worked (加班), besides the State Council's calendar."""
    CalendarOverride.objects.create(date=dt.date(2025, 2, 10), is_workday=False, name="停工")
    CalendarOverride.objects.create(date=dt.date(2025, 2, 15), is_workday=True, name="加班")
    CalendarOverride.objects.create(date=dt.date(2025, 10, 13), is_workday=False, name="台风停工")
    workdays.clear_cache()
    yield {dt.date(2025, 2, 10): False, dt.date(2025, 2, 15): True, dt.date(2025, 10, 13): False}
    workdays.clear_cache()


_package = functools.cache(chinese_calendar.is_workday)  # the package scans its tables per call


def _working(day: dt.date, overrides: dict) -> bool:
    return overrides[day] if day in overrides else _package(day)


def _count_quarters(start: dt.datetime, hours: int, overrides: dict) -> dt.datetime:
    """Reference: walk quarter hours, counting those inside 09:00–17:30 of working days."""
    t, left = start, hours * 4
    while True:
        if not _working(t.date(), overrides):
            t = dt.datetime.combine(t.date() + dt.timedelta(days=1), dt.time(0, 0), TZ)
            continue
        if dt.time(9, 0) <= t.time() < dt.time(17, 30):
            left -= 1
            if left == 0:
                return t + QUARTER
        t += QUARTER


def _count_days(day: dt.date, days: int, overrides: dict) -> dt.datetime:
    while days:
        day += dt.timedelta(days=1)
        days -= _working(day, overrides)
    return dt.datetime.combine(day, dt.time(17, 30), TZ)


@pytest.mark.parametrize(
    "first", [dt.datetime(2025, 1, 22, 0, 0, tzinfo=TZ), dt.datetime(2025, 9, 24, 0, 0, tzinfo=TZ)], ids=str
)
def test_calendar_equals_an_independent_count(overrides, first):
    """Around Spring Festival 2025 (28 Jan – 4 Feb off, Sunday 26 Jan and Saturday 8 Feb
    worked) and National Day 2025 (1–8 Oct off, Sunday 28 Sep and Saturday 11 Oct worked), with
    the overrides: every 45 minutes for 24 days, hours and days as a quarter-hour count gives them."""
    calendar = workdays.Calendar()
    checked = 0
    for step in range(24 * 24 * 4 // 3):
        at = first + step * 3 * QUARTER
        for hours in (1, 2, 4, 8, 9, 17, 24):
            expected = _count_quarters(at, hours, overrides)
            assert calendar.hours_deadline(at, hours) == expected, (at, hours)
            assert workdays.deadline_after(at, workhours=hours) == expected, (at, hours)
            checked += 1
        for days in (0, 1, 2, 3, 5, 10, 15):
            expected = _count_days(at.date(), days, overrides)
            assert calendar.day_deadline(at.date(), days, TZ) == expected, (at, days)
            assert workdays.deadline_after(at, workdays=days, calendar=calendar) == expected, (at, days)
            checked += 1
    assert checked == 768 * 14


def test_start_on_a_non_working_day():
    saturday = dt.datetime(2025, 3, 8, 10, 0, tzinfo=TZ)
    assert workdays.deadline_after(saturday, workhours=2) == dt.datetime(2025, 3, 10, 11, 0, tzinfo=TZ)
    assert workdays.deadline_after(saturday, workdays=1) == dt.datetime(2025, 3, 10, 17, 30, tzinfo=TZ)
    # 0 working days: the end of the start day itself, working or not.
    assert workdays.deadline_after(saturday, workdays=0) == dt.datetime(2025, 3, 8, 17, 30, tzinfo=TZ)
    holiday = dt.datetime(2025, 10, 3, 9, 0, tzinfo=TZ)  # National Day week
    assert workdays.deadline_after(holiday, workdays=1) == dt.datetime(2025, 10, 9, 17, 30, tzinfo=TZ)
    assert workdays.deadline_after(holiday, workdays=3) == dt.datetime(2025, 10, 11, 17, 30, tzinfo=TZ)  # make-up
    assert workdays.deadline_after(holiday, workhours=8) == dt.datetime(2025, 10, 9, 17, 0, tzinfo=TZ)


def test_working_hours_boundaries_lunch_and_evening():
    monday = dt.date(2025, 3, 3)

    def at(day, h, m=0):
        return dt.datetime.combine(day, dt.time(h, m), TZ)

    tuesday = monday + dt.timedelta(days=1)
    assert workdays.deadline_after(at(monday, 7, 0), workhours=8) == at(monday, 17, 0)  # before opening
    assert workdays.deadline_after(at(monday, 11, 30), workhours=2) == at(monday, 13, 30)  # no lunch break
    assert workdays.deadline_after(at(monday, 16, 30), workhours=1) == at(monday, 17, 30)  # ends at closing
    assert workdays.deadline_after(at(monday, 17, 30), workhours=1) == at(tuesday, 10, 0)  # after closing
    assert workdays.deadline_after(at(monday, 22, 0), workhours=1) == at(tuesday, 10, 0)  # evening
    assert workdays.deadline_after(at(monday, 9, 0), workhours=9) == at(tuesday, 9, 30)  # 8.5 h a day
    assert workdays.deadline_after(at(monday, 17, 29), workdays=0) == at(monday, 17, 30)
    assert workdays.deadline_after(at(monday, 23, 59), workdays=1) == at(tuesday, 17, 30)


def test_hours_cross_a_weekend_into_a_make_up_sunday():
    # Friday 26 Sep 2025, 16:30: one hour that day; Saturday 27 off; Sunday 28 Sep is worked.
    friday = dt.datetime(2025, 9, 26, 16, 30, tzinfo=TZ)
    assert workdays.deadline_after(friday, workhours=2) == dt.datetime(2025, 9, 28, 10, 0, tzinfo=TZ)
    # Tuesday 30 Sep 16:30, 2 h: then eight days of holiday, Thursday 9 Oct.
    eve = dt.datetime(2025, 9, 30, 16, 30, tzinfo=TZ)
    assert workdays.deadline_after(eve, workhours=2) == dt.datetime(2025, 10, 9, 10, 0, tzinfo=TZ)


def test_any_time_zone_in_gives_the_same_shanghai_deadline():
    """Asia/Shanghai has no daylight saving: an instant given in UTC or in Berlin (on the night
    Europe moves its clocks) gives the same deadline, in Shanghai time."""
    local = dt.datetime(2025, 3, 28, 15, 0, tzinfo=TZ)  # Friday
    for other in ("UTC", "Europe/Berlin"):
        same = local.astimezone(zoneinfo.ZoneInfo(other))
        for kwargs in ({"workhours": 4}, {"workdays": 2}):
            due = workdays.deadline_after(same, **kwargs)
            assert due == workdays.deadline_after(local, **kwargs)
            assert due.utcoffset() == dt.timedelta(hours=8) and due.tzinfo == TZ
    assert workdays.deadline_after(local, workhours=4) == dt.datetime(2025, 3, 31, 10, 30, tzinfo=TZ)
    berlin_switch = dt.datetime(2025, 3, 30, 1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    assert workdays.deadline_after(berlin_switch, workhours=1) == dt.datetime(2025, 3, 31, 10, 0, tzinfo=TZ)


def test_negative_days_are_refused():
    calendar = workdays.Calendar({})
    with pytest.raises(ValueError):
        calendar.day_deadline(dt.date(2025, 3, 3), -1, TZ)
    with pytest.raises(ValueError):
        workdays.deadline_after(dt.datetime(2025, 3, 3, 9, 0, tzinfo=TZ), workdays=-1)


def test_a_calendar_reads_the_overrides_once_and_keeps_its_snapshot(django_assert_num_queries):
    workdays.clear_cache()
    calendar = workdays.Calendar()
    start = dt.datetime(2025, 3, 3, 10, 0, tzinfo=TZ)  # Monday
    with django_assert_num_queries(0):
        for hour in range(200):
            calendar.deadline_after(start + dt.timedelta(hours=hour), workhours=3)
            calendar.deadline_after(start + dt.timedelta(hours=hour), workdays=5)
    assert calendar.day_deadline(start.date(), 1, TZ).date() == dt.date(2025, 3, 4)
    CalendarOverride.objects.create(date=dt.date(2025, 3, 4), is_workday=False, name="停工")
    # The snapshot does not move; a new calendar (and deadline_after) sees the override.
    assert calendar.day_deadline(start.date(), 1, TZ).date() == dt.date(2025, 3, 4)
    assert workdays.Calendar().day_deadline(start.date(), 1, TZ).date() == dt.date(2025, 3, 5)
    assert workdays.deadline_after(start, workdays=1).date() == dt.date(2025, 3, 5)
    workdays.clear_cache()


def test_given_overrides_and_hours_need_no_database_and_each_day_is_asked_once(django_assert_num_queries, monkeypatch):
    asked: list[dt.date] = []
    real = workdays.is_workday

    def counting(day, overrides=None):
        asked.append(day)
        return real(day, overrides)

    monkeypatch.setattr(workdays, "is_workday", counting)
    with django_assert_num_queries(0):
        given = {dt.date(2025, 3, 4): False, dt.date(2025, 3, 8): True}
        calendar = workdays.Calendar(given, office_hours=[["09:00", "17:30"]])
        assert calendar.day_deadline(dt.date(2025, 3, 3), 2, TZ).date() == dt.date(2025, 3, 6)
        assert calendar.day_deadline(dt.date(2025, 3, 3), 4, TZ).date() == dt.date(2025, 3, 8)  # worked Saturday
        start = dt.datetime(2025, 3, 3, 17, 0, tzinfo=TZ)
        assert calendar.hours_deadline(start, 1) == dt.datetime(2025, 3, 5, 9, 30, tzinfo=TZ)
        assert calendar.workdays_between(dt.date(2025, 3, 3), dt.date(2025, 3, 10)) == 5
        assert calendar.workdays_between(dt.date(2025, 3, 10), dt.date(2025, 3, 3)) == -5
    assert sorted(asked) == [dt.date(2025, 3, d) for d in range(3, 11)]  # each day once


def test_workdays_between_on_a_calendar_equals_the_module_function(overrides):
    calendar = workdays.Calendar()
    a = dt.date(2025, 1, 20)
    for days in range(0, 40):
        b = a + dt.timedelta(days=days)
        n = workdays.workdays_between(a, b)
        assert calendar.workdays_between(a, b) == n == -calendar.workdays_between(b, a)
        assert n == sum(_working(a + dt.timedelta(days=k), overrides) for k in range(1, days + 1))
