"""Real browser: start a fit from the page, watch it wait for the worker, and read the report when it is done."""

import datetime as dt
import os

import pytest

from tillit.insight import fits
from tillit.insight.models import Fit

from .purchases import simulated_log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
D = dt.timedelta


def test_fit_report_in_the_browser(actors, browser_login):
    today = dt.date.today()
    simulated_log(300, start=today - D(730), end=today - D(1))
    page = browser_login(actors["manager_north"])
    page.locator("summary", has_text="Insight").click()
    page.locator(".menu a", has_text="Lifetime value fits").click()
    page.locator("[data-testid=fit-form]").wait_for()
    page.fill("input[name=holdout_days]", "0")
    page.click("[data-testid=fit-form] button[type=submit]")
    assert "at least one day" in page.locator("[data-field=holdout_days]").inner_text()
    page.fill("input[name=calibration_end]", (today - D(181)).isoformat())
    page.fill("input[name=holdout_days]", "180")
    page.click("[data-testid=fit-form] button[type=submit]")
    page.locator("[data-testid=fit][data-status=queued]").wait_for()
    assert "Waiting for the background worker" in page.inner_text("[data-testid=fit]")
    # The worker runs the fit; the page, polling, shows the report without a reload.
    fits.run_fit(Fit.objects.get().pk, today=today)
    page.locator("[data-testid=fit][data-status=done]").wait_for()
    table = page.locator("[data-testid=fit-buckets] tbody tr")
    assert table.count() == 8 and table.last.locator("td").first.inner_text() == "7+"
    assert page.locator("[data-testid=fit-report] svg").first.is_visible()
    assert page.locator("[data-testid=fit-cumulative] svg").is_visible()
    assert "in use" in page.inner_text("[data-testid=fit-summary]")
    shot = os.environ.get("TILLIT_SCREENSHOT_DIR")
    if shot:
        page.screenshot(path=os.path.join(shot, "insight-fit.png"), full_page=True)
