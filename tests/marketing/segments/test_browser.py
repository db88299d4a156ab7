"""Real browser: build a segment in the rule editor, watch the live count change, save it."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from tillit.interactions.models import Interaction
from tillit.marketing.models import Segment
from tillit.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("TILLIT_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def readers():
    now = timezone.now()
    for i in range(5):
        p = Person.objects.create(first_name=f"Reader{i}", last_name="Nord", lifecycle_stage="customer")
        if i < 2:
            for days in (3, 10):
                Interaction.objects.create(person=p, kind="content_read", channel="web", topic="Heat pumps",
                                           occurred_at=now - dt.timedelta(days=days))


def test_build_a_behaviour_segment_and_save_it(actors, readers, browser_login):
    page = browser_login(actors["marketing"])
    page.goto("/marketing/segments/")
    page.click("[data-testid=new-segment]")
    count = page.locator("[data-testid=live-count]")
    page.wait_for_function("() => document.querySelector('[data-testid=live-count]')?.textContent.trim() === '5'")

    page.fill("input[name=name]", "Heat pump readers")
    page.click("[data-testid=add-condition]")
    condition = page.locator("[data-testid=condition]").first
    condition.locator("select[data-key=type]").select_option("behaviour")
    condition = page.locator("[data-testid=condition]").first
    condition.locator("select[data-key=kind]").select_option("content_read")
    condition.locator("input[data-key=topic]").fill("heat pumps")
    condition.locator("input[data-key=at_least]").fill("2")
    condition.locator("input[data-key=days]").fill("30")
    page.wait_for_function("() => document.querySelector('[data-testid=live-count]')?.textContent.trim() === '2'")
    assert "Reader0" in page.locator("[data-testid=sample]").inner_text()
    _shot(page, "segment-editor")

    # An invalid number is explained with the rule's path, not saved
    condition.locator("input[data-key=at_least]").fill("0")
    page.wait_for_selector("[data-testid=preview-errors]")
    assert "rules.all[0].at_least" in page.locator("[data-testid=preview-errors]").inner_text()
    condition.locator("input[data-key=at_least]").fill("2")
    page.wait_for_function("() => document.querySelector('[data-testid=live-count]')?.textContent.trim() === '2'")

    page.click("[data-testid=save]")
    page.wait_for_url("**/marketing/segments/*/")
    segment = Segment.objects.get(name="Heat pump readers")
    assert segment.rules == {"all": [{"did": True, "kind": "content_read", "channel": "", "topic": "heat pumps",
                                      "product": "", "campaign": "", "at_least": 2, "days": 30}]}
    assert count.inner_text().strip() == "2"
    _shot(page, "segment-saved")
