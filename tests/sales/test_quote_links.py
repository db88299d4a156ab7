"""The customer's online link to a quote: signed in the email, accept/decline once, friendly when unusable."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone, translation

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import stage
from tillit.interactions import messages
from tillit.interactions.models import Interaction
from tillit.sales.models import Deal, Order, Quote, QuoteStatus, StageOutcome
from tillit.sales.services import quote_links
from tillit.sales.services import quotes as svc

LINK = re.compile(r"https?://\S+/q/(?P<token>[^/\s]+)/")


@pytest.fixture
def quote(actors, deal, products, nok_list):
    """A draft valid for 30 days from the real today (the link's expiry reads the clock)."""
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"])
    quote.refresh_from_db()
    return quote


@pytest.fixture
def sent(quote, actors, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    svc.quote_send(actor=actors["rep_north"], quote=quote)
    return quote


@pytest.fixture
def token(sent):
    return quote_links.token_for(sent)


def _accepted_log(quote):
    return Interaction.objects.filter(external_id=f"quote-{quote.pk}-accepted")


def test_the_sent_email_carries_a_signed_link_that_opens_the_quote(smtp_server, quote, actors, settings, client):
    settings.TILLIT_BASE_URL = "https://crm.nordlys.example"
    svc.quote_send(actor=actors["rep_north"], quote=quote)
    body = smtp_server.messages[0].get_body(("plain",)).get_content()
    match = LINK.search(body)
    assert match and match.group(0).startswith("https://crm.nordlys.example/q/")
    assert quote_links.quote_for_link(match.group("token")) == quote  # signed, names this quote
    page = client.get(f"/q/{match.group('token')}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert quote.number in html and "Varmepumpe Fjordvarme 9 kW" in html
    assert 'data-testid="link-accept"' in html and 'data-testid="link-decline"' in html
    assert "mainnav" not in html  # outside the staff navigation


def test_the_page_is_in_the_customers_language_whoever_is_signed_in(sent, token, customer, actors, login):
    customer["person"].language = "nb"
    customer["person"].save(update_fields=["language"])
    actors["rep_north"].language = "sv"
    actors["rep_north"].save(update_fields=["language"])
    html = login(actors["rep_north"]).get(f"/q/{token}/").content.decode()
    assert '<html lang="nb">' in html and "Tilbud" in html and "mainnav" not in html


def test_accepting_through_the_link_wins_the_deal_makes_the_order_and_logs_it(sent, token, client, deal):
    response = client.post(f"/q/{token}/accept/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="link-decided"' in html and 'data-testid="link-accept"' not in html
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.ACCEPTED and sent.decided_at
    assert Deal.objects.select_related("stage").get(pk=deal.pk).stage.outcome == StageOutcome.WON
    assert Order.objects.get(quote=sent).total == sent.total
    logged = _accepted_log(sent).get()
    assert (logged.channel, logged.direction, logged.outcome, logged.source) == ("web", "in", "accepted", "tillit")
    assert logged.payload["online"] is True and logged.payload["quote"] == sent.pk
    msg = messages.of(logged.payload, "subject")
    assert msg == {"code": "sales.quote_accepted_online", "params": {"number": sent.number}}
    with translation.override("en"):
        assert logged.subject_display == f"Quote {sent.number} accepted online by the customer"


def test_a_double_click_or_replay_accepts_once(sent, token, client):
    first = client.post(f"/q/{token}/accept/")
    second = client.post(f"/q/{token}/accept/")
    assert first.status_code == second.status_code == 200
    assert 'data-testid="link-decided"' in second.content.decode()
    assert Order.objects.filter(quote=sent).count() == 1 and _accepted_log(sent).count() == 1


def test_declining_logs_the_reason_and_a_later_accept_changes_nothing(sent, token, client, deal):
    response = client.post(f"/q/{token}/decline/", {"reason": "  Too expensive for this year  "})
    assert response.status_code == 200 and "link-decided" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.DECLINED
    logged = Interaction.objects.get(external_id=f"quote-{sent.pk}-declined")
    assert (logged.channel, logged.direction, logged.text) == ("web", "in", "Too expensive for this year")
    assert messages.of(logged.payload, "subject")["code"] == "sales.quote_declined_online"
    assert client.post(f"/q/{token}/decline/").status_code == 200  # replay: the same receipt
    refused = client.post(f"/q/{token}/accept/")
    assert refused.status_code == 410 and "declined this quote" in refused.content.decode()
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.DECLINED and not Order.objects.exists()
    assert Deal.objects.select_related("stage").get(pk=deal.pk).stage.outcome == StageOutcome.OPEN


def test_the_link_after_accepting_shows_the_decision_not_the_buttons(sent, token, client):
    client.post(f"/q/{token}/accept/")
    page = Client().get(f"/q/{token}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "link-decided" in html and "link-accept" not in html and "link-decline" not in html
    assert Client().post(f"/q/{token}/decline/").status_code == 410
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.ACCEPTED


def test_a_tampered_link_is_a_friendly_400_and_changes_nothing(sent, token, client):
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for response in (client.get(f"/q/{forged}/"), client.post(f"/q/{forged}/accept/"),
                     client.get(f"/q/{forged}/pdf"), client.get("/q/not-a-token/")):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    from django.core import signing

    other_purpose = signing.dumps({"q": sent.pk}, salt="tillit.service.survey", compress=True)
    assert client.post(f"/q/{other_purpose}/accept/").status_code == 400
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.SENT and not _accepted_log(sent).exists()


def test_an_expired_link_is_410_and_changes_nothing(sent, token, client):
    Quote.objects.filter(pk=sent.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    for response in (client.get(f"/q/{token}/"), client.post(f"/q/{token}/accept/"),
                     client.post(f"/q/{token}/decline/"), client.get(f"/q/{token}/pdf")):
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.SENT and not Order.objects.exists()


def test_the_expire_task_kills_the_link_too(sent, token, client):
    Quote.objects.filter(pk=sent.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    svc.quotes_expire()
    assert client.get(f"/q/{token}/").status_code == 410


def test_the_valid_until_day_itself_still_works(sent, token, client):
    Quote.objects.filter(pk=sent.pk).update(valid_until=timezone.localdate())
    assert client.post(f"/q/{token}/accept/").status_code == 200


def test_a_revised_copy_once_sent_supersedes_the_old_link(sent, token, client, actors):
    copy = svc.quote_revise(actor=actors["rep_north"], quote=sent)
    assert client.get(f"/q/{token}/").status_code == 200  # the copy is still a draft
    svc.quote_send(actor=actors["rep_north"], quote=copy)
    response = client.post(f"/q/{token}/accept/")
    assert response.status_code == 410 and "newer version" in response.content.decode()
    assert client.get(f"/q/{quote_links.token_for(copy)}/").status_code == 200
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.SENT


def test_a_draft_has_no_usable_link(quote, client):
    assert client.get(f"/q/{quote_links.token_for(quote)}/").status_code == 410


def test_the_link_survives_a_staff_page_visit_and_the_pdf_downloads(sent, token, client):
    response = client.get(f"/q/{token}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_decisions_are_post_only_and_need_csrf(sent, token):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(f"/q/{token}/accept/").status_code == 405
    assert strict.post(f"/q/{token}/accept/").status_code == 403  # no CSRF token
    page = strict.get(f"/q/{token}/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert strict.post(f"/q/{token}/accept/", {"csrfmiddlewaretoken": csrf}).status_code == 200
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.ACCEPTED


def test_a_lost_deal_is_not_won_from_the_link(sent, token, client, deal, pipeline):
    Deal.objects.filter(pk=deal.pk).update(stage=stage(pipeline, "Lost"))
    assert client.post(f"/q/{token}/accept/").status_code == 410
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.SENT and not Order.objects.exists()


def test_a_too_long_reason_is_named_at_the_field(sent, token, client):
    response = client.post(f"/q/{token}/decline/", {"reason": "x" * 501})
    assert response.status_code == 422 and 'data-field="reason"' in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == QuoteStatus.SENT


def test_the_staff_accept_still_works_and_kills_the_link(sent, token, client, actors):
    svc.quote_accept(actor=actors["rep_north"], quote=sent)
    logged = _accepted_log(sent).get()
    assert (logged.channel, logged.handled_by) == ("internal", actors["rep_north"])
    html = client.get(f"/q/{token}/").content.decode()
    assert "link-decided" in html and "link-accept" not in html


def test_the_staff_editor_links_to_the_customers_page_while_the_quote_is_open(sent, actors, login, client):
    html = login(actors["rep_north"]).get(f"/quotes/{sent.pk}/").content.decode()
    href = re.search(r'href="(/q/[^"]+/)"[^>]*data-testid="customer-link"', html).group(1)
    assert Client().get(href).status_code == 200
    svc.quote_decline(actor=actors["rep_north"], quote=sent)
    assert 'data-testid="customer-link"' not in login(actors["rep_north"]).get(f"/quotes/{sent.pk}/").content.decode()
