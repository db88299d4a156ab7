"""The public endpoints: pixel, click redirect, unsubscribe (RFC 8058) and preferences."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from tillit.interactions.models import Interaction
from tillit.marketing.email import sending, services
from tillit.marketing.email.models import Mailing, MailingClick, MailingMessage, Suppression
from tillit.marketing.email.tokens import make_token

from .conftest import NOW

BROWSER = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/17.0 Safari/605.1.15")


@pytest.fixture
def sent(db, actors, people, mailing, smtp_server, base_url):
    """The mailing sent an hour ago; answers Anna's message."""
    services.mailing_schedule(actor=actors["marketing"], mailing=mailing, expected_version=mailing.version,
                              scheduled_at=NOW, now=NOW)
    sending.send_due(now=NOW)
    MailingMessage.objects.update(sent_at=timezone.now() - dt.timedelta(hours=1))
    return MailingMessage.objects.select_related("mailing").get(person=people["anna"])


@pytest.fixture
def anon():
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)


def _mailing(message) -> Mailing:
    return Mailing.objects.get(pk=message.mailing_id)


def test_the_open_pixel_counts_one_open_and_logs_it_once(sent, anon):
    url = f"/e/o/{make_token('open', sent.pk)}.gif"
    first, second = anon.get(url), anon.get(url)
    assert first.status_code == second.status_code == 200 and first["Content-Type"] == "image/gif"
    sent.refresh_from_db()
    assert sent.open_count == 2 and sent.opened_at is not None
    assert _mailing(sent).opened_count == 1
    opened = Interaction.objects.get(kind="email_opened")
    assert opened.person_id == sent.person_id and opened.campaign == sent.mailing.code
    assert opened.payload["mailing"] == sent.mailing_id


@pytest.mark.parametrize("agent", ["", "Mozilla/5.0 (compatible; Googlebot/2.1)", "Proofpoint URL Defense",
                                   "python-requests/2.31", "Barracuda Sentinel (EE)"])
def test_bots_and_scanners_do_not_count_opens(sent, agent):
    response = Client(HTTP_USER_AGENT=agent).get(f"/e/o/{make_token('open', sent.pk)}.gif")
    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.open_count == 0 and not Interaction.objects.filter(kind="email_opened").exists()


def test_a_head_request_does_not_count(sent, anon):
    assert anon.head(f"/e/o/{make_token('open', sent.pk)}.gif").status_code == 200
    assert anon.head(f"/e/c/{make_token('click', sent.pk, 0)}").status_code == 302
    sent.refresh_from_db()
    assert (sent.open_count, sent.click_count) == (0, 0)


@pytest.mark.parametrize("path", [
    "/e/o/{forged}.gif", "/e/c/{forged}", "/e/u/{forged}", "/e/p/{forged}",
])
def test_forged_tokens_answer_a_bare_404(sent, anon, path):
    genuine = make_token("open", sent.pk)
    forged = f"{sent.pk + 1:x}.{genuine.split('.')[1]}"
    response = anon.get(path.format(forged=forged))
    assert response.status_code == 404
    assert response.content == b"Not found"


def test_a_token_for_a_link_of_another_mailing_or_position_is_refused(sent, anon):
    assert anon.get(f"/e/c/{make_token('click', sent.pk, 99)}").status_code == 404
    assert anon.get(f"/e/c/{make_token('open', sent.pk)}").status_code == 404


def test_a_click_redirects_to_the_stored_url_with_utm_and_counts_once_per_link(sent, anon):
    url = f"/e/c/{make_token('click', sent.pk, 0)}"
    response = anon.get(url)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "example.com", "/news")
    query = parse_qs(target.query)
    assert query["id"] == ["7"]
    assert query["utm_source"] == ["tillit"] and query["utm_medium"] == ["email"]
    assert query["utm_campaign"] == [sent.mailing.code]

    assert anon.get(url).status_code == 302  # replay: still redirects
    sent.refresh_from_db()
    assert sent.click_count == 2 and sent.clicked_at is not None
    assert MailingClick.objects.get(message=sent).count == 2
    assert _mailing(sent).clicked_count == 1
    assert Interaction.objects.filter(kind="email_clicked").count() == 1
    # A click proves an open even when images were blocked.
    assert sent.opened_at is not None and _mailing(sent).opened_count == 1


