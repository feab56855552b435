"""Office hours (setting "calendar.office_hours"): working hours counted only inside the
periods of working days, a lunch break skipped; the default is 09:00–17:30 in one piece; the
admin refuses a value the calendar cannot use. Expectations are counted by hand in comments."""

import datetime as dt
import functools
import zoneinfo

import chinese_calendar
import pytest

from shanzhi.core import workdays
from shanzhi.core.models import SiteSetting

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
KEY = "calendar.office_hours"
# Two periods with a lunch break: 3.5 h in the morning, 3 h in the afternoon, 6.5 h a day.
LUNCH = [["08:30", "12:00"], ["14:30", "17:30"]]

MON = dt.date(2025, 3, 3)  # an ordinary week: Monday 3 to Friday 7 March 2025
TUE = dt.date(2025, 3, 4)
FRI = dt.date(2025, 3, 7)
NEXT_MON = dt.date(2025, 3, 10)


def at(day: dt.date, h: int, m: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m), TZ)


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


@pytest.fixture
def lunch_break():
    SiteSetting.objects.create(key=KEY, value=LUNCH)  # the row's signal clears the cache
    return workdays.Calendar()


def test_the_week_used_here_is_an_ordinary_one():
    assert all(workdays.is_workday(MON + dt.timedelta(days=d)) for d in range(5))
    assert not workdays.is_workday(dt.date(2025, 3, 8)) and not workdays.is_workday(dt.date(2025, 3, 9))


def test_hours_deadline_skips_the_lunch_break(lunch_break):
    cal = lunch_break
    assert cal.hours_deadline(at(MON, 11), 2) == at(MON, 15, 30)  # 11:00–12:00, then 14:30–15:30
    assert cal.hours_deadline(at(MON, 8, 30), 4) == at(MON, 15, 0)  # 3.5 h morning + 0.5 h
    assert cal.hours_deadline(at(MON, 10), 4) == at(MON, 16, 30)  # 2 h + 2 h
    # More than a day: 6.5 h on Monday, 0.5 h on Tuesday.
    assert cal.hours_deadline(at(MON, 8, 30), 7) == at(TUE, 9, 0)


def test_a_start_outside_the_periods_counts_from_the_next_opening(lunch_break):
    cal = lunch_break
    assert cal.hours_deadline(at(MON, 12, 30), 1) == at(MON, 15, 30)  # in the lunch break
    assert cal.hours_deadline(at(MON, 12, 0), 1) == at(MON, 15, 30)  # at the morning's end
    assert cal.hours_deadline(at(MON, 14, 30), 1) == at(MON, 15, 30)  # at the afternoon's opening
    assert cal.hours_deadline(at(MON, 7, 0), 1) == at(MON, 9, 30)  # before opening
    assert cal.hours_deadline(at(MON, 17, 30), 1) == at(TUE, 9, 30)  # at closing
    assert cal.hours_deadline(at(MON, 18, 0), 1) == at(TUE, 9, 30)  # after closing
    assert cal.hours_deadline(at(MON, 23, 59), 4) == at(TUE, 15, 0)  # 3.5 h + 0.5 h


def test_a_result_on_the_end_of_a_period_stays_there(lunch_break):
    cal = lunch_break
    assert cal.hours_deadline(at(MON, 11), 1) == at(MON, 12, 0)  # not 14:30
    assert cal.hours_deadline(at(MON, 8, 30), 3) == at(MON, 11, 30)
    assert cal.hours_deadline(at(MON, 16, 30), 1) == at(MON, 17, 30)  # not Tuesday 08:30
    assert cal.hours_deadline(at(MON, 10), 5) == at(MON, 17, 30)  # 2 h + 3 h
    # Two whole days of 6.5 h end on Tuesday's closing, not on Wednesday's opening.
    assert cal.hours_deadline(at(MON, 8, 30), 13) == at(TUE, 17, 30)


def test_hours_cross_a_weekend(lunch_break):
    cal = lunch_break
    # Friday 16:30: 1 h that day; Saturday and Sunday off; 1 h on Monday from 08:30.
    assert cal.hours_deadline(at(FRI, 16, 30), 2) == at(NEXT_MON, 9, 30)
    # Friday 11:00: 1 h + 3 h on Friday, then 3.5 h + 0.5 h on Monday.
    assert cal.hours_deadline(at(FRI, 11), 8) == at(NEXT_MON, 15, 0)
    # Saturday counts from Monday's opening.
    assert cal.hours_deadline(at(dt.date(2025, 3, 8), 10), 4) == at(NEXT_MON, 15, 0)


