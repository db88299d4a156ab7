"""The value panel on the card: every figure in words, one query, an empty state, the same in the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.insight.values_fixtures import figures, rfm_classes
from tillit.accounts.services import api_token_create
from tillit.card.panels import card_panels
from tillit.insight import card
from tillit.insight import personas as persona_services
from tillit.insight.models import Persona
from tillit.people.models import Organization, Person
from tillit.sales.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def kari(actors):
    rfm_classes()
    rep = actors["rep_north"]
    pump = Product.objects.create(sku="HP-PRO", name="Varmepumpe Pro")
    service = Product.objects.create(sku="SVC-1", name="Serviceavtale")
    filt = Product.objects.create(sku="FLT-1", name="Filter")
    person = Person.objects.create(first_name="Kari", last_name="Nordmann", owner=rep, team=rep.team,
                                   value_tier="high")
    figures(person, rfm_class="at-risk", clv=Decimal("34500.00"), churn_level="high", churn_risk=0.74,
            relationship_type="best-friend", p_alive=0.41,
            churn_reasons=[{"code": "insight.churn.overdue", "params": {"days": 240, "expected": 60}},
                           {"code": "insight.churn.complaints", "params": {"count": 2}}],
            next_offers=[{"product": service.pk, "share": 0.34, "because": pump.pk},
                         {"product": filt.pk, "share": 0.2, "because": pump.pk}])
    return person


def _by_key(panels):
    return {p["key"]: p for p in panels}


def test_the_panel_shows_every_figure_with_names(actors, kari):
    panel = _by_key(card_panels(actors["rep_north"], person=kari))["value"]
    assert panel["computed"] is True
    assert (panel["clv"], panel["tier"], panel["tier_label"]) == (Decimal("34500.00"), "high", "High")
    assert panel["rfm_class"] == {"key": "at-risk", "name": "At risk"}
    assert panel["relationship_type"]["key"] == "best-friend"
    assert [r["text"] for r in panel["churn_reasons"]] == ["No order for 240 days; expected every 60",
                                                          "2 open complaints"]
    assert [(o["product"], o["because"]) for o in panel["next_offers"]] == [
        ("Serviceavtale", "Varmepumpe Pro"), ("Filter", "Varmepumpe Pro")]
    assert panel["next_offers"][0]["text"] == "bought by 34 % of customers who bought Varmepumpe Pro"
    # 4 purchases since 2024-06-01: about two a year.
    assert card.purchases_per_year(card.value_row(person=kari), date(2026, 6, 1)) == 2.0


def test_the_panel_costs_one_query(actors, kari, django_assert_num_queries):
    with django_assert_num_queries(1):
        card.panel(actors["rep_north"], person=kari)


def test_a_customer_without_figures_costs_no_query_and_shows_the_empty_state(actors, login, make_empty):
    person = make_empty
    with CaptureQueriesContext(connection) as ctx:
        panels = _by_key(card_panels(actors["rep_north"], person=person))
    assert len(ctx.captured_queries) == 1  # the card's one probe for every panel
    assert panels["value"]["computed"] is False and panels["value"]["next_offers"] == []
    html = login(actors["rep_north"]).get(f"/persons/{person.pk}/").content.decode()
    assert 'data-testid="value-empty"' in html


@pytest.fixture
def make_empty(actors):
    rep = actors["rep_north"]
    return Person.objects.create(first_name="Ola", last_name="Tom", owner=rep, team=rep.team)


def test_the_card_page_shows_the_panel_in_the_readers_language(actors, login, kari):
    client = login(actors["rep_north"])
    html = client.get(f"/persons/{kari.pk}/").content.decode()
    assert 'data-testid="value-panel"' in html and "Serviceavtale" in html and "At risk" in html
    assert "No order for 240 days; expected every 60" in html
    with translation.override("en"):
        assert card.churn_reason_text("insight.churn.overdue", {"days": 3, "expected": 1}) == \
            "No order for 3 days; expected every 1"
    assert card.churn_reason_text("something_new", {}) == "churn signal “something_new”"


def test_the_card_page_stays_within_its_query_budget(actors, login, kari, make_empty):
    client = login(actors["rep_north"])
    with CaptureQueriesContext(connection) as empty_ctx:
        assert client.get(f"/persons/{make_empty.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as full_ctx:
        assert client.get(f"/persons/{kari.pk}/").status_code == 200
    # Figures add exactly the panel's one query to the same card.
    assert len(full_ctx.captured_queries) == len(empty_ctx.captured_queries) + 1


def test_manual_persona_shows_as_chosen_by_hand(actors, kari):
    persona = persona_services.persona_create(actor=actors["marketing"], name="Cabin owner",
                                              rules={"attr": "city", "op": "eq", "value": "Geilo"})
    persona_services.persona_override_set(actor=actors["rep_north"], person=kari, persona=persona)
    kari.refresh_from_db()
    panel = card.panel(actors["rep_north"], person=kari)
    assert (panel["persona"], panel["persona_manual"]) == ("Cabin owner", True)
    assert Persona.objects.get().member_count == 1


def test_the_organisation_card_shows_the_organisations_figures(actors, login):
    rep = actors["rep_north"]
    org = Organization.objects.create(name="Fjord Kraft AS", owner=rep, team=rep.team, value_tier="top")
    figures(org, clv=Decimal("900000"), rfm_class="champions")
    panel = _by_key(card_panels(rep, organization=org))["value"]
    assert (panel["clv"], panel["tier"], panel["party_kind"]) == (Decimal("900000"), "top", "organization")
    html = login(rep).get(f"/organizations/{org.pk}/").content.decode()
    assert 'data-testid="value-clv"' in html and "900,000" in html


def _api(user) -> Client:
    _token, key = api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_card_api_has_the_value_panel(actors, kari):
    body = _api(actors["rep_north"]).get(f"/api/v1/persons/{kari.pk}/card").json()
    value = body["panels"]["value"]
    assert value["computed"] is True and value["clv"] == "34500.00"
    assert value["rfm_class"] == {"key": "at-risk", "name": "At risk"}
    assert value["churn_reasons"][0] == {"code": "insight.churn.overdue", "params": {"days": 240, "expected": 60},
                                         "text": "No order for 240 days; expected every 60"}
    assert value["next_offers"][0]["product"] == "Serviceavtale"
    assert "tier_label" not in value and "template" not in value


def test_outsiders_get_no_card_and_so_no_figures(actors, kari):
    response = _api(actors["rep_south"]).get(f"/api/v1/persons/{kari.pk}/card")
    assert response.status_code == 404 and "34500" not in response.content.decode()
