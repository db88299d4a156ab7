"""Who sees which persons and organisations — on the pages, the edit forms, the API and the CSV export.

The records: one owned by each of rep_north, rep_north2 and rep_south (in their owner's team),
one unowned in team North, one with neither owner nor team.
"""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from tillit.accounts.services import api_token_create
from tillit.people import services

RECORDS = ("rep_north", "rep_north2", "rep_south", "team_north", "nobody")
SEES = {
    "admin": set(RECORDS),
    "service": set(RECORDS),
    "marketing": set(RECORDS),
    "manager_north": {"rep_north", "rep_north2", "team_north"},
    "rep_north": {"rep_north"},
    "rep_north2": {"rep_north2"},
    "rep_south": {"rep_south"},
}
STAFF = sorted(SEES)
OUTSIDERS = ("partner", "customer")


@pytest.fixture
def world(actors, teams):
    admin = actors["admin"]
    persons, orgs = {}, {}
    for key in RECORDS:
        owner = actors.get(key) if key.startswith("rep") else None
        team = teams["north"] if key == "team_north" else None
        orgs[key] = services.organization_create(actor=admin, name=f"Org {key}", owner=owner, team=team)
        persons[key] = services.person_create(actor=admin, first_name="Person", last_name=key, owner=owner,
                                              team=team, emails=[f"{key}@example.no"])
    return {"persons": persons, "orgs": orgs}


def _visible(ids_by_key: dict, seen_ids) -> set[str]:
    seen_ids = set(seen_ids)
    return {key for key, obj in ids_by_key.items() if obj.pk in seen_ids}


def _api(user) -> Client:
    _token, key = api_token_create(user=user, name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.parametrize("name", STAFF)
def test_person_list_page_shows_only_visible_persons(actors, login, world, name):
    html = login(actors[name]).get(reverse("people:person_list")).content.decode()
    shown = {k for k, p in world["persons"].items() if reverse("card:person", args=[p.pk]) in html}
    assert shown == SEES[name]


@pytest.mark.parametrize("name", STAFF)
def test_organization_list_page_shows_only_visible_organisations(actors, login, world, name):
    html = login(actors[name]).get(reverse("people:organization_list")).content.decode()
    shown = {k for k, o in world["orgs"].items() if reverse("card:organization", args=[o.pk]) in html}
    assert shown == SEES[name]


@pytest.mark.parametrize("name", STAFF)
def test_edit_pages_are_404_outside_visibility(actors, login, world, name):
    client = login(actors[name])
    for key in RECORDS:
        expected = 200 if key in SEES[name] else 404
        assert client.get(reverse("people:person_edit", args=[world["persons"][key].pk])).status_code == expected
        assert client.get(reverse("people:organization_edit", args=[world["orgs"][key].pk])).status_code == expected


@pytest.mark.parametrize("name", STAFF)
def test_edit_post_outside_visibility_changes_nothing(actors, login, world, name):
    client = login(actors[name])
    for key in set(RECORDS) - SEES[name]:
        person = world["persons"][key]
        response = client.post(reverse("people:person_edit", args=[person.pk]),
                               {"first_name": "Hacked", "lifecycle_stage": "lead", "version": "1"})
        assert response.status_code == 404
        person.refresh_from_db()
        assert person.first_name == "Person"


@pytest.mark.parametrize("name", STAFF)
def test_csv_export_contains_only_visible_persons(actors, login, world, name):
    response = login(actors[name]).get(reverse("people:person_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert _visible(world["persons"], (int(r[0]) for r in rows[1:])) == SEES[name]


@pytest.mark.parametrize("name", STAFF)
def test_api_lists_and_gets_only_visible_records(actors, world, name):
    client = _api(actors[name])
    persons = client.get("/api/v1/persons").json()["items"]
    assert _visible(world["persons"], (p["id"] for p in persons)) == SEES[name]
    orgs = client.get("/api/v1/organizations").json()["items"]
    assert _visible(world["orgs"], (o["id"] for o in orgs)) == SEES[name]
    for key in RECORDS:
        expected = 200 if key in SEES[name] else 404
        assert client.get(f"/api/v1/persons/{world['persons'][key].pk}").status_code == expected
        assert client.get(f"/api/v1/organizations/{world['orgs'][key].pk}").status_code == expected
        assert client.get(f"/api/v1/persons/{world['persons'][key].pk}/roles").status_code == expected


@pytest.mark.parametrize("name", STAFF)
def test_api_writes_outside_visibility_are_404(actors, world, name):
    client = _api(actors[name])
    for key in set(RECORDS) - SEES[name]:
        person = world["persons"][key]
        response = client.patch(f"/api/v1/persons/{person.pk}", '{"city": "X"}', content_type="application/json",
                                HTTP_IF_MATCH='"1"')
        assert response.status_code == 404
        assert client.delete(f"/api/v1/organizations/{world['orgs'][key].pk}").status_code == 404
        person.refresh_from_db()
        assert person.city == ""


@pytest.mark.parametrize("name", STAFF)
def test_search_cannot_reach_invisible_persons(actors, login, world, name):
    client = login(actors[name])
    html = client.get(reverse("people:person_list"), {"q": "rep_south@example.no"}).content.decode()
    assert (reverse("card:person", args=[world["persons"]["rep_south"].pk]) in html) == ("rep_south" in SEES[name])


@pytest.mark.parametrize("name", OUTSIDERS)
def test_partners_and_customers_get_403_on_every_page(actors, login, world, name):
    client = login(actors[name])
    person, org = world["persons"]["nobody"], world["orgs"]["nobody"]
    for url in (
        reverse("people:person_list"), reverse("people:person_create"), reverse("people:person_export"),
        reverse("people:person_edit", args=[person.pk]), reverse("people:organization_list"),
        reverse("people:organization_create"), reverse("people:organization_edit", args=[org.pk]),
        reverse("people:organization_options"),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("people:person_create"), {"first_name": "X"}).status_code == 403


@pytest.mark.parametrize("name", OUTSIDERS)
def test_partners_and_customers_are_refused_by_the_api(actors, login, world, name):
    token_client = _api(actors[name])
    assert token_client.get("/api/v1/persons").status_code == 403
    assert token_client.post("/api/v1/persons", '{"first_name": "X"}', content_type="application/json").status_code \
        == 403
    session_client = login(actors[name])
    assert session_client.get("/api/v1/persons").status_code == 403
    assert session_client.get(f"/api/v1/persons/{world['persons']['nobody'].pk}").status_code == 403
    assert session_client.get("/api/v1/organizations").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("people:person_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("people:person_export")).status_code == 302