def test_a_click_right_after_delivery_is_flagged_as_a_scanner_not_counted(sent, anon):
    MailingMessage.objects.filter(pk=sent.pk).update(sent_at=timezone.now() - dt.timedelta(seconds=2))
    response = anon.get(f"/e/c/{make_token('click', sent.pk, 1)}")
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.scanner_clicks == 1 and sent.click_count == 0 and sent.clicked_at is None
    assert not Interaction.objects.filter(kind="email_clicked").exists()


def test_bot_clicks_redirect_but_do_not_count(sent):
    response = Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; bingbot/2.0)").get(
        f"/e/c/{make_token('click', sent.pk, 0)}")
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.click_count == 0


def test_get_on_the_unsubscribe_link_only_asks(sent, anon):
    response = anon.get(f"/e/u/{make_token('unsubscribe', sent.pk)}")
    assert response.status_code == 200
    assert b"<form" in response.content
    assert not Suppression.objects.exists()


def test_one_click_unsubscribe_works_without_cookies_or_csrf(sent, anon):
    url = f"/e/u/{make_token('unsubscribe', sent.pk)}"
    response = anon.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert anon.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200  # replay is harmless
    suppression = Suppression.objects.get()
    assert (suppression.person_id, suppression.purpose) == (sent.person_id, "newsletter")
    sent.refresh_from_db()
    assert sent.unsubscribed_at is not None and _mailing(sent).unsubscribed_count == 1
    logged = Interaction.objects.get(outcome="unsubscribed")
    assert logged.campaign == sent.mailing.code and logged.payload["mailing"] == sent.mailing_id
    # The consent on record is withdrawn too, so the card and the segments tell the truth.
    assert not sent.person.consents.filter(purpose="newsletter", withdrawn_at__isnull=True).exists()


def test_the_unsubscribe_page_button_unsubscribes(sent, anon):
    response = anon.post(f"/e/u/{make_token('unsubscribe', sent.pk)}")
    assert response.status_code == 200
    assert Suppression.objects.filter(person_id=sent.person_id).exists()


def test_the_next_mailing_skips_someone_who_unsubscribed(sent, anon, actors, static_list, smtp_server):
    anon.post(f"/e/u/{make_token('unsubscribe', sent.pk)}", {"List-Unsubscribe": "One-Click"})
    smtp_server.envelopes.clear()
    second = services.mailing_create(actor=actors["marketing"], name="December", subject="Hi", body="Hi",
                                     static_lists=[static_list])
    services.mailing_schedule(actor=actors["marketing"], mailing=second, expected_version=second.version,
                              scheduled_at=NOW, now=NOW)
    sending.send_due(now=NOW)
    assert [r for _, rcpts, _ in smtp_server.envelopes for r in rcpts] == ["bo@example.com"]


def test_the_preference_page_chooses_what_to_get(sent, anon, people):
    from tillit.people.models import Consent

    Consent.objects.create(person=people["anna"], purpose="marketing_email", lawful_basis="consent", given_at=NOW)
    url = f"/e/p/{make_token('prefs', sent.pk)}"
    page = anon.get(url)
    assert page.status_code == 200 and b'value="newsletter" checked' in page.content

    anon.post(url, {"purpose": ["marketing_email"]})
    assert set(Suppression.objects.values_list("purpose", flat=True)) == {"newsletter"}
    anon.post(url, {"purpose": ["newsletter", "marketing_email"]})
    assert not Suppression.objects.exists()
    anon.post(url, {"all_off": "1"})
    assert set(Suppression.objects.values_list("purpose", flat=True)) == {""}
    assert b"unsubscribed from all" in anon.get(url).content


def test_open_redirects_are_impossible(sent, anon):
    # The target comes only from the mailing's stored links; nothing in the request can change it.
    response = anon.get(f"/e/c/{make_token('click', sent.pk, 0)}?url=https://evil.example")
    assert urlsplit(response["Location"]).netloc == "example.com"


def test_the_pixel_and_links_in_the_sent_mail_work_end_to_end(sent, anon, smtp_server):
    msg = next(m for m in smtp_server.messages if m["To"] == "anna@example.com")
    html = msg.get_body(preferencelist=("html",)).get_content()
    pixel = re.search(r'src="https://crm\.example\.com(/e/o/[^"]+)"', html).group(1)
    link = re.search(r'href="https://crm\.example\.com(/e/c/[^"]+)"', html).group(1)
    assert anon.get(pixel).status_code == 200
    assert anon.get(link).status_code == 302
    sent.refresh_from_db()
    assert sent.open_count == 1 and sent.click_count == 1


