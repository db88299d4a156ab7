"""The mailing API: CRUD with If-Match, preview, test send, schedule/cancel, stats, messages; per role."""

import pytest

from tillit.marketing.email import sending
from tillit.marketing.email.models import Mailing, MailingStatus

from .conftest import BODY

URL = "/api/v1/marketing/mailings"


@pytest.fixture
def created(db, actors, login, static_list):
    client = login(actors["marketing"])
    response = client.post(URL, {"name": "Spring", "subject": "Hi {{ first_name }}", "body": BODY,
                                 "static_list_ids": [static_list.pk]}, content_type="application/json")
    assert response.status_code == 201, response.content
    return client, response.json()


def test_create_read_and_patch_with_if_match(created):
    client, data = created
    assert data["status"] == "draft" and data["purpose"] == "newsletter" and data["code"] == "spring"
    got = client.get(f"{URL}/{data['id']}")
    assert got["ETag"] == '"1"'
    assert client.patch(f"{URL}/{data['id']}", {"subject": "New"}, content_type="application/json").status_code == 428
    ok = client.patch(f"{URL}/{data['id']}", {"subject": "New"}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["subject"] == "New" and ok["ETag"] == '"2"'
    stale = client.patch(f"{URL}/{data['id']}", {"subject": "Old"}, content_type="application/json",
                         HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409


def test_unknown_placeholders_are_a_422_naming_the_field(created):
    client, data = created
    response = client.patch(f"{URL}/{data['id']}", {"body": "Hi {{ person.owner.password }}"},
                            content_type="application/json", HTTP_IF_MATCH="*")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert "{{ person.owner.password }}" in response.json()["detail"]


def test_preview_renders_for_a_person(created, people):
    client, data = created
    response = client.post(f"{URL}/{data['id']}/preview", {"person_id": people["anna"].pk},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["subject"] == "Hi Anna" and "<h1>Hello Anna</h1>" in response.json()["html"]


def test_schedule_send_stats_and_messages(created, smtp_server):
    client, data = created
    response = client.post(f"{URL}/{data['id']}/schedule", {}, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["status"] == "scheduled"
    assert client.get(f"{URL}/{data['id']}/audience").json() == {
        "total": 5, "no_email": 1, "no_consent": 2, "suppressed": 0, "recipients": 2}
    sending.send_due()
    stats = client.get(f"{URL}/{data['id']}/stats").json()
    assert (stats["status"], stats["sent"], stats["recipients"], stats["percent_done"]) == ("sent", 2, 2, 100)
    assert [link["url"] for link in stats["top_links"]] == ["https://example.com/news?id=7", "https://example.com/shop"]
    messages = client.get(f"{URL}/{data['id']}/messages").json()
    assert messages["count"] == 2 and {m["status"] for m in messages["items"]} == {"sent"}


def test_cancel_needs_the_version(created):
    client, data = created
    client.post(f"{URL}/{data['id']}/schedule", {"version": 1}, content_type="application/json")
    assert client.post(f"{URL}/{data['id']}/cancel", {}, content_type="application/json").status_code == 428
    response = client.post(f"{URL}/{data['id']}/cancel", {"version": 2}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_a_sent_mailing_can_no_longer_be_changed(created, smtp_server):
    client, data = created
    client.post(f"{URL}/{data['id']}/schedule", {"version": 1}, content_type="application/json")
    sending.send_due()
    response = client.patch(f"{URL}/{data['id']}", {"subject": "x"}, content_type="application/json",
                            HTTP_IF_MATCH="*")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("role, read, write", [
    ("admin", 200, 201), ("marketing", 200, 201), ("manager_north", 200, 201),
    ("rep_north", 200, 403), ("service", 200, 403), ("partner", 403, 403), ("customer", 403, 403),
])
def test_roles(db, actors, login, role, read, write, static_list):
    Mailing.objects.create(name="Existing", code="existing", subject="S")
    client = login(actors[role])
    assert client.get(URL).status_code == read
    response = client.post(URL, {"name": "X", "subject": "S"}, content_type="application/json")
    assert response.status_code == write


def test_messages_list_only_shows_persons_the_reader_may_see(created, smtp_server, actors, login, people):
    client, data = created
    client.post(f"{URL}/{data['id']}/schedule", {"version": 1}, content_type="application/json")
    sending.send_due()
    rep = login(actors["rep_north"])
    items = rep.get(f"{URL}/{data['id']}/messages").json()["items"]
    assert [m["person_id"] for m in items] == [people["anna"].pk]
    assert Mailing.objects.get(pk=data["id"]).status == MailingStatus.SENT


def test_list_has_a_fixed_number_of_queries(db, actors, login, django_assert_max_num_queries, static_list):
    for i in range(12):
        m = Mailing.objects.create(name=f"M{i}", code=f"m{i}", subject="S")
        m.static_lists.set([static_list])
    client = login(actors["marketing"])
    with django_assert_max_num_queries(8):
        assert client.get(URL).json()["count"] == 12


def test_messages_list_has_a_fixed_number_of_queries(created, smtp_server, django_assert_max_num_queries):
    from tillit.marketing.email.models import MailingMessage
    from tillit.people.models import Person

    client, data = created
    mailing = Mailing.objects.get(pk=data["id"])
    MailingMessage.objects.bulk_create([
        MailingMessage(mailing=mailing, person=Person.objects.create(first_name=f"P{i}", primary_email=f"p{i}@x.no"),
                       email=f"p{i}@x.no") for i in range(20)
    ])
    with django_assert_max_num_queries(6):
        assert client.get(f"{URL}/{data['id']}/messages").json()["count"] == 20
