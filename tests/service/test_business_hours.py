"""Business-time arithmetic: hand-computed examples and properties (hypothesis)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tillit.service.business_hours import (
    Calendar,
    CalendarError,
    add_business_time,
    business_seconds_between,
    is_open,
    subtract_business_seconds,
)

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC
WEEKDAYS_8_16 = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NORWAY = Calendar(time_zone="Europe/Oslo", weekly_hours=WEEKDAYS_8_16, country="NO")
SPLIT_DAY = Calendar(
    time_zone="Europe/Oslo",
    weekly_hours={**{d: [["08:00", "11:30"], ["12:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
                  "sat": [["10:00", "14:00"]]},
    country="NO",
)
# Open across the DST change hours (01:00–04:00 local) every day: the spring-forward and fall-back nights.
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NIGHT_SHIFT = Calendar(
    time_zone="Europe/Oslo", weekly_hours={d: [["01:00", "04:00"], ["09:00", "24:00"]] for d in EVERY_DAY}
)
# Far from UTC: Kiritimati is UTC+14, Pago Pago UTC−11.
KIRITIMATI = Calendar(time_zone="Pacific/Kiritimati", weekly_hours=WEEKDAYS_8_16)
PAGO_PAGO = Calendar(time_zone="Pacific/Pago_Pago", weekly_hours=WEEKDAYS_8_16, closed_dates=frozenset(
    {dt.date(2026, 7, 3)}))
CALENDARS = [NORWAY, SPLIT_DAY, NIGHT_SHIFT, KIRITIMATI, PAGO_PAGO]


def oslo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def test_friday_afternoon_plus_two_hours_is_monday_morning():
    due = add_business_time(oslo(2026, 11, 27, 15, 30), 120, NORWAY)  # Friday
    assert due == oslo(2026, 11, 30, 9, 30)
    assert due.tzinfo is UTC


def test_due_time_may_land_exactly_on_closing_time():
    assert add_business_time(oslo(2026, 11, 27, 15, 0), 60, NORWAY) == oslo(2026, 11, 27, 16, 0)


def test_start_outside_hours_counts_from_the_next_opening():
    assert add_business_time(oslo(2026, 11, 24, 20, 0), 30, NORWAY) == oslo(2026, 11, 25, 8, 30)
    assert add_business_time(oslo(2026, 11, 28, 11, 0), 60, NORWAY) == oslo(2026, 11, 30, 9, 0)  # Saturday


def test_norwegian_constitution_day_is_closed():
    # 17 May 2027 is a Monday; 14 May is a Friday.
    assert add_business_time(oslo(2027, 5, 14, 15, 0), 120, NORWAY) == oslo(2027, 5, 18, 9, 0)


def test_christmas_and_boxing_day_are_closed():
    # Thursday 24 Dec 2026 is open (not a public holiday), 25 and 26 are closed, then the weekend.
    assert add_business_time(oslo(2026, 12, 24, 15, 0), 120, NORWAY) == oslo(2026, 12, 28, 9, 0)
    assert business_seconds_between(oslo(2026, 12, 24, 8), oslo(2026, 12, 29, 8), NORWAY) == 16 * 3600


def test_own_closed_dates_come_on_top_of_public_holidays():
    calendar = Calendar(time_zone="Europe/Oslo", weekly_hours=WEEKDAYS_8_16, country="NO",
                        closed_dates=frozenset({dt.date(2026, 11, 30)}))
    assert add_business_time(oslo(2026, 11, 27, 15, 30), 120, calendar) == oslo(2026, 12, 1, 9, 30)


def test_spring_forward_night_is_an_hour_shorter():
    # 29 March 2026 02:00 → 03:00 in Oslo. 01:00–04:00 local is 2 real hours that night.
    assert business_seconds_between(oslo(2026, 3, 29, 0), oslo(2026, 3, 29, 5), NIGHT_SHIFT) == 2 * 3600
    assert add_business_time(oslo(2026, 3, 29, 1, 0), 90, NIGHT_SHIFT) == oslo(2026, 3, 29, 3, 30)
    assert add_business_time(oslo(2026, 3, 29, 1, 0), 150, NIGHT_SHIFT) == oslo(2026, 3, 29, 9, 30)


def test_fall_back_night_is_an_hour_longer():
    # 25 Oct 2026 03:00 → 02:00 in Oslo. 01:00–04:00 local is 4 real hours that night.
    assert business_seconds_between(oslo(2026, 10, 25, 0), oslo(2026, 10, 25, 5), NIGHT_SHIFT) == 4 * 3600
    start = dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 01:00 CEST
    assert add_business_time(start, 4 * 60, NIGHT_SHIFT) == dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 04:00 CET


def test_working_day_across_dst_keeps_its_eight_hours():
    assert business_seconds_between(oslo(2026, 3, 27, 0), oslo(2026, 3, 31, 0), NORWAY) == 16 * 3600


def test_split_day_and_saturday_hours():
    # Friday 11:00 + 60 min: 30 min before lunch, 30 after.
    assert add_business_time(oslo(2026, 11, 27, 11, 0), 60, SPLIT_DAY) == oslo(2026, 11, 27, 12, 30)
    # Friday 15:00 + 2 h: 1 h Friday, 1 h Saturday morning.
    assert add_business_time(oslo(2026, 11, 27, 15, 0), 120, SPLIT_DAY) == oslo(2026, 11, 28, 11, 0)


def test_zones_far_from_utc():
    # Monday 08:00 in Kiritimati is Sunday 18:00 UTC.
    start = dt.datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    assert add_business_time(start, 60, KIRITIMATI) == dt.datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    # Thursday 15:00 in Pago Pago (UTC−11) + 2 h: Friday 3 July is closed → Monday 09:00 local.
    pago = ZoneInfo("Pacific/Pago_Pago")
    start = dt.datetime(2026, 7, 2, 15, 0, tzinfo=pago)
    assert add_business_time(start, 120, PAGO_PAGO) == dt.datetime(2026, 7, 6, 9, 0, tzinfo=pago)


def test_subtract_is_the_inverse_of_add():
    due = oslo(2026, 11, 30, 9, 30)
    assert subtract_business_seconds(due, 2 * 3600, NORWAY) == oslo(2026, 11, 27, 15, 30)


def test_bad_calendars_are_refused_clearly():
    with pytest.raises(CalendarError, match="time zone"):
        Calendar(time_zone="Mars/Olympus", weekly_hours=WEEKDAYS_8_16)
    with pytest.raises(CalendarError, match="overlap"):
        Calendar(time_zone="UTC", weekly_hours={"mon": [["08:00", "12:00"], ["11:00", "13:00"]]})
    with pytest.raises(CalendarError, match="never open"):
        Calendar(time_zone="UTC", weekly_hours={})
    with pytest.raises(CalendarError, match="ends before"):
        Calendar(time_zone="UTC", weekly_hours={"mon": [["16:00", "08:00"]]})
    with pytest.raises(CalendarError, match="weekday"):
        Calendar(time_zone="UTC", weekly_hours={"monday": [["08:00", "16:00"]]})
    with pytest.raises(ValueError, match="aware"):
        add_business_time(dt.datetime(2026, 1, 1, 9), 5, NORWAY)


# --- properties -------------------------------------------------------------------------------
instants = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(UTC),
)
minutes = st.integers(min_value=0, max_value=60 * 24 * 20)
calendars = st.sampled_from(CALENDARS)
PROPERTY = settings(max_examples=150, deadline=None)


@PROPERTY
@given(calendars, instants, minutes, minutes)
def test_adding_is_additive(calendar, start, a, b):
    assert add_business_time(add_business_time(start, a, calendar), b, calendar) == add_business_time(
        start, a + b, calendar
    )


@PROPERTY
@given(calendars, instants, minutes, minutes)
def test_adding_more_never_ends_earlier(calendar, start, a, b):
    low, high = sorted((a, b))
    assert add_business_time(start, low, calendar) <= add_business_time(start, high, calendar)


@PROPERTY
@given(calendars, instants, minutes)
def test_time_between_start_and_due_is_the_target(calendar, start, m):
    due = add_business_time(start, m, calendar)
    assert due >= start
    assert business_seconds_between(start, due, calendar) == m * 60
    assert business_seconds_between(due, start, calendar) == -m * 60


@PROPERTY
@given(calendars, instants, st.integers(min_value=1, max_value=60 * 24 * 20))
def test_due_time_never_lands_inside_a_closed_period(calendar, start, m):
    due = add_business_time(start, m, calendar)
    # Inside opening hours, or exactly at a closing time (open one microsecond before).
    assert is_open(due, calendar) or is_open(due - dt.timedelta(microseconds=1), calendar)


@PROPERTY
@given(calendars, instants, st.integers(min_value=1, max_value=60 * 24 * 20))
def test_subtracting_undoes_adding(calendar, start, m):
    due = add_business_time(start, m, calendar)
    back = subtract_business_seconds(due, m * 60, calendar)
    assert back >= start
    assert business_seconds_between(back, due, calendar) == m * 60


@PROPERTY
@given(calendars, instants, instants, instants)
def test_time_between_adds_up_over_a_split(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert business_seconds_between(a, c, calendar) == pytest.approx(
        business_seconds_between(a, b, calendar) + business_seconds_between(b, c, calendar), abs=1
    )
