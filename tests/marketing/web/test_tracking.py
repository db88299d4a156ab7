"""The collector: bursts, bad input, origins, identification joining the history (idempotent)."""

import json

import pytest
from django.utils import timezone

from tests.marketing.web.conftest import batch, make_person, page_view, uid
from tillit.interactions.models import Interaction
from tillit.marketing.web import tracking
from tillit.marketing.web.models import TrackingSite, Visitor, WebEvent

ORIGIN = "https://www.nordlys.example"
pytestmark = pytest.mark.django_db


def post(client, body, origin=ORIGIN, path="/t/collect", content_type="text/plain;charset=UTF-8"):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(path, data=body, content_type=content_type, **headers)


def test_a_burst_of_500_events_in_one_request_is_stored_in_bulk(client, site, django_assert_max_num_queries):
    visitor = uid()
    events = [page_view(title=f"Page {i}") for i in range(500)]
    # A handful of statements, not 500 (SQLite splits the insert at its parameter limit: ~9 statements).
    with django_assert_max_num_queries(20):
        response = post(client, batch(site, visitor, events))
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert WebEvent.objects.filter(visitor__visitor_id=visitor).count() == 500
    site.refresh_from_db()
    assert (site.accepted_events, site.dropped_events) == (500, 0)
    stored = WebEvent.objects.filter(visitor__visitor_id=visitor).first()
    assert (stored.utm_source, stored.utm_medium, stored.utm_campaign) == ("google", "cpc", "spring")
    assert stored.referrer == "https://www.google.com/"


def test_malformed_items_are_dropped_and_counted_the_rest_kept(client, site):
    visitor = uid()
    good = [page_view(), page_view(type="content_read", duration=95, scroll=80)]
    bad = [
        "not an object", {"type": "page_view"}, {"id": "x", "type": "page_view"}, {"id": uid("e"), "type": "hack"},
        page_view(share=3), page_view(id="has spaces in it"), {"id": uid("e"), "type": "identify"},
    ]
    response = post(client, batch(site, visitor, bad[:3] + good + bad[3:]))
    assert response.status_code == 204
    assert WebEvent.objects.filter(visitor__visitor_id=visitor).count() == 2
    read = WebEvent.objects.get(kind="content_read")
    assert (read.duration_seconds, read.scroll_depth) == (95, 80)
    site.refresh_from_db()
    assert (site.accepted_events, site.dropped_events) == (2, len(bad))


@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b'"a string"', "ü".encode("latin-1"),
                                  json.dumps({"site": "nope", "visitor": "abcdef1", "events": []}).encode()])
def test_garbage_is_answered_204_and_stores_nothing(client, site, body):
    assert post(client, body).status_code == 204
    assert not WebEvent.objects.exists()


def test_other_origins_are_refused_silently(client, site):
    response = post(client, batch(site, uid(), [page_view()]), origin="https://evil.example")
    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" not in response
    assert not WebEvent.objects.exists()
    site.refresh_from_db()
    assert site.dropped_events == 1


def test_a_site_without_origins_accepts_any_and_an_inactive_site_nothing(client, site):
    TrackingSite.objects.filter(pk=site.pk).update(allowed_origins="")
    assert post(client, batch(site, uid(), [page_view()]), origin="https://anywhere.example").status_code == 204
    assert WebEvent.objects.count() == 1
    TrackingSite.objects.filter(pk=site.pk).update(is_active=False)
    post(client, batch(site, uid(), [page_view()]))
    assert WebEvent.objects.count() == 1


def test_oversized_batches_and_bodies_are_dropped(client, site):
    too_many = [page_view() for _ in range(tracking.MAX_EVENTS + 1)]
    assert post(client, batch(site, uid(), too_many)).status_code == 204
    huge = batch(site, uid(), [page_view(title="x" * 200)], pad="y" * (tracking.MAX_BODY_BYTES + 10))
    assert post(client, huge).status_code == 204
    assert not WebEvent.objects.exists()


def test_rate_limit_per_visitor(client, site, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uid()}}
    visitor = uid()
    for _ in range(tracking.RATE_LIMIT_PER_MINUTE + 5):
        post(client, batch(site, visitor, [page_view()]))
    assert WebEvent.objects.count() == tracking.RATE_LIMIT_PER_MINUTE
    post(client, batch(site, uid(), [page_view()]))  # another visitor is not limited
    assert WebEvent.objects.count() == tracking.RATE_LIMIT_PER_MINUTE + 1


def test_a_replayed_batch_is_stored_once(client, site):
    visitor, events = uid(), [page_view(), page_view()]
    post(client, batch(site, visitor, events))
    post(client, batch(site, visitor, events))
    assert WebEvent.objects.count() == 2


