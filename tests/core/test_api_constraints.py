"""The request schemas carry what the API enforces (docs/api.md, "Constraints"): lengths, choices and ranges come
from the models, every string refuses a NUL byte at the schema with the field named — never the database's refusal
without a field — and ``null`` is refused where the record cannot hold it."""

import json
import re

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.api import api
from tillit.people.models import Person
from tillit.sales.models import Product
from tillit.service.models import Case
from tillit.tasks.models import Task

DOCUMENT = api.get_openapi_schema()
COMPONENTS = DOCUMENT["components"]["schemas"]


@pytest.fixture
def admin_api(actors):
    _, key = api_token_create(user=actors["admin"], name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", raise_request_exception=False)


def _send(client, method, path, body: str | dict, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(f"/api/v1{path}", data=data, content_type="application/json", **headers)


def _refused(response, field: str) -> dict:
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "validation_error" and body["errors"][0]["field"] == field, body
    return body


def test_a_nul_byte_in_a_product_name_is_refused_naming_the_field(admin_api):
    _refused(_send(admin_api, "post", "/products", {"sku": "P-1", "name": "Pump\x00"}), "name")
    assert not Product.objects.exists()


def test_a_nul_byte_is_refused_at_the_schema_everywhere(admin_api, actors):
    task = Task.objects.create(title="Call", assignee=actors["admin"], created_by=actors["admin"])
    _refused(_send(admin_api, "patch", f"/tasks/{task.pk}", {"title": "a\x00b"}, HTTP_IF_MATCH='"1"'), "title")
    person = Person.objects.create(first_name="Kari")
    case = Case.objects.create(number="C-1", subject="Noisy", person=person, opened_at="2026-01-05T10:00:00Z")
    _refused(_send(admin_api, "post", f"/service/cases/{case.pk}/notes", {"body": "\x00"}), "body")
    _refused(_send(admin_api, "post", "/marketing/campaigns", {"name": "Spring", "code": "sp\x00"}), "code")
    _refused(_send(admin_api, "post", "/marketing/sites", {"name": "Shop\x00"}), "name")
    _refused(_send(admin_api, "post", f"/persons/{person.pk}/consents", {"purpose": "news\x00"}), "purpose")
    _refused(admin_api.get("/api/v1/persons", {"q": "Ka\x00ri"}), "q")
    task.refresh_from_db()
    assert task.title == "Call" and not case.messages.exists()


def test_a_lone_surrogate_is_refused_naming_the_field(admin_api):
    _refused(_send(admin_api, "post", "/products", '{"sku": "P-1", "name": "\\udaf6"}'), "name")


def test_lengths_and_choices_come_from_the_model(admin_api):
    product = COMPONENTS["ProductIn"]["properties"]
    assert product["name"]["maxLength"] == Product._meta.get_field("name").max_length
    assert product["unit"]["enum"] == [value for value, _ in Product._meta.get_field("unit").choices]
    stage = COMPONENTS["PersonIn"]["properties"]["lifecycle_stage"]
    assert stage["enum"] == [value for value, _ in Person._meta.get_field("lifecycle_stage").choices]
    assert COMPONENTS["ProductIn"]["properties"]["warranty_months"]["anyOf"][0]["minimum"] == 0

    _refused(_send(admin_api, "post", "/products", {"sku": "P-1", "name": "x" * 201}), "name")
    _refused(_send(admin_api, "post", "/products", {"sku": "P-1", "name": "Pump", "unit": "bag"}), "unit")
    _refused(_send(admin_api, "post", "/products", {"sku": "P-1", "name": "Pump", "vat_rate": 100.5}), "vat_rate")
    _refused(_send(admin_api, "post", "/products", {"sku": " ", "name": "Pump"}), "sku")
    _refused(_send(admin_api, "post", "/products", {"sku": "P-1", "name": "Pump", "vat_rate": 1e300}), "vat_rate")
    ok = _send(admin_api, "post", "/products", {"sku": "P-1", "name": "Pump", "vat_rate": "12,5"})
    assert ok.status_code == 201 and ok.json()["vat_rate"] == "12.50", ok.content


def test_null_is_refused_where_the_record_cannot_hold_it(admin_api, actors):
    task = Task.objects.create(title="Call", assignee=actors["admin"], created_by=actors["admin"])
    _refused(_send(admin_api, "patch", f"/tasks/{task.pk}", {"title": None}, HTTP_IF_MATCH='"1"'), "title")
    # …and stays allowed where it can: no due date.
    cleared = _send(admin_api, "patch", f"/tasks/{task.pk}", {"due_date": None}, HTTP_IF_MATCH='"1"')
    assert cleared.status_code == 200, cleared.content
    title = COMPONENTS["TaskPatch"]["properties"]["title"]
    assert title["type"] == "string" and "default" not in title and "anyOf" not in title


def _request_schemas():
    for operations in DOCUMENT["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref")
            if ref:
                yield ref.rsplit("/", 1)[-1]


def _strings(schema: dict, seen: set):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        schema = COMPONENTS[name]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _strings(option, seen)
    if schema.get("type") == "string":
        yield schema
    for inner in schema.get("properties", {}).values():
        yield from _strings(inner, seen)
    if isinstance(schema.get("items"), dict):
        yield from _strings(schema["items"], seen)


def test_every_string_of_every_request_body_says_it_takes_no_nul():
    seen: set = set()
    strings = [s for name in set(_request_schemas()) for s in _strings({"$ref": f"#/x/{name}"}, seen)]
    assert strings
    unchecked = [s for s in strings if "enum" not in s and "format" not in s
                 and (not s.get("pattern") or any(re.search(s["pattern"], v) for v in ("\x00", "1\x00", "a\x00b")))]
    assert not unchecked, unchecked[:5]
