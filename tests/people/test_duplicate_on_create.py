"""Creating a person or organisation that probably exists: the form warns and asks, the API answers 409
``likely_duplicate`` — with the Duplicates page's rules, and only about records the actor may read."""

import pytest

from tests.people.test_api import Api
from tillit.people.duplicates import LikelyDuplicateError, likely_duplicate_organizations, likely_duplicate_persons
from tillit.people.models import Organization, Person
from tillit.people.services import organization_create, person_create


@pytest.fixture
def kari(actors):
    return person_create(actor=actors["rep_north"], first_name="Kari", last_name="Nordmann",
                         emails=["kari@fjord.no"], phones=["+47 912 34 567"])


# --- the matching ------------------------------------------------------------------------------
def test_same_email_in_another_case_and_same_phone_in_another_format_match(actors, kari):
    found = likely_duplicate_persons(actor=actors["rep_north"], first_name="K.", last_name="Nordmann",
                                     emails=["kari@fjord.no"], phones=["+4791234567"])
    assert [(d.record.pk, d.reasons) for d in found] == [(kari.pk, ["email", "phone"])]
    assert found[0].score >= 95
    assert found[0].explanations == ["Same email: kari@fjord.no", "Same phone: +47 91 23 45 67"]


def test_a_similar_name_counts_in_the_same_organisation_only(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    havn = organization_create(actor=admin, name="Havn AS")
    oystein = person_create(actor=admin, first_name="Øystein", last_name="Ødegård", organization=fjord)

    same_org = likely_duplicate_persons(actor=admin, first_name="Oystein", last_name="Odegard", organization=fjord)
    other_org = likely_duplicate_persons(actor=admin, first_name="Oystein", last_name="Odegard", organization=havn)
    no_org = likely_duplicate_persons(actor=admin, first_name="Oystein", last_name="Odegard")

    assert [(d.record.pk, d.reasons) for d in same_org] == [(oystein.pk, ["name"])]
    assert other_org == [] and no_org == []


def test_a_stranger_is_no_duplicate(actors, kari):
    assert likely_duplicate_persons(actor=actors["rep_north"], first_name="Ola", last_name="Hansen",
                                    emails=["ola@havn.no"], phones=["+4799999999"]) == []


def test_organisations_match_on_number_domain_or_a_similar_name(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjordkraft AS", org_number="923.609.016",
                                domain="fjordkraft.no")
    organization_create(actor=admin, name="Havkraft AS")

    by_number = likely_duplicate_organizations(actor=admin, name="Something else", org_number="923 609-016")
    by_domain = likely_duplicate_organizations(actor=admin, name="FK", domain="fjordkraft.no")
    by_name = likely_duplicate_organizations(actor=admin, name="FJORDKRAFT A/S")

    assert [(d.record.pk, d.reasons) for d in by_number] == [(fjord.pk, ["org_number"])]
    assert [(d.record.pk, d.reasons) for d in by_domain] == [(fjord.pk, ["domain"])]
    assert [(d.record.pk, d.reasons) for d in by_name] == [(fjord.pk, ["name"])]


def test_matching_costs_the_same_few_queries_however_many_persons(actors, django_assert_max_num_queries):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    for i in range(30):
        person_create(actor=admin, first_name=f"Person{i}", last_name="Berg", emails=[f"p{i}@fjord.no"],
                      organization=fjord)
    with django_assert_max_num_queries(3):
        found = likely_duplicate_persons(actor=admin, first_name="Person1", last_name="Berg",
                                         emails=["p1@fjord.no", "p2@fjord.no"], organization=fjord)
    assert len(found) == 5  # capped, strongest first
    assert found[0].reasons == ["email", "name"]


# --- access -----------------------------------------------------------------------------------
def test_a_duplicate_the_actor_cannot_read_is_not_reported_at_all(actors, kari):
    """The warning must not tell a rep of another team that an email or phone is in the database."""
    found = likely_duplicate_persons(actor=actors["rep_south"], first_name="Kari", last_name="Nordmann",
                                     emails=["kari@fjord.no"], phones=["+4791234567"])
    assert found == []
    # ... so the create goes through as it always did (an admin sees the pair on the Duplicates page).
    twin = person_create(actor=actors["rep_south"], first_name="Kari", last_name="Nordmann",
                         emails=["KARI@fjord.no"], warn_duplicates=True)
    assert twin.owner == actors["rep_south"]


def test_the_colleague_in_the_team_of_a_manager_is_reported(actors, kari):
    found = likely_duplicate_persons(actor=actors["manager_north"], emails=["kari@fjord.no"])
    assert [d.record.pk for d in found] == [kari.pk]


def test_the_service_refuses_only_when_asked_to_warn(actors, kari):
    rep = actors["rep_north"]
    with pytest.raises(LikelyDuplicateError) as caught:
        person_create(actor=rep, first_name="Kari", last_name="N", emails=["Kari@Fjord.no"], warn_duplicates=True)
    assert [c.record.pk for c in caught.value.candidates] == [kari.pk]
    assert caught.value.errors == [{"field": "emails", "reason": "Same email: kari@fjord.no"}]
    assert Person.objects.count() == 1  # nothing half-written
    # Imports, ingestion and other callers do not warn: unchanged behaviour.
    person_create(actor=rep, first_name="Kari", last_name="N", emails=["Kari@Fjord.no"])
    assert Person.objects.count() == 2


# --- the form --------------------------------------------------------------------------------
FORM = {"first_name": "Kari", "last_name": "Nordmann", "emails": "KARI@Fjord.no", "phones": "91234567",
        "lifecycle_stage": "lead", "city": "Bergen", "persona": "Buyer"}


def test_the_form_warns_keeps_the_input_and_creates_only_when_confirmed(actors, kari, login):
    client = login(actors["rep_north"])

    warned = client.post("/persons/new/", FORM)

    assert warned.status_code == 200 and Person.objects.count() == 1
    html = warned.content.decode()
    assert 'data-testid="likely-duplicates"' in html
    assert f'href="/persons/{kari.pk}/"' in html and "Same email: kari@fjord.no" in html
    assert 'data-testid="create-anyway"' in html
    for name, value in FORM.items():
        if name in ("emails", "phones"):
            assert f"{value}</textarea>" in html
        elif name != "lifecycle_stage":
            assert f'name="{name}" value="{value}"' in html

    again = client.post("/persons/new/", FORM)  # the main button checks again
    assert again.status_code == 200 and Person.objects.count() == 1

    created = client.post("/persons/new/", {**FORM, "allow_duplicate": "on"})

    assert created.status_code == 302 and Person.objects.count() == 2
    twin = Person.objects.exclude(pk=kari.pk).get()
    assert (twin.city, twin.persona, twin.primary_email) == ("Bergen", "Buyer", "kari@fjord.no")


def test_a_new_person_without_a_likely_duplicate_is_created_at_once(actors, kari, login):
    client = login(actors["rep_north"])
    response = client.post("/persons/new/", {**FORM, "emails": "ola@havn.no", "phones": "", "first_name": "Ola"})
    assert response.status_code == 302 and Person.objects.count() == 2


def test_the_form_of_another_team_shows_no_warning(actors, kari, login):
    client = login(actors["rep_south"])
    response = client.post("/persons/new/", FORM)
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_the_organisation_form_warns_and_creates_when_confirmed(actors, login):
    fjord = organization_create(actor=actors["rep_north"], name="Fjordkraft AS", domain="fjordkraft.no")
    client = login(actors["rep_north"])
    data = {"name": "Fjordkraft", "domain": "https://www.fjordkraft.no/", "lifecycle_stage": "lead",
            "city": "Bergen"}

    warned = client.post("/organizations/new/", data)

    html = warned.content.decode()
    assert warned.status_code == 200 and Organization.objects.count() == 1
    assert f'href="/organizations/{fjord.pk}/"' in html and "Same web domain: fjordkraft.no" in html
    assert 'name="city" value="Bergen"' in html
    created = client.post("/organizations/new/", {**data, "allow_duplicate": "on"})
    assert created.status_code == 302 and Organization.objects.count() == 2


# --- the API ---------------------------------------------------------------------------------
def test_the_api_answers_409_likely_duplicate_with_the_candidates(actors, kari):
    api = Api(actors["rep_north"])
    body = {"first_name": "Kari", "last_name": "Nordmann", "emails": ["KARI@fjord.no"], "phones": ["91234567"]}

    refused = api.post("/persons", body)

    assert refused.status_code == 409
    answer = refused.json()
    assert answer["code"] == "likely_duplicate" and "Kari Nordmann" in answer["detail"]
    assert {"field": "emails", "reason": "Same email: kari@fjord.no"} in answer["errors"]
    assert answer["candidates"] == [{
        "id": kari.pk, "name": "Kari Nordmann", "score": answer["candidates"][0]["score"],
        "matched": ["email", "phone"], "reason": "Same email: kari@fjord.no; Same phone: +47 91 23 45 67",
    }]
    assert Person.objects.count() == 1

    created = api.post("/persons", {**body, "allow_duplicate": True})

    assert created.status_code == 201 and Person.objects.count() == 2


def test_the_api_tells_another_team_nothing(actors, kari):
    created = Api(actors["rep_south"]).post("/persons", {"first_name": "Kari", "emails": ["kari@fjord.no"]})
    assert created.status_code == 201
    assert "candidates" not in created.json()


def test_the_api_refuses_a_likely_duplicate_organisation(actors):
    fjord = organization_create(actor=actors["admin"], name="Fjordkraft AS", org_number="923609016")
    api = Api(actors["admin"])

    refused = api.post("/organizations", {"name": "Fjordkraft Bergen", "org_number": "923 609 016"})

    assert refused.status_code == 409 and refused.json()["code"] == "likely_duplicate"
    assert [c["id"] for c in refused.json()["candidates"]] == [fjord.pk]
    assert refused.json()["candidates"][0]["matched"][0] == "org_number"
    assert api.post("/organizations", {"name": "Fjordkraft Bergen", "org_number": "923 609 016",
                                       "allow_duplicate": True}).status_code == 201


def test_the_document_declares_the_409_and_allow_duplicate(client):
    schema = client.get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/persons"]["post"]
    ref = create["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    declared = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"code", "detail", "errors", "candidates"} <= set(declared["properties"])
    body_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "allow_duplicate" in schema["components"]["schemas"][body_ref.rsplit("/", 1)[1]]["properties"]
    assert "409" in schema["paths"]["/api/v1/organizations"]["post"]["responses"]


def test_the_warning_page_costs_a_few_queries_more_than_the_empty_form(actors, kari, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):  # more duplicates must not mean more queries
        person_create(actor=actors["rep_north"], first_name="Kari", last_name=f"N{i}", emails=["kari@fjord.no"])
    client = login(actors["rep_north"])
    with CaptureQueriesContext(connection) as empty:
        client.get("/persons/new/")
    with CaptureQueriesContext(connection) as warned:
        response = client.post("/persons/new/", FORM)
    assert response.content.decode().count('data-testid="likely-duplicate"') == 5
    # The owner's team, the matching identities, the matched persons (the savepoint is not a query).
    sql = [q["sql"] for q in warned.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sql) <= len(empty) + 3, "\n".join(q[:150] for q in sql)