def test_hours_cross_an_official_holiday_and_a_make_up_day(lunch_break):
    cal = lunch_break
    # National Day 2025: 1–8 October off, Sunday 28 September and Saturday 11 October worked.
    assert not workdays.is_workday(dt.date(2025, 9, 27))  # Saturday
    assert workdays.is_workday(dt.date(2025, 9, 28))  # Sunday, make-up day
    assert not any(workdays.is_workday(dt.date(2025, 10, d)) for d in range(1, 9))
    assert workdays.is_workday(dt.date(2025, 10, 9))
    # Friday 26 September 16:00: 1.5 h; Saturday off; 1.5 h on the make-up Sunday from 08:30.
    assert cal.hours_deadline(at(dt.date(2025, 9, 26), 16), 3) == at(dt.date(2025, 9, 28), 10, 0)
    # Tuesday 30 September 16:30: 1 h; eight days off; 3 h on Thursday 9 October from 08:30.
    assert cal.hours_deadline(at(dt.date(2025, 9, 30), 16, 30), 4) == at(dt.date(2025, 10, 9), 11, 30)
    # From inside the holiday, over the lunch break of the next working day: 3.5 h in the
    # morning, the remaining 1.5 h from 14:30.
    assert cal.hours_deadline(at(dt.date(2025, 10, 3), 9), 5) == at(dt.date(2025, 10, 9), 16, 0)
    # deadline_after reads the setting too (a fresh calendar).
    assert workdays.deadline_after(at(dt.date(2025, 9, 30), 16, 30), workhours=4) == at(dt.date(2025, 10, 9), 11, 30)


def test_working_time_between_leaves_out_the_lunch_break(lunch_break):
    cal = lunch_break
    hours = dt.timedelta(hours=1)
    assert cal.working_time_between(at(MON, 11), at(MON, 15)) == 1.5 * hours  # 11–12, 14:30–15
    assert cal.working_time_between(at(MON, 12, 10), at(MON, 14, 20)) == 0 * hours  # within the break
    assert cal.working_time_between(at(MON, 10), at(TUE, 10)) == 6.5 * hours  # 2 + 3 + 1.5
    assert cal.working_time_between(at(FRI, 16), at(NEXT_MON, 9)) == 2 * hours  # 1.5 + 0.5
    assert cal.working_time_between(at(MON, 15), at(MON, 11)) == 0 * hours  # end before start
    assert cal.workday_length == 6.5 * hours


def test_day_deadlines_end_at_the_last_period_end():
    SiteSetting.objects.create(key=KEY, value=[["08:00", "12:00"], ["13:00", "18:00"]])
    cal = workdays.Calendar()
    assert cal.day_deadline(MON, 1, TZ) == at(TUE, 18, 0)
    assert cal.day_deadline(FRI, 1, TZ) == at(NEXT_MON, 18, 0)
    assert workdays.deadline_after(at(MON, 10), workdays=0) == at(MON, 18, 0)
    assert cal.workday_length == dt.timedelta(hours=9)  # 4 + 5


def test_the_default_is_nine_to_half_past_five_without_a_break():
    assert not SiteSetting.objects.filter(key=KEY).exists()
    cal = workdays.Calendar()
    assert cal.periods == ((dt.time(9, 0), dt.time(17, 30)),)
    assert cal.hours_deadline(at(MON, 11, 30), 2) == at(MON, 13, 30)  # no lunch break
    assert cal.hours_deadline(at(MON, 7), 1) == at(MON, 10, 0)
    assert cal.hours_deadline(at(MON, 9), 9) == at(TUE, 9, 30)  # 8.5 h a day
    assert cal.day_deadline(MON, 1, TZ) == at(TUE, 17, 30)
    assert cal.working_time_between(at(MON, 11), at(MON, 15)) == dt.timedelta(hours=4)
    assert cal.workday_length == dt.timedelta(hours=8.5)
    # The same as saying it explicitly.
    explicit = workdays.Calendar({}, office_hours=[["09:00", "17:30"]])
    assert explicit.hours_deadline(at(MON, 16), 3) == cal.hours_deadline(at(MON, 16), 3) == at(TUE, 10, 30)


def test_a_calendar_keeps_its_snapshot_and_a_change_applies_to_the_next(django_assert_num_queries):
    before = workdays.Calendar()
    row = SiteSetting.objects.create(key=KEY, value=LUNCH)
    after = workdays.Calendar()
    assert before.hours_deadline(at(MON, 11), 2) == at(MON, 13, 0)  # made before the change
    assert after.hours_deadline(at(MON, 11), 2) == at(MON, 15, 30)
    with django_assert_num_queries(0):  # read once per process copy, not per calendar
        for _i in range(50):
            workdays.Calendar().hours_deadline(at(MON, 11), 2)
    row.delete()
    assert workdays.Calendar().hours_deadline(at(MON, 11), 2) == at(MON, 13, 0)


def test_a_bad_value_stored_behind_the_admin_falls_back_to_the_default(caplog):
    row = SiteSetting.objects.create(key=KEY, value=LUNCH)
    SiteSetting.objects.filter(pk=row.pk).update(value=[["17:30", "09:00"]])  # no signal, no check
    workdays.clear_cache()
    assert workdays.Calendar().periods == ((dt.time(9, 0), dt.time(17, 30)),)
    assert "calendar.office_hours" in caplog.text


