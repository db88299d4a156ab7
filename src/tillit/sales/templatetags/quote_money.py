"""Filters for quotes and orders: amounts to the currency's own minor unit, quantities without trailing zeros."""

from decimal import Decimal

from django import template

from tillit.sales.pdf import money, number

register = template.Library()


@register.filter
def amount(value: Decimal | None, currency: str = "") -> str:
    """``1234.5, "NOK"`` → ``1,234.50`` (``1 234,50`` in Norwegian); JPY without decimals, KWD with three."""
    if value is None:
        return ""
    return money(value, currency)


@register.filter
def qty(value: Decimal | None) -> str:
    """``2.000`` → ``2``; ``2.500`` → ``2.5``."""
    if value is None:
        return ""
    return number(Decimal(value))


@register.filter
def plain(value: Decimal | None) -> str:
    """For form inputs: ``4000.5000`` → ``4000.5`` — no grouping, so the number reads back exactly."""
    if value is None:
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
