"""Tracking sites over the API: create, list, read the key — marketing and administrators only."""

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.marketing.web.models import TrackingSite

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(actors):
    def _api(who: str) -> Client:
        _token, key = api_token_create(user=actors[who], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return _api


def test_create_list_and_read_a_site_with_its_key(api):
    client = api("marketing")
    response = client.post("/api/v1/marketing/sites", {
        "name": "Nordlys web", "allowed_origins": ["https://www.nordlys.example", "https://www.nordlys.example/x"]},
        content_type="application/json")
    assert response.status_code == 201
    site = response.json()
    stored = TrackingSite.objects.get(pk=site["id"])
    assert site["key"] == stored.key and site["key"].startswith("ts_")
    assert site["allowed_origins"] == ["https://www.nordlys.example"] and site["create_leads"] is True
    assert [s["key"] for s in client.get("/api/v1/marketing/sites").json()] == [stored.key]
    assert client.get(f"/api/v1/marketing/sites/{stored.pk}").json()["name"] == "Nordlys web"


def test_a_bad_origin_names_the_field_and_creates_nothing(api):
    response = api("admin").post("/api/v1/marketing/sites", {"name": "Shop", "allowed_origins": ["www.shop"]},
                                 content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "allowed_origins"
    assert not TrackingSite.objects.exists()


def test_an_unknown_site_is_404(api):
    assert api("admin").get("/api/v1/marketing/sites/999").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("admin", 201), ("marketing", 201), ("manager_north", 403),
                                             ("rep_north", 403), ("service", 403), ("partner", 403),
                                             ("customer", 403)])
def test_site_endpoints_per_role(api, who, status):
    site = TrackingSite.objects.create(name="Existing", key="ts_existingexistingex")
    client = api(who)
    created = client.post("/api/v1/marketing/sites", {"name": "New"}, content_type="application/json")
    assert created.status_code == status
    read = 200 if status == 201 else status
    assert client.get("/api/v1/marketing/sites").status_code == read
    response = client.get(f"/api/v1/marketing/sites/{site.pk}")
    assert response.status_code == read and (site.key in response.content.decode()) == (read == 200)


def test_site_endpoints_need_a_token(client):
    assert client.get("/api/v1/marketing/sites").status_code == 401
