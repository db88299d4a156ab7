"""The figures and personas API: lists only customers the caller may read, filters, paging, no N+1;
personas CRUD with ETag/If-Match; the manual persona of a person."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.insight.values_fixtures import figures, rfm_classes
from tillit.accounts.services import api_token_create
from tillit.insight.models import Persona, PersonaOverride
from tillit.people.models import Organization, Person
from tillit.sales.models import Deal, Pipeline, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(actors):
    def _api(who: str) -> Client:
        _token, key = api_token_create(user=actors[who], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return _api


@pytest.fixture
def world(actors):
    rfm_classes()
    north, south = actors["rep_north"], actors["rep_south"]
    kari = Person.objects.create(first_name="Kari", last_name="Nord", owner=north, team=north.team,
                                 value_tier="top", persona="Cabin owner")
    ola = Person.objects.create(first_name="Ola", last_name="Nord", owner=north, team=north.team, value_tier="low")
    sven = Person.objects.create(first_name="Sven", last_name="Syd", owner=south, team=south.team)
    org = Organization.objects.create(name="Fjord Kraft AS", owner=north, team=north.team, value_tier="top")
    figures(kari, clv=Decimal("40000"), rfm_class="champions", churn_level="low", relationship_type="best-friend")
    figures(ola, clv=Decimal("800"), rfm_class="at-risk", churn_level="high", relationship_type="stranger")
    figures(sven, clv=Decimal("90000"), rfm_class="champions", churn_level="high")
    figures(org, clv=Decimal("250000"), rfm_class="loyal")
    return {"kari": kari, "ola": ola, "sven": sven, "org": org}


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_a_rep_lists_only_the_figures_of_customers_she_may_see(api, world):
    assert _names(api("rep_north").get("/api/v1/insight/values")) == ["Fjord Kraft AS", "Kari Nord", "Ola Nord"]
    assert _names(api("rep_south").get("/api/v1/insight/values")) == ["Sven Syd"]
    assert _names(api("admin").get("/api/v1/insight/values")) == [
        "Fjord Kraft AS", "Sven Syd", "Kari Nord", "Ola Nord"]


def test_a_relationship_grant_shows_that_customers_figures(api, actors, world):
    # rep_south has an open deal with Kari: she may read Kari's card, and so her figures.
    pipeline = Pipeline.objects.create(name="P")
    stage = Stage.objects.create(pipeline=pipeline, name="Lead", position=1)
    Deal.objects.create(title="Pump", person=world["kari"], pipeline=pipeline, stage=stage, owner=actors["rep_south"],
                        value=Decimal("1000"), currency="NOK")
    assert _names(api("rep_south").get("/api/v1/insight/values")) == ["Sven Syd", "Kari Nord"]


def test_partners_and_customers_are_refused(api, world):
    assert api("partner").get("/api/v1/insight/values").status_code == 403
    assert api("customer").get(f"/api/v1/insight/values/persons/{world['kari'].pk}").status_code == 403


@pytest.mark.parametrize(("query", "expected"), [
    ("tier=top", ["Fjord Kraft AS", "Kari Nord"]),
    ("rfm_class=champions", ["Sven Syd", "Kari Nord"]),
    ("relationship_type=stranger", ["Ola Nord"]),
    ("churn_level=high", ["Sven Syd", "Ola Nord"]),
    ("persona=Cabin+owner", ["Kari Nord"]),
    ("clv_min=1000&clv_max=100000", ["Sven Syd", "Kari Nord"]),
    ("kind=organization", ["Fjord Kraft AS"]),
])
def test_filters(api, world, query, expected):
    assert _names(api("admin").get(f"/api/v1/insight/values?{query}")) == expected


def test_bad_filters_name_the_parameter(api, world):
    response = api("admin").get("/api/v1/insight/values?clv_min=10&clv_max=5")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "clv_min"
    response = api("admin").get("/api/v1/insight/values?clv_min=lots")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "clv_min"
    response = api("admin").get("/api/v1/insight/values?page_size=501")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "page_size"


def test_every_figure_is_in_the_list_with_names(api, world):
    body = api("admin").get("/api/v1/insight/values?page_size=2").json()
    assert body["count"] == 4 and len(body["items"]) == 2
    org = body["items"][0]
    assert (org["kind"], org["organization_id"], org["person_id"]) == ("organization", world["org"].pk, None)
    assert (org["clv"], org["rfm_class"], org["rfm_class_name"], org["tier"]) == ("250000.00", "loyal", "Loyal", "top")
    assert {"p_alive", "revenue", "spend_per_purchase", "share_of_wallet", "price_premium", "churn_risk",
            "churn_reasons", "next_offers", "expected_purchases_12m", "persona"} <= set(org)
    page2 = api("admin").get("/api/v1/insight/values?page_size=2&page=2").json()
    assert [i["name"] for i in page2["items"]] == ["Kari Nord", "Ola Nord"]


def test_the_list_costs_the_same_queries_for_many_rows(api, actors, world):
    client = api("rep_north")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/insight/values").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the token's first use writes its "last used"
    few = queries()
    for i in range(20):
        person = Person.objects.create(first_name=f"P{i}", last_name="X", owner=actors["rep_north"])
        figures(person, clv=Decimal(i))
    assert queries() == few <= 4  # token, count, page


def test_one_persons_and_one_organisations_figures(api, world, actors):
    body = api("rep_north").get(f"/api/v1/insight/values/persons/{world['kari'].pk}").json()
    assert (body["name"], body["clv"], body["computed"], body["rfm_class_name"]) == (
        "Kari Nord", "40000.00", True, "Champions")
    body = api("rep_north").get(f"/api/v1/insight/values/organizations/{world['org'].pk}").json()
    assert body["clv"] == "250000.00"
    assert api("rep_south").get(f"/api/v1/insight/values/persons/{world['kari'].pk}").status_code == 404
    fresh = Person.objects.create(first_name="New", last_name="One", owner=actors["rep_north"])
    body = api("rep_north").get(f"/api/v1/insight/values/persons/{fresh.pk}").json()
    assert (body["computed"], body["clv"], body["next_offers"]) == (False, None, [])


# --- personas ----------------------------------------------------------------------------------------
OSLO = {"attr": "city", "op": "eq", "value": "Oslo"}


def test_persona_crud_with_etag(api, actors):
    Person.objects.create(first_name="Ola", last_name="X", city="Oslo")
    client = api("marketing")
    response = client.post("/api/v1/insight/personas", {"name": "Oslo people", "rules": OSLO, "priority": 5},
                           content_type="application/json")
    assert response.status_code == 201 and response["ETag"] == '"1"'
    persona = response.json()
    assert persona["member_count"] == 1
    assert Person.objects.get().persona == "Oslo people"
    url = f"/api/v1/insight/personas/{persona['id']}"
    assert client.patch(url, {"name": "Oslo"}, content_type="application/json").status_code == 428
    response = client.patch(url, {"name": "Oslo"}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert client.patch(url, {"name": "Stale"}, content_type="application/json",
                        HTTP_IF_MATCH='"1"').status_code == 409
    assert Person.objects.get().persona == "Oslo"
    assert [p["name"] for p in client.get("/api/v1/insight/personas").json()] == ["Oslo"]
    assert client.delete(url).status_code == 204
    assert not Persona.objects.exists() and Person.objects.get().persona == ""


def test_persona_errors_name_the_field(api):
    client = api("marketing")
    response = client.post("/api/v1/insight/personas", {"name": "X", "rules": {"all": [{"attr": "clv", "op": "gte",
                                                                                         "value": "many"}]}},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "rules.all[0].value"
    response = api("rep_north").post("/api/v1/insight/personas", {"name": "X", "rules": OSLO},
                                     content_type="application/json")
    assert response.status_code == 403 and not Persona.objects.exists()


def test_preview_counts_only_persons_the_caller_may_see(api, actors):
    Person.objects.create(first_name="Mine", last_name="X", city="Oslo", owner=actors["rep_north"])
    Person.objects.create(first_name="Theirs", last_name="X", city="Oslo", owner=actors["rep_south"])
    body = api("rep_north").post("/api/v1/insight/personas/preview", {"rules": OSLO},
                                 content_type="application/json").json()
    assert body["count"] == 1 and [p["full_name"] for p in body["sample"]] == ["Mine X"]


def test_manual_persona_set_and_cleared_through_the_api(api, actors):
    ola = Person.objects.create(first_name="Ola", last_name="X", city="Oslo", owner=actors["rep_north"],
                                team=actors["rep_north"].team)
    client = api("marketing")
    oslo = client.post("/api/v1/insight/personas", {"name": "Oslo people", "rules": OSLO, "priority": 5},
                       content_type="application/json").json()
    cabin = client.post("/api/v1/insight/personas", {"name": "Cabin owner", "rules": {
        "attr": "city", "op": "eq", "value": "Geilo"}}, content_type="application/json").json()
    url = f"/api/v1/insight/persons/{ola.pk}/persona"
    assert api("rep_south").put(url, {"persona_id": cabin["id"]}, content_type="application/json").status_code == 404
    response = api("rep_north").put(url, {"persona_id": 999999}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "persona_id"
    response = api("rep_north").put(url, {"persona_id": cabin["id"]}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["set_by"] == "Rep North" and response.json()["persona"]["name"] == "Cabin owner"
    ola.refresh_from_db()
    assert ola.persona == "Cabin owner" and PersonaOverride.objects.get().set_by == actors["rep_north"]
    assert api("rep_north").delete(url).status_code == 204
    ola.refresh_from_db()
    assert ola.persona == oslo["name"] and not PersonaOverride.objects.exists()
