import json

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.people import services
from tillit.people.models import Affiliation, Organization, Person

API = "/api/v1"


class Api:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, user):
        _token, key = api_token_create(user=user, name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def _send(self, method, path, body=None, **headers):
        kwargs = {**self.auth, **headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(API + path, **kwargs)

    def get(self, path, params=None, **headers):
        return self.client.get(API + path, params or {}, **self.auth, **headers)

    def post(self, path, body, **headers):
        return self._send("post", path, body, **headers)

    def patch(self, path, body, **headers):
        return self._send("patch", path, body, **headers)

    def put(self, path, body, **headers):
        return self._send("put", path, body, **headers)

    def delete(self, path, **headers):
        return self._send("delete", path, **headers)


@pytest.fixture
def api(actors):
    return Api(actors["admin"])


@pytest.fixture
def fjord(actors):
    return services.organization_create(actor=actors["admin"], name="Fjordkraft AS", owner=actors["rep_north"])


def test_create_person_with_every_kind_of_identity_and_a_role(api, actors, fjord):
    response = api.post("/persons", {
        "first_name": "Ola", "last_name": "Nordmann", "emails": ["Ola@Fjord.NO", "ola@home.no"],
        "phones": ["0047-91234567"], "social_handles": [{"system": "linkedin", "value": "@olan"}],
        "external_ids": [{"system": "erp", "id": "C-17"}], "organization_id": fjord.pk, "title": "CEO",
        "is_decision_maker": True, "owner_id": actors["rep_north"].pk, "lifecycle_stage": "customer",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["ETag"] == '"1"'
    assert body["emails"] == ["ola@fjord.no", "ola@home.no"] and body["primary_email"] == "ola@fjord.no"
    assert body["phones"] == ["+4791234567"]
    assert body["social_handles"] == [{"system": "linkedin", "value": "@olan"}]
    assert body["external_ids"] == [{"system": "erp", "id": "C-17"}]
    assert body["owner_id"] == actors["rep_north"].pk and body["team_id"] == actors["rep_north"].team_id
    [role] = body["roles"]
    assert (role["organization_name"], role["title"], role["is_decision_maker"]) == ("Fjordkraft AS", "CEO", True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "A", "phones": ["nope"]}, "phones"),
        ({"first_name": "A", "emails": ["a@"]}, "emails"),
        ({"first_name": "A", "lifecycle_stage": "vip"}, "lifecycle_stage"),
        ({"first_name": "A", "owner_id": 999999}, "owner_id"),
        ({"first_name": "A", "organization_id": 999999}, "organization_id"),
        ({"first_name": "A", "external_ids": [{"system": "", "id": "1"}]}, "system"),
        ({}, "first_name"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, body, field):
    response = api.post("/persons", body)
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["errors"][0]["field"] == field
    assert data["errors"][0]["reason"]
    assert not Person.objects.exists()


def test_get_returns_etag_and_unknown_is_404(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    response = api.get(f"/persons/{person.pk}")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert response.json()["full_name"] == "Ola"
    assert api.get("/persons/999999").status_code == 404


def test_patch_needs_if_match_and_a_stale_version_is_409(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    path = f"/persons/{person.pk}"
    response = api.patch(path, {"city": "Oslo"})
    assert response.status_code == 428
    response = api.patch(path, {"city": "Oslo"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"' and response.json()["city"] == "Oslo"
    response = api.patch(path, {"city": "Bergen"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    person.refresh_from_db()
    assert person.city == "Oslo"


def test_version_in_the_body_works_instead_of_if_match(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    response = api.patch(f"/persons/{person.pk}", {"last_name": "Nordmann", "version": 1})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert api.patch(f"/persons/{person.pk}", {"last_name": "X", "version": 1}).status_code == 409


def test_patch_replaces_phones_and_names_bad_fields(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola", phones=["91234567"])
    path = f"/persons/{person.pk}"
    response = api.patch(path, {"phones": ["+46 70 123 45 67", "91234567"]}, HTTP_IF_MATCH='"1"')
    assert response.json()["phones"] == ["+46701234567", "+4791234567"]
    assert response.json()["primary_phone"] == "+46701234567"
    response = api.patch(path, {"country": "Norge"}, HTTP_IF_MATCH='"2"')
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "country"


def test_put_replaces_the_fields(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola", city="Oslo", emails=["o@x.no"])
    response = api.put(f"/persons/{person.pk}", {"first_name": "Ola", "last_name": "N"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    body = response.json()
    assert (body["city"], body["last_name"], body["emails"]) == ("", "N", [])
    assert api.put(f"/persons/{person.pk}", {"first_name": "Ola"}).status_code == 428


def test_delete_person(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    assert api.delete(f"/persons/{person.pk}").status_code == 204
    assert not Person.objects.exists()


def test_list_is_paginated_and_searchable(api, actors, django_assert_max_num_queries):
    for i in range(60):
        org = services.organization_create(actor=actors["admin"], name=f"Org {i}")
        services.person_create(actor=actors["admin"], first_name=f"P{i:02d}", last_name="Test",
                               emails=[f"p{i}@x.no"], phones=[f"9000{i:04d}"], organization=org)
    services.person_create(actor=actors["admin"], first_name="Ola", phones=["+47 912 34 567"])
    with django_assert_max_num_queries(8):
        response = api.get("/persons")
    body = response.json()
    assert body["count"] == 61 and len(body["items"]) == 50
    assert len(api.get("/persons", {"page": 2}).json()["items"]) == 11
    assert [p["first_name"] for p in api.get("/persons", {"q": "0047 91234567"}).json()["items"]] == ["Ola"]
    assert api.get("/persons", {"lifecycle_stage": "customer"}).json()["count"] == 0


def test_organization_crud(api, actors):
    response = api.post("/organizations", {"name": "Bergen Bryggeri", "phone": "55 11 22 33", "country": "no"})
    assert response.status_code == 201 and response["ETag"] == '"1"'
    org_id = response.json()["id"]
    assert response.json()["phone"] == "+4755112233"
    assert api.post("/organizations", {"name": " "}).json()["errors"][0]["field"] == "name"
    response = api.get(f"/organizations/{org_id}")
    assert response["ETag"] == '"1"'
    assert api.patch(f"/organizations/{org_id}", {"city": "Bergen"}).status_code == 428
    response = api.patch(f"/organizations/{org_id}", {"city": "Bergen"}, HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'
    assert api.patch(f"/organizations/{org_id}", {"city": "X"}, HTTP_IF_MATCH='"1"').status_code == 409
    listed = api.get("/organizations", {"q": "bryggeri"}).json()
    assert listed["count"] == 1 and listed["items"][0]["city"] == "Bergen"
    response = api.put(f"/organizations/{org_id}", {"name": "Bergen Bryggeri AS", "version": 2})
    assert response.status_code == 200 and response.json()["city"] == ""
    assert api.delete(f"/organizations/{org_id}").status_code == 204
    assert not Organization.objects.exists()


def test_roles_crud(api, actors, fjord):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    response = api.post(f"/persons/{person.pk}/roles", {
        "organization_id": fjord.pk, "title": "CTO", "buying_role": "influencer", "start_date": "2024-01-01",
    })
    assert response.status_code == 201, response.content
    role_id = response.json()["id"]
    assert api.post(f"/persons/{person.pk}/roles", {"organization_id": fjord.pk, "buying_role": "boss"}).json()[
        "errors"][0]["field"] == "buying_role"
    assert [r["title"] for r in api.get(f"/persons/{person.pk}/roles").json()] == ["CTO"]
    response = api.get(f"/roles/{role_id}")
    assert response["ETag"] == '"1"' and response.json()["organization_name"] == "Fjordkraft AS"
    assert api.patch(f"/roles/{role_id}", {"title": "CEO"}).status_code == 428
    response = api.patch(f"/roles/{role_id}", {"title": "CEO", "end_date": "2023-01-01"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "end_date"
    response = api.patch(f"/roles/{role_id}", {"title": "CEO"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["title"] == "CEO" and response["ETag"] == '"2"'
    assert api.patch(f"/roles/{role_id}", {"title": "X"}, HTTP_IF_MATCH='"1"').status_code == 409
    assert api.delete(f"/roles/{role_id}").status_code == 204
    assert not Affiliation.objects.exists()


def test_add_identity(api, actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    response = api.post(f"/persons/{person.pk}/identities", {"kind": "phone", "value": "912 34 567"})
    assert response.status_code == 201 and response.json()["normalized"] == "+4791234567"
    assert api.get(f"/persons/{person.pk}").json()["primary_phone"] == "+4791234567"
    response = api.post(f"/persons/{person.pk}/identities", {"kind": "fax", "value": "1"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind"


def test_requests_without_a_valid_token_are_401(actors):
    client = Client()
    assert client.get(f"{API}/persons").status_code == 401
    assert client.get(f"{API}/persons", HTTP_AUTHORIZATION="Bearer tlt_wrong").status_code == 401
