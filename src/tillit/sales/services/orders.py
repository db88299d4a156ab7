"""Every write to orders: from an accepted quote, registered directly (pages, API, ERP), status and delivery.

Rules:

- Numbers are ``O-<year>-<seq>``, unique (insert and retry, as for quotes).
- Lines keep the list price and the price actually charged; net/VAT/totals use the same rounding as
  quotes (``tillit.sales.pricing``), so an order from a quote has exactly the quote's totals.
- Status only moves forward: registered → confirmed → shipped → delivered; ``cancelled`` from any
  status before delivered. Shipping marks pending lines shipped; delivering marks the open lines
  delivered that day; cancelling cancels the lines not yet delivered.
- A delivered line's ``warranty_until`` = delivered date + the product's warranty months.
- Direct registration is idempotent on ``external_id`` (an ERP may replay): the stored order is returned.
- Placing an order and each status change write an interaction (kind ``order``, channel
  ``internal``, ``external_id`` ``order-<id>-<status>``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.access import ensure_can_read, ensure_can_see, ensure_staff
from tillit.core.errors import ValidationError
from tillit.core.money import clean_currency
from tillit.core.versioning import save_versioned
from tillit.people.models import Organization, Person
from tillit.sales import pricing
from tillit.sales.models import DeliveryStatus, Order, OrderLine, OrderStatus, Product, Quote
from tillit.sales.services.catalog import price_for
from tillit.sales.services.quotes import clean_line_values, create_numbered

OPEN_LINES = (DeliveryStatus.PENDING, DeliveryStatus.SHIPPED)
FORWARD = [OrderStatus.REGISTERED, OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED]


def warranty_until(delivered_on: dt.date | None, months: int | None) -> dt.date | None:
    if delivered_on is None or not months:
        return None
    return delivered_on + relativedelta(months=months)


def _log(order: Order, *, actor: User | None, event: str, when: dt.datetime) -> None:
    from tillit.interactions import messages
    from tillit.interactions.services import log_interaction
    from tillit.sales.messages import ORDER_EVENT

    subject = messages.message(ORDER_EVENT, number=order.number, event=str(event))
    log_interaction(
        actor=None, channel="internal", kind="order", person=order.person, organization=order.organization,
        handled_by=actor, occurred_at=when, subject=messages.render(subject)[:200],
        # Only placing the order is the purchase: a status change carrying the total again would count it
        # once more in every figure built from the log (RFM, lifetime value, revenue).
        outcome=event, amount=order.total if event == "placed" else None, currency=order.currency, source="tillit",
        external_id=f"order-{order.pk}-{event}",
        payload={"order": order.pk, **({"quote": order.quote_id} if order.quote_id else {}),
                 **({"deal": order.deal_id} if order.deal_id else {}), **messages.stored(subject=subject)},
    )


def _apply_totals(order: Order, lines: list[OrderLine], *, quote_discount: Decimal = Decimal(0)) -> None:
    result = pricing.compute(
        [pricing.LineInput(line.quantity, line.unit_price, line.discount_percent, line.vat_rate) for line in lines],
        quote_discount_percent=quote_discount, currency=order.currency,
    )
    for line, amounts in zip(lines, result.lines, strict=True):
        line.net, line.vat = amounts.net, amounts.vat
    order.subtotal, order.discount_total = result.subtotal, result.discount_total
    order.vat_total, order.total = result.vat_total, result.total


@transaction.atomic
def order_create_from_quote(*, actor: User, quote: Quote, today: dt.date | None = None) -> Order:
    """The order for an accepted quote (called by ``quote_accept``); one order per quote."""
    ensure_staff(actor)
    existing = Order.objects.filter(quote=quote).first()
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    order = create_numbered(
        Order, "O", today.year, quote=quote, deal_id=quote.deal_id, person=quote.person,
        organization=quote.organization, owner=quote.owner, team=quote.team, currency=quote.currency,
        order_date=today, created_by=actor, subtotal=quote.subtotal, discount_total=quote.discount_total,
        vat_total=quote.vat_total, total=quote.total,
    )
    OrderLine.objects.bulk_create([
        OrderLine(order=order, position=line.position, product_id=line.product_id, description=line.description,
                  quantity=line.quantity, unit=line.unit, list_price=line.list_price, unit_price=line.unit_price,
                  discount_percent=line.discount_percent, vat_rate=line.vat_rate, net=line.net, vat=line.vat)
        for line in quote.lines.all()
    ])
    _log(order, actor=actor, event="placed", when=timezone.now())
    return order


def _default_owner(actor: User, person: Person | None, organization: Organization | None) -> User | None:
    if actor.role == Role.SALES:
        return actor
    record = organization or person
    return record.owner if record is not None and record.owner_id else actor


@transaction.atomic
def order_register(*, actor: User, person: Person | None = None, organization: Organization | None = None,
                   currency: str, lines: list[dict[str, Any]], order_date: dt.date | None = None,
                   external_id: str | None = None, owner: User | None = None) -> Order:
    """Register an order directly for a customer (no quote): the order form, the API and ERP imports.

    Each line: ``product`` (a Product) and/or ``description``, ``quantity``, ``unit_price`` (default:
    the customer's price list), ``discount_percent``, ``vat_rate`` (default: the product's).
    Errors name the line: ``lines[2].unit_price``.
    """
    ensure_staff(actor)
    if person is None and organization is None:
        raise ValidationError(_("Name a person or an organisation."), field="person")
    for record in (person, organization):
        if record is not None:
            ensure_can_read(actor, record)
    external_id = (external_id or "").strip() or None
    if external_id:
        existing = Order.objects.filter(external_id=external_id).first()
        if existing is not None:
            ensure_can_see(actor, existing)
            return existing
    currency = clean_currency(currency)
    if not lines:
        raise ValidationError(_("An order needs at least one line."), field="lines")
    order_date = order_date or timezone.localdate()
    built = [_order_line(index, fields, currency, person, organization, order_date)
             for index, fields in enumerate(lines)]
    owner = owner or _default_owner(actor, person, organization)
    order = Order(person=person, organization=organization, owner=owner, team=owner.team if owner else None,
                  currency=currency, order_date=order_date, external_id=external_id, created_by=actor)
    _apply_totals(order, built)
    values = {f.name: getattr(order, f.name) for f in Order._meta.concrete_fields if f.name not in ("id", "number")}
    order = create_numbered(Order, "O", order_date.year, **values)
    for line in built:
        line.order = order
    OrderLine.objects.bulk_create(built)
    _log(order, actor=actor, event="placed", when=timezone.now())
    return order


def _order_line(index: int, fields: dict[str, Any], currency: str, person, organization, on: dt.date) -> OrderLine:
    fields = {k: v for k, v in fields.items() if v is not None and v != ""}
    product = fields.pop("product", None)
    try:
        if product is not None and not isinstance(product, Product):
            raise ValidationError(_("No such product."), field="product")
        list_price = None
        if product is not None:
            price = price_for(product, currency, person=person, organization=organization, on=on)
            list_price = price.unit_price if price else None
            fields.setdefault("description", product.name)
            fields.setdefault("unit", product.unit)
            fields.setdefault("vat_rate", product.vat_rate)
            if list_price is not None:
                fields.setdefault("unit_price", list_price)
        if not fields.get("description"):
            raise ValidationError(_("Pick a product or describe the line."), field="description")
        if "unit_price" not in fields:
            raise ValidationError(_("Enter a price (no price list has this product)."), field="unit_price")
        values = clean_line_values({"quantity": Decimal(1), "discount_percent": Decimal(0), "vat_rate": Decimal(25),
                               **fields})
    except ValidationError as exc:
        field = f"lines[{index}].{exc.field}"
        message = _("Line %(n)d: %(error)s") % {"n": index + 1, "error": exc.message}
        raise ValidationError(message, field=field) from None
    return OrderLine(position=index + 1, product=product, list_price=list_price, **values)


@transaction.atomic
def order_set_status(*, actor: User, order: Order, status: str, expected_version: int | None,
                     today: dt.date | None = None) -> Order:
    ensure_staff(actor)
    ensure_can_see(actor, order)
    if status not in OrderStatus.values:
        raise ValidationError(_("Unknown status; use one of: %(s)s.") % {"s": ", ".join(OrderStatus.values)},
                              field="status")
    current = order.status
    if status == current:
        return order
    if current in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
        raise ValidationError(_("The order is %(status)s; its status no longer changes.")
                              % {"status": order.get_status_display().lower()}, field="status")
    if status != OrderStatus.CANCELLED and FORWARD.index(status) < FORWARD.index(current):
        raise ValidationError(_("An order only moves forward (it is %(status)s).")
                              % {"status": order.get_status_display().lower()}, field="status")
    today = today or timezone.localdate()
    order.status = status
    fields = ["status"]
    if status == OrderStatus.DELIVERED:
        order.delivered_on = today
        fields.append("delivered_on")
    save_versioned(order, expected_version=expected_version, update_fields=fields)
    lines = list(order.lines.select_related("product"))
    changed = []
    for line in lines:
        if status == OrderStatus.SHIPPED and line.delivery_status == DeliveryStatus.PENDING:
            line.delivery_status = DeliveryStatus.SHIPPED
        elif status == OrderStatus.DELIVERED and line.delivery_status in OPEN_LINES:
            _deliver(line, today)
        elif status == OrderStatus.CANCELLED and line.delivery_status != DeliveryStatus.DELIVERED:
            line.delivery_status = DeliveryStatus.CANCELLED
        else:
            continue
        changed.append(line)
    if changed:
        OrderLine.objects.bulk_update(changed, ["delivery_status", "delivered_on", "warranty_until"])
    _log(order, actor=actor, event=status, when=timezone.now())
    return order


def _deliver(line: OrderLine, on: dt.date) -> None:
    line.delivery_status = DeliveryStatus.DELIVERED
    line.delivered_on = line.delivered_on or on
    line.warranty_until = warranty_until(line.delivered_on, line.product.warranty_months if line.product else None)


@transaction.atomic
def order_line_set_delivery(*, actor: User, line: OrderLine, delivery_status: str,
                            delivered_on: dt.date | None = None, today: dt.date | None = None) -> OrderLine:
    """One line's delivery (part deliveries); the warranty starts on the day it was delivered."""
    order = line.order
    ensure_staff(actor)
    ensure_can_see(actor, order)
    if order.status == OrderStatus.CANCELLED:
        raise ValidationError(_("The order is cancelled."), field="delivery_status")
    if delivery_status not in DeliveryStatus.values:
        raise ValidationError(_("Unknown delivery status; use one of: %(s)s.")
                              % {"s": ", ".join(DeliveryStatus.values)}, field="delivery_status")
    today = today or timezone.localdate()
    if delivered_on is not None and delivered_on > today:
        raise ValidationError(_("A delivery date cannot be in the future."), field="delivered_on")
    line.delivery_status = delivery_status
    if delivery_status == DeliveryStatus.DELIVERED:
        line.delivered_on = delivered_on or line.delivered_on or today
        line.warranty_until = warranty_until(line.delivered_on, line.product.warranty_months if line.product else None)
    else:
        line.delivered_on = line.warranty_until = None
    line.save(update_fields=["delivery_status", "delivered_on", "warranty_until"])
    return line
