"""Shared helpers for the SLA, escalation, survey and report tests (no tests here)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from tillit.people.models import Person
from tillit.service.models import Case
from tillit.service.models_sla import BusinessCalendar, SlaPolicy

OSLO = ZoneInfo("Europe/Oslo")
_numbers = itertools.count(1)


def oslo(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def make_calendar(**extra) -> BusinessCalendar:
    return BusinessCalendar.objects.create(name=extra.pop("name", "Oslo office"), time_zone="Europe/Oslo",
                                           country="NO", **extra)


def make_policy(calendar, *, priority="", value_tier="", first=60, resolution=8 * 60, warn=30, **extra) -> SlaPolicy:
    return SlaPolicy.objects.create(
        name=extra.pop("name", f"{priority or 'any'}/{value_tier or 'any'}"), priority=priority,
        value_tier=value_tier, calendar=calendar, first_response_minutes=first, resolution_minutes=resolution,
        warn_before_minutes=warn, **extra,
    )


def make_person(*, owner=None, email="kari@example.com", **extra) -> Person:
    return Person.objects.create(first_name=extra.pop("first_name", "Kari"), last_name="Nordmann", owner=owner,
                                 primary_email=email, **extra)


def make_case(*, person=None, opened_at, priority="normal", status="new", **extra) -> Case:
    number = next(_numbers)
    return Case.objects.create(
        number=f"C-2026-{number:05d}", subject=extra.pop("subject", f"Case {number}"), person=person,
        opened_at=opened_at, priority=priority, status=status, **extra,
    )
