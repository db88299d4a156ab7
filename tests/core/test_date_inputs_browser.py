"""Every form with a date keeps it when saved unchanged, in every language (issue 10.1: Danish dates were
rendered ``01.04.2026``, which ``<input type="date">`` rejects, so saving wiped them)."""

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tillit.marketing.web.models import Campaign
from tillit.sales.models import PriceList, Quote

LANGUAGES = ["en", "sv", "da", "nb"]


def _save_unchanged(page, url, form="form:has(input[type=date])"):
    page.goto(url)
    dates = page.locator(f"{form} input[type=date]")
    values = [dates.nth(i).input_value() for i in range(dates.count())]
    assert values and all(values), f"{url}: a date input shows empty: {values}"
    page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    return values


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_forms_with_dates_save_unchanged(browser_login, actors, deal, language):
    admin = actors["admin"]
    admin.language = language
    admin.save(update_fields=["language"])
    campaign = Campaign.objects.create(name="Spring", code="spring", starts_on=dt.date(2026, 4, 1),
                                       ends_on=dt.date(2026, 5, 31), budget=Decimal("12500.50"), currency="NOK")
    price_list = PriceList.objects.create(name="Spring NOK", currency="NOK", valid_from=dt.date(2026, 4, 1),
                                          valid_until=dt.date(2026, 6, 30))
    quote = Quote.objects.create(number=f"Q-2026-{language}", deal=deal, person=deal.person,
                                 organization=deal.organization, owner=deal.owner, currency="NOK",
                                 valid_until=dt.date(2099, 4, 1), discount_percent=Decimal("2.5"))
    deal.expected_close_date = dt.date(2026, 4, 1)
    deal.save(update_fields=["expected_close_date"])
    page = browser_login(admin)

    values = _save_unchanged(page, f"/marketing/campaigns/{campaign.pk}/edit/")
    assert values == ["2026-04-01", "2026-05-31"]
    campaign.refresh_from_db()
    assert (campaign.starts_on, campaign.ends_on, campaign.budget) == (
        dt.date(2026, 4, 1), dt.date(2026, 5, 31), Decimal("12500.50"))

    assert _save_unchanged(page, f"/price-lists/{price_list.pk}/edit/") == ["2026-04-01", "2026-06-30"]
    price_list.refresh_from_db()
    assert (price_list.valid_from, price_list.valid_until) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))

    assert _save_unchanged(page, f"/quotes/{quote.pk}/", "form[data-testid=quote-settings]") == ["2099-04-01"]
    quote.refresh_from_db()
    assert (quote.valid_until, quote.discount_percent) == (dt.date(2099, 4, 1), Decimal("2.5"))

    assert _save_unchanged(page, f"/deals/{deal.pk}/edit/") == ["2026-04-01"]
    deal.refresh_from_db()
    assert deal.expected_close_date == dt.date(2026, 4, 1)

    # The exchange-rate form proposes today; it must show, not look empty.
    page.goto("/forecast/rates/")
    assert page.locator("input[name=valid_from]").input_value() == dt.date.today().isoformat()


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_and_number_widgets_render_iso_in_every_language(language):
    """Every widget a form may use, however it is declared: the value an HTML input accepts."""
    with translation.override(language):
        assert forms.DateInput(attrs={"type": "date"}).format_value(dt.date(2026, 4, 1)) == "2026-04-01"
        assert forms.DateTimeInput().format_value(dt.datetime(2026, 4, 1, 9, 30)).startswith("2026-04-01 09:30")
        assert forms.DecimalField().widget.format_value(Decimal("12.50")) == "12.50"
