"""What the customer card shows from sales: open deals, owned products (order lines), open quotes.

Each list is one query, filtered by the actor's access exactly like the deal, quote and order
pages (``tillit.core.access`` on the record's owner and team), and capped: the card is a summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q

from tillit.core.access import visibility_q
from tillit.sales.models import Deal, DeliveryStatus, OrderLine, OrderStatus, Quote, QuoteStatus, StageOutcome

DEALS_SHOWN = 8
PRODUCTS_SHOWN = 12
QUOTES_SHOWN = 5


@dataclass
class SalesCard:
    deals: list[Deal] = field(default_factory=list)
    more_deals: bool = False
    products: list[OrderLine] = field(default_factory=list)
    more_products: bool = False
    quotes: list[Quote] = field(default_factory=list)
    more_quotes: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.deals or self.products or self.quotes)


def _party(prefix: str, person, organization) -> Q:
    if person is not None:
        return Q(**{f"{prefix}person": person})
    return Q(**{f"{prefix}organization": organization})


def _visible(qs, actor, prefix: str = ""):
    q = visibility_q(actor, owner_field=f"{prefix}owner", team_field=f"{prefix}team")
    return qs if q is None else qs.filter(q)


def _capped(qs, limit: int) -> tuple[list, bool]:
    rows = list(qs[: limit + 1])
    return rows[:limit], len(rows) > limit


def warranty_state(line: OrderLine, today: dt.date) -> str:
    """``under`` (warranty until today or later), ``expired`` or ``""`` (no warranty recorded)."""
    if line.warranty_until is None:
        return ""
    return "under" if line.warranty_until >= today else "expired"


def _open_deals(party: Q):
    return Deal.objects.filter(party, stage__outcome=StageOutcome.OPEN)


def _kept_lines(party: Q):
    return (OrderLine.objects.filter(party).exclude(order__status=OrderStatus.CANCELLED)
            .exclude(delivery_status=DeliveryStatus.CANCELLED))


def _open_quotes(party: Q):
    return Quote.objects.filter(party, status__in=(QuoteStatus.DRAFT, QuoteStatus.SENT))


def sales_probes(*, person_id=None, organization_id=None) -> dict:
    """The panel's three lists without access or order: "is there anything at all?" (``tillit.card.panels``)."""
    field, value = ("person_id", person_id) if person_id is not None else ("organization_id", organization_id)
    return {
        "deals": _open_deals(Q(**{field: value})),
        "products": _kept_lines(Q(**{f"order__{field}": value})),
        "quotes": _open_quotes(Q(**{field: value})),
    }


def sales_card(*, actor, person=None, organization=None, today: dt.date, present: dict | None = None) -> SalesCard:
    """The sales panel's data for one person or organisation the caller has already got (three queries,
    fewer when ``present`` — from ``sales_probes`` — says a list has no rows at all)."""
    if not actor.is_authenticated or not actor.is_staff_role:
        return SalesCard()
    present = present or {}
    card = SalesCard()
    if present.get("deals", True):
        deals = _visible(_open_deals(_party("", person, organization)), actor).select_related(
            "stage", "owner").order_by(F("expected_close_date").asc(nulls_last=True), "id")
        card.deals, card.more_deals = _capped(deals, DEALS_SHOWN)
    if present.get("products", True):
        lines = _visible(_kept_lines(_party("order__", person, organization)), actor, "order__").select_related(
            "order", "product").order_by("-order__order_date", "-order_id", "position", "id")
        card.products, card.more_products = _capped(lines, PRODUCTS_SHOWN)
    if present.get("quotes", True):
        quotes = _visible(_open_quotes(_party("", person, organization)), actor).order_by("valid_until", "id")
        card.quotes, card.more_quotes = _capped(quotes, QUOTES_SHOWN)
    for line in card.products:
        line.warranty_state = warranty_state(line, today)
    for quote in card.quotes:
        quote.is_expired = quote.valid_until < today
    return card
