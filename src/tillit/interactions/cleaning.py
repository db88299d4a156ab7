"""Validation of one interaction's values, shared by ``log_interaction`` and ``log_interactions``.

Plain Python on purpose: the batch path cleans up to 10,000 items per request and must stay a
small fraction of the time the database needs to store them. ``clean_values`` returns the
cleaned model values (``*_id`` for foreign keys) and a list of ``{"field", "reason"}`` errors.

Rules (also in the API's OpenAPI description):

- ``channel`` and ``kind`` are required and must be one of the choices; ``direction`` is
  ``in``, ``out``, ``internal`` or empty.
- ``occurred_at`` is an ISO 8601 time (or a ``datetime``); without an offset it is read as UTC;
  missing means now.
- ``satisfaction`` is a whole number 0–10: CSAT (1–5) and NPS (0–10) scores both fit.
- ``share_watched`` is a fraction 0–1 (0.75 = three quarters of a video or webinar).
- ``amount`` is a decimal with at most 12 digits before and 2 after the point, and needs a
  three-letter ``currency`` (ISO 4217, e.g. NOK); a currency without an amount is allowed.
- ``duration_seconds`` and ``wait_seconds`` are whole seconds ≥ 0.
- ``payload`` is a JSON object; ``source`` defaults to ``tillit``; ``external_id`` makes the
  row idempotent per source.
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.interactions.models import Channel, Direction, Kind

CHANNELS = frozenset(Channel.values)
KINDS = frozenset(Kind.values)
DIRECTIONS = frozenset(Direction.values) | {""}

# Text fields and their maximum length (from the model).
TEXT_LIMITS = {"subject": 200, "topic": 100, "product": 100, "campaign": 100, "outcome": 60, "text": None}
MAX_SECONDS = 2_147_483_647
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")

# Every key an item may carry (the batch API rejects others so typos do not pass silently).
VALUE_KEYS = frozenset(
    {
        "channel", "kind", "direction", "occurred_at", "subject", "topic", "product", "campaign", "amount", "currency",
        "satisfaction", "duration_seconds", "wait_seconds", "share_watched", "outcome", "text", "source",
        "external_id", "payload", "handled_by_id", "partner_id",
    }
)
PARTY_KEYS = frozenset(
    {
        "person_id", "person_email", "person_phone", "person_external_id", "person_source",
        "person_first_name", "person_last_name", "organization_id",
    }
)
ITEM_KEYS = VALUE_KEYS | PARTY_KEYS


def _choices_reason(allowed) -> str:
    return _("Unknown value; use one of: %(values)s.") % {"values": ", ".join(sorted(v for v in allowed if v))}


def parse_time(value, errors: list, now: datetime | None) -> datetime | None:
    if value is None or value == "":
        return now
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors.append({"field": "occurred_at", "reason": _("Not an ISO 8601 time (e.g. 2025-03-01T12:30:00Z).")})
            return None
    elif not isinstance(value, datetime):
        errors.append({"field": "occurred_at", "reason": _("Not an ISO 8601 time (e.g. 2025-03-01T12:30:00Z).")})
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


SATISFACTION_REASON = gettext_lazy("Must be a whole number from 0 to 10 (CSAT 1–5 or NPS 0–10).")
SECONDS_REASON = gettext_lazy("Must be whole seconds, 0 or more.")


def _whole(value, field: str, errors: list, low: int, high: int, reason):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append({"field": field, "reason": str(reason)})
        return None
    if not isinstance(value, int):
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            errors.append({"field": field, "reason": str(reason)})
            return None
        if as_float != as_float or not as_float.is_integer():
            errors.append({"field": field, "reason": str(reason)})
            return None
        value = int(as_float)
    if value < low or value > high:
        errors.append({"field": field, "reason": str(reason)})
        return None
    return value


def _id(value, field: str, errors: list):
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.append({"field": field, "reason": _("Must be a record id (a whole number).")})
        return None
    try:
        value = int(value)
    except ValueError:
        errors.append({"field": field, "reason": _("Must be a record id (a whole number).")})
        return None
    if value <= 0:
        errors.append({"field": field, "reason": _("Must be a record id (a whole number).")})
        return None
    return value


# --- one checker per key: (value, errors) -> cleaned value -------------------------------------
def _choice(field: str, allowed: frozenset):
    def check(value, errors):
        if not value:
            return None  # reported as "Required." (or allowed empty, for direction) below
        if not isinstance(value, str) or value not in allowed:
            errors.append({"field": field, "reason": _choices_reason(allowed)})
        return value

    return check


def _text(field: str, limit: int | None):
    def check(value, errors):
        if value is None:
            return ""
        if not isinstance(value, str):
            errors.append({"field": field, "reason": _("Must be text.")})
            return ""
        if limit is not None and len(value) > limit:
            errors.append({"field": field, "reason": _("At most %(n)d characters.") % {"n": limit}})
        return value

    return check


def _source(value, errors):
    if value is None or value == "":
        return "tillit"
    if not isinstance(value, str) or len(value) > 60:
        errors.append({"field": "source", "reason": _("Must be text of at most 60 characters.")})
    return value


def _external_id(value, errors):
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > 200:
        errors.append({"field": "external_id", "reason": _("Must be text of at most 200 characters.")})
    return value


def _amount(value, errors):
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        value = Decimal(value) if not isinstance(value, bool) else None
    except (InvalidOperation, TypeError, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors.append({"field": "amount", "reason": _("Must be a decimal number, e.g. 1499.50.")})
        return None
    if abs(value) > MAX_AMOUNT:
        errors.append({"field": "amount", "reason": _("Too large.")})
    elif value.as_tuple().exponent < -2 and value != value.quantize(CENT):
        errors.append({"field": "amount", "reason": _("At most two decimals.")})
    return value


def _currency(value, errors):
    if not value:
        return ""
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha() or not value.isascii():
        errors.append({"field": "currency", "reason": _("Must be a three-letter code (ISO 4217), e.g. NOK.")})
        return value
    return value.upper()


def _share(value, errors):
    if value is None or value == "":
        return None
    try:
        share = float(value) if not isinstance(value, bool) else -1.0
    except (TypeError, ValueError):
        share = -1.0
    if not 0.0 <= share <= 1.0:
        errors.append({"field": "share_watched", "reason": _("Must be a fraction from 0 to 1 (0.75 = 75 %).")})
        return None
    return share


def _payload(value, errors):
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.append({"field": "payload", "reason": _("Must be a JSON object.")})
    return value


def _time(value, errors):
    if value is None or value == "":
        return None  # now, below
    return parse_time(value, errors, None)


CHECKS = {
    "channel": _choice("channel", CHANNELS),
    "kind": _choice("kind", KINDS),
    "direction": _choice("direction", DIRECTIONS),
    "occurred_at": _time,
    **{field: _text(field, limit) for field, limit in TEXT_LIMITS.items()},
    "source": _source,
    "external_id": _external_id,
    "amount": _amount,
    "currency": _currency,
    "satisfaction": lambda v, errors: _whole(v, "satisfaction", errors, 0, 10, SATISFACTION_REASON),
    "duration_seconds": lambda v, errors: _whole(v, "duration_seconds", errors, 0, MAX_SECONDS, SECONDS_REASON),
    "wait_seconds": lambda v, errors: _whole(v, "wait_seconds", errors, 0, MAX_SECONDS, SECONDS_REASON),
    "share_watched": _share,
    "payload": _payload,
    "handled_by_id": lambda v, errors: _id(v, "handled_by_id", errors),
    "partner_id": lambda v, errors: _id(v, "partner_id", errors),
}
assert set(CHECKS) == VALUE_KEYS
DEFAULTS = {
    "channel": None, "kind": None, "direction": "", "occurred_at": None, "subject": "", "topic": "", "product": "",
    "campaign": "", "outcome": "", "text": "", "source": "tillit", "external_id": None, "amount": None, "currency": "",
    "satisfaction": None, "duration_seconds": None, "wait_seconds": None, "share_watched": None, "payload": None,
    "handled_by_id": None, "partner_id": None,
}


def clean_values(item: dict, now: datetime) -> tuple[dict, list[dict]]:
    """Check the interaction values of ``item`` (other keys are left to the caller); see the module docstring.

    Only the keys present are looked at (a batch item usually carries a third of them); the rest
    take their defaults.
    """
    errors: list[dict] = []
    out = DEFAULTS.copy()
    checks = CHECKS
    for key, value in item.items():
        check = checks.get(key)
        if check is not None:
            out[key] = check(value, errors)
    if out["channel"] is None:
        errors.append({"field": "channel", "reason": _("Required.")})
    if out["kind"] is None:
        errors.append({"field": "kind", "reason": _("Required.")})
    if out["direction"] is None:
        out["direction"] = ""
    if out["occurred_at"] is None:
        out["occurred_at"] = now
    if out["amount"] is not None and not out["currency"]:
        errors.append({"field": "currency", "reason": _("An amount needs a currency (e.g. NOK).")})
    if out["payload"] is None:
        out["payload"] = {}
    return out, errors


def clean_id(value, field: str, errors: list):
    return _id(value, field, errors)
