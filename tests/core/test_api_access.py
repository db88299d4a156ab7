"""Every operation in the OpenAPI document refuses partners and customers and anonymous callers.

Walks the schema, so an endpoint added later is covered without anyone remembering to add a test.
"""

import json
import re

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.api import api
from tillit.interactions.models import Interaction
from tillit.people.models import Affiliation, Organization, Person
from tillit.sales.models import Deal, Order, OrderLine, Pipeline, Quote, QuoteLine, Stage
from tillit.service.models import Case
from tillit.tasks.models import Task

SCHEMA = api.get_openapi_schema()
OPERATIONS = [(method.upper(), path) for path, ops in SCHEMA["paths"].items() for method in ops]
# Open on purpose: a survey answer carries its own signed token; the website tracker is anonymous by nature.
PUBLIC = {("POST", "/api/v1/service/survey-answers"), ("POST", "/api/v1/track")}
# Path parameters that name a customer's records (rep North's customer Kari in ``world``); the others name
# shared set-up (pipelines, products, queues, segments …) that every employee may read.
CUSTOMER_RECORDS = {"person_id", "organization_id", "role_id", "interaction_id", "deal_id", "quote_id", "order_id",
                    "task_id", "case_id"}
UNKNOWN = 999_999


@pytest.fixture
def world(actors):
    org = Organization.objects.create(name="Fjord AS", owner=actors["rep_north"])
    person = Person.objects.create(first_name="Kari", last_name="Nordmann", owner=actors["rep_north"])
    role = Affiliation.objects.create(person=person, organization=org, title="CEO")
    interaction = Interaction.objects.create(
        person=person, channel="phone", kind="call", occurred_at="2026-01-05T10:00:00Z"
    )
    pipeline = Pipeline.objects.create(name="New business")
    stage = Stage.objects.create(pipeline=pipeline, name="Lead", probability=10)
    owned = {"person": person, "organization": org, "owner": actors["rep_north"], "team": actors["rep_north"].team}
    deal = Deal.objects.create(title="Heat pump", pipeline=pipeline, stage=stage, value=1000, **owned)
    quote = Quote.objects.create(number="Q-1", deal=deal, valid_until="2026-12-31", **owned)
    quote_line = QuoteLine.objects.create(quote=quote, description="Pump")
    order = Order.objects.create(number="O-1", order_date="2026-01-05", **owned)
    order_line = OrderLine.objects.create(order=order, description="Pump")
    task = Task.objects.create(title="Call back", assignee=actors["rep_north"], created_by=actors["rep_north"],
                               person=person)
    case = Case.objects.create(number="C-1", subject="Noisy", person=person, opened_at="2026-01-05T10:00:00Z")
    ids = {"person_id": person.pk, "organization_id": org.pk, "role_id": role.pk, "interaction_id": interaction.pk,
           "deal_id": deal.pk, "quote_id": quote.pk, "order_id": order.pk, "task_id": task.pk, "case_id": case.pk,
           "pipeline_id": pipeline.pk}
    return _Ids(ids, quote_line=quote_line.pk, order_line=order_line.pk)


class _Ids(dict):
    """Record ids by path parameter; a parameter without a record of its own names one that does not exist."""

    def __init__(self, ids, *, quote_line, order_line):
        super().__init__(ids)
        self.lines = {"quotes": quote_line, "orders": order_line}

    def for_path(self, name: str, path: str):
        if name == "line_id":
            return self.lines["quotes" if "/quotes/" in path else "orders"]
        return self.get(name, UNKNOWN)


