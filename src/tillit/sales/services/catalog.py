"""Writes to the catalogue: products, customer groups, price lists and their prices.

Every employee reads the catalogue (it is the company's, not a customer's); administrators and
managers change it. Prices are ``Decimal``; a price list has one currency and, optionally, a
customer group whose members get its prices instead of the general list (see ``price_for``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.access import ensure_staff
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.money import clean_currency, parse_money
from tillit.core.versioning import save_versioned
from tillit.people.models import Organization, Person
from tillit.sales.models import CustomerGroup, Price, PriceList, Product, Unit

PRODUCT_FIELDS = frozenset(
    {"sku", "name", "description", "category", "unit", "vat_rate", "warranty_months", "is_active"}
)
PRICE_LIST_FIELDS = frozenset({"name", "currency", "customer_group", "valid_from", "valid_until", "is_active"})


def ensure_catalog_editor(actor: User) -> None:
    ensure_staff(actor)
    if not (actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER)):
        raise AccessDenied(_("Only administrators and managers change the catalogue and prices."))


def can_edit_catalog(actor: User) -> bool:
    try:
        ensure_catalog_editor(actor)
    except AccessDenied:
        return False
    return True


def _text(model, field: str, value: Any, *, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        raise ValidationError(_("Expected text."), field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError(_("This field is required."), field=field)
    max_length = model._meta.get_field(field).max_length
    if max_length and len(value) > max_length:
        raise ValidationError(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _percent(value: Any, field: str) -> Decimal:
    if value is None or value == "":
        raise ValidationError(_("This field is required."), field=field)
    number = parse_money(value, field=field)
    if number < 0 or number > 100:
        raise ValidationError(_("A percentage between 0 and 100."), field=field)
    return number


def _reject_unknown(fields: Iterable[str], allowed: frozenset[str]) -> None:
    for name in fields:
        if name not in allowed:
            raise ValidationError(_("Unknown field “%(name)s”.") % {"name": name}, field=name)


# --- products -------------------------------------------------------------------------------
def _clean_product(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field in ("sku", "name"):
        if field in values:
            cleaned[field] = _text(Product, field, values[field], required=True)
    for field in ("description", "category"):
        if field in values:
            cleaned[field] = _text(Product, field, values[field])
    if "unit" in values:
        if values["unit"] not in Unit.values:
            raise ValidationError(
                _("Unknown unit; use one of: %(units)s.") % {"units": ", ".join(Unit.values)}, field="unit"
            )
        cleaned["unit"] = values["unit"]
    if "vat_rate" in values:
        cleaned["vat_rate"] = _percent(values["vat_rate"], "vat_rate")
    if "warranty_months" in values:
        months = values["warranty_months"]
        if months in ("", None):
            months = None
        elif isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 600:
            raise ValidationError(_("Whole months between 0 and 600."), field="warranty_months")
        cleaned["warranty_months"] = months
    if "is_active" in values:
        cleaned["is_active"] = bool(values["is_active"])
    return cleaned


def _sku_taken(sku: str, exclude: int | None = None) -> None:
    qs = Product.objects.filter(sku__iexact=sku)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationError(_("Another product already has SKU “%(sku)s”.") % {"sku": sku}, field="sku")


@transaction.atomic
def product_create(*, actor: User, sku: str, name: str, **fields: Any) -> Product:
    ensure_catalog_editor(actor)
    _reject_unknown(fields, PRODUCT_FIELDS)
    cleaned = _clean_product({"sku": sku, "name": name, **fields})
    _sku_taken(cleaned["sku"])
    try:
        with transaction.atomic():
            return Product.objects.create(**cleaned)
    except IntegrityError:  # a concurrent create with the same SKU
        raise ValidationError(_("Another product already has this SKU."), field="sku") from None


@transaction.atomic
def product_update(*, actor: User, product: Product, expected_version: int | None, **fields: Any) -> Product:
    ensure_catalog_editor(actor)
    _reject_unknown(fields, PRODUCT_FIELDS)
    cleaned = _clean_product(fields)
    if "sku" in cleaned:
        _sku_taken(cleaned["sku"], exclude=product.pk)
    for name, value in cleaned.items():
        setattr(product, name, value)
    if cleaned:
        save_versioned(product, expected_version=expected_version, update_fields=list(cleaned))
    return product


# --- customer groups ------------------------------------------------------------------------
@transaction.atomic
def customer_group_create(*, actor: User, name: str, description: str = "",
                          organizations: Iterable[Organization] = (), persons: Iterable[Person] = ()) -> CustomerGroup:
    ensure_catalog_editor(actor)
    name = _text(CustomerGroup, "name", name, required=True)
    if CustomerGroup.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("A customer group with this name exists."), field="name")
    group = CustomerGroup.objects.create(name=name, description=_text(CustomerGroup, "description", description))
    group.organizations.set(list(organizations))
    group.persons.set(list(persons))
    return group


@transaction.atomic
def customer_group_update(*, actor: User, group: CustomerGroup, name: str | None = None,
                          description: str | None = None, organizations: Iterable[Organization] | None = None,
                          persons: Iterable[Person] | None = None) -> CustomerGroup:
    ensure_catalog_editor(actor)
    fields = []
    if name is not None:
        group.name = _text(CustomerGroup, "name", name, required=True)
        if CustomerGroup.objects.filter(name__iexact=group.name).exclude(pk=group.pk).exists():
            raise ValidationError(_("A customer group with this name exists."), field="name")
        fields.append("name")
    if description is not None:
        group.description = _text(CustomerGroup, "description", description)
        fields.append("description")
    if fields:
        group.save(update_fields=[*fields, "updated_at"])
    if organizations is not None:
        group.organizations.set(list(organizations))
    if persons is not None:
        group.persons.set(list(persons))
    return group


# --- price lists ----------------------------------------------------------------------------
def _clean_price_list(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in values:
        cleaned["name"] = _text(PriceList, "name", values["name"], required=True)
    if "currency" in values:
        cleaned["currency"] = clean_currency(values["currency"])
    if "customer_group" in values:
        group = values["customer_group"]
        if group is not None and not isinstance(group, CustomerGroup):
            raise ValidationError(_("Choose a customer group."), field="customer_group")
        cleaned["customer_group"] = group
    for field in ("valid_from", "valid_until"):
        if field in values:
            if values[field] is not None and not isinstance(values[field], dt.date):
                raise ValidationError(_("Enter a date."), field=field)
            cleaned[field] = values[field]
    if "is_active" in values:
        cleaned["is_active"] = bool(values["is_active"])
    return cleaned


def _check_dates(price_list: PriceList) -> None:
    if price_list.valid_from and price_list.valid_until and price_list.valid_until < price_list.valid_from:
        raise ValidationError(_("The list cannot end before it starts."), field="valid_until")


@transaction.atomic
def price_list_create(*, actor: User, name: str, currency: str, **fields: Any) -> PriceList:
    ensure_catalog_editor(actor)
    _reject_unknown(fields, PRICE_LIST_FIELDS)
    cleaned = _clean_price_list({"name": name, "currency": currency, **fields})
    if PriceList.objects.filter(name__iexact=cleaned["name"]).exists():
        raise ValidationError(_("A price list with this name exists."), field="name")
    price_list = PriceList(**cleaned)
    _check_dates(price_list)
    price_list.save()
    return price_list


@transaction.atomic
def price_list_update(*, actor: User, price_list: PriceList, expected_version: int | None,
                      **fields: Any) -> PriceList:
    ensure_catalog_editor(actor)
    _reject_unknown(fields, PRICE_LIST_FIELDS)
    cleaned = _clean_price_list(fields)
    if "name" in cleaned and PriceList.objects.filter(name__iexact=cleaned["name"]).exclude(pk=price_list.pk).exists():
        raise ValidationError(_("A price list with this name exists."), field="name")
    if "currency" in cleaned and cleaned["currency"] != price_list.currency and price_list.prices.exists():
        # The prices are amounts in the old currency; changing it would silently re-denominate them.
        raise ValidationError(_("The list has prices; make a new list for another currency."), field="currency")
    for name, value in cleaned.items():
        setattr(price_list, name, value)
    _check_dates(price_list)
    if cleaned:
        save_versioned(price_list, expected_version=expected_version, update_fields=list(cleaned))
    return price_list


@transaction.atomic
def price_set(*, actor: User, price_list: PriceList, product: Product, unit_price: Any) -> Price:
    """Set (create or change) the product's price in the list."""
    ensure_catalog_editor(actor)
    amount = parse_money(unit_price, field="unit_price")
    if amount < 0:
        raise ValidationError(_("A price cannot be negative."), field="unit_price")
    price, _created = Price.objects.update_or_create(
        price_list=price_list, product=product, defaults={"unit_price": amount}
    )
    return price


