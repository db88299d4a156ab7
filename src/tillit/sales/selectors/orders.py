"""Reads of orders: visible by their owner and team (copied from the quote, or set on registration)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import NotFound
from tillit.sales.models import Order, OrderLine, OrderStatus


def order_list(*, actor: User, status: str = "", mine: bool = False, person_id: int | None = None,
               organization_id: int | None = None) -> QuerySet[Order]:
    ensure_staff(actor)
    qs = restrict(Order.objects.all(), actor)
    if status:
        if status not in OrderStatus.values:
            return qs.none()
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(owner=actor)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    return qs.select_related("person", "organization", "owner", "quote").order_by("-order_date", "-id")


def order_get(*, actor: User, order_id: int) -> Order:
    ensure_staff(actor)
    order = (
        restrict(Order.objects.select_related("person", "organization", "owner", "team", "quote", "deal"), actor)
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."))
    return order


def order_lines(*, order: Order) -> list[OrderLine]:
    lines = list(order.lines.select_related("product").order_by("position", "id"))
    for line in lines:
        line.order = order
    return lines


def order_line_get(*, order: Order, line_id: int) -> OrderLine:
    line = order.lines.select_related("product").filter(pk=line_id).first()
    if line is None:
        raise NotFound(_("No such line."))
    line.order = order
    return line
