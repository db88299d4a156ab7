"""Order pages: the list, registering an order directly, the order with its status and line deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tillit.core.errors import Conflict, DomainError, NotFound
from tillit.people import selectors as people_selectors
from tillit.sales.forms_orders import LINE_ROWS, LineDeliveryForm, OrderRegisterForm, OrderStatusForm
from tillit.sales.models import DeliveryStatus, OrderStatus
from tillit.sales.selectors import orders as selectors
from tillit.sales.services import orders as services

PAGE_SIZE = 50
STATUS_ACTIONS = {
    OrderStatus.CONFIRMED: gettext_lazy("Confirm"), OrderStatus.SHIPPED: gettext_lazy("Mark as shipped"),
    OrderStatus.DELIVERED: gettext_lazy("Mark as delivered"), OrderStatus.CANCELLED: gettext_lazy("Cancel the order"),
}


def _order(request: HttpRequest, order_id: int):
    try:
        return selectors.order_get(actor=request.user, order_id=order_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def order_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    mine = request.GET.get("scope", "mine" if request.user.role == "sales" else "") == "mine"
    qs = selectors.order_list(actor=request.user, status=status, mine=mine)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "mine": mine, "statuses": OrderStatus.choices, "filtered": bool(status)}
    template = "sales/orders/order_list.html#results" if request.htmx else "sales/orders/order_list.html"
    return render(request, template, context)


def order_create(request: HttpRequest) -> HttpResponse:
    person = None
    person_id = request.GET.get("person") or request.POST.get("person_id")
    if person_id and str(person_id).isdigit():
        try:
            person = people_selectors.person_get(actor=request.user, person_id=int(person_id))
        except NotFound:
            person = None
    if request.method == "POST" and "more_lines" in request.POST:
        # Show more empty rows, keeping what was typed; nothing is saved or validated yet.
        typed = request.POST.dict()
        try:
            rows = int(typed.get("line_rows_count") or LINE_ROWS) + LINE_ROWS
        except ValueError:
            rows = 2 * LINE_ROWS
        typed["line_rows_count"] = rows
        form = OrderRegisterForm(initial=typed, actor=request.user, rows=rows)
        return render(request, "sales/orders/order_form.html", {"form": form, "person": person})
    form = OrderRegisterForm(request.POST or None, actor=request.user,
                             initial={"person_id": person.pk if person else None})
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_register(
                actor=request.user, person=person, organization=form.cleaned_data["organization"],
                currency=form.cleaned_data["currency"], order_date=form.cleaned_data["order_date"],
                external_id=form.cleaned_data["external_id"], lines=form.lines(),
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            if exc.field and exc.field.startswith("lines["):
                index, _dot, name = exc.field[6:].partition("].")
                field = f"line{index}_{name}" if f"line{index}_{name}" in form.fields else None
            if exc.field == "person":
                field = "organization"
            form.add_error(field, exc.message)
        else:
            messages.success(request, _("Order %(number)s is registered.") % {"number": order.number})
            return redirect("sales:order", order_id=order.pk)
    return render(request, "sales/orders/order_form.html", {"form": form, "person": person})


def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    lines = selectors.order_lines(order=order)
    return render(request, "sales/orders/order_detail.html", {
        "order": order, "lines": lines, "next_statuses": _next_statuses(order.status),
        "delivery_choices": DeliveryStatus.choices,
    })


def _next_statuses(current: str) -> list[tuple[str, str]]:
    forward = [s.value for s in services.FORWARD]
    if current not in forward or current == OrderStatus.DELIVERED:
        return []
    following = forward[forward.index(current) + 1:]
    return [(s, STATUS_ACTIONS[s]) for s in following] + [(OrderStatus.CANCELLED.value,
                                                           STATUS_ACTIONS[OrderStatus.CANCELLED])]


@require_POST
def order_status(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    form = OrderStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("sales:order", order_id=order.pk)
    try:
        services.order_set_status(actor=request.user, order=order, status=form.cleaned_data["status"],
                                  expected_version=form.cleaned_data["version"])
    except Conflict:
        messages.error(request, _("Someone else changed this order meanwhile; here is the latest version."))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Order %(number)s is %(status)s.")
                         % {"number": order.number, "status": order.get_status_display().lower()})
    return redirect("sales:order", order_id=order.pk)


@require_POST
def order_line_delivery(request: HttpRequest, order_id: int, line_id: int) -> HttpResponse:
    order = _order(request, order_id)
    try:
        line = selectors.order_line_get(order=order, line_id=line_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = LineDeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a delivery status and a valid date."))
        return redirect("sales:order", order_id=order.pk)
    try:
        services.order_line_set_delivery(actor=request.user, line=line, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Delivery of %(line)s is saved.") % {"line": line.description})
    return redirect("sales:order", order_id=order.pk)
