"""Relationship grants: a rep reads the customers she works with, though a colleague owns them.

All customers here belong to rep_south. rep_north owns an open deal with ``deal`` (a person and
their organisation ``deal_org``), is assigned an open case with ``case`` and an open task with
``task``; her deal with ``won`` is closed and her task with ``done`` is done, so those two stay
hidden, like ``nobody``. She may read the ones she works with — card, lists, export, API, look-up,
their cases — and log activities on them, but not change their fields (403, read-only).
"""

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tillit.accounts.services import api_token_create
from tillit.core import access
from tillit.core.errors import AccessDenied, NotFound
from tillit.interactions.services import log_interaction
from tillit.people import selectors, services
from tillit.sales.models import Deal, Pipeline, Stage, StageOutcome
from tillit.service import services as case_services
from tillit.tasks.models import Task

PERSONS = ("deal", "case", "task", "won", "done", "nobody")
LINKED = {"deal", "case", "task"}
EVERYONE = set(PERSONS)
READS = {
    "admin": EVERYONE, "service": EVERYONE, "marketing": EVERYONE, "rep_south": EVERYONE,
    "rep_north": LINKED,
    # Her manager sees the team's deals and what is assigned to team members, so their customers too.
    "manager_north": LINKED,
    "rep_north2": set(),
}
ORG_READS = {name: ({"deal_org", "other_org"} if seen == EVERYONE else {"deal_org"} if seen else set())
             for name, seen in READS.items()}
CHANGES = {name: (EVERYONE if seen == EVERYONE else set()) for name, seen in READS.items()}
STAFF = sorted(READS)


@pytest.fixture
def world(actors):
    south, north = actors["rep_south"], actors["rep_north"]
    persons = {
        key: services.person_create(actor=south, first_name="Kunde", last_name=key, emails=[f"{key}@kunde.no"])
        for key in PERSONS
    }
    orgs = {key: services.organization_create(actor=south, name=f"Org {key}") for key in ("deal_org", "other_org")}
    pipeline = Pipeline.objects.create(name="New business")
    open_stage = Stage.objects.create(pipeline=pipeline, name="Lead", probability=10)
    won_stage = Stage.objects.create(pipeline=pipeline, name="Won", probability=100, outcome=StageOutcome.WON,
                                     position=9)
    deal = Deal.objects.create(title="Heat pump", pipeline=pipeline, stage=open_stage, person=persons["deal"],
                               organization=orgs["deal_org"], owner=north, team=north.team)
    Deal.objects.create(title="Old", pipeline=pipeline, stage=won_stage, person=persons["won"], owner=north,
                        team=north.team, closed_at=timezone.now())
    case = case_services.case_create(actor=None, subject="Noise", person=persons["case"], assignee=north)
    Task.objects.create(title="Call", person=persons["task"], assignee=north, created_by=south)
    Task.objects.create(title="Called", person=persons["done"], assignee=north, created_by=south,
                        done_at=timezone.now())
    # A case of the deal's customer that someone else handles: on the card, so it must open too.
    deal_case = case_services.case_create(actor=None, subject="Invoice question", person=persons["deal"])
    return {"persons": persons, "orgs": orgs, "deal": deal, "won_stage": won_stage, "case": case,
            "deal_case": deal_case}


