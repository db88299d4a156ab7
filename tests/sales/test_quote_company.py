"""The quote PDF carries the company's details (from the company page), its logo and the customer's address."""

import pytest
from django.core.files.base import ContentFile

from tests.accounts.test_company import png
from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, pdf_text
from tillit.accounts.models import CompanyProfile
from tillit.sales.pdf import quote_pdf
from tillit.sales.selectors.quotes import quote_lines
from tillit.sales.services import quotes as svc


@pytest.fixture
def quote(actors, deal, products, nok_list):
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    quote.refresh_from_db()
    return quote


@pytest.fixture
def profile(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    profile = CompanyProfile(pk=1, name="Nordlys Varme AS", street_address="Storgata 1", postal_code="0155",
                             city="Oslo", country="Norge", org_number="912 345 678", vat_number="NO912345678MVA",
                             bank_account="1234.56.78901", iban="NO9386011117947", bic="DNBANOKK",
                             phone="+47 22 00 00 00", email="post@nordlys.example")
    profile.logo.save("logo.png", ContentFile(png()), save=False)
    profile.save()
    return profile


def test_the_pdf_prints_the_company_details_logo_and_customer_address(quote, customer, profile):
    org = customer["org"]
    org.street_address, org.postal_code, org.city, org.country = "Fjordveien 7", "5003", "Bergen", "NO"
    org.save()
    quote.refresh_from_db()
    data = quote_pdf(quote, quote_lines(quote=quote))
    text = pdf_text(data)
    assert "Nordlys Varme AS" in text
    assert "Storgata 1, 0155 Oslo, Norge" in text
    assert "Org. no. 912 345 678" in text and "VAT no. NO912345678MVA" in text
    assert "post@nordlys.example" in text
    assert "Bank account 1234.56.78901" in text and "IBAN NO9386011117947" in text and "BIC DNBANOKK" in text
    assert "Fjordveien 7" in text and "5003 Bergen" in text  # the customer's address
    assert b"/Subtype /Image" in data  # the logo


def test_the_persons_address_when_the_organisation_has_none(quote, customer, profile):
    person = customer["person"]
    person.street_address, person.postal_code, person.city = "Bakken 2", "7010", "Trondheim"
    person.save()
    quote.refresh_from_db()
    text = pdf_text(quote_pdf(quote, quote_lines(quote=quote)))
    assert "Bakken 2" in text and "7010 Trondheim" in text


def test_a_missing_logo_file_never_stops_the_pdf(quote, profile, tmp_path):
    (tmp_path / profile.logo.name).unlink()
    data = quote_pdf(quote, quote_lines(quote=quote))
    assert b"/Subtype /Image" not in data and "Nordlys Varme AS" in pdf_text(data)


def test_the_email_signs_with_the_company_name(smtp_server, quote, actors, profile, settings):
    settings.TILLIT_COMPANY_NAME = "Something else"
    svc.quote_send(actor=actors["rep_north"], quote=quote)
    assert smtp_server.messages[0]["Subject"] == f"Quote {quote.number} from Nordlys Varme AS"
