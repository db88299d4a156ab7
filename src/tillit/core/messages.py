"""System messages: texts Tillit itself writes into records ("Deal moved to Qualified", "Status Open → Resolved").

Stored as text they would stay in the language of whoever caused them. So a writer stores a message — a
registered code and its parameters — next to the text, and readers render it in *their* language::

    # at start-up (the module's AppConfig.ready):
    messages.register("sales.deal_moved", gettext_lazy("Deal moved to %(stage)s"))
    # when writing:
    msg = messages.message("sales.deal_moved", stage=stage.name)
    log_interaction(..., subject=messages.render(msg), payload={..., **messages.stored(subject=msg)})
    # when reading: interaction.subject_display, messages.render(msg, fallback)

The stored text is the fallback: rows written before codes existed, or whose code is no longer
registered, show it unchanged. Parameters are user data (names, numbers) and stay as they are; a
parameter that is itself a choice (a case status) is rendered by registering a callable instead.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise

PAYLOAD_KEY = "messages"
_TEXTS: dict[str, Promise | Callable[[Mapping[str, Any]], str]] = {}


def register(code: str, text: Promise | Callable[[Mapping[str, Any]], str]) -> None:
    """Register ``code``: a lazy text with ``%(name)s`` placeholders, or ``callable(params) -> str``."""
    _TEXTS[code] = text


def message(code: str, **params: Any) -> dict:
    """A storable message (JSON): ``{"code": ..., "params": {...}}``. The code must be registered."""
    if code not in _TEXTS:
        raise KeyError(f"unregistered system message {code!r}")
    return {"code": code, "params": params}


def render(msg: Mapping[str, Any] | None, fallback: str = "") -> str:
    """``msg`` in the active language; ``fallback`` when there is none or it cannot be rendered."""
    if not isinstance(msg, Mapping):
        return fallback
    text = _TEXTS.get(msg.get("code"))
    if text is None:
        return fallback
    params = msg.get("params") or {}
    try:
        return str(text % params) if isinstance(text, Promise) else str(text(params))
    except (KeyError, TypeError, ValueError):
        return fallback


def stored(**fields: Mapping[str, Any]) -> dict:
    """The payload entry for an interaction's messages: ``stored(subject=msg)`` → ``{"messages": {...}}``."""
    return {PAYLOAD_KEY: dict(fields)}


def of(payload: Mapping[str, Any] | None, field: str) -> dict | None:
    """The message stored for ``field`` (``subject``, ``outcome``, ``text``) in a payload, if any."""
    found = (payload or {}).get(PAYLOAD_KEY) if isinstance(payload, Mapping) else None
    return found.get(field) if isinstance(found, Mapping) else None