def _api(user) -> Client:
    _token, key = api_token_create(user=user, name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _keys(records: dict, ids) -> set[str]:
    ids = set(ids)
    return {key for key, record in records.items() if record.pk in ids}


def test_the_modules_register_their_grants():
    assert {g.name for g in access.relationship_grants()} >= {"sales.open_deal", "service.open_case",
                                                              "tasks.open_task"}


@pytest.mark.parametrize("name", STAFF)
def test_person_and_organisation_lists_show_the_customers_one_works_with(actors, login, world, name):
    client = login(actors[name])
    html = client.get(reverse("people:person_list")).content.decode()
    assert {k for k, p in world["persons"].items() if reverse("card:person", args=[p.pk]) in html} == READS[name]
    html = client.get(reverse("people:organization_list")).content.decode()
    assert {k for k, o in world["orgs"].items() if reverse("card:organization", args=[o.pk]) in html} \
        == ORG_READS[name]


@pytest.mark.parametrize("name", STAFF)
def test_cards_open_read_only_and_edit_forms_are_refused(actors, login, world, name):
    client = login(actors[name])
    for key, person in world["persons"].items():
        card = client.get(reverse("card:person", args=[person.pk]))
        edit = client.get(reverse("people:person_edit", args=[person.pk]))
        if key in CHANGES[name]:
            assert (card.status_code, edit.status_code) == (200, 200)
            assert 'data-testid="read-only"' not in card.content.decode()
        elif key in READS[name]:
            assert (card.status_code, edit.status_code) == (200, 403), key
            html = card.content.decode()
            assert 'data-testid="read-only"' in html
            assert reverse("people:person_edit", args=[person.pk]) not in html
        else:
            assert (card.status_code, edit.status_code) == (404, 404), key
    org = world["orgs"]["deal_org"]
    expected = 200 if "deal_org" in ORG_READS[name] else 404
    assert client.get(reverse("card:organization", args=[org.pk])).status_code == expected


@pytest.mark.parametrize("name", STAFF)
def test_a_read_only_reader_cannot_change_the_customer(actors, login, world, name):
    client = login(actors[name])
    for key in READS[name] - CHANGES[name]:
        person = world["persons"][key]
        response = client.post(reverse("people:person_edit", args=[person.pk]),
                               {"first_name": "Changed", "lifecycle_stage": "lead", "version": "1"})
        assert response.status_code == 403
        person.refresh_from_db()
        assert person.first_name == "Kunde"


@pytest.mark.parametrize("name", STAFF)
def test_csv_export_contains_the_customers_one_works_with(actors, login, world, name):
    response = login(actors[name]).get(reverse("people:person_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert _keys(world["persons"], (int(r[0]) for r in rows[1:])) == READS[name]


@pytest.mark.parametrize("name", STAFF)
def test_api_reads_the_customers_one_works_with_and_refuses_changes(actors, world, name):
    client = _api(actors[name])
    assert _keys(world["persons"], (p["id"] for p in client.get("/api/v1/persons").json()["items"])) == READS[name]
    assert _keys(world["orgs"], (o["id"] for o in client.get("/api/v1/organizations").json()["items"])) \
        == ORG_READS[name]
    for key, person in world["persons"].items():
        get = client.get(f"/api/v1/persons/{person.pk}").status_code
        patch = client.patch(f"/api/v1/persons/{person.pk}", json.dumps({"city": "X"}),
                             content_type="application/json", HTTP_IF_MATCH='"1"').status_code
        if key in CHANGES[name]:
            assert (get, patch) == (200, 200)
        elif key in READS[name]:
            assert (get, patch) == (200, 403), key
        else:
            assert (get, patch) == (404, 404), key
    for key in READS[name] - CHANGES[name]:
        world["persons"][key].refresh_from_db()
        assert world["persons"][key].city == ""


@pytest.mark.parametrize("name", STAFF)
def test_look_up_finds_the_customers_one_works_with(actors, login, world, name):
    page = login(actors[name])
    api = _api(actors[name])
    for key, person in world["persons"].items():
        found = [p["id"] for p in api.get("/api/v1/lookup", {"email": f"{key}@kunde.no"}).json()["results"]]
        assert (found == [person.pk]) == (key in READS[name]), key
        response = page.get(reverse("card:lookup"), {"q": f"{key}@kunde.no"})
        opened = response.status_code == 302 and response["Location"] == reverse("card:person", args=[person.pk])
        assert opened == (key in READS[name]), key


def test_the_deal_customers_case_opens_for_the_rep(actors, login, world):
    client = login(actors["rep_north"])
    assert client.get(reverse("service:case", args=[world["deal_case"].pk])).status_code == 200
    assert login(actors["rep_north2"]).get(reverse("service:case", args=[world["deal_case"].pk])).status_code == 404


def test_a_reader_may_log_an_activity_on_the_customer(actors, world):
    person = world["persons"]["deal"]
    interaction = log_interaction(actor=actors["rep_north"], channel="phone", kind="call", person=person,
                                  subject="Talked about the offer")
    assert interaction.person_id == person.pk
    with pytest.raises(NotFound):
        log_interaction(actor=actors["rep_north"], channel="phone", kind="call", person=world["persons"]["won"])


def test_the_grant_ends_when_the_deal_is_closed(actors, world):
    rep, person = actors["rep_north"], world["persons"]["deal"]
    assert selectors.person_get(actor=rep, person_id=person.pk) == person
    Deal.objects.filter(pk=world["deal"].pk).update(stage=world["won_stage"])
    with pytest.raises(NotFound):
        selectors.person_get(actor=rep, person_id=person.pk)


def test_services_refuse_a_reader_with_403_and_an_outsider_with_404(actors, world):
    rep = actors["rep_north"]
    with pytest.raises(AccessDenied):
        services.person_update(actor=rep, person=world["persons"]["deal"], expected_version=None, city="X")
    with pytest.raises(AccessDenied):
        services.organization_update(actor=rep, organization=world["orgs"]["deal_org"], expected_version=None,
                                     city="X")
    with pytest.raises(NotFound):
        services.person_update(actor=rep, person=world["persons"]["nobody"], expected_version=None, city="X")


def test_the_list_reads_every_grant_in_one_query(actors, world, django_assert_num_queries):
    """More linked customers cost no more queries: the grants are subqueries of the one list query."""
    rep, south = actors["rep_north"], actors["rep_south"]

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = list(selectors.person_list(actor=rep))
        return len(ctx.captured_queries), len(rows)

    before, seen = count()
    for n in range(5):
        person = services.person_create(actor=south, first_name="Mer", last_name=str(n))
        Task.objects.create(title="Call", person=person, assignee=rep, created_by=south)
    after, seen_after = count()
    assert seen_after == seen + 5
    assert after == before == 2  # the persons, their current roles (prefetched)
