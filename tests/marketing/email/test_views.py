"""Mailing pages: list, editor (preview, live count), report with progress; per role."""

import pytest

from tillit.marketing.email import sending, services
from tillit.marketing.email.models import Mailing, MailingStatus

from .conftest import NOW


@pytest.mark.parametrize("role, status", [
    ("admin", 200), ("marketing", 200), ("manager_north", 200), ("rep_north", 200), ("service", 200),
    ("partner", 403), ("customer", 403),
])
def test_list_and_report_by_role(db, actors, login, mailing, role, status):
    client = login(actors[role])
    assert client.get("/marketing/emails/").status_code == status
    assert client.get(f"/marketing/emails/{mailing.pk}/").status_code == status


@pytest.mark.parametrize("role, status", [
    ("admin", 200), ("marketing", 200), ("manager_north", 200), ("rep_north", 403), ("service", 403),
    ("partner", 403), ("customer", 403),
])
def test_only_marketing_managers_and_admins_edit(db, actors, login, mailing, role, status):
    client = login(actors[role])
    assert client.get("/marketing/emails/new/").status_code == status
    assert client.get(f"/marketing/emails/{mailing.pk}/edit/").status_code == status
    response = client.post(f"/marketing/emails/{mailing.pk}/schedule/", {"version": mailing.version})
    assert response.status_code == (302 if status == 200 else status)


def test_readers_do_not_see_edit_buttons(db, actors, login, mailing):
    page = login(actors["rep_north"]).get(f"/marketing/emails/{mailing.pk}/").content.decode()
    assert "Send me a test" not in page and "/edit/" not in page
    assert "Send me a test" in login(actors["marketing"]).get(f"/marketing/emails/{mailing.pk}/").content.decode()


def test_empty_list_invites_to_write(db, actors, login):
    page = login(actors["marketing"]).get("/marketing/emails/").content.decode()
    assert "No emails yet." in page and "/marketing/emails/new/" in page


def test_create_through_the_editor(db, actors, login, static_list):
    client = login(actors["marketing"])
    response = client.post("/marketing/emails/new/", {
        "name": "Winter", "kind": "newsletter", "subject": "Hi {{ first_name }}", "body": "Hello",
        "static_lists": [static_list.pk], "rate_per_minute": 30,
    })
    mailing = Mailing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/marketing/emails/{mailing.pk}/"
    assert list(mailing.static_lists.all()) == [static_list] and mailing.rate_per_minute == 30


def test_the_editor_shows_placeholder_errors_on_the_field(db, actors, login):
    response = login(actors["marketing"]).post("/marketing/emails/new/", {
        "name": "Bad", "kind": "newsletter", "subject": "Hi", "body": "{% load static %}", "rate_per_minute": 30,
    })
    assert response.status_code == 200
    assert 'data-field="body"' in response.content.decode() and not Mailing.objects.exists()


def test_edit_with_a_stale_version_is_refused(db, actors, login, mailing):
    client = login(actors["marketing"])
    data = {"name": "N", "kind": "newsletter", "subject": "S", "body": "B", "rate_per_minute": 10,
            "version": mailing.version}
    assert client.post(f"/marketing/emails/{mailing.pk}/edit/", data).status_code == 302
    assert client.post(f"/marketing/emails/{mailing.pk}/edit/", data).status_code == 409


def test_preview_panel_escapes_and_reports_bad_placeholders(db, actors, login, people):
    client = login(actors["marketing"])
    people["anna"].first_name = "<b>Anna</b>"
    people["anna"].save()
    ok = client.post("/marketing/emails/preview/", {"subject": "Hi", "body": "Dear {{ first_name }}",
                                                    "preview_person": people["anna"].pk}, HTTP_HX_REQUEST="true")
    assert "Dear &lt;b&gt;Anna&lt;/b&gt;" in ok.content.decode()
    bad = client.post("/marketing/emails/preview/", {"subject": "Hi", "body": "{{ request.user }}"},
                      HTTP_HX_REQUEST="true")
    assert "{{ request.user }}" in bad.content.decode() and 'data-testid="preview-error"' in bad.content.decode()


def test_live_count_after_exclusions(db, actors, login, static_list):
    response = login(actors["marketing"]).post("/marketing/emails/count/", {
        "static_lists": [static_list.pk], "kind": "newsletter"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "2 recipients" in page and "1 without email" in page and "2 without consent" in page


def test_schedule_from_the_page_then_progress_polls(db, actors, login, mailing, smtp_server):
    client = login(actors["marketing"])
    response = client.post(f"/marketing/emails/{mailing.pk}/schedule/", {"version": mailing.version})
    assert response.status_code == 302
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SCHEDULED
    assert 'hx-trigger="every 3s"' in client.get(f"/marketing/emails/{mailing.pk}/").content.decode()
    sending.send_due()
    response = client.get(f"/marketing/emails/{mailing.pk}/?part=progress", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"  # done: the page reloads once to show the report
    part = response.content.decode()
    assert 'data-testid="kpi-sent">2<' in part and "<html" not in part
    assert 'id="progress"' in part and "every 3s" not in part  # sent: the poll stops


def test_report_page_with_chart_top_links_and_a_fixed_number_of_queries(
        db, actors, login, mailing, smtp_server, django_assert_max_num_queries):
    from django.test import Client

    from tillit.marketing.email.models import MailingMessage
    from tillit.marketing.email.tokens import make_token

    services.mailing_schedule(actor=actors["marketing"], mailing=mailing, expected_version=mailing.version,
                              scheduled_at=NOW, now=NOW)
    sending.send_due(now=NOW)
    MailingMessage.objects.update(sent_at=NOW)
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0 Firefox/130.0")
    for message in MailingMessage.objects.all():
        browser.get(f"/e/c/{make_token('click', message.pk, 0)}")
    client = login(actors["marketing"])
    with django_assert_max_num_queries(25):
        page = client.get(f"/marketing/emails/{mailing.pk}/").content.decode()
    assert 'data-testid="engagement-chart"' in page and "<svg" in page
    assert "https://example.com/news?id=7" in page
    for i in range(15):
        Mailing.objects.create(name=f"Old {i}", code=f"old-{i}", subject="S")
    with django_assert_max_num_queries(12):
        assert "Old 14" in client.get("/marketing/emails/").content.decode()


def test_delete_a_draft(db, actors, login, mailing):
    response = login(actors["marketing"]).post(f"/marketing/emails/{mailing.pk}/delete/")
    assert response.status_code == 302 and not Mailing.objects.exists()
