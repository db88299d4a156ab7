"""Signed tokens in tracking URLs: ``/e/o/<token>.gif``, ``/e/c/<token>``, ``/e/u/<token>``, ``/e/p/<token>``.

A token is the message id (and for clicks the link's position) in base 36 plus a truncated
HMAC-SHA256 over them with the site's secret key and a purpose-specific salt. Without the secret a
token can be neither guessed nor derived from a neighbour's (changing the id breaks the MAC), and a
token made for one purpose (an open) does not work for another (an unsubscribe).
"""

from __future__ import annotations

import base64
import re

from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "tillit.marketing.email."
_SHAPE = re.compile(r"^([0-9a-z]{1,13})(?:-([0-9a-z]{1,6}))?\.([A-Za-z0-9_-]{22})$")


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _mac(purpose: str, payload: str) -> str:
    digest = salted_hmac(_SALT + purpose, payload, algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(purpose: str, message_id: int, link_position: int | None = None) -> str:
    payload = _b36(message_id) if link_position is None else f"{_b36(message_id)}-{_b36(link_position)}"
    return f"{payload}.{_mac(purpose, payload)}"


def read_token(purpose: str, token: str) -> tuple[int, int | None] | None:
    """(message id, link position or None) of a genuine token, else ``None`` (the caller answers 404)."""
    match = _SHAPE.match(token or "")
    if not match:
        return None
    payload = token.rsplit(".", 1)[0]
    if not constant_time_compare(_mac(purpose, payload), match.group(3)):
        return None
    link = int(match.group(2), 36) if match.group(2) is not None else None
    return int(match.group(1), 36), link
