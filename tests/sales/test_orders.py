"""Orders: registered directly or from a quote; forward-only status; deliveries and warranty; the log."""

import datetime as dt

import pytest

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import D
from tillit.core.errors import Conflict, NotFound, ValidationError
from tillit.insight.summary import purchase_summary
from tillit.interactions.models import Interaction
from tillit.sales.models import DeliveryStatus, Order, OrderStatus
from tillit.sales.services import orders as svc

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def order(actors, customer, products, nok_list):
    return svc.order_register(
        actor=actors["rep_north"], organization=customer["org"], person=customer["person"], currency="NOK",
        order_date=DAY, lines=[{"product": products["pump"], "quantity": "1"},
                               {"product": products["install"], "quantity": "6", "unit_price": "900"},
                               {"description": "Frakt", "unit_price": "499", "vat_rate": "25"}],
    )


def test_a_direct_order_prices_from_the_list_and_totals_exactly(order):
    assert order.number == "O-2026-0001" and order.status == OrderStatus.REGISTERED
    lines = list(order.lines.order_by("position"))
    assert [(line.list_price, line.unit_price) for line in lines] == [
        (D("24990"), D("24990")), (D("950"), D("900")), (None, D("499"))]
    assert order.subtotal == D("24990") + D("5400") + D("499")
    assert order.vat_total == sum(line.vat for line in lines)
    assert order.total == order.subtotal + order.vat_total
    assert order.owner.username == "rep_north" and order.team.name == "North"
    logged = Interaction.objects.get(kind="order", external_id=f"order-{order.pk}-placed")
    assert logged.channel == "internal" and logged.payload["order"] == order.pk and logged.amount == order.total
    assert "quote" not in logged.payload and "deal" not in logged.payload


def test_replaying_an_external_id_returns_the_stored_order(actors, customer, products, nok_list):
    kwargs = {"actor": actors["rep_north"], "organization": customer["org"], "currency": "NOK",
              "external_id": "ERP-1001", "lines": [{"product": products["pump"]}]}
    first = svc.order_register(**kwargs)
    again = svc.order_register(**kwargs)
    assert first.pk == again.pk and Order.objects.count() == 1
    assert Interaction.objects.filter(kind="order").count() == 1


@pytest.mark.parametrize(("lines", "field"), [
    ([], "lines"),
    ([{"description": "x"}], "lines[0].unit_price"),
    ([{"product": None, "unit_price": "10"}], "lines[0].description"),
    ([{"description": "ok", "unit_price": "1"}, {"description": "x", "unit_price": "1", "quantity": "-2"}],
     "lines[1].quantity"),
])
def test_bad_lines_name_the_line_and_nothing_is_written(actors, customer, lines, field):
    with pytest.raises(ValidationError) as error:
        svc.order_register(actor=actors["rep_north"], organization=customer["org"], currency="NOK", lines=lines)
    assert error.value.field == field
    assert not Order.objects.exists()


def test_a_rep_cannot_register_for_a_customer_they_cannot_see(actors, customer):
    with pytest.raises(NotFound):
        svc.order_register(actor=actors["rep_south"], organization=customer["org"], currency="NOK",
                           lines=[{"description": "x", "unit_price": "1"}])


def test_status_moves_forward_and_delivery_starts_the_warranty(actors, order):
    rep = actors["rep_north"]
    svc.order_set_status(actor=rep, order=order, status="confirmed", expected_version=order.version)
    svc.order_set_status(actor=rep, order=order, status="shipped", expected_version=order.version)
    assert set(order.lines.values_list("delivery_status", flat=True)) == {DeliveryStatus.SHIPPED}
    with pytest.raises(ValidationError):
        svc.order_set_status(actor=rep, order=order, status="registered", expected_version=order.version)
    svc.order_set_status(actor=rep, order=order, status="delivered", expected_version=order.version,
                         today=dt.date(2026, 1, 31))
    pump = order.lines.get(description__startswith="Varmepumpe")
    install = order.lines.get(description="Installasjon")
    assert pump.delivered_on == dt.date(2026, 1, 31)
    assert pump.warranty_until == dt.date(2031, 1, 31)  # 60 months
    assert install.warranty_until is None  # no warranty on the product
    assert order.delivered_on == dt.date(2026, 1, 31)
    with pytest.raises(ValidationError):
        svc.order_set_status(actor=rep, order=order, status="cancelled", expected_version=order.version)
    events = dict(Interaction.objects.filter(kind="order").values_list("outcome", "amount"))
    assert events == {"placed": order.total, "confirmed": None, "shipped": None, "delivered": None}
    # The value figures see one purchase of the order's total, not one per status change.
    kind = "person" if order.person_id else "organization"
    summary = purchase_summary(kind, end=dt.date.today() + dt.timedelta(days=1))
    assert summary.occasions.tolist() == [1] and summary.revenue.tolist() == [float(order.total)]


