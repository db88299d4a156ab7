"""Reads of the catalogue. Every employee may read it; partners and customers may not (staff side)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import ensure_staff
from tillit.core.errors import NotFound
from tillit.sales.models import CustomerGroup, Price, PriceList, Product


def product_list(*, actor: User, q: str = "", category: str = "", active: bool | None = None) -> QuerySet[Product]:
    ensure_staff(actor)
    qs = Product.objects.all()
    for word in " ".join((q or "").split()).split(" "):
        if word:
            qs = qs.filter(
                Q(sku__icontains=word) | Q(name__icontains=word) | Q(description__icontains=word)
                | Q(category__icontains=word)
            )
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by(Lower("name"), "id")


def product_get(*, actor: User, product_id: int) -> Product:
    ensure_staff(actor)
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No such product."))
    return product


def product_categories(*, actor: User) -> list[str]:
    ensure_staff(actor)
    return list(
        Product.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct()
    )


def customer_group_list(*, actor: User) -> QuerySet[CustomerGroup]:
    ensure_staff(actor)
    return CustomerGroup.objects.annotate(
        organization_count=Count("organizations", distinct=True), person_count=Count("persons", distinct=True),
    ).order_by(Lower("name"), "id")


def customer_group_get(*, actor: User, group_id: int) -> CustomerGroup:
    ensure_staff(actor)
    group = CustomerGroup.objects.filter(pk=group_id).prefetch_related("organizations", "persons").first()
    if group is None:
        raise NotFound(_("No such customer group."))
    return group


def price_list_list(*, actor: User, currency: str = "") -> QuerySet[PriceList]:
    ensure_staff(actor)
    qs = PriceList.objects.select_related("customer_group").annotate(price_count=Count("prices"))
    if currency:
        qs = qs.filter(currency=currency.upper())
    return qs.order_by("currency", Lower("name"), "id")


def price_list_get(*, actor: User, price_list_id: int) -> PriceList:
    ensure_staff(actor)
    price_list = PriceList.objects.select_related("customer_group").filter(pk=price_list_id).first()
    if price_list is None:
        raise NotFound(_("No such price list."))
    return price_list


def price_list_prices(*, price_list: PriceList) -> QuerySet[Price]:
    return price_list.prices.select_related("product").order_by(Lower("product__name"), "id")
