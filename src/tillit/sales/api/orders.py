"""Orders API: register (idempotent on external_id), read, status change with If-Match, line deliveries."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.accounts.models import STAFF_ROLES, User
from tillit.core.api import Paging, expected_version, set_etag
from tillit.core.errors import NotFound, ValidationError
from tillit.people import selectors as people_selectors
from tillit.sales.models import Order, Product
from tillit.sales.schemas_orders import OrderFilter, OrderIn, OrderLineOut, OrderLinePatch, OrderOut, OrderStatusIn
from tillit.sales.selectors import orders as selectors
from tillit.sales.services import orders as services

router = Router(tags=["orders"])


def _fresh(request, order_id: int, response: HttpResponse) -> Order:
    order = selectors.order_list(actor=request.user).filter(pk=order_id).prefetch_related("lines").first()
    if order is None:
        raise NotFound(_("No such order."))
    set_etag(response, order)
    return order


def _product(index: int, line: dict) -> Product | None:
    product_id, sku = line.pop("product_id", None), line.pop("sku", None)
    if product_id is None and not sku:
        return None
    product = (Product.objects.filter(pk=product_id) if product_id is not None
               else Product.objects.filter(sku__iexact=sku)).first()
    if product is None:
        raise ValidationError(_("Line %(n)d: no such product.") % {"n": index + 1},
                              field=f"lines[{index}].{'product_id' if product_id is not None else 'sku'}")
    return product


@router.get("/orders", response=list[OrderOut], summary="Orders you may see")
@paginate(Paging, page_size=50, max_page_size=200)
def list_orders(request, filters: Query[OrderFilter]):
    return selectors.order_list(actor=request.user, **filters.model_dump()).prefetch_related("lines")


@router.post("/orders", response={201: OrderOut, 200: OrderOut},
             summary="Register an order for a customer (201; 200 when external_id was registered before)")
def create_order(request, payload: OrderIn, response: HttpResponse):
    data = payload.model_dump()
    try:
        person = (people_selectors.person_get(actor=request.user, person_id=data["person_id"])
                  if data["person_id"] else None)
    except NotFound:
        raise ValidationError(_("No such person."), field="person_id") from None
    try:
        organization = (people_selectors.organization_get(actor=request.user, organization_id=data["organization_id"])
                        if data["organization_id"] else None)
    except NotFound:
        raise ValidationError(_("No such organisation."), field="organization_id") from None
    owner = None
    if data["owner_id"] is not None:
        owner = User.objects.filter(pk=data["owner_id"], is_active=True, role__in=STAFF_ROLES).first()
        if owner is None:
            raise ValidationError(_("No such employee."), field="owner_id")
    lines = [dict(line, product=_product(i, line)) for i, line in enumerate(data["lines"])]
    replay = bool(data["external_id"]) and Order.objects.filter(external_id=data["external_id"].strip()).exists()
    order = services.order_register(actor=request.user, person=person, organization=organization,
                                    currency=data["currency"], lines=lines, order_date=data["order_date"],
                                    external_id=data["external_id"], owner=owner)
    return (200 if replay else 201), _fresh(request, order.pk, response)


@router.get("/orders/{int:order_id}", response=OrderOut, summary="Get an order with its lines (ETag)")
def get_order(request, order_id: int, response: HttpResponse):
    return _fresh(request, order_id, response)


@router.post("/orders/{int:order_id}/status", response=OrderOut,
             summary="Move the order forward or cancel it (If-Match or version required)")
def set_status(request, order_id: int, payload: OrderStatusIn, response: HttpResponse):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    expected = expected_version(request, payload.version)
    services.order_set_status(actor=request.user, order=order, status=payload.status, expected_version=expected)
    return _fresh(request, order_id, response)


@router.patch("/orders/{int:order_id}/lines/{int:line_id}", response=OrderLineOut,
              summary="A line's delivery status and date (the warranty follows)")
def patch_line(request, order_id: int, line_id: int, payload: OrderLinePatch):
    order = selectors.order_get(actor=request.user, order_id=order_id)
    line = selectors.order_line_get(order=order, line_id=line_id)
    return services.order_line_set_delivery(actor=request.user, line=line, **payload.model_dump())
