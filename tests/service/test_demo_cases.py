"""The service demo: queues, cases in every state with threads and handovers, Kari's open case; clean delete."""

import datetime as dt

import pytest

from tillit.demo.generator import delete_demo_data, load_demo
from tillit.interactions.models import Interaction
from tillit.people.models import Person
from tillit.service.models import Case, CaseMessage, CaseStatus, Queue

TODAY = dt.date(2026, 5, 4)


def _load(seed=3):
    return load_demo(seed=seed, persons=120, organizations=20, interactions_per_person=4, today=TODAY)


def _fingerprint():
    return list(Case.objects.order_by("number").values_list(
        "number", "subject", "status", "priority", "person__last_name", "assignee__username", "opened_at"))


@pytest.mark.django_db(transaction=True)
def test_service_demo_covers_every_state_and_deletes_cleanly():
    summary = _load()
    assert summary.extra["cases"] == Case.objects.count() > 55
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert set(Case.objects.values_list("channel", flat=True)) >= {"email", "web", "phone"}
    support, returns = Queue.objects.get(name="Support"), Queue.objects.get(name="Returns")
    assert {m.user.username for m in support.memberships.all()} == {"mette", "johan"}
    assert returns.cases.exists()
    assert CaseMessage.objects.filter(kind="handover").exists()
    assert CaseMessage.objects.filter(kind="reply").count() > 30
    kari = Person.objects.get(first_name="Kari", last_name="Bråthen")
    open_case = Case.objects.get(person=kari, status="open")
    assert open_case.assignee.username == "mette" and open_case.messages.filter(kind="handover").exists()
    assert Interaction.objects.filter(person=kari, payload__case=open_case.pk).exists()
    # Unique numbers, and the counter continues after them.
    assert Case.objects.values("number").distinct().count() == Case.objects.count()

    first = _fingerprint()
    delete_demo_data()
    assert Case.objects.count() == 0 and CaseMessage.objects.count() == 0
    assert not Interaction.objects.filter(source="service").exists()
    _load()
    assert _fingerprint() == first
