"""Scoped API tokens: a token reads or writes only the areas it was given, until its expiry, from the addresses
it allows; the OpenAPI document says which scope each operation needs; the tokens page shows all of it."""

import datetime as dt

import pytest
from django.utils import timezone

from tillit.accounts.models import ApiToken
from tillit.accounts.scopes import ALL_SCOPES, AREAS
from tillit.accounts.services import api_token_create
from tillit.api import api
from tillit.core.errors import ValidationError


def call(client, method, path, key, body=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", **extra}
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, body, content_type="application/json", **headers)


def test_a_read_token_reads_its_area_and_is_refused_writes_and_other_areas_naming_the_scope(client, actors):
    _, key = api_token_create(user=actors["admin"], name="reader", scopes=["people:read"])
    assert call(client, "get", "/api/v1/persons", key).status_code == 200

    answer = call(client, "post", "/api/v1/persons", key, {"first_name": "Kari", "last_name": "Nordmann"})
    assert answer.status_code == 403
    assert answer.json()["code"] == "missing_scope" and "people:write" in answer.json()["detail"]
    assert answer.json()["errors"] == [{"field": "scope", "reason": "people:write"}]

    answer = call(client, "get", "/api/v1/deals", key)
    assert answer.status_code == 403 and "sales:read" in answer.json()["detail"]


def test_write_includes_read_and_the_user_still_decides_what_answers(client, actors):
    _, key = api_token_create(user=actors["rep_north"], name="sync", scopes=["people:write"])
    assert call(client, "get", "/api/v1/persons", key).status_code == 200
    answer = call(client, "post", "/api/v1/persons", key, {"first_name": "Kari", "last_name": "Nordmann"})
    assert answer.status_code == 201, answer.content


def test_the_same_scopes_hold_for_the_x_api_key_header(client, actors):
    _, key = api_token_create(user=actors["admin"], name="header", scopes=["sales:read"])
    assert client.get("/api/v1/deals", HTTP_X_API_KEY=key).status_code == 200
    assert client.get("/api/v1/persons", HTTP_X_API_KEY=key).json()["code"] == "missing_scope"


def test_an_expired_token_is_refused_with_401_saying_so(client, actors):
    token, key = api_token_create(user=actors["admin"], name="short", expires_at=timezone.now() + dt.timedelta(hours=1))
    assert call(client, "get", "/api/v1/persons", key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    answer = call(client, "get", "/api/v1/persons", key)
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_expired" and "expired" in answer.json()["detail"]


def test_allowed_addresses_refuse_other_addresses_and_the_last_address_is_kept(client, actors):
    token, key = api_token_create(user=actors["admin"], name="erp", allowed_addresses=["10.0.0.0/8", "192.0.2.7"])
    assert call(client, "get", "/api/v1/persons", key, REMOTE_ADDR="10.20.30.40").status_code == 200
    token.refresh_from_db()
    assert token.last_used_ip == "10.20.30.40" and token.last_used_at is not None
    assert call(client, "get", "/api/v1/persons", key, REMOTE_ADDR="192.0.2.7").status_code == 200
    token.refresh_from_db()
    assert token.last_used_ip == "192.0.2.7"  # a new address is recorded at once, not after a minute

    answer = call(client, "get", "/api/v1/persons", key, REMOTE_ADDR="198.51.100.1")
    assert answer.status_code == 403
    assert answer.json()["code"] == "address_not_allowed" and "198.51.100.1" in answer.json()["detail"]


def test_a_browser_session_is_not_narrowed_by_scopes(login, actors):
    client = login(actors["admin"])
    assert client.get("/api/v1/deals").status_code == 200


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"scopes": ["people:delete"]}, "scopes"),
    ({"scopes": []}, "scopes"),
    ({"allowed_addresses": ["10.0.0.0/33"]}, "allowed_addresses"),
    ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
])
def test_a_bad_token_is_refused_naming_the_field_and_nothing_is_stored(actors, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        api_token_create(user=actors["admin"], name="bad", **kwargs)
    assert refused.value.field == field
    assert not ApiToken.objects.exists()


def test_the_document_names_the_scope_of_every_operation():
    document = api.get_openapi_schema()
    operations = [(method, path, op) for path, item in document["paths"].items() for method, op in item.items()]
    assert len(operations) > 100
    public = [(method, path) for method, path, op in operations if not op.get("security")]
    assert ("post", "/api/v1/track") in public and len(public) <= 3
    for method, path, op in operations:
        if (method, path) in public:
            assert "x-required-scope" not in op
            continue
        scope = op["x-required-scope"]
        area, level = scope.split(":")
        assert area in AREAS, (path, scope)
        assert level == ("read" if method == "get" else "write"), (method, path, scope)
        assert {"TokenAuth": [scope]} in op["security"] and f"`{scope}`" in op["description"]


def test_the_tokens_page_creates_a_scoped_expiring_token_and_lists_what_it_may_do(login, actors):
    client = login(actors["rep_north"])
    response = client.post("/accounts/tokens/", {
        "name": "Web shop", "scopes": ["interactions:write", "people:read"], "valid_through": "2099-12-31",
        "allowed_addresses": "192.0.2.10\n10.0.0.0/8",
    })
    assert response.context["new_key"].startswith("tlt_")
    token = ApiToken.objects.get(user=actors["rep_north"])
    assert token.scopes == ["people:read", "interactions:write"]
    assert token.allowed_addresses == ["192.0.2.10/32", "10.0.0.0/8"]
    assert timezone.localtime(token.expires_at).date() == dt.date(2100, 1, 1)  # through the whole day chosen

    page = client.get("/accounts/tokens/").content.decode()
    assert "<code>interactions:write</code>" in page and "10.0.0.0/8" in page


def test_the_tokens_page_keeps_the_choices_when_refusing(login, actors):
    client = login(actors["rep_north"])
    response = client.post("/accounts/tokens/", {"name": "ERP", "scopes": ["sales:read"],
                                                 "allowed_addresses": "not-an-address"})
    page = response.content.decode()
    assert 'data-field="allowed_addresses"' in page and "not-an-address" in page
    assert 'value="sales:read" checked' in page
    assert not ApiToken.objects.exists()
    response = client.post("/accounts/tokens/", {"name": "ERP"})
    assert 'data-field="scopes"' in response.content.decode()


def test_tokens_made_before_scopes_keep_every_scope():
    # The migration gives old tokens what they could do before: everything their user may do.
    from importlib import import_module

    migration = import_module("tillit.accounts.migrations.0003_token_scopes")
    assert list(ALL_SCOPES) == migration.ALL