BAD_VALUES = {
    "empty list": ("[]", "at least one period"),  # the calendar's own message, not "required"
    "empty box": ("", "list of periods"),
    "not a list": ('"08:30-12:00"', "list of periods"),
    "an object": ('{"start": "08:30", "end": "12:00"}', "list of periods"),
    "one time only": ('[["08:30"]]', "list of periods"),
    "three times": ('[["08:30", "12:00", "14:30"]]', "list of periods"),
    "malformed time": ('[["8h30", "12:00"]]', "not a time of day"),
    "hour 25": ('[["08:30", "25:00"]]', "not a time of day"),
    "minute 60": ('[["08:60", "12:00"]]', "not a time of day"),
    "seconds": ('[["08:30:00", "12:00"]]', "not a time of day"),
    "a number": ('[["08:30", 1200]]', "not a time of day"),
    "end before start": ('[["12:00", "08:30"]]', "must end after it starts"),
    "end equals start": ('[["08:30", "08:30"]]', "must end after it starts"),
    "overlapping": ('[["08:30", "12:00"], ["11:30", "17:30"]]', "starts before the previous one ends"),
    "unordered": ('[["14:30", "17:30"], ["08:30", "12:00"]]', "starts before the previous one ends"),
}


@pytest.mark.parametrize("value, message", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_the_admin_refuses_a_bad_value(admin_client, value, message):
    from django.conf import settings

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the messages checked in English
    r = admin_client.post("/admin/core/sitesetting/add/", {"key": KEY, "value": value, "description": ""})
    assert r.status_code == 200
    errors = r.context["adminform"].form.errors.get("value")
    assert errors and message in " ".join(errors), errors
    assert not SiteSetting.objects.filter(key=KEY).exists()


def test_the_admin_refuses_a_bad_change_and_applies_a_good_one_at_once(admin_client):
    row = SiteSetting.objects.create(key=KEY, value=LUNCH)
    url = f"/admin/core/sitesetting/{row.pk}/change/"
    assert workdays.Calendar().hours_deadline(at(MON, 11), 2) == at(MON, 15, 30)  # now cached
    r = admin_client.post(url, {"key": KEY, "value": '[["09:00", "08:00"]]', "description": ""})
    assert r.status_code == 200 and r.context["adminform"].form.errors.get("value")
    row.refresh_from_db()
    assert row.value == LUNCH
    r = admin_client.post(url, {"key": KEY, "value": '[["08:00", "12:00"], ["13:00", "17:00"]]', "description": ""})
    assert r.status_code == 302
    # 11:00–12:00, then 13:00–14:00: seen at once, not when the cache expires.
    assert workdays.Calendar().hours_deadline(at(MON, 11), 2) == at(MON, 14, 0)
    # Touching periods do not overlap.
    r = admin_client.post(url, {"key": KEY, "value": '[["08:00", "12:00"], ["12:00", "17:00"]]', "description": ""})
    assert r.status_code == 302


def test_an_empty_list_is_refused_outside_the_admin_too():
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(ValidationError, match="at least one period"):
            workdays.validate_setting(KEY, [])
        with pytest.raises(ValidationError, match="at least one period"):
            workdays.Calendar({}, office_hours=[])


def test_an_unknown_calendar_key_is_refused(admin_client):
    r = admin_client.post("/admin/core/sitesetting/add/", {"key": "calendar.lunch", "value": "1", "description": ""})
    assert r.status_code == 200 and r.context["adminform"].form.errors.get("value")
    assert not SiteSetting.objects.filter(key="calendar.lunch").exists()


def test_the_messages_are_translated():
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        workdays.parse_office_hours([["12:00", "08:30"]])
    assert "must end" not in exc.value.messages[0] and "12:00" in exc.value.messages[0]


QUARTER = dt.timedelta(minutes=15)


_official = functools.cache(chinese_calendar.is_workday)  # the package scans its tables per call


def _inside(t: dt.datetime) -> bool:
    """Reference: is the quarter hour starting at `t` inside 08:30–12:00 or 14:30–17:30 of a
    working day (the package's calendar, no overrides here)?"""
    clock = t.time()
    return _official(t.date()) and (
        dt.time(8, 30) <= clock < dt.time(12, 0) or dt.time(14, 30) <= clock < dt.time(17, 30)
    )


@pytest.mark.parametrize("first", [at(dt.date(2025, 1, 23), 0), at(dt.date(2025, 9, 25), 0)], ids=str)
def test_lunch_break_hours_equal_a_quarter_hour_count(lunch_break, first):
    """Around Spring Festival and National Day 2025 (holidays, make-up weekend days): every 45
    minutes for 12 days, the deadline is where a walk over quarter hours has counted the hours,
    and the working time between two moments is the number of quarter hours inside."""
    cal = lunch_break
    for step in range(12 * 32):
        start = first + step * 3 * QUARTER
        for hours in (1, 2, 4, 7, 13):
            t, left = start, hours * 4
            while True:
                if _inside(t):
                    left -= 1
                    if left == 0:
                        break
                t += QUARTER
            assert cal.hours_deadline(start, hours) == t + QUARTER, (start, hours)
        end = start + dt.timedelta(hours=step % 70)
        inside = sum(_inside(start + k * QUARTER) for k in range((end - start) // QUARTER))
        assert cal.working_time_between(start, end) == inside * QUARTER, (start, end)
