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
TEXT_LIMITS = {"subject": 200, "topic": 100, "product": 100, "outcome": 60, "text": None}
MAX_SECONDS = 2_147_483_647
MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")

# Every key an item may carry (the batch API rejects others so typos do not pass silently).
VALUE_KEYS = frozenset(
    {
        "channel", "kind", "direction", "occurred_at", "subject", "topic", "product", "amount", "currency",
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


def parse_time(value, errors: list, now: datetime) -> datetime | None:
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


def clean_values(item: dict, now: datetime) -> tuple[dict, list[dict]]:  # noqa: C901 - one flat pass is the point
    """Check the interaction values of ``item`` (not the person references); see the module docstring."""
    errors: list[dict] = []
    get = item.get
    out: dict = {}

    channel = get("channel")
    if channel not in CHANNELS:
        errors.append({"field": "channel", "reason": _("Required.") if not channel else _choices_reason(CHANNELS)})
    out["channel"] = channel
    kind = get("kind")
    if kind not in KINDS:
        errors.append({"field": "kind", "reason": _("Required.") if not kind else _choices_reason(KINDS)})
    out["kind"] = kind
    direction = get("direction") or ""
    if direction not in DIRECTIONS:
        errors.append({"field": "direction", "reason": _choices_reason(DIRECTIONS)})
    out["direction"] = direction
    out["occurred_at"] = parse_time(get("occurred_at"), errors, now)

    for field, limit in TEXT_LIMITS.items():
        value = get(field)
        if value is None:
            value = ""
        elif not isinstance(value, str):
            errors.append({"field": field, "reason": _("Must be text.")})
            value = ""
        elif limit is not None and len(value) > limit:
            errors.append({"field": field, "reason": _("At most %(n)d characters.") % {"n": limit}})
        out[field] = value

    source = get("source")
    if source is None or source == "":
        source = "tillit"
    elif not isinstance(source, str) or len(source) > 60:
        errors.append({"field": "source", "reason": _("Must be text of at most 60 characters.")})
    out["source"] = source
    external_id = get("external_id")
    if external_id == "":
        external_id = None
    elif external_id is not None:
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)
        if not isinstance(external_id, str) or len(external_id) > 200:
            errors.append({"field": "external_id", "reason": _("Must be text of at most 200 characters.")})
    out["external_id"] = external_id

    amount = get("amount")
    currency = get("currency") or ""
    if amount is not None and amount != "":
        if isinstance(amount, float):
            amount = repr(amount)
        try:
            amount = Decimal(amount) if not isinstance(amount, bool) else None
        except (InvalidOperation, TypeError, ValueError):
            amount = None
        if amount is None or not amount.is_finite():
            errors.append({"field": "amount", "reason": _("Must be a decimal number, e.g. 1499.50.")})
            amount = None
        else:
            if abs(amount) > MAX_AMOUNT:
                errors.append({"field": "amount", "reason": _("Too large.")})
            elif amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
                errors.append({"field": "amount", "reason": _("At most two decimals.")})
            if not currency:
                errors.append({"field": "currency", "reason": _("An amount needs a currency (e.g. NOK).")})
    else:
        amount = None
    if currency:
        if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            errors.append({"field": "currency", "reason": _("Must be a three-letter code (ISO 4217), e.g. NOK.")})
        else:
            currency = currency.upper()
    out["amount"] = amount
    out["currency"] = currency

    out["satisfaction"] = _whole(get("satisfaction"), "satisfaction", errors, 0, 10, SATISFACTION_REASON)
    out["duration_seconds"] = _whole(
        get("duration_seconds"), "duration_seconds", errors, 0, MAX_SECONDS, SECONDS_REASON
    )
    out["wait_seconds"] = _whole(get("wait_seconds"), "wait_seconds", errors, 0, MAX_SECONDS, SECONDS_REASON)
    share = get("share_watched")
    if share is not None and share != "":
        try:
            share = float(share) if not isinstance(share, bool) else -1.0
        except (TypeError, ValueError):
            share = -1.0
        if not 0.0 <= share <= 1.0:
            errors.append({"field": "share_watched", "reason": _("Must be a fraction from 0 to 1 (0.75 = 75 %).")})
            share = None
    else:
        share = None
    out["share_watched"] = share

    payload = get("payload")
    if payload is None:
        payload = {}
    elif not isinstance(payload, dict):
        errors.append({"field": "payload", "reason": _("Must be a JSON object.")})
    out["payload"] = payload
    out["handled_by_id"] = _id(get("handled_by_id"), "handled_by_id", errors)
    out["partner_id"] = _id(get("partner_id"), "partner_id", errors)
    return out, errors


def clean_id(value, field: str, errors: list):
    return _id(value, field, errors)
