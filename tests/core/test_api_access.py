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

OPERATIONS = [
    (method.upper(), path)
    for path, ops in api.get_openapi_schema()["paths"].items()
    for method in ops
]


@pytest.fixture
def world(actors):
    org = Organization.objects.create(name="Fjord AS", owner=actors["rep_north"])
    person = Person.objects.create(first_name="Kari", last_name="Nordmann", owner=actors["rep_north"])
    role = Affiliation.objects.create(person=person, organization=org, title="CEO")
    interaction = Interaction.objects.create(
        person=person, channel="phone", kind="call", occurred_at="2026-01-05T10:00:00Z"
    )
    return {"person_id": person.pk, "organization_id": org.pk, "role_id": role.pk, "interaction_id": interaction.pk}


def _call(client: Client, method: str, path: str, ids: dict, **headers):
    """Call with a well-formed request, so that only access can refuse it."""
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
    if path.endswith("/lookup"):
        url += "?q=Kari"
    body = {"first_name": "X", "name": "X", "channel": "phone", "kind": "call", "items": [],
            "value": "x@example.com", "organization_id": ids["organization_id"], "title": "CFO"}
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
    _, key = api_token_create(user=actors[who], name="t")
    response = _call(Client(), method, path, world, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code in (403, 404), (method, path, response.status_code, response.content[:200])


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_anonymous_callers_get_401_everywhere(world, method, path):
    assert _call(Client(), method, path, world).status_code == 401


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_a_rep_cannot_reach_another_reps_records(actors, world, method, path):
    _, key = api_token_create(user=actors["rep_south"], name="t")
    response = _call(Client(), method, path, world, HTTP_AUTHORIZATION=f"Bearer {key}")
    if "{" in path:
        assert response.status_code == 404, (method, path, response.status_code, response.content[:200])
    else:
        body = response.content.decode()
        assert "Kari" not in body and "Fjord" not in body, (method, path)
