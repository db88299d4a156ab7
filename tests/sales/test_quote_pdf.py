"""The quote PDF: a real PDF with the company, number, lines, VAT, totals and Nordic letters."""

import pytest

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, pdf_text
from tillit.sales.pdf import latin1, quote_pdf
from tillit.sales.selectors.quotes import quote_lines
from tillit.sales.services import quotes as svc


@pytest.fixture
def quote(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], quantity="2", today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, description="Montering på vegg – “ekspress”",
                       unit_price="1500", vat_rate="25", discount_percent="10")
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["book"], unit_price="200",
                       today=TODAY)
    quote.refresh_from_db()
    svc.quote_update(actor=actors["rep_north"], quote=quote, expected_version=None, discount_percent="5",
                     terms="Betaling 14 dager. Ærlig talt: økonomisk.")
    quote.refresh_from_db()
    return quote


def test_the_pdf_has_number_company_lines_totals_and_nordic_letters(quote, settings):
    settings.TILLIT_COMPANY_NAME = "Nordlys Varme AS"
    data = quote_pdf(quote, quote_lines(quote=quote))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    assert "Nordlys Varme AS" in text
    assert quote.number in text
    assert "Varmepumpe Fjordvarme 9 kW" in text
    assert "Montering p\xe5 vegg - \"ekspress\"" in text  # å kept; dashes and quotes made plain
    assert "Brukerh\xe5ndbok" in text
    assert "\xc6rlig talt: \xf8konomisk" in text  # Æ, ø
    assert "\xc5se Bl\xe5b\xe6r" in text  # the customer: Åse Blåbær
    assert "62,475.00" not in text  # totals include the 5 % discount, so not the undiscounted sum
    assert f"{quote.total:,.2f}" in text
    assert "VAT 25 %" in text and "VAT 12 %" in text
    assert "valid until" in text


def test_odd_characters_never_break_the_pdf():
    assert latin1("Ölgård – 100 € 😀") == "Ölgård - 100 EUR ?"


def test_the_pdf_page_downloads_for_who_may_see_it(quote, login, actors):
    response = login(actors["rep_north"]).get(f"/quotes/{quote.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{quote.number}.pdf"' in response["Content-Disposition"]
    assert quote.number in pdf_text(response.content)


@pytest.mark.parametrize(("who", "status"), [
    ("rep_north", 200), ("manager_north", 200), ("admin", 200), ("rep_north2", 404), ("rep_south", 404),
    ("partner", 403), ("customer", 403),
])
def test_pdf_access_per_role(quote, login, actors, who, status):
    assert login(actors[who]).get(f"/quotes/{quote.pk}/pdf").status_code == status


def test_the_printable_page_shows_the_totals(quote, login, actors):
    response = login(actors["rep_north"]).get(f"/quotes/{quote.pk}/print/")
    assert response.status_code == 200
    body = response.content.decode()
    assert quote.number in body and "Åse Blåbær" in body and f"{quote.total:,.2f}" in body