@transaction.atomic
def price_remove(*, actor: User, price_list: PriceList, product: Product) -> None:
    ensure_catalog_editor(actor)
    Price.objects.filter(price_list=price_list, product=product).delete()


# --- price resolution -----------------------------------------------------------------------
def price_for(product: Product, currency: str, *, person: Person | None = None,
              organization: Organization | None = None, on: dt.date | None = None) -> Price | None:
    """The price this customer pays for ``product`` in ``currency`` on ``on`` (default today).

    A list of one of the customer's groups (the person's or the organisation's) beats the general
    list of that currency; among several valid lists of the same kind the one that started last wins.
    ``None``: no list has the product, so the quote line needs a price typed in.
    """
    on = on or timezone.localdate()
    candidates = (
        Price.objects.select_related("price_list")
        .filter(product=product, price_list__currency=currency, price_list__is_active=True)
        .exclude(price_list__valid_from__gt=on)
        .exclude(price_list__valid_until__lt=on)
    )
    group_ids: set[int] = set()
    if person is not None:
        group_ids |= set(person.customer_groups.values_list("pk", flat=True))
    if organization is not None:
        group_ids |= set(organization.customer_groups.values_list("pk", flat=True))
    best = None
    for price in candidates:
        group = price.price_list.customer_group_id
        if group is not None and group not in group_ids:
            continue
        key = (group is not None, price.price_list.valid_from or dt.date.min, price.price_list_id)
        if best is None or key > best[0]:
            best = (key, price)
    return best[1] if best else None
