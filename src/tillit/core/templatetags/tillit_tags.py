"""Template filters every app uses: phone numbers and money shown the way the reader writes them."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from tillit.core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+4791234567`` → ``+47 91 23 45 67``."""
    return format_phone(value) if value else ""


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """``1349990.00, "SEK"`` → ``1,349,990.00 SEK`` (``1 349 990,00 SEK`` in Swedish)."""
    if amount is None:
        return ""
    text = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".strip()


@register.filter
def field_label(key: str) -> str:
    """A custom field's key as a label: ``house_m2`` → ``House m2``."""
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]
