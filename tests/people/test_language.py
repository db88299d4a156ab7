"""A customer's language (persons and organisations): set on the forms and through the API, checked."""

import pytest
from django.urls import reverse

from tests.people.test_api import Api
from tillit.people import services
from tillit.people.models import Organization, Person, customer_language


@pytest.fixture
def api(actors):
    return Api(actors["admin"])


def test_the_person_form_saves_the_language_and_shows_it_again(actors, login):
    client = login(actors["rep_north"])
    response = client.post(reverse("people:person_create"), {
        "first_name": "Kari", "last_name": "Nordmann", "lifecycle_stage": "lead", "language": "nb",
    })
    person = Person.objects.get()
    assert response.status_code == 302 and person.language == "nb"
    html = client.get(reverse("people:person_edit", args=[person.pk])).content.decode()
    assert '<option value="nb" selected>' in html


def test_the_organisation_form_saves_the_language(actors, login):
    client = login(actors["manager_north"])
    client.post(reverse("people:organization_create"), {"name": "Göta Värme AB", "lifecycle_stage": "lead",
                                                        "language": "sv"})
    org = Organization.objects.get()
    assert org.language == "sv"
    client.post(reverse("people:organization_edit", args=[org.pk]), {
        "name": "Göta Värme AB", "lifecycle_stage": "lead", "team": org.team_id, "language": "", "version": "1"})
    org.refresh_from_db()
    assert org.language == ""  # back to the company's default


def test_the_api_reads_and_writes_the_language_and_names_a_bad_one(api, actors):
    response = api.post("/persons", {"first_name": "Kari", "language": "da"})
    assert response.status_code == 201 and response.json()["language"] == "da"
    person_id = response.json()["id"]
    response = api.patch(f"/persons/{person_id}", {"language": "xx"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "language"
    assert Person.objects.get(pk=person_id).language == "da"
    response = api.post("/organizations", {"name": "Fjord AS", "language": "nb"})
    assert response.status_code == 201 and response.json()["language"] == "nb"


def test_the_customer_language_falls_back_to_the_organisation_then_the_company(actors, settings):
    org = services.organization_create(actor=actors["admin"], name="Fjord AS")
    person = services.person_create(actor=actors["admin"], first_name="Kari", organization=org)
    settings.LANGUAGE_CODE = "da"
    assert customer_language(person, org) == "da"
    org.language = "sv"
    assert customer_language(person, org) == "sv"
    person.language = "nb"
    assert customer_language(person, org) == "nb" and customer_language(None, None) == "da"


def test_the_address_is_kept_from_the_form_and_the_api(api, actors, login):
    response = api.post("/organizations", {"name": "Fjord AS", "street_address": "Fjordveien 7", "postal_code": "5003",
                                           "city": "Bergen"})
    assert response.status_code == 201 and response.json()["street_address"] == "Fjordveien 7"
    client = login(actors["rep_north"])
    client.post(reverse("people:person_create"), {"first_name": "Kari", "lifecycle_stage": "lead",
                                                  "street_address": "Bakken 2", "postal_code": "7010"})
    person = Person.objects.get(first_name="Kari")
    assert (person.street_address, person.postal_code) == ("Bakken 2", "7010")
    html = client.get(reverse("people:person_edit", args=[person.pk])).content.decode()
    assert 'value="Bakken 2"' in html
