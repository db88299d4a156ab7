"""Business-time arithmetic: pure functions over a calendar, no database.

A calendar is a time zone, weekly opening hours (several intervals per weekday) and closed dates
(public holidays of a country from the ``holidays`` package plus the company's own dates). Opening
hours are wall-clock times in the calendar's zone; each day's intervals are turned into UTC
instants with ``zoneinfo``, so a DST night simply makes that interval an hour shorter or longer.
A wall time that does not exist (02:30 on the spring-forward night) is read with the offset before
the change, as ``zoneinfo`` does for ``fold=0``.

Every function takes and returns aware datetimes; results are in UTC. A due time may land exactly
on a closing time (Friday 15:00 + 1 h with 08–16 hours is Friday 16:00), never inside a closed
period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays as holidays_lib

UTC = dt.UTC
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar without any opening in this many days is broken (it would loop for ever).
MAX_CLOSED_DAYS = 3 * 366


class CalendarError(ValueError):
    """The calendar's definition is unusable (bad zone, overlapping or empty hours)."""


def parse_hhmm(value: str) -> dt.time | None:
    """``"08:30"`` → time(8, 30); ``"24:00"`` → None (the end of the day)."""
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
    except (AttributeError, ValueError):
        raise CalendarError(f"Not a time of day: {value!r} (use HH:MM).") from None
    if (hours, minutes) == (24, 0):
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise CalendarError(f"Not a time of day: {value!r} (use HH:MM).")
    return dt.time(hours, minutes)


def parse_weekly_hours(weekly: dict) -> dict[int, tuple[tuple[dt.time, dt.time | None], ...]]:
    """``{"mon": [["08:00", "16:00"]], ...}`` → {0: ((08:00, 16:00),), ...}; sorted, checked for overlap."""
    if not isinstance(weekly, dict):
        raise CalendarError("Weekly hours must be an object of weekdays.")
    unknown = sorted(set(weekly) - set(WEEKDAYS))
    if unknown:
        raise CalendarError(f"Unknown weekday: {unknown[0]!r} (use {', '.join(WEEKDAYS)}).")
    parsed: dict[int, tuple] = {}
    for index, day in enumerate(WEEKDAYS):
        intervals = []
        for pair in weekly.get(day) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise CalendarError(f"{day}: each interval is [start, end].")
            start, end = parse_hhmm(pair[0]), parse_hhmm(pair[1])
            if start is None:
                raise CalendarError(f"{day}: an interval cannot start at 24:00.")
            if end is not None and end <= start:
                raise CalendarError(f"{day}: {pair[0]}–{pair[1]} ends before it starts.")
            intervals.append((start, end))
        intervals.sort(key=lambda pair: pair[0])
        for (_s1, e1), (s2, _e2) in zip(intervals, intervals[1:], strict=False):
            if e1 is None or e1 > s2:
                raise CalendarError(f"{day}: opening intervals overlap.")
        if intervals:
            parsed[index] = tuple(intervals)
    if not parsed:
        raise CalendarError("The calendar is never open: give opening hours for at least one weekday.")
    return parsed


@dataclass(frozen=True)
class Calendar:
    """Opening hours in a zone. ``weekly_hours`` as stored (JSON); ``country`` an ISO code for public
    holidays (blank = none), optional ``subdivision``; ``closed_dates`` the company's own closed days."""

    time_zone: str
    weekly_hours: dict
    country: str = ""
    subdivision: str = ""
    closed_dates: frozenset[dt.date] = field(default_factory=frozenset)

    def __post_init__(self):
        try:
            ZoneInfo(self.time_zone)
        except (ValueError, KeyError) as exc:
            raise CalendarError(f"Unknown time zone: {self.time_zone!r}.") from exc
        self.hours  # noqa: B018 — validate now, not in the middle of a calculation
        self.public_holidays  # noqa: B018

    def __hash__(self):
        return id(self)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def hours(self):
        return parse_weekly_hours(self.weekly_hours)

    @cached_property
    def public_holidays(self):
        if not self.country:
            return {}
        try:
            return holidays_lib.country_holidays(self.country, subdiv=self.subdivision or None)
        except NotImplementedError as exc:
            raise CalendarError(f"No public holidays known for country {self.country!r}.") from exc

    def is_closed_day(self, day: dt.date) -> bool:
        return day in self.closed_dates or day in self.public_holidays or day.weekday() not in self.hours

    def intervals_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's opening intervals as UTC instants (empty on a closed day)."""
        if self.is_closed_day(day):
            return []
        result = []
        for start, end in self.hours[day.weekday()]:
            start_utc = dt.datetime.combine(day, start, tzinfo=self.zone).astimezone(UTC)
            if end is None:
                end_local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.zone)
            else:
                end_local = dt.datetime.combine(day, end, tzinfo=self.zone)
            end_utc = end_local.astimezone(UTC)
            if end_utc > start_utc:  # an interval inside the spring-forward gap has no length
                result.append((start_utc, end_utc))
        return result


