"""One paging scheme for every list (docs/api.md, "Paging"): ``?page=&page_size=``, bounded in the document, and a
page past the bounds is a 422 naming the parameter — never an offset the database cannot hold."""

import re

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.api import api
from tillit.people.models import Person

SCHEMA = api.get_openapi_schema()
PAGED = [(path, op) for path, ops in SCHEMA["paths"].items() for method, op in ops.items()
         if method == "get" and any(p["name"] == "page" for p in op.get("parameters", []))]


@pytest.fixture
def admin_client(actors):
    _, key = api_token_create(user=actors["admin"], name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_every_paged_list_documents_both_parameters_with_bounds():
    assert len(PAGED) >= 15
    for path, op in PAGED:
        params = {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
        assert "page_size" in params, path
        assert params["page"].get("minimum") == 1 and params["page"].get("maximum"), path
        size = params["page_size"].get("anyOf", [params["page_size"]])[0]
        assert size.get("minimum") == 1 and size.get("maximum"), path
        assert not {"limit", "offset"} & set(params), path


def test_pages_and_page_sizes(admin_client, actors):
    for i in range(5):
        Person.objects.create(first_name=f"P{i}", last_name="Paged", owner=actors["rep_north"])
    first = admin_client.get("/api/v1/persons", {"q": "Paged", "page_size": 2}).json()
    third = admin_client.get("/api/v1/persons", {"q": "Paged", "page_size": 2, "page": 3}).json()
    assert first["count"] == third["count"] == 5
    assert len(first["items"]) == 2 and len(third["items"]) == 1
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in third["items"]}


@pytest.mark.parametrize("query,field", [
    ("page=121645100408832001", "page"), ("page=0", "page"), ("page_size=501", "page_size"),
    ("page_size=0", "page_size"), ("limit=10&offset=20", "limit"),
])
def test_out_of_bounds_and_unknown_paging_is_422_naming_the_parameter(admin_client, query, field):
    response = admin_client.get(f"/api/v1/persons?{query}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("path,_op", PAGED, ids=[p for p, _ in PAGED])
def test_a_huge_page_is_refused_on_every_list(admin_client, path, _op, actors):
    person = Person.objects.create(first_name="Kari", owner=actors["rep_north"])
    url = re.sub(r"\{\w+\}", "1", path.replace("{person_id}", str(person.pk)))
    response = admin_client.get(url, {"page": 2**63})
    assert response.status_code in (404, 422), (path, response.status_code)
    if response.status_code == 422:
        assert [e["field"] for e in response.json()["errors"]] == ["page"]


def test_the_timeline_pages_the_same_way(admin_client, actors):
    person = Person.objects.create(first_name="Kari", owner=actors["rep_north"])
    answer = admin_client.get(f"/api/v1/persons/{person.pk}/timeline", {"page": 1, "page_size": 5}).json()
    assert (answer["page"], answer["page_size"], answer["has_next"]) == (1, 5, False)
    response = admin_client.get(f"/api/v1/persons/{person.pk}/timeline", {"page": 10**12})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "page"
