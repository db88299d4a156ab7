"""The interaction endpoints with a real bearer token: one, a batch, read one back."""

import json

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.interactions.models import Interaction
from tillit.interactions.services import log_interaction

API = "/api/v1"


def client_for(user) -> tuple[Client, dict]:
    _token, key = api_token_create(user=user, name="integration")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(user, path, body):
    client, auth = client_for(user)
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(API + path, data=data, content_type="application/json", **auth)


def test_one_interaction_round_trip(actors, north_person):
    rep = actors["rep_north"]
    body = {"channel": "phone", "kind": "call", "direction": "in", "person_phone": "+47 912 34 567",
            "occurred_at": "2025-03-01T12:30:00+01:00", "duration_seconds": 300, "wait_seconds": 20,
            "amount": 1499.5, "currency": "nok", "handled_by_id": rep.pk, "source": "pbx", "external_id": "c-1",
            "payload": {"queue": "billing"}}
    created = post(rep, "/interactions", body)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "accepted"
    pk = created.json()["id"]

    client, auth = client_for(rep)
    read = client.get(f"{API}/interactions/{pk}", **auth)
    assert read.status_code == 200
    data = read.json()
    assert data["person_id"] == north_person.pk and data["handled_by_id"] == rep.pk
    assert data["occurred_at"].startswith("2025-03-01T11:30:00")
    assert data["currency"] == "NOK" and data["payload"] == {"queue": "billing"}
    assert (data["duration_seconds"], data["wait_seconds"]) == (300, 20)


def test_replaying_one_interaction_answers_200_duplicate(actors, north_person):
    body = {"channel": "email", "kind": "email_opened", "person_id": north_person.pk, "source": "mailer",
            "external_id": "open-1"}
    first = post(actors["rep_north"], "/interactions", body)
    again = post(actors["rep_north"], "/interactions", body)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == {"index": 0, "status": "duplicate", "id": first.json()["id"], "errors": None}
    assert Interaction.objects.count() == 1


def test_a_bad_interaction_is_422_naming_the_field(actors, north_person):
    response = post(actors["rep_north"], "/interactions",
                    {"channel": "phone", "kind": "call", "person_id": north_person.pk, "satisfaction": 42})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "satisfaction"
    assert post(actors["rep_north"], "/interactions", "{not json").json()["errors"][0]["field"] == "body"


def test_a_rep_cannot_log_against_another_reps_person(actors, south_person):
    response = post(actors["rep_north"], "/interactions", {"channel": "phone", "kind": "call",
                                                           "person_id": south_person.pk})
    assert response.status_code == 404
    assert not Interaction.objects.exists()


def test_partner_tokens_are_refused(actors, north_person):
    body = {"channel": "phone", "kind": "call", "person_id": north_person.pk}
    assert post(actors["partner"], "/interactions", body).status_code == 403
    assert post(actors["customer"], "/interactions/batch", {"items": [body]}).status_code == 403
    assert not Interaction.objects.exists()


def test_no_token_no_access(db, north_person):
    response = Client().post(f"{API}/interactions", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_a_batch_answers_per_item(actors, north_person):
    items = [
        {"channel": "web", "kind": "page_view", "person_email": "KARI@example.no", "source": "site",
         "external_id": "pv-1"},
        {"channel": "web", "kind": "page_view", "person_email": "kari@example.no", "share_watched": 7},
        {"channel": "web", "kind": "page_view", "person_email": "new@lead.no", "source": "site",
         "external_id": "pv-2"},
    ]
    response = post(actors["rep_north"], "/interactions/batch", {"items": items})
    assert response.status_code == 200
    data = response.json()
    assert (data["accepted"], data["duplicate"], data["rejected"], data["people_created"]) == (2, 0, 1, 1)
    assert [i["status"] for i in data["items"]] == ["accepted", "rejected", "accepted"]
    rejected = data["items"][1]
    assert rejected["index"] == 1 and "id" not in rejected
    assert [e["field"] for e in rejected["errors"]] == ["share_watched"] and rejected["errors"][0]["reason"]
    replay = post(actors["rep_north"], "/interactions/batch", {"items": [items[0], items[2]]}).json()
    assert [i["status"] for i in replay["items"]] == ["duplicate", "duplicate"]
    assert Interaction.objects.count() == 2


def test_a_batch_over_the_limit_is_422_naming_items(actors, settings):
    items = [{"channel": "web", "kind": "page_view", "person_id": 1}] * (settings.TILLIT_BATCH_LIMIT + 1)
    response = post(actors["admin"], "/interactions/batch", {"items": items})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items"
    assert post(actors["admin"], "/interactions/batch", {"rows": []}).json()["errors"][0]["field"] == "items"


@pytest.mark.parametrize("who,status", [("rep_north", 200), ("manager_north", 200), ("service", 200),
                                        ("rep_north2", 404), ("rep_south", 404)])
def test_reading_an_interaction_follows_the_persons_visibility(actors, north_person, who, status):
    interaction = log_interaction(actor=actors["admin"], channel="phone", kind="call", person=north_person)
    client, auth = client_for(actors[who])
    assert client.get(f"{API}/interactions/{interaction.pk}", **auth).status_code == status


def test_the_openapi_document_describes_the_batch_body(db, admin_client):
    schema = admin_client.get(f"{API}/openapi.json").json()
    body = schema["paths"][f"{API}/interactions/batch"]["post"]["requestBody"]
    items = body["content"]["application/json"]["schema"]["properties"]["items"]
    assert items["maxItems"] == 10_000
    item = items["items"]
    assert "person_email" in item["properties"]
    assert "phone" in item["properties"]["channel"]["description"]
    # Loosely: the batch checks each item itself and answers per item, so the document promises no types there
    # (the single POST /interactions refuses the whole body and keeps the strict schema).
    assert "type" not in item and "format" not in item["properties"]["occurred_at"]
    assert "type" not in item["properties"]["occurred_at"]
    single = schema["paths"][f"{API}/interactions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert single["properties"]["occurred_at"]["anyOf"][0]["format"] == "date-time"


def test_a_batch_item_the_schema_would_refuse_is_rejected_alone_naming_the_field(actors, north_person):
    items = [{"channel": "phone", "kind": "call", "person_id": north_person.pk, "occurred_at": "yesterday"},
             {"channel": "phone", "kind": "call", "person_id": north_person.pk},
             "not an object"]
    response = post(actors["rep_north"], "/interactions/batch", {"items": items})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert [i["status"] for i in answer["items"]] == ["rejected", "accepted", "rejected"]
    assert answer["items"][0]["errors"][0]["field"] == "occurred_at"
    assert Interaction.objects.count() == 1


def test_a_full_batch_may_be_larger_than_djangos_request_limit(actors, north_person, settings):
    items = [{"channel": "web", "kind": "content_read", "person_id": north_person.pk, "text": "x" * 1000}] * 3000
    body = json.dumps({"items": items})
    assert len(body) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = post(actors["rep_north"], "/interactions/batch", body)
    assert response.status_code == 200 and response.json()["accepted"] == 3000


def test_an_oversized_batch_body_is_413(actors, north_person, monkeypatch):
    from tillit.interactions import api

    monkeypatch.setattr(api, "BATCH_MAX_BYTES", 1000)
    items = [{"channel": "web", "kind": "page_view", "person_id": north_person.pk, "text": "x" * 2000}]
    response = post(actors["rep_north"], "/interactions/batch", {"items": items})
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "body"
    assert not Interaction.objects.exists()