def test_a_stale_status_change_is_refused(actors, order):
    svc.order_set_status(actor=actors["rep_north"], order=order, status="confirmed", expected_version=order.version)
    stale = Order.objects.get(pk=order.pk)
    stale.version -= 1
    with pytest.raises(Conflict):
        svc.order_set_status(actor=actors["rep_north"], order=stale, status="shipped", expected_version=stale.version)


def test_cancelling_cancels_the_lines_not_delivered(actors, order):
    pump = order.lines.get(description__startswith="Varmepumpe")
    svc.order_line_set_delivery(actor=actors["rep_north"], line=pump, delivery_status="delivered",
                                delivered_on=dt.date(2026, 2, 28), today=DAY)
    pump.refresh_from_db()
    assert pump.warranty_until == dt.date(2031, 2, 28)
    svc.order_set_status(actor=actors["rep_north"], order=order, status="cancelled", expected_version=order.version)
    statuses = dict(order.lines.values_list("description", "delivery_status"))
    assert statuses["Installasjon"] == DeliveryStatus.CANCELLED
    assert statuses[pump.description] == DeliveryStatus.DELIVERED


def test_a_line_cannot_be_delivered_in_the_future(actors, order):
    line = order.lines.first()
    with pytest.raises(ValidationError) as error:
        svc.order_line_set_delivery(actor=actors["rep_north"], line=line, delivery_status="delivered",
                                    delivered_on=DAY + dt.timedelta(days=1), today=DAY)
    assert error.value.field == "delivered_on"


def test_warranty_handles_month_ends():
    assert svc.warranty_until(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert svc.warranty_until(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert svc.warranty_until(None, 12) is None and svc.warranty_until(dt.date(2026, 1, 1), None) is None


@pytest.mark.parametrize(("who", "status"), [
    ("rep_north", 200), ("manager_north", 200), ("admin", 200), ("rep_north2", 404), ("rep_south", 404),
    ("partner", 403), ("customer", 403),
])
def test_order_page_access_per_role(order, login, actors, who, status):
    assert login(actors[who]).get(f"/orders/{order.pk}/").status_code == status


def test_order_page_and_status_buttons(order, login, actors):
    client = login(actors["rep_north"])
    body = client.get(f"/orders/{order.pk}/").content.decode()
    assert order.number in body and "24,990.00" in body and 'data-testid="status-confirmed"' in body
    response = client.post(f"/orders/{order.pk}/status/", {"status": "confirmed", "version": order.version},
                           follow=True)
    assert "is confirmed" in response.content.decode()
    response = client.post(f"/orders/{order.pk}/status/", {"status": "shipped", "version": order.version},
                           follow=True)
    assert "changed this order meanwhile" in response.content.decode()


def test_order_list_per_role_and_query_count(order, login, actors, customer, django_assert_max_num_queries):
    client = login(actors["rep_north"])
    for n in range(5):
        svc.order_register(actor=actors["rep_north"], organization=customer["org"], currency="NOK",
                           lines=[{"description": f"Service {n}", "unit_price": "100"}])
    with django_assert_max_num_queries(12):
        body = client.get("/orders/?scope=all").content.decode()
    assert order.number in body and body.count('href="/orders/') >= 6
    assert order.number not in login(actors["rep_south"]).get("/orders/?scope=all").content.decode()


def test_register_order_page(login, actors, customer, products, nok_list):
    client = login(actors["rep_north"])
    assert client.get("/orders/new/").status_code == 200
    response = client.post("/orders/new/", {
        "organization": f"{customer['org'].name} (#{customer['org'].pk})", "currency": "NOK",
        "line0_product": products["pump"].pk, "line0_quantity": "2",
        "line1_description": "Frakt", "line1_unit_price": "abc",
    })
    assert response.status_code == 200 and "Line 2" in response.content.decode()
    assert not Order.objects.exists()
    response = client.post("/orders/new/", {
        "organization": f"{customer['org'].name} (#{customer['org'].pk})", "currency": "NOK",
        "line0_product": products["pump"].pk, "line0_quantity": "2",
    })
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.pk}/"
    assert order.total == D("62475.00")


def test_more_lines_keeps_what_was_typed_and_registers_every_line(login, actors, customer, products, nok_list):
    client = login(actors["rep_north"])
    org = f"{customer['org'].name} (#{customer['org'].pk})"
    typed = {"organization": org, "currency": "NOK", "line_rows_count": "5",
             "line0_product": products["pump"].pk, "line0_quantity": "2", "more_lines": "1"}
    page = client.post("/orders/new/", typed)
    assert page.status_code == 200 and not Order.objects.exists()
    form = page.context["form"]
    assert form.rows == 10 and not form.is_bound
    assert 'name="line9_description"' in page.content.decode()
    assert f'value="{products["pump"].pk}" selected' in page.content.decode()
    lines = {"organization": org, "currency": "NOK", "line_rows_count": "10",
             "line0_product": products["pump"].pk, "line0_quantity": "2",
             "line8_description": "Frakt", "line8_quantity": "1", "line8_unit_price": "500"}
    response = client.post("/orders/new/", lines)
    assert response.status_code == 302
    assert Order.objects.get().lines.count() == 2
