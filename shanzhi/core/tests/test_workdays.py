"""Working days on China's official calendar, with overrides."""

import datetime as dt
import zoneinfo

import pytest

from shanzhi.core import workdays
from shanzhi.core.models import CalendarOverride

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_national_day_holiday_and_makeup_day():
    # 2023: 29 Sep – 6 Oct off; Saturday 7 and Sunday 8 Oct were make-up working days.
    assert not workdays.is_workday(dt.date(2023, 10, 2))
    assert workdays.is_workday(dt.date(2023, 10, 7))
    assert workdays.is_workday(dt.date(2023, 10, 8))
    assert not workdays.is_workday(dt.date(2023, 10, 14))  # ordinary Saturday


def test_add_workdays_skips_the_golden_week():
    # Thursday 28 Sep 2023 + 2 working days → Sat 7 Oct (make-up day), then Sun 8 Oct.
    assert workdays.add_workdays(dt.date(2023, 9, 28), 1) == dt.date(2023, 10, 7)
    assert workdays.add_workdays(dt.date(2023, 9, 28), 2) == dt.date(2023, 10, 8)
    assert workdays.add_workdays(dt.date(2023, 9, 28), 0) == dt.date(2023, 9, 28)
    with pytest.raises(ValueError):
        workdays.add_workdays(dt.date(2023, 9, 28), -1)


def test_workdays_between_is_antisymmetric():
    a, b = dt.date(2023, 9, 25), dt.date(2023, 10, 10)
    n = workdays.workdays_between(a, b)
    assert n == 7  # 26, 27, 28 Sep and 7 (make-up), 8 (make-up), 9, 10 Oct
    assert workdays.workdays_between(b, a) == -n


def test_override_wins_and_unknown_years_fall_back_to_weekends():
    workdays.clear_cache()
    day = dt.date(2023, 10, 9)  # a Monday working day
    assert workdays.is_workday(day)
    CalendarOverride.objects.create(date=day, is_workday=False, name="台风停工")
    workdays.clear_cache()
    assert not workdays.is_workday(day)
    # Years the package does not know: weekdays are working days.
    assert workdays.is_workday(dt.date(2040, 1, 2)) and not workdays.is_workday(dt.date(2040, 1, 7))


def test_deadline_in_working_days_ends_at_close_of_business():
    start = dt.datetime(2023, 9, 28, 16, 0, tzinfo=TZ)
    due = workdays.deadline_after(start, workdays=2)
    assert due == dt.datetime(2023, 10, 8, 17, 30, tzinfo=TZ)


def test_deadline_in_working_hours_spans_days():
    start = dt.datetime(2023, 9, 28, 16, 0, tzinfo=TZ)  # 1.5 h left that day
    due = workdays.deadline_after(start, workhours=4)
    assert due == dt.datetime(2023, 10, 7, 11, 30, tzinfo=TZ)
