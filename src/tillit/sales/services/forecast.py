"""Writes for the forecast: sales targets and exchange rates.

Managers set targets for their own team and its members; administrators for anyone, any team and
the company (owner and team both empty). An empty amount removes the target.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, Team, User
from tillit.core.access import ensure_staff
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.money import clean_currency, parse_money
from tillit.sales.models import ExchangeRate, PeriodKind, SalesTarget
from tillit.sales.selectors.forecast import period_start


def can_set_targets(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in (Role.ADMIN, Role.MANAGER))


def _is_admin(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def ensure_can_set_target(actor: User, *, owner: User | None, team: Team | None) -> None:
    ensure_staff(actor)
    if _is_admin(actor):
        return
    if actor.role != Role.MANAGER or not actor.team_id:
        raise AccessDenied(_("Only managers and administrators set sales targets."))
    if owner is None and team is None:
        raise AccessDenied(_("Only administrators set the company's target."))
    if owner is not None and owner.team_id != actor.team_id:
        raise AccessDenied(_("You can set targets for your own team's members only."), field="owner")
    if team is not None and team.pk != actor.team_id:
        raise AccessDenied(_("You can set targets for your own team only."), field="team")


@transaction.atomic
def target_set(*, actor: User, period_kind: str, period_start_on: Any, owner: User | None = None,
               team: Team | None = None, amount: Any, currency: str = "") -> SalesTarget | None:
    """Create, change or (empty ``amount``) remove the target of one owner / team / the company."""
    if period_kind not in PeriodKind.values:
        raise ValidationError(_("Choose month or quarter."), field="period_kind")
    if owner is not None and team is not None:
        raise ValidationError(_("A target is for an owner or a team, not both."), field="team")
    ensure_can_set_target(actor, owner=owner, team=team)
    if isinstance(period_start_on, str):
        try:
            period_start_on = dt.date.fromisoformat(period_start_on)
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."), field="period_start") from None
    if not isinstance(period_start_on, dt.date):
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), field="period_start")
    start = period_start(period_start_on, period_kind)
    existing = SalesTarget.objects.filter(period_kind=period_kind, period_start=start, owner=owner, team=team).first()
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        if existing is not None:
            existing.delete()
        return None
    value = parse_money(amount, field="amount")
    if value < 0:
        raise ValidationError(_("A target cannot be negative."), field="amount")
    currency = clean_currency(currency or settings.TILLIT_BASE_CURRENCY)
    if existing is None:
        return SalesTarget.objects.create(period_kind=period_kind, period_start=start, owner=owner, team=team,
                                          amount=value, currency=currency)
    existing.amount, existing.currency = value, currency
    existing.save(update_fields=["amount", "currency", "updated_at"])
    return existing


@transaction.atomic
def exchange_rate_set(*, actor: User, currency: str, rate: Any, valid_from: dt.date) -> ExchangeRate:
    """How many base-currency units one ``currency`` unit is worth from ``valid_from`` (admins)."""
    ensure_staff(actor)
    if not _is_admin(actor):
        raise AccessDenied(_("Only administrators set exchange rates."))
    currency = clean_currency(currency)
    value = parse_money(rate, field="rate")
    if value <= 0:
        raise ValidationError(_("A rate must be more than 0."), field="rate")
    obj, _created = ExchangeRate.objects.update_or_create(
        currency=currency, valid_from=valid_from, defaults={"rate": value.quantize(Decimal("0.00000001"))}
    )
    return obj