def test_preflight_and_get(client, site):
    response = client.options("/t/collect", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert client.get("/t/collect").status_code == 405


def test_the_api_path_collects_too(client, site):
    response = post(client, batch(site, uid(), [page_view()]), path="/api/v1/track")
    assert response.status_code == 204
    assert WebEvent.objects.count() == 1


def test_the_script_is_served_publicly(client):
    response = client.get("/t.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert "sendBeacon" in body and "doNotTrack" in body and len(response.content) < 16_000


# --- identification ---------------------------------------------------------------------------
def test_a_form_post_with_a_known_email_joins_the_anonymous_history(client, site):
    person = make_person("kari@nordmann.example")
    visitor = uid()
    first = [page_view(), page_view(type="content_read", duration=120, scroll=90)]
    post(client, batch(site, visitor, first))
    assert not Interaction.objects.filter(person=person).exists()

    identify = {"id": uid("e"), "type": "identify", "email": "Kari@Nordmann.example", "title": "Contact us",
                "url": "https://www.nordlys.example/contact/"}
    post(client, batch(site, visitor, [page_view(title="Contact"), identify]))

    log = Interaction.objects.filter(person=person).order_by("occurred_at", "id")
    assert sorted(i.kind for i in log) == ["content_read", "form_submitted", "page_view", "page_view"]
    assert all(i.source == "web" and i.channel == "web" for i in log)
    view = log.filter(kind="page_view").first()
    assert view.campaign == "spring"
    assert view.payload["utm"] == {"source": "google", "medium": "cpc", "campaign": "spring"}
    assert {i.external_id for i in log} >= {e["id"] for e in first}
    assert not WebEvent.objects.exists()
    assert Visitor.objects.get(visitor_id=visitor).person == person

    # Later events of the identified visitor are interactions at once.
    post(client, batch(site, visitor, [page_view(title="Prices")]))
    assert Interaction.objects.filter(person=person, subject="Prices").count() == 1
    assert not WebEvent.objects.exists()


def test_joining_is_idempotent(site):
    person = make_person("ola@nordmann.example")
    visitor = uid()
    tracking.collect(batch(site, visitor, [page_view(), page_view()]), origin=ORIGIN)
    saved = list(WebEvent.objects.all())
    assert tracking.identify(visitor, person, source="email") == 2
    # The same events arriving again (a retry) and a second join create nothing new.
    WebEvent.objects.bulk_create([WebEvent(**{f.attname: getattr(e, f.attname) for f in WebEvent._meta.concrete_fields
                                              if f.attname != "id"}) for e in saved])
    assert tracking.identify(visitor, person, source="email") == 0
    assert Interaction.objects.filter(person=person).count() == 2
    assert tracking.identify(visitor, person, source="email") == 0


def test_an_unknown_email_creates_a_lead_unless_the_site_says_no(client, site):
    visitor = uid()
    post(client, batch(site, visitor, [page_view(), {"id": uid("e"), "type": "identify", "email": "new@lead.example"}]))
    lead = tracking.Person.objects.get(primary_email="new@lead.example")
    assert lead.lifecycle_stage == "lead"
    assert lead.identities.get().normalized == "new@lead.example"
    assert lead.interactions.count() == 2

    TrackingSite.objects.filter(pk=site.pk).update(create_leads=False)
    other = uid()
    post(client, batch(site, other, [{"id": uid("e"), "type": "identify", "email": "other@lead.example"}]))
    assert not tracking.Person.objects.filter(primary_email="other@lead.example").exists()


def test_a_tracked_email_link_identifies_with_a_signed_token(client, site):
    person = make_person("liv@nordmann.example")
    name, value = tracking.identify_param(person)
    assert name == "tlt_id"
    visitor = uid()
    post(client, batch(site, visitor, [page_view()]))
    post(client, batch(site, visitor, [{"id": uid("e"), "type": "identify", "token": value}]))
    assert Interaction.objects.filter(person=person, kind="page_view").count() == 1
    # A forged or tampered token identifies nobody.
    stranger = uid()
    post(client, batch(site, stranger, [page_view(), {"id": uid("e"), "type": "identify", "token": value + "x"}]))
    assert Visitor.objects.get(visitor_id=stranger).person is None
    assert tracking.person_from_token(f"{person.pk}:forged") is None


def test_expired_tokens_are_refused(site):
    person = make_person("old@nordmann.example")
    _name, value = tracking.identify_param(person)
    later = timezone.now() + tracking.IDENTIFY_MAX_AGE
    from unittest import mock

    with mock.patch("time.time", return_value=later.timestamp() + 60):
        assert tracking.person_from_token(value) is None
    assert tracking.person_from_token(value) == person


def test_identify_api_for_staff_only(client, site, actors, login):
    person = make_person("api@nordmann.example", owner=actors["rep_north"])
    visitor = uid()
    tracking.collect(batch(site, visitor, [page_view()]), origin=ORIGIN)
    body = {"visitor_id": visitor, "person_id": person.pk}
    login(actors["rep_south"])
    response = client.post("/api/v1/marketing/visitors/identify", body, content_type="application/json")
    assert response.status_code == 422  # may not see the person: as if it did not exist
    login(actors["partner"])
    assert client.post("/api/v1/marketing/visitors/identify", body,
                       content_type="application/json").status_code == 403
    login(actors["rep_north"])
    response = client.post("/api/v1/marketing/visitors/identify", body, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"interactions_created": 1}
