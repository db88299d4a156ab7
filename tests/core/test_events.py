"""Domain events: tracked records announce their changes, with who acted, once per committed transaction."""

import datetime as dt

import pytest
from django.db import transaction

from tillit.accounts.services import api_token_create
from tillit.core import events
from tillit.core.events import Via, acting_as
from tillit.interactions.services import log_interactions
from tillit.people.models import Person
from tillit.people.services import person_create, person_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """What in-transaction listeners and after-commit listeners heard."""
    now, later = [], []

    def in_transaction(event):
        now.append(event)

    def on_commit(batch):
        later.append(list(batch))

    events.subscribe(in_transaction, when="in_transaction")
    events.subscribe(on_commit, when="on_commit")
    yield now, later
    events.unsubscribe(in_transaction)
    events.unsubscribe(on_commit)


def of(events_, name):
    return [e for e in events_ if e.type == name]


def test_a_person_created_changed_and_deleted_is_announced_with_the_diff(actors, heard):
    now, _later = heard
    with acting_as(actors["admin"], via=Via.UI):
        person = person_create(actor=actors["admin"], first_name="Kari", last_name="Nordmann",
                               emails=["kari@example.no"])
        person = Person.objects.get(pk=person.pk)
        person_update(actor=actors["admin"], person=person, expected_version=person.version, city="Bergen")
    created = of(now, "person.created")[0]
    assert created.record == ("people.person", person.pk)
    assert created.changes["first_name"] == [None, "Kari"]
    assert created.actor.user == actors["admin"] and created.actor.via == "ui"
    changed = of(now, "person.changed")
    assert [e.changes for e in changed] == [{"city": ["", "Bergen"]}]
    pk = person.pk
    Person.objects.get(pk=pk).delete()
    deleted = of(now, "person.deleted")[0]
    assert deleted.record == ("people.person", pk) and deleted.data["last_name"] == "Nordmann"
    assert deleted.actor.user is None and deleted.actor.via == "system"  # outside acting_as


def test_after_commit_listeners_hear_in_order_and_nothing_rolled_back(actors, heard,
                                                                     django_capture_on_commit_callbacks):
    _now, later = heard
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Person.objects.create(first_name="One")
        try:
            with transaction.atomic():
                Person.objects.create(first_name="Rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        Person.objects.create(first_name="Two")
    names = [e.data["first_name"] for batch in later for e in batch if e.type == "person.created"]
    assert names == ["One", "Two"]


def test_a_password_change_is_told_without_its_value(actors, heard):
    now, _later = heard
    user = type(actors["rep_north"]).objects.get(pk=actors["rep_north"].pk)  # loaded while listened to
    user.set_password("another secret 123")
    user.save()
    change = of(now, "user.changed")[0]
    assert change.changes["password"] == ["•••", "•••"]


def test_a_batch_of_interactions_arrives_as_one_list(actors, heard, django_capture_on_commit_callbacks):
    _now, later = heard
    person = Person.objects.create(first_name="Buyer", owner=actors["admin"])
    at = dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    items = [{"person_id": person.pk, "channel": "web", "kind": "order", "amount": "10.00", "currency": "NOK",
              "occurred_at": (at + dt.timedelta(minutes=i)).isoformat(), "source": "shop", "external_id": f"o{i}"}
             for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        result = log_interactions(actor=actors["admin"], items=items)
    logged = [e for batch in later for e in batch if e.type == "interaction.logged"]
    assert [e.data["external_id"] for e in logged] == ["o0", "o1", "o2"]
    assert {e.record[1] for e in logged} == {a["id"] for a in result.items}
    assert logged[0].data["amount"] == "10.00" and logged[0].data["person_id"] == person.pk


def test_an_api_request_names_the_token_and_its_user_as_the_actor(actors, heard, client):
    now, _later = heard
    person = Person.objects.create(first_name="Ola", owner=actors["admin"])
    token, key = api_token_create(user=actors["admin"], name="integration")
    answer = client.patch(f"/api/v1/persons/{person.pk}", {"city": "Tromsø"}, content_type="application/json",
                          headers={"Authorization": f"Bearer {key}", "If-Match": f'"{person.version}"'})
    assert answer.status_code == 200, answer.content
    change = of(now, "person.changed")[-1]
    assert change.changes == {"city": ["", "Tromsø"]}
    assert change.actor.via == "api" and change.actor.user == actors["admin"] and change.actor.token_id == token.pk


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_delivers_and_a_real_rollback_does_not(heard):
    """Django's own commit path (not a test's capture): events reach after-commit listeners only then."""
    _now, later = heard
    with transaction.atomic():
        Person.objects.create(first_name="Kept")
        assert later == []  # not before the commit
    try:
        with transaction.atomic():
            Person.objects.create(first_name="Undone")
            raise RuntimeError
    except RuntimeError:
        pass
    names = [e.data["first_name"] for batch in later for e in batch if e.type == "person.created"]
    assert names == ["Kept"]
