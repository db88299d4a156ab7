"""Quote and order arithmetic: pure ``Decimal``, no database, no float.

Rounding happens **per line, like an invoice**, so the printed lines always add up to the
printed totals:

1. line net      = round(quantity × unit price × (1 − line discount % / 100))
2. quote share   = round(line net × quote discount % / 100)   (the quote discount, spread over the lines)
3. line VAT      = round((line net − quote share) × VAT rate % / 100)
4. subtotal      = Σ line net;  discount = Σ quote share;  VAT = Σ line VAT
5. total         = subtotal − discount + VAT

``round`` is ``tillit.core.money.round_money``: half up to the currency's minor unit (NOK 2,
JPY 0, KWD 3). Every total is a sum of already rounded amounts, so nothing is rounded twice
and ``sum(lines) == totals`` holds exactly. The quote discount can therefore differ from
``round(subtotal × discount %)`` by at most half a minor unit per line — the same as on an invoice
that shows the discount on each line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from tillit.core.errors import ValidationError
from tillit.core.money import round_money

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal  # after the line discount, before the quote discount
    quote_discount: Decimal  # this line's share of the quote discount
    vat: Decimal


@dataclass(frozen=True)
class TotalsAmounts:
    subtotal: Decimal
    discount_total: Decimal
    vat_total: Decimal
    total: Decimal
    lines: tuple[LineAmounts, ...]


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    vat_rate: Decimal = ZERO


def _decimal(value, field: str) -> Decimal:
    """Only ``Decimal`` (or ``int``) is accepted: a float would already have lost cents."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{field} must be Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValidationError(_("Enter a number."), field=field)
    return value


def check_percent(value, field: str) -> Decimal:
    value = _decimal(value, field)
    if value < 0 or value > HUNDRED:
        raise ValidationError(_("A percentage between 0 and 100."), field=field)
    return value


def check_quantity(value, field: str = "quantity") -> Decimal:
    value = _decimal(value, field)
    if value <= 0:
        raise ValidationError(_("The quantity must be more than zero."), field=field)
    return value


def check_price(value, field: str = "unit_price") -> Decimal:
    value = _decimal(value, field)
    if value < 0:
        raise ValidationError(_("A price cannot be negative."), field=field)
    return value


def line_net(line: LineInput, currency: str) -> Decimal:
    quantity = check_quantity(line.quantity)
    price = check_price(line.unit_price)
    discount = check_percent(line.discount_percent, "discount_percent")
    return round_money(quantity * price * (HUNDRED - discount) / HUNDRED, currency)


def compute(lines: Iterable[LineInput], *, quote_discount_percent: Decimal, currency: str) -> TotalsAmounts:
    """Every line's amounts and the totals (see the module docstring for the rules)."""
    quote_discount = check_percent(quote_discount_percent, "discount_percent")
    amounts = []
    for line in lines:
        net = line_net(line, currency)
        vat_rate = check_percent(line.vat_rate, "vat_rate")
        share = round_money(net * quote_discount / HUNDRED, currency)
        vat = round_money((net - share) * vat_rate / HUNDRED, currency)
        amounts.append(LineAmounts(net=net, quote_discount=share, vat=vat))
    subtotal = sum((a.net for a in amounts), ZERO)
    discount_total = sum((a.quote_discount for a in amounts), ZERO)
    vat_total = sum((a.vat for a in amounts), ZERO)
    return TotalsAmounts(
        subtotal=subtotal, discount_total=discount_total, vat_total=vat_total,
        total=subtotal - discount_total + vat_total, lines=tuple(amounts),
    )
