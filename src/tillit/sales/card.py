"""Sales on the customer card (see ``tillit.card.panels``): open deals, owned products, open quotes.

``panel()`` reads the data once; the card page renders it with ``sales/_card_sales.html`` and the card
API serialises the same data with ``CardSalesPanelOut``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Schema

from tillit.core.api import PanelUserOut
from tillit.sales.selectors.card import sales_card, sales_probes

KEY = "sales"


class CardStageOut(Schema):
    id: int
    name: str


class CardDealOut(Schema):
    id: int
    title: str
    value: Decimal
    currency: str
    stage: CardStageOut
    expected_close_date: dt.date | None
    owner: PanelUserOut | None


class CardProductOut(Schema):
    id: int
    sku: str
    name: str


class CardOwnedProductOut(Schema):
    """An order line the customer kept: what they own, its delivery and its warranty."""

    id: int
    order_id: int
    order_number: str
    order_date: dt.date
    product: CardProductOut | None
    description: str
    quantity: Decimal
    delivery_status: str
    delivered_on: dt.date | None
    warranty_until: dt.date | None
    warranty_state: str  # "under", "expired" or "" (no warranty recorded)

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_order_date(obj) -> dt.date:
        return obj.order.order_date


class CardQuoteOut(Schema):
    id: int
    number: str
    status: str
    total: Decimal
    currency: str
    valid_until: dt.date
    is_expired: bool


class CardSalesPanelOut(Schema):
    deals: list[CardDealOut]
    more_deals: bool
    products: list[CardOwnedProductOut]
    more_products: bool
    quotes: list[CardQuoteOut]
    more_quotes: bool

    @staticmethod
    def resolve_deals(obj):
        return obj["sales"].deals

    @staticmethod
    def resolve_more_deals(obj) -> bool:
        return obj["sales"].more_deals

    @staticmethod
    def resolve_products(obj):
        return obj["sales"].products

    @staticmethod
    def resolve_more_products(obj) -> bool:
        return obj["sales"].more_products

    @staticmethod
    def resolve_quotes(obj):
        return obj["sales"].quotes

    @staticmethod
    def resolve_more_quotes(obj) -> bool:
        return obj["sales"].more_quotes


PanelOut = CardSalesPanelOut


def probes(*, person_id=None, organization_id=None) -> dict:
    """Any open deal, kept order line, open quote of the customer at all (see ``tillit.card.panels``)."""
    return sales_probes(person_id=person_id, organization_id=organization_id)


def panel(actor, *, person=None, organization=None, today=None, present=None) -> dict | None:
    if person is None and organization is None:
        return None
    card = sales_card(actor=actor, person=person, organization=organization, today=today or timezone.localdate(),
                      present=present)
    return {"template": "sales/_card_sales.html", "sales": card, "person": person, "organization": organization}
