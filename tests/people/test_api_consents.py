"""Consents over the API: record, withdraw, list — with the person's access, through the consent services."""

import datetime as dt

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.people.models import Consent, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(actors):
    def _api(who: str) -> Client:
        _token, key = api_token_create(user=actors[who], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return _api


@pytest.fixture
def kari(actors):
    north = actors["rep_north"]
    return Person.objects.create(first_name="Kari", last_name="Bråthen", owner=north, team=north.team)


def test_record_list_and_withdraw_a_consent(api, kari):
    client = api("rep_north")
    response = client.post(f"/api/v1/persons/{kari.pk}/consents", {
        "purpose": "Marketing email", "lawful_basis": "consent", "given_at": "2026-11-20T09:15:00+01:00",
        "source": "web form"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert (body["purpose"], body["is_active"], body["source"]) == ("marketing_email", True, "web form")
    given = dt.datetime.fromisoformat(body["given_at"])
    assert given == dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC) == Consent.objects.get().given_at

    listed = client.get(f"/api/v1/persons/{kari.pk}/consents").json()
    assert [c["id"] for c in listed] == [body["id"]]

    withdrawn = client.post(f"/api/v1/consents/{body['id']}/withdraw", {}, content_type="application/json").json()
    assert withdrawn["is_active"] is False and withdrawn["withdrawn_at"]
    again = client.post(f"/api/v1/consents/{body['id']}/withdraw", {}, content_type="application/json").json()
    assert again["withdrawn_at"] == withdrawn["withdrawn_at"]  # the first withdrawal is kept
    assert Consent.objects.get(pk=body["id"]).withdrawn_at is not None


def test_an_unknown_lawful_basis_or_no_purpose_names_the_field_and_stores_nothing(api, kari):
    client = api("rep_north")
    bad = client.post(f"/api/v1/persons/{kari.pk}/consents", {"purpose": "newsletter", "lawful_basis": "whim"},
                      content_type="application/json")
    assert bad.status_code == 422 and "lawful_basis" in bad.content.decode()
    empty = client.post(f"/api/v1/persons/{kari.pk}/consents", {"purpose": " "}, content_type="application/json")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "purpose"
    assert not Consent.objects.exists()


def test_withdrawing_before_it_was_given_is_refused(api, kari):
    client = api("rep_north")
    consent = client.post(f"/api/v1/persons/{kari.pk}/consents", {
        "purpose": "newsletter", "given_at": "2026-11-20T09:00:00Z"}, content_type="application/json").json()
    response = client.post(f"/api/v1/consents/{consent['id']}/withdraw", {"withdrawn_at": "2026-11-01T09:00:00Z"},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "withdrawn_at"
    assert Consent.objects.get(pk=consent["id"]).withdrawn_at is None


SEES_NORTH = {"admin": 201, "manager_north": 201, "rep_north": 201, "rep_north2": 404, "rep_south": 404,
              "service": 201, "marketing": 201, "partner": 403, "customer": 403}


@pytest.mark.parametrize(("who", "status"), SEES_NORTH.items())
def test_consent_endpoints_per_role(api, kari, who, status):
    own = Consent.objects.create(person=kari, purpose="newsletter", lawful_basis="consent",
                                 given_at="2026-11-01T09:00:00Z")
    client = api(who)
    recorded = client.post(f"/api/v1/persons/{kari.pk}/consents", {"purpose": "profiling"},
                           content_type="application/json")
    assert recorded.status_code == status
    read = 200 if status == 201 else status
    assert client.get(f"/api/v1/persons/{kari.pk}/consents").status_code == read
    assert client.post(f"/api/v1/consents/{own.pk}/withdraw", {}, content_type="application/json").status_code == read
    own.refresh_from_db()
    assert (own.withdrawn_at is not None) == (read == 200)


def test_consent_endpoints_need_a_token(client, kari):
    assert client.get(f"/api/v1/persons/{kari.pk}/consents").status_code == 401
