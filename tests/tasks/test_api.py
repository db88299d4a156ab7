import json

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.tasks import services
from tillit.tasks.models import Task

API = "/api/v1"


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def _send(self, method, path, body=None, **headers):
        data = json.dumps(body) if body is not None else None
        return getattr(self.client, method)(f"{API}{path}", data=data, content_type="application/json",
                                            **self.auth, **headers)

    def get(self, path, **headers):
        return self.client.get(f"{API}{path}", **self.auth, **headers)

    def post(self, path, body=None, **headers):
        return self._send("post", path, body or {}, **headers)

    def patch(self, path, body, **headers):
        return self._send("patch", path, body, **headers)


@pytest.fixture
def api(actors):
    return lambda who: Api(actors[who])


def test_create_get_and_list(api, actors, world):
    north = api("rep_north")
    response = north.post("/tasks", {"title": "Call Kari", "due_date": "2026-05-04", "priority": "high",
                                     "person_id": world["p_north"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["assignee_id"] == actors["rep_north"].pk and body["person_id"] == world["p_north"].pk
    assert body["is_done"] is False and response["ETag"] == '"1"'
    got = north.get(f"/tasks/{body['id']}")
    assert got.status_code == 200 and got.json()["title"] == "Call Kari"
    listed = north.get("/tasks?scope=mine").json()
    assert [t["title"] for t in listed["items"]] == ["Call Kari"]
    assert north.get("/tasks?scope=everyone").status_code == 422


def test_bad_input_and_invisible_records_are_422_naming_the_field(api, world):
    north, south = api("rep_north"), api("rep_south")
    assert north.post("/tasks", {"title": "x", "priority": "asap"}).json()["errors"][0]["field"] == "priority"
    assert north.post("/tasks", {"title": "x", "assignee_id": 99999}).json()["errors"][0]["field"] == "assignee_id"
    response = south.post("/tasks", {"title": "x", "deal_id": world["deal"].pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "deal_id"
    assert not Task.objects.exists()


def test_patch_needs_if_match_and_a_stale_version_is_409(api, actors):
    north = api("rep_north")
    task = services.task_create(actor=actors["rep_north"], title="Draft")
    assert north.patch(f"/tasks/{task.pk}", {"title": "New"}).status_code == 428
    response = north.patch(f"/tasks/{task.pk}", {"title": "New", "due_date": None}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["title"] == "New" and response["ETag"] == '"2"'
    assert north.patch(f"/tasks/{task.pk}", {"title": "Stale"}, HTTP_IF_MATCH='"1"').status_code == 409
    assert Task.objects.get().title == "New"


def test_complete_and_reopen(api, actors):
    north = api("rep_north")
    task = services.task_create(actor=actors["rep_north"], title="Do it")
    body = north.post(f"/tasks/{task.pk}/complete").json()
    assert body["is_done"] is True and body["done_by_id"] == actors["rep_north"].pk
    assert north.post(f"/tasks/{task.pk}/complete").status_code == 200  # idempotent
    assert north.post(f"/tasks/{task.pk}/reopen").json()["is_done"] is False


def test_roles_see_what_the_pages_show(api, actors, world):
    task = services.task_create(actor=actors["rep_north"], title="North's", person=world["p_north"])
    assert api("rep_south").get(f"/tasks/{task.pk}").status_code == 404
    assert api("rep_south").post(f"/tasks/{task.pk}/complete").status_code == 404
    assert api("manager_north").get(f"/tasks/{task.pk}").status_code == 200
    assert api("admin").get(f"/tasks/{task.pk}").status_code == 200
    assert api("partner").get("/tasks").status_code == 403
    assert api("customer").get(f"/tasks/{task.pk}").status_code == 403


def test_list_query_count(api, actors, world, django_assert_max_num_queries):
    north = api("rep_north")
    for i in range(25):
        services.task_create(actor=actors["rep_north"], title=f"T{i}", person=world["p_north"], deal=world["deal"])
    with django_assert_max_num_queries(6):
        assert len(north.get("/tasks").json()["items"]) == 25