def _example(schema: dict, ids, depth: int = 0):
    """A value that satisfies ``schema`` (the required fields only), ids pointing at ``world``'s records."""
    if "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _example(options[0], ids, depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format", "")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _field(name, props[name], ids, depth) for name in schema.get("required", [])
                if name in props and depth < 4}
    if kind == "array":
        return [_example(schema.get("items", {}), ids, depth + 1)] if schema.get("minItems") else []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return "1" if schema.get("pattern") else 1
    if kind == "boolean":
        return False
    if fmt == "date":
        return "2026-01-05"
    if fmt == "date-time":
        return "2026-01-05T10:00:00Z"
    if fmt == "email":
        return "x@example.com"
    if kind == "string" and schema.get("pattern"):  # a code, an amount, a name: the first that fits
        fits = [c for c in ("X", "XXX", "1", "") if re.search(schema["pattern"], c)]
        return fits[0] if fits else "X"
    return "X" * max(1, schema.get("minLength", 1)) if kind == "string" else "X"


def _field(name: str, schema: dict, ids, depth: int):
    value = _example(schema, ids, depth + 1)
    return ids.get(name, UNKNOWN) if name.endswith("_id") and isinstance(value, int) else value


def _body(method: str, path: str, ids) -> dict:
    generic = {"first_name": "X", "name": "X", "channel": "phone", "kind": "call", "items": [],
               "value": "x@example.com", "organization_id": ids["organization_id"], "title": "CFO"}
    operation = SCHEMA["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return generic
    schema = content["schema"]
    if "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    props = schema.get("properties", {})
    # Fill what the schema requires; add the generic values only where they fit (a string field).
    body = {k: v for k, v in generic.items()
            if k in props and (isinstance(v, int) or _example(props[k], ids) == "X" or "email" in str(props[k]))}
    example = _example(schema, ids)
    if isinstance(example, dict):
        body.update(example)
    return body


def _query(method: str, path: str) -> str:
    operation = SCHEMA["paths"][path][method.lower()]
    required = [p for p in operation.get("parameters", []) if p.get("in") == "query" and p.get("required")]
    return "&".join(f"{p['name']}={_example(p.get('schema', {}), {})}" for p in required)


def _call(client: Client, method: str, path: str, ids: dict, **headers):
    """Call with a well-formed request, so that only access can refuse it."""
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids.for_path(m.group(1), path)), path)
    if path.endswith("/lookup"):
        url += "?q=Kari"
    elif query := _query(method, path):
        url += "?" + query
    body = _body(method, path, ids)
    if path.endswith("/identities"):
        body["kind"] = "email"
    return client.generic(method, url, json.dumps(body), content_type="application/json", HTTP_IF_MATCH='"1"',
                          **headers)


def test_the_schema_lists_the_operations_we_expect():
    assert ("POST", "/api/v1/interactions/batch") in OPERATIONS
    assert len(OPERATIONS) >= 20


@pytest.mark.parametrize("who", ["partner", "customer"])
@pytest.mark.parametrize("method,path", OPERATIONS)
def test_partner_and_customer_tokens_are_refused_everywhere(actors, world, who, method, path):
    if (method, path) in PUBLIC:
        return
    _, key = api_token_create(user=actors[who], name="t")
    response = _call(Client(), method, path, world, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code in (403, 404), (method, path, response.status_code, response.content[:200])


@pytest.mark.parametrize("method,path", [op for op in OPERATIONS if op not in PUBLIC])
def test_anonymous_callers_get_401_everywhere(world, method, path):
    assert _call(Client(), method, path, world).status_code == 401


@pytest.mark.parametrize("method,path", sorted(PUBLIC))
def test_the_public_operations_reveal_no_records(world, method, path):
    response = _call(Client(), method, path, world)
    assert response.status_code < 500 and b"Kari" not in response.content and b"Fjord" not in response.content


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_a_rep_cannot_reach_another_reps_records(actors, world, method, path):
    _, key = api_token_create(user=actors["rep_south"], name="t")
    response = _call(Client(), method, path, world, HTTP_AUTHORIZATION=f"Bearer {key}")
    if set(re.findall(r"\{(\w+)\}", path)) & CUSTOMER_RECORDS:
        assert response.status_code == 404, (method, path, response.status_code, response.content[:200])
    else:
        assert response.status_code < 500, (method, path, response.status_code, response.content[:200])
        body = response.content.decode()
        assert "Kari" not in body and "Fjord" not in body, (method, path)
