"""The sales and tasks panels on the person and organisation cards."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tillit.people.models import Organization, Person
from tillit.sales import card as sales_card
from tillit.sales.models import Deal, Order, OrderLine, Pipeline, Product, Quote, Stage
from tillit.tasks import card as tasks_card
from tillit.tasks import services as task_services

TODAY = dt.date(2026, 5, 4)


@pytest.fixture
def sales(actors):
    north = actors["rep_north"]
    person = Person.objects.create(first_name="Kari", last_name="Bråthen", owner=north, team=north.team)
    org = Organization.objects.create(name="Fjord AS", owner=north, team=north.team)
    pipeline = Pipeline.objects.create(name="New business")
    stages = {
        "lead": Stage.objects.create(pipeline=pipeline, name="Lead", probability=10, position=0),
        "won": Stage.objects.create(pipeline=pipeline, name="Won", probability=100, position=1, outcome="won"),
    }
    pump = Product.objects.create(sku="HP-1", name="Air-to-water heat pump", warranty_months=60)
    return {"person": person, "org": org, "pipeline": pipeline, "stages": stages, "pump": pump}


_n = iter(range(1, 10_000))


def deal(sales, owner, title="Heat pump", stage="lead", **party):
    party = party or {"person": sales["person"]}
    return Deal.objects.create(title=title, pipeline=sales["pipeline"], stage=sales["stages"][stage], owner=owner,
                               team=owner.team, value=Decimal("129900.00"), currency="NOK",
                               expected_close_date=TODAY + dt.timedelta(days=30), **party)


def order(sales, owner, *, status="delivered", lines=(("delivered", 20),), **party):
    party = party or {"person": sales["person"]}
    o = Order.objects.create(number=f"O-{next(_n)}", status=status, order_date=TODAY - dt.timedelta(days=400),
                             owner=owner, team=owner.team, **party)
    for i, (delivery, warranty_months_from_today) in enumerate(lines):
        OrderLine.objects.create(
            order=o, position=i, product=sales["pump"], description="Heat pump", unit_price=Decimal("99000"),
            net=Decimal("99000"), delivery_status=delivery,
            delivered_on=TODAY - dt.timedelta(days=300) if delivery == "delivered" else None,
            warranty_until=TODAY + dt.timedelta(days=30 * warranty_months_from_today)
            if warranty_months_from_today is not None else None,
        )
    return o


def test_person_panel_shows_open_deals_owned_products_and_quotes(actors, sales):
    north = actors["rep_north"]
    open_deal = deal(sales, north, "Heat pump for the house")
    deal(sales, north, "Old won deal", stage="won")
    order(sales, north, lines=(("delivered", 20), ("delivered", -2), ("pending", None)))
    order(sales, north, status="cancelled", lines=(("cancelled", None),))
    Quote.objects.create(number="Q-1", deal=open_deal, person=sales["person"], owner=north, team=north.team,
                         status="sent", valid_until=TODAY + dt.timedelta(days=10), total=Decimal("1000"))
    Quote.objects.create(number="Q-2", deal=open_deal, person=sales["person"], owner=north, team=north.team,
                         status="accepted", valid_until=TODAY + dt.timedelta(days=10))
    panel = sales_card.panel(north, person=sales["person"], today=TODAY)
    card = panel["sales"]
    assert [d.title for d in card.deals] == ["Heat pump for the house"]
    assert [line.warranty_state for line in card.products] == ["under", "expired", ""]
    assert [q.number for q in card.quotes] == ["Q-1"]


def test_a_rep_does_not_see_a_colleagues_deal_or_order_on_the_card(actors, sales):
    north, north2 = actors["rep_north"], actors["rep_north2"]
    deal(sales, north, "Mine")
    deal(sales, north2, "Colleague's")
    order(sales, north2)
    card = sales_card.panel(north, person=sales["person"], today=TODAY)["sales"]
    assert [d.title for d in card.deals] == ["Mine"] and card.products == []
    card = sales_card.panel(actors["manager_north"], person=sales["person"], today=TODAY)["sales"]
    assert {d.title for d in card.deals} == {"Mine", "Colleague's"} and len(card.products) == 1
    assert sales_card.panel(actors["partner"], person=sales["person"], today=TODAY)["sales"].is_empty


def test_organisation_card_panel(actors, sales):
    north = actors["rep_north"]
    deal(sales, north, "Office heating", organization=sales["org"])
    order(sales, north, organization=sales["org"])
    card = sales_card.panel(north, organization=sales["org"], today=TODAY)["sales"]
    assert [d.title for d in card.deals] == ["Office heating"] and len(card.products) == 1
    assert sales_card.panel(north, person=sales["person"], today=TODAY)["sales"].is_empty


def test_card_pages_render_the_panels_with_empty_states(login, actors, sales):
    client = login(actors["rep_north"])
    html = client.get(f"/persons/{sales['person'].pk}/").content.decode()
    assert 'data-testid="sales-panel"' in html and 'data-testid="no-deals"' in html
    assert 'data-testid="no-products"' in html and 'data-testid="tasks-empty"' in html
    html = client.get(f"/organizations/{sales['org'].pk}/").content.decode()
    assert 'data-testid="sales-panel"' in html and 'data-testid="tasks-panel"' in html


def test_card_page_shows_deals_products_and_tasks(login, actors, sales):
    north = actors["rep_north"]
    d = deal(sales, north, "Heat pump for the house")
    o = order(sales, north)
    task_services.task_create(actor=north, title="Call about the offer", person=sales["person"],
                              due_date=timezone.localdate() - dt.timedelta(days=1))
    html = login(north).get(f"/persons/{sales['person'].pk}/").content.decode()
    assert f'href="/deals/{d.pk}/"' in html and f'href="/orders/{o.pk}/"' in html
    assert "under warranty" in html and "Call about the offer" in html and 'class="overdue"' in html


def _panel_queries(actor, **party) -> int:
    with CaptureQueriesContext(connection) as ctx:
        sales_card.panel(actor, today=TODAY, **party)
        tasks_card.panel(actor, **party)
    return len(ctx.captured_queries)


def test_panels_take_a_fixed_number_of_queries(actors, sales):
    north = actors["rep_north"]
    deal(sales, north)
    order(sales, north)
    task_services.task_create(actor=north, title="t", person=sales["person"])
    few = _panel_queries(north, person=sales["person"])
    for i in range(15):
        d = deal(sales, north, f"Deal {i}")
        order(sales, north, lines=(("delivered", 5), ("shipped", None)))
        Quote.objects.create(number=f"Q-{i}", deal=d, person=sales["person"], owner=north, team=north.team,
                             valid_until=TODAY)
        task_services.task_create(actor=north, title=f"t{i}", person=sales["person"], deal=d)
    assert _panel_queries(north, person=sales["person"]) == few <= 4
    assert _panel_queries(north, organization=sales["org"]) <= 4


@pytest.mark.parametrize(("who", "sees_colleagues"), [("rep_north", False), ("manager_north", True),
                                                      ("admin", True), ("service", True)])
def test_card_page_respects_deal_and_order_access_per_role(login, actors, sales, who, sees_colleagues):
    north, north2 = actors["rep_north"], actors["rep_north2"]
    deal(sales, north, "Own deal")
    deal(sales, north2, "Colleague deal")
    o = order(sales, north2)
    html = login(actors[who]).get(f"/persons/{sales['person'].pk}/").content.decode()
    assert "Own deal" in html
    assert ("Colleague deal" in html) == sees_colleagues
    assert (f'href="/orders/{o.pk}/"' in html) == sees_colleagues


def test_people_who_cannot_see_the_customer_get_no_card(login, actors, sales):
    deal(sales, actors["rep_north"], "Own deal")
    for who in ("rep_south", "rep_north2"):
        response = login(actors[who]).get(f"/persons/{sales['person'].pk}/")
        assert response.status_code == 404 and "Own deal" not in response.content.decode()
