"""Money: ``Decimal`` amounts with a currency, rounded to the currency's minor unit.

No float ever touches an amount. Amounts are stored with four decimals (``MONEY``) so unit
prices can be finer than the currency's minor unit; totals are rounded with ``round_money``
(half up, as on an invoice) to the currency's own number of decimals (ISO 4217).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext as _

from tillit.core.errors import ValidationError

# ISO 4217 minor units that differ from 2. Everything else has two decimals.
MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

MAX_DIGITS = 18
DECIMAL_PLACES = 4


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """The one column type for amounts."""
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES, **kwargs)


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get((currency or "").upper(), 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to ``currency``'s minor unit."""
    if isinstance(amount, float):
        raise TypeError("money must be Decimal, not float")
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def parse_money(value, *, field: str) -> Decimal:
    """A user's or a file's amount as ``Decimal``; accepts ``1 234,50`` and ``1234.50``.

    Raises ``ValidationError`` naming ``field`` for anything that is not a finite number.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # JSON numbers arrive as float; go through repr so 0.1 stays 0.1.
        result = Decimal(repr(value))
    else:
        text = str(value or "").strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." in text:
            # Both separators: the last one is the decimal point ("1.234,50" or "1,234.50").
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter an amount, e.g. 1234.50."), field=field) from None
    if not result.is_finite():
        raise ValidationError(_("Enter an amount, e.g. 1234.50."), field=field)
    if abs(result) >= Decimal(10) ** (MAX_DIGITS - DECIMAL_PLACES):
        raise ValidationError(_("The amount is too large."), field=field)
    return result


def clean_currency(value: str, *, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(_("Use a three-letter currency code such as NOK, SEK, DKK or EUR."), field=field)
    return code
