"""Calendars, closed days and SLA policies: who may see and change them, and the writes.

Administrators change them; managers and the service team read them (they see the targets their
cases run against). Pages and the API call these same functions.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.errors import AccessDenied, NotFound, ValidationError
from tillit.people.models import ValueTier
from tillit.service import sla
from tillit.service.business_hours import WEEKDAYS, Calendar, CalendarError
from tillit.service.models_sla import BusinessCalendar, Holiday, SlaPolicy

READ_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE})
PRIORITIES = ("low", "normal", "high", "urgent")


def can_read(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in READ_ROLES))


def can_edit(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def ensure_can_read(user) -> None:
    if not can_read(user):
        raise AccessDenied(_("Only administrators, managers and the service team can see SLA settings."))


def ensure_can_edit(user) -> None:
    if not can_edit(user):
        raise AccessDenied(_("Only administrators can change SLA settings."))


# --- reads -------------------------------------------------------------------------------------
def calendar_list(*, actor) -> QuerySet[BusinessCalendar]:
    ensure_can_read(actor)
    return BusinessCalendar.objects.annotate(closed_days=Count("holidays", distinct=True),
                                             policy_count=Count("policies", distinct=True))


def calendar_get(*, actor, calendar_id: int) -> BusinessCalendar:
    ensure_can_read(actor)
    calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("No such calendar."))
    return calendar


def policy_list(*, actor) -> QuerySet[SlaPolicy]:
    ensure_can_read(actor)
    return SlaPolicy.objects.select_related("calendar", "reassign_to_queue", "reassign_to_user")


def policy_get(*, actor, policy_id: int) -> SlaPolicy:
    ensure_can_read(actor)
    policy = policy_list(actor=actor).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("No such SLA policy."))
    return policy


def public_holidays(calendar: BusinessCalendar, year: int) -> list[tuple[dt.date, str]]:
    """The country's public holidays of a year, for the calendar page."""
    if not calendar.country:
        return []
    import holidays as holidays_lib

    try:
        return sorted(holidays_lib.country_holidays(calendar.country, years=year).items())
    except NotImplementedError:
        return []


# --- writes ------------------------------------------------------------------------------------
def _check_calendar(values: dict) -> None:
    try:
        Calendar(time_zone=values["time_zone"], weekly_hours=values["weekly_hours"], country=values["country"])
    except CalendarError as exc:
        message = str(exc)
        field = "time_zone" if "time zone" in message else "country" if "country" in message else "weekly_hours"
        raise ValidationError(message, field=field) from None


def _calendar_values(calendar: BusinessCalendar | None, fields: dict) -> dict:
    values = {
        "name": calendar.name if calendar else "", "time_zone": calendar.time_zone if calendar else "Europe/Oslo",
        "weekly_hours": calendar.weekly_hours if calendar else None, "country": calendar.country if calendar else "",
    }
    unknown = sorted(set(fields) - set(values))
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    values.update(fields)
    values["name"] = " ".join(str(values["name"] or "").split())[:100]
    if not values["name"]:
        raise ValidationError(_("Give the calendar a name."), field="name")
    values["country"] = str(values["country"] or "").strip().upper()
    if values["weekly_hours"] is None:
        values["weekly_hours"] = {day: [["08:00", "16:00"]] for day in WEEKDAYS[:5]}
    _check_calendar(values)
    clash = BusinessCalendar.objects.filter(name=values["name"])
    if calendar is not None:
        clash = clash.exclude(pk=calendar.pk)
    if clash.exists():
        raise ValidationError(_("Another calendar has this name."), field="name")
    return values


@transaction.atomic
def calendar_create(*, actor, **fields) -> BusinessCalendar:
    ensure_can_edit(actor)
    calendar = BusinessCalendar.objects.create(**_calendar_values(None, fields))
    sla.forget_cached_calendars()
    return calendar


@transaction.atomic
def calendar_update(*, actor, calendar: BusinessCalendar, **fields) -> BusinessCalendar:
    """Changes apply to clocks from their next change (due times already set are not recomputed)."""
    ensure_can_edit(actor)
    for key, value in _calendar_values(calendar, fields).items():
        setattr(calendar, key, value)
    calendar.save()
    sla.forget_cached_calendars()
    return calendar


