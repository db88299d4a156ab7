"""Real browser: build a quote with two lines and a quote discount in the editor, see the totals, download the PDF."""

import os
import re

import pytest

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import D, pdf_text
from tillit.sales.models import Quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("TILLIT_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_build_a_quote_and_download_its_pdf(browser_login, actors, deal, products, nok_list, tmp_path):
    page = browser_login(actors["rep_north"])
    page.goto(f"/deals/{deal.pk}/quotes/new/")
    page.click("[data-testid=create-quote]")
    page.wait_for_url(re.compile(r"/quotes/\d+/$"))
    quote = Quote.objects.get()

    # A catalogue line: the price comes from the price list.
    page.select_option("#id_line_product", value=str(products["pump"].pk))
    page.wait_for_function("() =>  document.querySelector('#price-hint').innerText.includes('24,990.00 NOK')")
    page.fill("#id_line_quantity", "2")
    page.click("[data-testid=add-line] button[type=submit]")
    page.wait_for_selector("[data-testid=quote-lines] tbody tr[data-line]")
    assert page.inner_text("[data-testid=subtotal]") == "49,980.00"

    # A free-text line with a line discount.
    page.fill("#id_line_description", "Montering og igangkjøring")
    page.fill("#id_line_unit_price", "4000")
    page.fill("#id_line_discount_percent", "10")
    page.fill("#id_line_vat_rate", "25")
    page.click("[data-testid=add-line] button[type=submit]")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=quote-lines] tbody tr[data-line]').length == 2")
    assert page.inner_text("[data-testid=subtotal]") == "53,580.00"

    # The quote discount, then live totals.
    page.fill("#id_settings_discount_percent", "5")
    page.click("[data-testid=quote-settings] button[type=submit]")
    page.wait_for_selector("[data-testid=discount]")
    quote.refresh_from_db()
    assert quote.lines.count() == 2 and quote.discount_percent == D("5")
    # 49,980 + 3,600 = 53,580; −5 % per line = 2,499 + 180; VAT 25 % of 50,901 = 12,725.25
    assert page.inner_text("[data-testid=discount]") == "−2,679.00"
    assert page.inner_text("[data-testid=total]") == "63,626.25"
    assert quote.total == D("63626.25")

    # Change a quantity inline: the totals follow without a reload.
    page.fill("tr[data-line] input[name=quantity] >> nth=1", "2")
    page.press("tr[data-line] input[name=quantity] >> nth=1", "Tab")
    page.wait_for_function("() =>  document.querySelector('[data-testid=subtotal]').innerText == '57,180.00'")
    _shot(page, "quote-editor")

    with page.expect_download() as download_info:
        page.click("[data-testid=pdf]")
    download = download_info.value
    assert download.suggested_filename == f"{quote.number}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert quote.number in text and "Montering og igangkj\xf8ring" in text


def test_the_customer_opens_the_link_and_accepts(page, actors, deal, products, nok_list, settings):
    from tillit.sales.models import QuoteStatus, StageOutcome
    from tillit.sales.services import quote_links
    from tillit.sales.services import quotes as svc

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    quote = svc.quote_create(actor=actors["rep_north"], deal=deal)
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"])
    svc.quote_send(actor=actors["rep_north"], quote=quote)
    page.goto(f"/q/{quote_links.token_for(quote)}/")  # not signed in
    assert quote.number in page.inner_text("h1")
    assert page.locator(".mainnav").count() == 0
    assert "Varmepumpe Fjordvarme 9 kW" in page.inner_text("[data-testid=link-lines]")
    _shot(page, "quote-link-open")
    page.click("[data-testid=link-accept]")
    page.wait_for_selector("[data-testid=link-decided]")
    assert page.locator("[data-testid=link-accept]").count() == 0
    _shot(page, "quote-link-accepted")
    quote.refresh_from_db()
    deal.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and deal.stage.outcome == StageOutcome.WON
    page.reload()  # the browser re-posts: still one decision, same receipt
    page.wait_for_selector("[data-testid=link-decided]")
    assert quote.order is not None
