"""The card over the API is the whole card: the modules' panels, read from the same registry as the page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tillit.accounts.services import api_token_create
from tillit.card.panels import PANELS
from tillit.interactions.models import Interaction
from tillit.sales.models import Deal, Order, OrderLine, Pipeline, Product, Quote, Stage
from tillit.service import services as case_services
from tillit.tasks import services as task_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(actors):
    def _api(who: str) -> Client:
        _token, key = api_token_create(user=actors[who], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return _api


@pytest.fixture
def customer(actors, make_person, make_org):
    """Kari (rep_north's) with an open deal of hers and one of a colleague, a kept heat pump under warranty,
    a sent quote, an open task, an open case with an SLA-free clock and a campaign touch."""
    north, north2 = actors["rep_north"], actors["rep_north2"]
    person, org = make_person(), make_org()
    pipeline = Pipeline.objects.create(name="New business")
    lead = Stage.objects.create(pipeline=pipeline, name="Lead", probability=10, position=0)
    today = timezone.localdate()
    own = Deal.objects.create(title="Heat pump", pipeline=pipeline, stage=lead, owner=north, team=north.team,
                              value=Decimal("129900.00"), person=person, expected_close_date=today)
    Deal.objects.create(title="Colleague's solar", pipeline=pipeline, stage=lead, owner=north2, team=north2.team,
                        value=Decimal("1000"), person=person)
    Deal.objects.create(title="Office heating", pipeline=pipeline, stage=lead, owner=north, team=north.team,
                        value=Decimal("5000"), organization=org)
    pump = Product.objects.create(sku="HP-1", name="Air-to-water heat pump", warranty_months=60)
    order = Order.objects.create(number="O-1", status="delivered", order_date=today - dt.timedelta(days=30),
                                 owner=north, team=north.team, person=person)
    OrderLine.objects.create(order=order, position=0, product=pump, description="Heat pump", unit_price=Decimal("9"),
                             net=Decimal("9"), delivery_status="delivered", delivered_on=today - dt.timedelta(days=20),
                             warranty_until=today + dt.timedelta(days=900))
    Quote.objects.create(number="Q-1", deal=own, person=person, owner=north, team=north.team, status="sent",
                         valid_until=today + dt.timedelta(days=10), total=Decimal("1000"))
    task_services.task_create(actor=north, title="Call about the offer", person=person, due_date=today)
    case = case_services.case_create(actor=actors["service"], person=person, subject="Noisy pump")
    Interaction.objects.create(person=person, channel="email", kind="email_sent", campaign="spring",
                               occurred_at=timezone.now())
    return {"person": person, "org": org, "deal": own, "case": case}


def test_person_card_api_has_every_panel_of_the_page(api, login, actors, customer):
    person = customer["person"]
    body = api("rep_north").get(f"/api/v1/persons/{person.pk}/card").json()
    panels = body["panels"]
    assert list(panels) == ["value", "sales", "tasks", "service", "marketing"]
    assert [d["title"] for d in panels["sales"]["deals"]] == ["Heat pump"]  # not the colleague's
    assert panels["sales"]["deals"][0]["stage"]["name"] == "Lead"
    product = panels["sales"]["products"][0]
    assert (product["product"]["sku"], product["delivery_status"], product["warranty_state"]) == (
        "HP-1", "delivered", "under")
    assert [q["number"] for q in panels["sales"]["quotes"]] == ["Q-1"]
    assert [(t["title"], t["bucket"]) for t in panels["tasks"]["tasks"]] == [("Call about the offer", "today")]
    assert [c["number"] for c in panels["service"]["cases"]] == [customer["case"].number]
    assert panels["service"]["total"] == 1
    assert [c["code"] for c in panels["marketing"]["campaigns"]] == ["spring"]

    # The page shows the same records, from the same panel data.
    page = login(actors["rep_north"]).get(f"/persons/{person.pk}/")
    shown = {p["key"]: p for p in page.context["panels"]}
    assert [d.pk for d in shown["sales"]["sales"].deals] == [d["id"] for d in panels["sales"]["deals"]]
    assert [t.pk for t in shown["tasks"]["tasks"]] == [t["id"] for t in panels["tasks"]["tasks"]]
    assert [c.pk for c in shown["service"]["cases"]] == [c["id"] for c in panels["service"]["cases"]]


def test_a_manager_sees_the_colleagues_deal_on_the_api_card_as_on_the_page(api, customer):
    body = api("manager_north").get(f"/api/v1/persons/{customer['person'].pk}/card").json()
    assert {d["title"] for d in body["panels"]["sales"]["deals"]} == {"Heat pump", "Colleague's solar"}


def test_sla_clock_of_an_open_case_is_on_the_api_card(api, actors, customer):
    from tillit.service.models_sla import CaseSla

    now = timezone.now()
    CaseSla.objects.create(case=customer["case"], started_at=now, resolution_started_at=now,
                           resolution_due_at=now + dt.timedelta(hours=5), next_due_at=now + dt.timedelta(hours=5))
    case = api("service").get(f"/api/v1/persons/{customer['person'].pk}/card").json()["panels"]["service"]["cases"][0]
    assert case["sla"]["state"] == "running" and case["sla"]["tone"] == "ok" and "left" in case["sla"]["text"]
    assert case["sla"]["next_due_at"] is not None


def test_organization_card_api_has_the_panels(api, customer):
    body = api("rep_north").get(f"/api/v1/organizations/{customer['org'].pk}/card").json()
    assert [d["title"] for d in body["panels"]["sales"]["deals"]] == ["Office heating"]
    assert body["panels"]["tasks"]["tasks"] == [] and body["panels"]["service"]["cases"] == []


def test_outsiders_get_no_card_and_no_panels(api, customer):
    response = api("rep_south").get(f"/api/v1/persons/{customer['person'].pk}/card")
    assert response.status_code == 404 and "Heat pump" not in response.content.decode()


def test_a_colleague_with_a_deal_of_her_own_reads_the_card_without_the_owners_deals(api, customer):
    # rep_north2's open deal with the customer grants her the card (core.access); rep_north's deals stay hidden.
    response = api("rep_north2").get(f"/api/v1/persons/{customer['person'].pk}/card")
    assert response.status_code == 200
    titles = [deal["title"] for deal in response.json()["panels"]["sales"]["deals"]]
    assert titles == ["Colleague's solar"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_api_card_panels_cost_a_fixed_number_of_queries(api, actors, make_person, customer):
    client = api("rep_north")
    empty = make_person(first_name="Ola")
    # Token look-up (2) + the card (≤ 8) + the panels' one probe for a customer with nothing in them.
    assert _queries(client, f"/api/v1/persons/{empty.pk}/card") <= 11
    person = customer["person"]
    few = _queries(client, f"/api/v1/persons/{person.pk}/card")
    for i in range(10):
        task_services.task_create(actor=actors["rep_north"], title=f"Task {i}", person=person)
        case_services.case_create(actor=actors["service"], person=person, subject=f"Case {i}")
    assert _queries(client, f"/api/v1/persons/{person.pk}/card") == few


def test_every_panel_schema_is_in_the_openapi_document_with_its_fields(client):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    panels = schemas["CardPanelsOut"]["properties"]
    assert set(panels) == {"sales", "tasks", "service", "marketing", "value"} and len(PANELS) == 5
    assert set(schemas["CardSalesPanelOut"]["properties"]) >= {"deals", "products", "quotes"}
    assert set(schemas["CardOwnedProductOut"]["properties"]) >= {"delivery_status", "warranty_until",
                                                                 "warranty_state"}
    assert set(schemas["CardCaseOut"]["properties"]) >= {"status", "priority", "sla"}
    assert set(schemas["CardSlaClockOut"]["properties"]) >= {"state", "tone", "next_due_at"}
    assert "panels" in schemas["CardOut"]["properties"] and "panels" in schemas["OrganizationCardOut"]["properties"]


def test_a_token_gets_only_the_panels_of_the_areas_it_may_read(actors, customer):
    _token, key = api_token_create(user=actors["rep_north"], name="phone system", scopes=["people:read", "tasks:read"])
    body = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"/api/v1/persons/{customer['person'].pk}/card").json()
    assert body["panels"]["sales"] is None and body["panels"]["service"] is None
    assert body["panels"]["marketing"] is None
    assert [t["title"] for t in body["panels"]["tasks"]["tasks"]] == ["Call about the offer"]
