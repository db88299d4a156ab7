"""API token scopes: read or write per area of the API. A scope narrows what a token may do; it never widens
what its user may see (the user's role and visibility still decide which records answer)."""

from django.utils.translation import gettext_lazy as _

AREAS: dict[str, str] = {
    "people": _("People and organisations (and the card)"),
    "interactions": _("Interactions (the log)"),
    "sales": _("Sales: deals, products, quotes, orders"),
    "tasks": _("Tasks"),
    "service": _("Service: cases, queues, SLAs, surveys"),
    "marketing": _("Marketing: segments, mailings, campaigns, tracking"),
    "insight": _("Insight: customer value, relationship types, personas"),
}
# Which area each app's API operations (and card panels) belong to. An app that mounts an API router must be
# listed: the API refuses to start otherwise, so no operation goes unscoped.
APP_AREAS: dict[str, str] = {
    "people": "people", "card": "people", "interactions": "interactions", "sales": "sales", "tasks": "tasks",
    "service": "service", "marketing": "marketing", "insight": "insight",
}
LEVELS: dict[str, str] = {"read": _("read"), "write": _("write")}
ALL_SCOPES: tuple[str, ...] = tuple(f"{area}:{level}" for area in AREAS for level in LEVELS)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def scope_for(area: str, method: str) -> str:
    return f"{area}:{'read' if method.upper() in READ_METHODS else 'write'}"


def allows(scopes, needed: str) -> bool:
    """Whether a token with ``scopes`` may call an operation that needs ``needed``; write includes read."""
    area, level = needed.split(":")
    return needed in scopes or (level == "read" and f"{area}:write" in scopes)


def area_of_module(module: str) -> str | None:
    """``tillit.sales.card`` → ``sales``."""
    parts = module.split(".")
    return APP_AREAS.get(parts[1]) if len(parts) > 1 else None


def request_allows(request, area: str) -> bool:
    """Whether the request may read ``area``: always for a browser session, by its scopes for a token."""
    token = getattr(request, "api_token", None)
    return token is None or allows(token.scopes, f"{area}:read")
