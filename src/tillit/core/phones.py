"""Phone and email normalisation: the keys that make look-up work whatever the formatting."""

import phonenumbers
from django.conf import settings


def normalize_phone(raw: str, region: str | None = None) -> str | None:
    """Return E.164 (``+4791234567``) or ``None`` if ``raw`` is not a plausible phone number.

    Accepts ``+47 912 34 567``, ``91234567`` (read in the default region) and ``0047-91234567``.
    """
    raw = (raw or "").strip()
    if not raw or sum(ch.isdigit() for ch in raw) < 5:
        return None
    region = region or settings.TILLIT_PHONE_REGION
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Human formatting for display, international style (``+47 912 34 567``)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_email(raw: str) -> str:
    return (raw or "").strip().lower()


def looks_like_email(text: str) -> bool:
    text = text.strip()
    return "@" in text and " " not in text and not text.startswith("@")
