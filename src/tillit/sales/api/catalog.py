"""Catalogue API: products, customer groups, price lists and their prices. Thin: selectors and services."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.core.api import Paging, expected_version, set_etag
from tillit.core.errors import NotFound, ValidationError
from tillit.people.models import Organization, Person
from tillit.sales.models import CustomerGroup
from tillit.sales.schemas_catalog import (
    CustomerGroupIn,
    CustomerGroupOut,
    CustomerGroupPatch,
    PriceIn,
    PriceListIn,
    PriceListOut,
    PriceListPatch,
    PriceOut,
    ProductFilter,
    ProductIn,
    ProductOut,
    ProductPatch,
    ResolvedPriceOut,
)
from tillit.sales.selectors import catalog as selectors
from tillit.sales.services import catalog as services

router = Router(tags=["catalog"])


def _members(ids: list[int] | None, model, field: str):
    if ids is None:
        return None
    found = list(model.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {r.pk for r in found})
    if missing:
        raise ValidationError(_("No such record: %(id)s.") % {"id": missing[0]}, field=field)
    return found


def _group_ref(group_id: int | None) -> CustomerGroup | None:
    if group_id is None:
        return None
    group = CustomerGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise ValidationError(_("No such customer group."), field="customer_group_id")
    return group


# --- products -------------------------------------------------------------------------------
@router.get("/products", response=list[ProductOut], summary="List and search products")
@paginate(Paging, page_size=100, max_page_size=500)
def list_products(request, filters: Query[ProductFilter]):
    return selectors.product_list(actor=request.user, **filters.model_dump())


@router.post("/products", response={201: ProductOut}, summary="Create a product (administrators, managers)")
def create_product(request, payload: ProductIn, response: HttpResponse):
    product = services.product_create(actor=request.user, **payload.model_dump())
    product.refresh_from_db()  # answer with the stored decimals, not the parsed input
    set_etag(response, product)
    return 201, product


@router.get("/products/{int:product_id}", response=ProductOut, summary="Get a product (with ETag)")
def get_product(request, product_id: int, response: HttpResponse):
    product = selectors.product_get(actor=request.user, product_id=product_id)
    set_etag(response, product)
    return product


@router.patch("/products/{int:product_id}", response=ProductOut, summary="Change a product (If-Match)")
def patch_product(request, product_id: int, payload: ProductPatch, response: HttpResponse):
    product = selectors.product_get(actor=request.user, product_id=product_id)
    data = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    services.product_update(actor=request.user, product=product, expected_version=expected, **data)
    product.refresh_from_db()
    set_etag(response, product)
    return product


# --- customer groups ------------------------------------------------------------------------
@router.get("/customer-groups", response=list[CustomerGroupOut], summary="Customer groups with their members")
def list_customer_groups(request):
    return list(selectors.customer_group_list(actor=request.user).prefetch_related("organizations", "persons"))


@router.post("/customer-groups", response={201: CustomerGroupOut}, summary="Create a customer group")
def create_customer_group(request, payload: CustomerGroupIn):
    group = services.customer_group_create(
        actor=request.user, name=payload.name, description=payload.description,
        organizations=_members(payload.organization_ids, Organization, "organization_ids"),
        persons=_members(payload.person_ids, Person, "person_ids"),
    )
    return 201, group


@router.get("/customer-groups/{int:group_id}", response=CustomerGroupOut, summary="Get a customer group")
def get_customer_group(request, group_id: int):
    return selectors.customer_group_get(actor=request.user, group_id=group_id)


@router.patch("/customer-groups/{int:group_id}", response=CustomerGroupOut, summary="Change a group or its members")
def patch_customer_group(request, group_id: int, payload: CustomerGroupPatch):
    group = selectors.customer_group_get(actor=request.user, group_id=group_id)
    data = payload.model_dump(exclude_unset=True)
    services.customer_group_update(
        actor=request.user, group=group, name=data.get("name"), description=data.get("description"),
        organizations=_members(data.get("organization_ids"), Organization, "organization_ids"),
        persons=_members(data.get("person_ids"), Person, "person_ids"),
    )
    return selectors.customer_group_get(actor=request.user, group_id=group_id)


# --- price lists ----------------------------------------------------------------------------
@router.get("/price-lists", response=list[PriceListOut], summary="Price lists")
def list_price_lists(request, currency: str = ""):
    return list(selectors.price_list_list(actor=request.user, currency=currency))


@router.post("/price-lists", response={201: PriceListOut}, summary="Create a price list")
def create_price_list(request, payload: PriceListIn, response: HttpResponse):
    data = payload.model_dump()
    data["customer_group"] = _group_ref(data.pop("customer_group_id"))
    price_list = services.price_list_create(actor=request.user, **data)
    set_etag(response, price_list)
    return 201, price_list


@router.get("/price-lists/{int:price_list_id}", response=PriceListOut, summary="Get a price list (with ETag)")
def get_price_list(request, price_list_id: int, response: HttpResponse):
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    set_etag(response, price_list)
    return price_list


@router.patch("/price-lists/{int:price_list_id}", response=PriceListOut, summary="Change a price list (If-Match)")
def patch_price_list(request, price_list_id: int, payload: PriceListPatch, response: HttpResponse):
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    data = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    if "customer_group_id" in data:
        data["customer_group"] = _group_ref(data.pop("customer_group_id"))
    services.price_list_update(actor=request.user, price_list=price_list, expected_version=expected, **data)
    set_etag(response, price_list)
    return price_list


@router.get("/price-lists/{int:price_list_id}/prices", response=list[PriceOut], summary="The list's prices")
def list_prices(request, price_list_id: int):
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    return list(selectors.price_list_prices(price_list=price_list))


@router.put("/price-lists/{int:price_list_id}/prices/{int:product_id}", response=PriceOut,
            summary="Set a product's price in the list")
def put_price(request, price_list_id: int, product_id: int, payload: PriceIn):
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    product = selectors.product_get(actor=request.user, product_id=product_id)
    price = services.price_set(actor=request.user, price_list=price_list, product=product,
                               unit_price=payload.unit_price)
    price.refresh_from_db()
    return price


@router.delete("/price-lists/{int:price_list_id}/prices/{int:product_id}", response={204: None},
               summary="Take a product out of the list")
def delete_price(request, price_list_id: int, product_id: int):
    price_list = selectors.price_list_get(actor=request.user, price_list_id=price_list_id)
    product = selectors.product_get(actor=request.user, product_id=product_id)
    services.price_remove(actor=request.user, price_list=price_list, product=product)
    return 204, None


@router.get("/products/{int:product_id}/price", response=ResolvedPriceOut,
            summary="The price a customer pays (their group's list beats the general list)")
def resolve_price(request, product_id: int, currency: str, person_id: int | None = None,
                  organization_id: int | None = None):
    from tillit.people import selectors as people_selectors

    product = selectors.product_get(actor=request.user, product_id=product_id)
    try:
        person = people_selectors.person_get(actor=request.user, person_id=person_id) if person_id else None
        org = (people_selectors.organization_get(actor=request.user, organization_id=organization_id)
               if organization_id else None)
    except NotFound as exc:
        raise ValidationError(exc.message, field="person_id" if person_id else "organization_id") from None
    price = services.price_for(product, currency.upper(), person=person, organization=org)
    return {"product_id": product.pk, "currency": currency.upper(),
            "unit_price": price.unit_price if price else None, "price_list_id": price.price_list_id if price else None}