@transaction.atomic
def holiday_add(*, actor, calendar: BusinessCalendar, date: dt.date, name: str = "") -> Holiday:
    ensure_can_edit(actor)
    if not isinstance(date, dt.date):
        raise ValidationError(_("Give a date."), field="date")
    holiday, _created = Holiday.objects.update_or_create(calendar=calendar, date=date,
                                                         defaults={"name": " ".join(name.split())[:100]})
    calendar.save(update_fields=["updated_at"])
    sla.forget_cached_calendars()
    return holiday


@transaction.atomic
def holiday_remove(*, actor, calendar: BusinessCalendar, holiday_id: int) -> None:
    ensure_can_edit(actor)
    deleted, _rows = Holiday.objects.filter(calendar=calendar, pk=holiday_id).delete()
    if not deleted:
        raise NotFound(_("No such closed day."))
    calendar.save(update_fields=["updated_at"])
    sla.forget_cached_calendars()


POLICY_FIELDS = (
    "name", "priority", "value_tier", "calendar", "first_response_minutes", "resolution_minutes",
    "warn_before_minutes", "notify", "reassign_to_queue", "reassign_to_user", "raise_priority", "is_active",
)


def _minutes(value, field: str, *, allow_zero: bool = False) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    low = 0 if allow_zero else 1
    if not low <= minutes <= 525_600:
        raise ValidationError(_("Give whole minutes from %(low)s to 525600 (a year).") % {"low": low}, field=field)
    return minutes


def _policy_values(policy: SlaPolicy | None, fields: dict) -> dict:
    unknown = sorted(set(fields) - set(POLICY_FIELDS))
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    values = {name: getattr(policy, name) for name in POLICY_FIELDS} if policy else {
        "name": "", "priority": "", "value_tier": "", "calendar": None, "first_response_minutes": None,
        "resolution_minutes": None, "warn_before_minutes": 30, "notify": True, "reassign_to_queue": None,
        "reassign_to_user": None, "raise_priority": False, "is_active": True,
    }
    values.update(fields)
    values["name"] = " ".join(str(values["name"] or "").split())[:100]
    if not values["name"]:
        raise ValidationError(_("Give the policy a name."), field="name")
    if (values["priority"] or "") not in ("", *PRIORITIES):
        raise ValidationError(_("Choose low, normal, high, urgent or leave blank for any."), field="priority")
    if (values["value_tier"] or "") not in ("", *ValueTier.values):
        raise ValidationError(_("Choose top, high, medium, low or leave blank for any."), field="value_tier")
    values["priority"], values["value_tier"] = values["priority"] or "", values["value_tier"] or ""
    if not isinstance(values["calendar"], BusinessCalendar):
        raise ValidationError(_("Choose a calendar."), field="calendar")
    values["first_response_minutes"] = _minutes(values["first_response_minutes"], "first_response_minutes")
    values["resolution_minutes"] = _minutes(values["resolution_minutes"], "resolution_minutes")
    values["warn_before_minutes"] = _minutes(values["warn_before_minutes"], "warn_before_minutes", allow_zero=True)
    if values["resolution_minutes"] < values["first_response_minutes"]:
        raise ValidationError(_("Resolution cannot be due before the first response."), field="resolution_minutes")
    user = values["reassign_to_user"]
    if user is not None and (not isinstance(user, User) or not user.is_active or user.role not in (
            Role.ADMIN, Role.SERVICE, Role.MANAGER)):
        raise ValidationError(_("Choose an active service agent, manager or administrator."),
                              field="reassign_to_user")
    return values


@transaction.atomic
def policy_create(*, actor, **fields) -> SlaPolicy:
    ensure_can_edit(actor)
    policy = SlaPolicy.objects.create(**_policy_values(None, fields))
    sla.forget_cached_calendars()
    return policy


@transaction.atomic
def policy_update(*, actor, policy: SlaPolicy, **fields) -> SlaPolicy:
    """New cases and re-targeted ones use the new targets; running clocks keep their due times."""
    ensure_can_edit(actor)
    for key, value in _policy_values(policy, fields).items():
        setattr(policy, key, value)
    policy.save()
    sla.forget_cached_calendars()
    return policy