def _aware(moment: dt.datetime, name: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")
    return moment.astimezone(UTC)


def open_intervals(calendar: Calendar, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Opening intervals (UTC) from ``start`` on, the first one clipped to begin at ``start``."""
    start = _aware(start, "start")
    # Start a day early: the local date of ``start`` may be behind its UTC date.
    day = start.astimezone(calendar.zone).date() - dt.timedelta(days=1)
    closed_run = 0
    while True:
        intervals = calendar.intervals_on(day)
        closed_run = 0 if intervals else closed_run + 1
        if closed_run > MAX_CLOSED_DAYS:
            raise CalendarError("The calendar has no opening hours for years.")
        for begin, end in intervals:
            if end > start:
                yield max(begin, start), end
        day += dt.timedelta(days=1)


def open_intervals_backwards(calendar: Calendar, end: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Opening intervals (UTC) before ``end``, newest first, the first one clipped to end at ``end``."""
    end = _aware(end, "end")
    day = end.astimezone(calendar.zone).date() + dt.timedelta(days=1)
    closed_run = 0
    while True:
        intervals = calendar.intervals_on(day)
        closed_run = 0 if intervals else closed_run + 1
        if closed_run > MAX_CLOSED_DAYS:
            raise CalendarError("The calendar has no opening hours for years.")
        for begin, stop in reversed(intervals):
            if begin < end:
                yield begin, min(stop, end)
        day -= dt.timedelta(days=1)


def add_business_seconds(start: dt.datetime, seconds: int | float, calendar: Calendar) -> dt.datetime:
    """The instant ``seconds`` of opening time after ``start`` (UTC). Zero returns ``start`` itself."""
    remaining = dt.timedelta(seconds=seconds)
    if remaining < dt.timedelta(0):
        return subtract_business_seconds(start, -seconds, calendar)
    start = _aware(start, "start")
    if not remaining:
        return start
    for begin, end in open_intervals(calendar, start):
        available = end - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover — open_intervals never ends


def add_business_time(start: dt.datetime, minutes: int | float, calendar: Calendar) -> dt.datetime:
    """The due time ``minutes`` of opening time after ``start`` (aware UTC)."""
    return add_business_seconds(start, minutes * 60, calendar)


def subtract_business_seconds(end: dt.datetime, seconds: int | float, calendar: Calendar) -> dt.datetime:
    """The latest instant that lies ``seconds`` of opening time before ``end`` (e.g. a warning time)."""
    remaining = dt.timedelta(seconds=seconds)
    end = _aware(end, "end")
    if remaining <= dt.timedelta(0):
        return end
    for begin, stop in open_intervals_backwards(calendar, end):
        available = stop - begin
        if remaining <= available:
            return stop - remaining
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover


def business_timedelta_between(a: dt.datetime, b: dt.datetime, calendar: Calendar) -> dt.timedelta:
    """Opening time between two instants; negative when ``b`` is before ``a``."""
    a, b = _aware(a, "a"), _aware(b, "b")
    if b < a:
        return -business_timedelta_between(b, a, calendar)
    total = dt.timedelta(0)
    for begin, end in open_intervals(calendar, a):
        if begin >= b:
            break
        total += min(end, b) - begin
    return total


def business_seconds_between(a: dt.datetime, b: dt.datetime, calendar: Calendar) -> int:
    """Whole seconds of opening time between two instants (rounded toward zero)."""
    delta = business_timedelta_between(a, b, calendar)
    seconds = abs(delta) // dt.timedelta(seconds=1)
    return seconds if delta >= dt.timedelta(0) else -seconds


def is_open(moment: dt.datetime, calendar: Calendar) -> bool:
    """Whether ``moment`` lies inside opening hours (start inclusive, end exclusive)."""
    moment = _aware(moment, "moment")
    begin, _end = next(open_intervals(calendar, moment))
    return begin == moment
