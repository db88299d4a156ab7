"""API schemas for quotes and their lines. Amounts are decimal strings (never floats) in answers."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tillit.sales.models import Quote, QuoteLine

Amount = Decimal | str


class QuoteLineOut(Schema):
    id: int
    position: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit: str
    list_price: Decimal | None = Field(description="The price list's price when the line was added.")
    unit_price: Decimal = Field(description="The price actually charged per unit.")
    discount_percent: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal


class QuoteOut(Schema):
    id: int
    number: str
    status: str
    deal_id: int
    person_id: int | None
    organization_id: int | None
    owner_id: int | None
    team_id: int | None
    currency: str
    discount_percent: Decimal
    valid_until: dt.date
    introduction: str
    terms: str
    recipient_email: str
    sent_at: dt.datetime | None
    decided_at: dt.datetime | None
    subtotal: Decimal
    discount_total: Decimal
    vat_total: Decimal
    total: Decimal
    version: int
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class QuoteIn(Schema):
    __model__ = Quote  # constraints from the model (tillit.core.api)
    deal_id: int
    valid_until: dt.date | None = Field(None, description="Default: 30 days from today.")


class QuotePatch(Schema):
    __model__ = Quote  # constraints from the model (tillit.core.api)
    discount_percent: Amount | None = None
    valid_until: dt.date | None = None
    introduction: str | None = None
    terms: str | None = None
    recipient_email: str | None = None
    version: int | None = None


class QuoteLineIn(Schema):
    __model__ = QuoteLine  # constraints from the model (tillit.core.api)
    product_id: int | None = Field(None, description="A catalogue product; its price list price is used "
                                                     "unless unit_price is given.")
    description: str | None = None
    quantity: Amount | None = None
    unit: str | None = None
    unit_price: Amount | None = None
    discount_percent: Amount | None = None
    vat_rate: Amount | None = None


class QuoteLinePatch(Schema):
    __model__ = QuoteLine  # constraints from the model (tillit.core.api)
    description: str | None = None
    quantity: Amount | None = None
    unit: str | None = None
    unit_price: Amount | None = None
    discount_percent: Amount | None = None
    vat_rate: Amount | None = None


class QuoteFilter(Schema):
    status: str = ""
    mine: bool = False
    deal_id: int | None = None
    q: str = ""


class SendIn(Schema):
    to: str = Field("", description="Default: the quote's recipient, else the person's primary email.")


class DeclineIn(Schema):
    reason: str = ""


class AcceptOut(Schema):
    quote_id: int
    order_id: int
    order_number: str
