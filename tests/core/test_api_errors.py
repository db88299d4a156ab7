"""Every answer under /api/ that is an error is JSON in one shape: ``{"code", "detail", "errors": [{"field",
"reason"}]}`` — the framework's own answers (no token, a body that is not JSON, schema validation, unknown query
parameters, unknown paths, wrong methods) and unexpected failures alike (docs/api.md, "Errors")."""

import json
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.people.models import Person
from tillit.sales.models import Deal


@pytest.fixture
def token_client(actors):
    _, key = api_token_create(user=actors["rep_north"], name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", raise_request_exception=False)


def _shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "detail", "errors"} and body["code"] == code and body["detail"], body
    assert all(set(e) == {"field", "reason"} for e in body["errors"]), body
    return body


def _fields(body: dict) -> list[str]:
    return [e["field"] for e in body["errors"]]


def test_no_token_is_401_in_the_error_shape(db):
    _shape(Client().get("/api/v1/persons"), 401, "unauthorized")
    _shape(Client(HTTP_AUTHORIZATION="Bearer tlt_nonsense").get("/api/v1/persons"), 401, "unauthorized")


def test_a_body_that_is_not_json_is_400_naming_the_body(token_client):
    for path in ("/api/v1/deals", "/api/v1/interactions"):
        body = _shape(token_client.post(path, "{bad", content_type="application/json"), 400, "invalid_json")
        assert _fields(body) == ["body"], path
    assert not Deal.objects.exists()


def test_schema_validation_names_the_field_as_the_api_names_it(token_client):
    response = token_client.post("/api/v1/deals", json.dumps({
        "title": "Pump", "value": "lots", "products": [{"product_id": 1}, {"product_id": 2, "unit_price": "cheap"}],
    }), content_type="application/json")
    body = _shape(response, 422, "validation_error")
    assert _fields(body) == ["value", "products[1].unit_price"]
    assert not Deal.objects.exists()


def test_a_missing_required_field_and_an_unknown_one_are_named(token_client):
    response = token_client.patch("/api/v1/persons/1", json.dumps({"first_name": "X", "shoe_size": 42}),
                                  content_type="application/json")
    assert _fields(_shape(response, 422, "validation_error")) == ["shoe_size"]
    body = _shape(token_client.post("/api/v1/deals", "{}", content_type="application/json"), 422, "validation_error")
    assert _fields(body) == ["title"]


def test_query_and_path_parameters_are_named_by_their_name(token_client):
    assert _fields(_shape(token_client.get("/api/v1/persons?page=x"), 422, "validation_error")) == ["page"]
    assert _fields(_shape(token_client.get("/api/v1/persons/abc/card"), 422, "validation_error")) == ["person_id"]


def test_unknown_query_parameters_are_refused_by_name(token_client):
    body = _shape(token_client.get("/api/v1/persons?lifecycle=customer&limit=5&q=Kari"), 422, "validation_error")
    assert _fields(body) == ["lifecycle", "limit"]
    # Also on operations without any query parameters.
    assert _fields(_shape(token_client.get("/api/v1/persons/1?expand=roles"), 422, "validation_error")) == ["expand"]


def test_unknown_query_parameters_are_checked_after_authentication(db):
    _shape(Client().get("/api/v1/persons?lifecycle=customer"), 401, "unauthorized")


@pytest.mark.parametrize("path", ["/api/v1/persons/", "/api/v1/no-such-thing", "/api/v2/persons", "/api/"])
def test_unknown_paths_are_a_json_404(token_client, path):
    _shape(token_client.get(path), 404, "not_found")


def test_a_trailing_slash_is_answered_with_the_path_meant(token_client):
    body = _shape(token_client.get("/api/v1/persons/"), 404, "not_found")
    assert "/api/v1/persons " in body["detail"] + " "


def test_a_method_the_path_does_not_have_is_a_json_405(token_client):
    response = token_client.delete("/api/v1/lookup")
    _shape(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_a_record_you_may_not_see_is_a_404_in_the_shape(token_client, actors):
    other = Person.objects.create(first_name="Ola", owner=actors["rep_south"])
    _shape(token_client.get(f"/api/v1/persons/{other.pk}"), 404, "not_found")


@contextmanager
def _deals_table_fails():
    """The database fails on the deals table (authentication still works): a failure nobody planned for."""

    def fail(execute, sql, params, many, context):
        if Deal._meta.db_table in sql:
            raise RuntimeError("database went away")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield


def test_an_unexpected_failure_is_a_json_500_not_the_html_page(token_client, caplog):
    with _deals_table_fails():
        response = token_client.get("/api/v1/deals")
    body = _shape(response, 500, "server_error")
    assert "database went away" not in body["detail"]
    assert any("Internal Server Error: /api/v1/deals" in r.getMessage() for r in caplog.records)


def test_the_pages_keep_their_html_error_pages(login, actors):
    response = login(actors["rep_north"]).get("/persons/999999/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
