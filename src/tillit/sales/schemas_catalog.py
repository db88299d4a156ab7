"""API schemas for products, customer groups, price lists and prices. Amounts are decimal strings."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tillit.core.api import Currency
from tillit.sales.models import CustomerGroup, Price, PriceList, Product

Amount = Decimal | str


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    category: str
    unit: str
    vat_rate: Decimal
    warranty_months: int | None
    is_active: bool
    version: int


class ProductIn(Schema):
    __model__ = Product  # constraints from the model (tillit.core.api)
    sku: str
    name: str
    description: str = ""
    category: str = ""
    unit: str = "pcs"
    vat_rate: Amount = Decimal("25")
    warranty_months: int | None = Field(None, ge=0, le=600, description="Whole months, 0–600.")
    is_active: bool = True


class ProductPatch(Schema):
    __model__ = Product  # constraints from the model (tillit.core.api)
    sku: str | None = None
    name: str | None = None
    description: str | None = None
    category: str | None = None
    unit: str | None = None
    vat_rate: Amount | None = None
    warranty_months: int | None = Field(None, ge=0, le=600, description="Whole months, 0–600.")
    is_active: bool | None = None
    version: int | None = None


class ProductFilter(Schema):
    q: str = Field("", description="SKU, name, description or category.")
    category: str = ""
    active: bool | None = None


class CustomerGroupOut(Schema):
    id: int
    name: str
    description: str
    organization_ids: list[int]
    person_ids: list[int]

    @staticmethod
    def resolve_organization_ids(obj) -> list[int]:
        return [o.pk for o in obj.organizations.all()]

    @staticmethod
    def resolve_person_ids(obj) -> list[int]:
        return [p.pk for p in obj.persons.all()]


class CustomerGroupIn(Schema):
    __model__ = CustomerGroup  # constraints from the model (tillit.core.api)
    name: str
    description: str = ""
    organization_ids: list[int] = []
    person_ids: list[int] = []


class CustomerGroupPatch(Schema):
    __model__ = CustomerGroup  # constraints from the model (tillit.core.api)
    name: str | None = None
    description: str | None = None
    organization_ids: list[int] | None = Field(None, description="Replaces the organisation members.")
    person_ids: list[int] | None = Field(None, description="Replaces the person members.")


class PriceListOut(Schema):
    id: int
    name: str
    currency: Currency
    customer_group_id: int | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    is_active: bool
    version: int


class PriceListIn(Schema):
    __model__ = PriceList  # constraints from the model (tillit.core.api)
    name: str
    currency: Currency
    customer_group_id: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    is_active: bool = True


class PriceListPatch(Schema):
    __model__ = PriceList  # constraints from the model (tillit.core.api)
    name: str | None = None
    currency: Currency | None = None
    customer_group_id: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    is_active: bool | None = None
    version: int | None = None


class PriceOut(Schema):
    product_id: int
    sku: str
    product_name: str
    unit_price: Decimal

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class PriceIn(Schema):
    __model__ = Price  # constraints from the model (tillit.core.api)
    unit_price: Amount


class ResolvedPriceOut(Schema):
    product_id: int
    currency: str
    unit_price: Decimal | None = Field(description="null: no list has this product for the customer.")
    price_list_id: int | None
