"""The quote's PDF and email speak the customer's language, not the language of whoever makes or sends it."""

import pytest
from django.utils import translation

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, pdf_text
from tillit.sales.pdf import quote_pdf
from tillit.sales.selectors.quotes import quote_lines
from tillit.sales.services import quotes as svc


@pytest.fixture
def quote(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    quote.refresh_from_db()
    return quote


def _pdf(quote) -> str:
    return pdf_text(quote_pdf(quote, quote_lines(quote=quote)))


def test_a_norwegian_customer_gets_a_norwegian_pdf_from_a_swedish_user(quote, customer):
    customer["person"].language = "nb"
    customer["person"].save(update_fields=["language"])
    with translation.override("sv"):  # the user making the PDF works in Swedish
        text = _pdf(quote)
    assert f"Tilbud {quote.number}" in text and "Gyldig til" in text
    assert "Offert" not in text and "Giltig till" not in text
    assert translation.get_language() != "nb"  # the user's language is left as it was


def test_a_swedish_customer_gets_a_swedish_pdf(quote, customer):
    customer["person"].language = "sv"
    customer["person"].save(update_fields=["language"])
    with translation.override("nb"):
        text = _pdf(quote)
    assert f"Offert {quote.number}" in text and "Giltig till" in text and "Tilbud" not in text


def test_the_pdf_falls_back_to_the_organisation_then_the_company_default(quote, customer, settings):
    settings.LANGUAGE_CODE = "da"
    assert "Gyldig til" in _pdf(quote) and "Valid until" not in _pdf(quote)  # Danish: the company default
    customer["org"].language = "sv"
    customer["org"].save(update_fields=["language"])
    quote.refresh_from_db()
    assert "Offert" in _pdf(quote)


def test_the_download_follows_the_customer_not_the_reader(quote, customer, login, actors):
    customer["person"].language = "nb"
    customer["person"].save(update_fields=["language"])
    rep = actors["rep_north"]
    rep.language = "sv"
    rep.save(update_fields=["language"])
    text = pdf_text(login(rep).get(f"/quotes/{quote.pk}/pdf").content)
    assert "Tilbud" in text and "Offert" not in text


def test_the_email_is_in_the_customers_language(smtp_server, quote, customer, actors, settings):
    settings.TILLIT_COMPANY_NAME = "Nordlys Varme AS"
    customer["person"].language = "nb"
    customer["person"].save(update_fields=["language"])
    with translation.override("sv"):
        svc.quote_send(actor=actors["rep_north"], quote=quote)
    message = smtp_server.messages[0]
    assert message["Subject"] == f"Tilbud {quote.number} fra Nordlys Varme AS"
    body = message.get_body(("plain",)).get_content()
    assert "Hei Åse Blåbær" in body and "Offert" not in body
    attachment, = list(message.iter_attachments())
    assert "Tilbud" in pdf_text(attachment.get_content())
