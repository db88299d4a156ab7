"""Two integrations sending the same batch at the same moment still store each interaction once."""

import threading

import pytest
from django.db import connection, connections

from tillit.interactions.models import Interaction
from tillit.interactions.services import log_interactions


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_is_stored_once(actors, north_person):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the race needs PostgreSQL")
    items = [{"channel": "web", "kind": "page_view", "person_id": north_person.pk, "source": "site",
              "external_id": f"pv-{n}"} for n in range(300)]
    start = threading.Barrier(2)
    results, failures = [], []

    def send():
        try:
            start.wait()
            results.append(log_interactions(actor=actors["admin"], items=items))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert Interaction.objects.count() == 300
    assert sorted(r.accepted + r.duplicate for r in results) == [300, 300]
    assert sum(r.accepted for r in results) == 300
    ids = [[a["id"] for a in r.items] for r in results]
    assert ids[0] == ids[1]
