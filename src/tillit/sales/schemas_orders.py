"""API schemas for orders and their lines."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tillit.sales.models import Order, OrderLine

Amount = Decimal | str


class OrderLineOut(Schema):
    id: int
    position: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit: str
    list_price: Decimal | None
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    delivery_status: str
    delivered_on: dt.date | None
    warranty_until: dt.date | None


class OrderOut(Schema):
    id: int
    number: str
    status: str
    quote_id: int | None
    deal_id: int | None
    person_id: int | None
    organization_id: int | None
    owner_id: int | None
    team_id: int | None
    currency: str
    order_date: dt.date
    delivered_on: dt.date | None
    external_id: str | None
    subtotal: Decimal
    discount_total: Decimal
    vat_total: Decimal
    total: Decimal
    version: int
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class OrderLineIn(Schema):
    __model__ = OrderLine  # constraints from the model (tillit.core.api)
    product_id: int | None = None
    sku: str | None = Field(None, description="The product by SKU instead of id (ERP imports).")
    description: str | None = None
    quantity: Amount | None = None
    unit_price: Amount | None = Field(None, description="Default: the customer's price list.")
    discount_percent: Amount | None = None
    vat_rate: Amount | None = None


class OrderIn(Schema):
    __model__ = Order  # constraints from the model (tillit.core.api)
    person_id: int | None = None
    organization_id: int | None = None
    currency: str
    order_date: dt.date | None = None
    external_id: str | None = Field(None, description="Your system's order id; a replay returns the stored order.")
    owner_id: int | None = None
    lines: list[OrderLineIn]


class OrderStatusIn(Schema):
    __model__ = Order  # constraints from the model (tillit.core.api)
    status: str
    version: int | None = None


class OrderLinePatch(Schema):
    __model__ = OrderLine  # constraints from the model (tillit.core.api)
    delivery_status: str
    delivered_on: dt.date | None = None


class OrderFilter(Schema):
    status: str = ""
    mine: bool = False
    person_id: int | None = None
    organization_id: int | None = None
