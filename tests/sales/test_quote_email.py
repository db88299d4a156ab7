"""Sending a quote: a real SMTP server receives it with the PDF; a refusal leaves a draft."""

import socket

import pytest

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, pdf_text
from tillit.core.errors import ValidationError
from tillit.interactions.models import Interaction
from tillit.sales.models import QuoteStatus
from tillit.sales.services import quotes as svc


@pytest.fixture
def quote(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    quote.refresh_from_db()
    return quote


def test_the_customer_receives_the_quote_with_its_pdf(smtp_server, quote, actors, settings):
    settings.TILLIT_COMPANY_NAME = "Nordlys Varme AS"
    actors["rep_north"].email = "rep@nordlys.example"
    svc.quote_send(actor=actors["rep_north"], quote=quote)
    assert quote.status == QuoteStatus.SENT and quote.sent_at
    (sender, recipients, _raw), = smtp_server.envelopes
    assert recipients == ["ase@fjord.example"]
    message = smtp_server.messages[0]
    assert message["Subject"] == f"Quote {quote.number} from Nordlys Varme AS"
    assert message["Reply-To"] == "rep@nordlys.example"
    body = message.get_body(("plain",)).get_content()
    assert "Dear Åse Blåbær" in body and quote.number in body and "Varmepumpe Fjordvarme 9 kW" in body
    attachment, = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{quote.number}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-") and quote.number in pdf_text(pdf)
    logged = Interaction.objects.get(kind="quote", outcome="sent")
    assert (logged.channel, logged.handled_by, logged.external_id) == ("email", actors["rep_north"],
                                                                       f"quote-{quote.pk}-sent")
    assert (logged.payload["quote"], logged.payload["deal"], logged.amount) == (quote.pk, quote.deal_id, quote.total)


def test_an_entered_address_wins(smtp_server, quote, actors):
    svc.quote_send(actor=actors["rep_north"], quote=quote, to="Innkjop@Fjord.example")
    assert smtp_server.envelopes[0][1] == ["innkjop@fjord.example"]
    assert quote.recipient_email == "innkjop@fjord.example"


def test_a_sent_quote_cannot_be_sent_again(smtp_server, quote, actors):
    svc.quote_send(actor=actors["rep_north"], quote=quote)
    with pytest.raises(ValidationError):
        svc.quote_send(actor=actors["rep_north"], quote=quote)
    assert len(smtp_server.envelopes) == 1


def test_a_bad_address_is_named(smtp_server, quote, actors):
    with pytest.raises(ValidationError) as error:
        svc.quote_send(actor=actors["rep_north"], quote=quote, to="not-an-address")
    assert error.value.field == "to"
    assert smtp_server.envelopes == []


def test_a_mail_server_that_is_down_leaves_a_draft_with_a_clear_error(quote, actors, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    with pytest.raises(svc.QuoteSendFailed) as error:
        svc.quote_send(actor=actors["rep_north"], quote=quote)
    assert "still a draft" in error.value.message
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT and quote.sent_at is None
    assert not Interaction.objects.filter(kind="quote").exists()


def test_the_send_page_shows_the_failure(quote, actors, login, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    response = login(actors["rep_north"]).post(f"/quotes/{quote.pk}/send/", {"to": ""}, follow=True)
    assert "still a draft" in response.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


def test_the_send_page_sends(smtp_server, quote, actors, login):
    response = login(actors["rep_north"]).post(f"/quotes/{quote.pk}/send/", {"to": "ase@fjord.example"}, follow=True)
    assert response.status_code == 200
    assert f"Quote {quote.number} is sent to ase@fjord.example" in response.content.decode()
    assert len(smtp_server.messages) == 1


def test_the_background_task_sends_once(smtp_server, quote, actors):
    from tillit.sales.tasks import send_quote

    assert send_quote.call(quote.pk, actors["rep_north"].pk) == "sent"
    assert send_quote.call(quote.pk, actors["rep_north"].pk) == "skipped"
    assert len(smtp_server.envelopes) == 1
