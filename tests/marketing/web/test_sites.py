"""Tracking sites: who manages them, validation, the snippet; retention of anonymous history."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.marketing.web.conftest import batch, page_view, uid
from tillit.marketing.web import tracking
from tillit.marketing.web.models import TrackingSite, Visitor, WebEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who,status", [("admin", 200), ("marketing", 200), ("manager_north", 403),
                                        ("rep_north", 403), ("service", 403), ("partner", 403)])
def test_who_may_manage_sites(actors, login, who, status):
    site = TrackingSite.objects.create(name="Nordlys", key="ts_k")
    client = login(actors[who])
    assert client.get("/marketing/tracking/").status_code == status
    assert client.get(f"/marketing/tracking/{site.pk}/").status_code == status


def test_add_a_site_and_see_its_snippet(actors, login):
    client = login(actors["marketing"])
    response = client.post("/marketing/tracking/", {"name": "Nordlys NO", "create_leads": "on",
                                                     "allowed_origins": "https://www.nordlys.example/\nhttps://nordlys.example"})
    assert response.status_code == 302
    site = TrackingSite.objects.get()
    assert site.key.startswith("ts_") and site.origins == ["https://www.nordlys.example", "https://nordlys.example"]
    page = client.get(response["Location"]).content.decode()
    assert f'data-site="{site.key}"' in page and "/t.js" in page


def test_a_bad_origin_names_the_line(actors, login):
    client = login(actors["admin"])
    response = client.post("/marketing/tracking/", {"name": "X", "allowed_origins": "https://ok.example\nnot a url"})
    assert b'data-field="allowed_origins"' in response.content and b"Line 2" in response.content
    assert not TrackingSite.objects.exists()


def test_old_anonymous_history_is_purged(db):
    site = TrackingSite.objects.create(name="S", key="ts_p")
    old, new = uid(), uid()
    then = timezone.now() - dt.timedelta(days=500)
    tracking.collect(batch(site, old, [page_view()]), origin=None, now=then)
    tracking.collect(batch(site, new, [page_view()]), origin=None)
    assert tracking.purge_anonymous() == 1
    assert list(WebEvent.objects.values_list("visitor__visitor_id", flat=True)) == [new]
    assert list(Visitor.objects.values_list("visitor_id", flat=True)) == [new]
    assert tracking.purge_anonymous() == 0


def test_site_page_shows_recent_visits_in_few_queries(actors, login, django_assert_max_num_queries):
    site = TrackingSite.objects.create(name="S", key="ts_r")
    for _ in range(30):
        tracking.collect(batch(site, uid(), [page_view(title="Heat pumps guide")]), origin=None)
    client = login(actors["marketing"])
    with django_assert_max_num_queries(8):
        response = client.get(f"/marketing/tracking/{site.pk}/")
    page = response.content.decode()
    assert page.count("Heat pumps guide") == 20 and "google / cpc" in page