def test_a_click_carries_the_website_identify_parameter_for_the_person(sent, anon):
    tracking = pytest.importorskip("tillit.marketing.web.tracking")
    location = anon.get(f"/e/c/{make_token('click', sent.pk, 0)}")["Location"]
    name, _value = tracking.identify_param(sent.person)
    value = parse_qs(urlsplit(location).query)[name][0]
    assert tracking.person_from_token(value) == sent.person


def test_an_unsubscribe_mail_to_the_mailto_address_unsubscribes(sent):
    from tillit.marketing.email.tracking import unsubscribe_from_mail

    token = make_token("unsubscribe", sent.pk)
    assert unsubscribe_from_mail(f"Re: unsubscribe {token}", now=timezone.now()) == sent
    assert Suppression.objects.filter(person_id=sent.person_id, purpose="newsletter").exists()
    assert unsubscribe_from_mail("unsubscribe 1.AAAAAAAAAAAAAAAAAAAAAA", now=timezone.now()) is None
    assert unsubscribe_from_mail("Hello", now=timezone.now()) is None


def test_an_unsubscribe_mail_to_the_inbound_address_opens_no_case(sent):
    from tillit.service.inbound import ingest_email
    from tillit.service.models import Case, InboundStatus

    token = make_token("unsubscribe", sent.pk)
    raw = (f"From: {sent.email}\r\nTo: support@localhost\r\nSubject: unsubscribe {token}\r\n"
           "Message-ID: <u1@example.org>\r\n\r\n\r\n").encode()
    result = ingest_email(raw, now=timezone.now())
    assert result.status == InboundStatus.UNSUBSCRIBED and not Case.objects.exists()
    assert Suppression.objects.filter(person_id=sent.person_id, purpose="newsletter").exists()


def test_the_preference_page_signs_up_and_withdraws_with_a_consent(sent, anon, people, actors, static_list,
                                                                   smtp_server):
    from tillit.people.models import Consent

    anna = people["anna"]
    url = f"/e/p/{make_token('prefs', sent.pk)}"
    page = anon.get(url)
    # Not signed up for campaign emails yet, but the box can be ticked.
    assert b'value="marketing_email">' in page.content and b"disabled" not in page.content

    anon.post(url, {"purpose": ["newsletter", "marketing_email"]})
    signed_up = Consent.objects.get(person=anna, purpose="marketing_email")
    assert (signed_up.lawful_basis, signed_up.source, signed_up.withdrawn_at) == ("consent", "preference page", None)
    assert Consent.objects.filter(person=anna, purpose="newsletter", withdrawn_at__isnull=True).count() == 1

    # Newsletter off: the consent is withdrawn (and the card says so), and the next newsletter skips Anna.
    anon.post(url, {"purpose": ["marketing_email"]})
    assert not Consent.objects.filter(person=anna, purpose="newsletter", withdrawn_at__isnull=True).exists()

    def newsletter_recipients() -> list[str]:
        smtp_server.envelopes.clear()
        mailing = services.mailing_create(actor=actors["marketing"], name="News", subject="Hi", body="Hi",
                                          static_lists=[static_list])
        now = timezone.now()
        services.mailing_schedule(actor=actors["marketing"], mailing=mailing, expected_version=mailing.version,
                                  scheduled_at=now, now=now)
        sending.send_due(now=now)
        return sorted(r for _, rcpts, _ in smtp_server.envelopes for r in rcpts)

    assert newsletter_recipients() == ["bo@example.com"]

    # Newsletter on again from the page: a new active consent from the preference page, and mail reaches her.
    anon.post(url, {"purpose": ["newsletter", "marketing_email"]})
    again = Consent.objects.get(person=anna, purpose="newsletter", withdrawn_at__isnull=True)
    assert (again.lawful_basis, again.source) == ("consent", "preference page")
    assert newsletter_recipients() == ["anna@example.com", "bo@example.com"]

    # Everything off withdraws both.
    anon.post(url, {"all_off": "1"})
    assert not Consent.objects.filter(person=anna, withdrawn_at__isnull=True).exists()


def test_a_person_without_any_consent_signs_up_for_the_newsletter(sent, anon, people):
    from tillit.people.models import Consent

    cecilie = people["cecilie"]
    message = MailingMessage.objects.create(mailing_id=sent.mailing_id, person=cecilie, email=cecilie.primary_email)
    anon.post(f"/e/p/{make_token('prefs', message.pk)}", {"purpose": ["newsletter"]})
    consent = Consent.objects.get(person=cecilie)
    assert (consent.purpose, consent.lawful_basis, consent.source) == ("newsletter", "consent", "preference page")
    assert not Suppression.objects.filter(person=cecilie, purpose="newsletter").exists()
