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
    page.wait_for_function("() =>  document.querySelector('[data-testid=live-count]')?.textContent.trim() === '5'")

    page.fill("input[name=name]", "Heat pump readers")
    page.click("[data-testid=add-condition]")
    condition = page.locator("[data-testid=condition]").first
    condition.locator("select[data-key=type]").select_option("behaviour")
    condition = page.locator("[data-testid=condition]").first
    condition.locator("select[data-key=kind]").select_option("content_read")
    condition.locator("input[data-key=topic]").fill("heat pumps")
    condition.locator("input[data-key=at_least]").fill("2")
    condition.locator("input[data-key=days]").fill("30")
    page.wait_for_function("() =>  document.querySelector('[data-testid=live-count]')?.textContent.trim() === '2'")
    assert "Reader0" in page.locator("[data-testid=sample]").inner_text()
    _shot(page, "segment-editor")

    # An invalid number is explained by a sentence at its field, not by the rule's path
    condition.locator("input[data-key=at_least]").fill("0")
    page.wait_for_selector("[data-testid=preview-errors]")
    assert "rules.all" not in page.locator("[data-testid=preview-errors]").inner_text()
    note = condition.locator("[data-error-for=at_least]")
    note.wait_for()
    assert note.inner_text() == "“At least (times)” must be a positive whole number."
    condition.locator("input[data-key=at_least]").fill("2")
    page.wait_for_function("() =>  document.querySelector('[data-testid=live-count]')?.textContent.trim() === '2'")

    page.click("[data-testid=save]")
    page.wait_for_url("**/marketing/segments/*/")
    segment = Segment.objects.get(name="Heat pump readers")
    assert segment.rules == {"all": [{"did": True, "kind": "content_read", "channel": "", "topic": "heat pumps",
                                      "product": "", "campaign": "", "at_least": 2, "days": 30}]}
    assert count.inner_text().strip() == "2"
    _shot(page, "segment-saved")


def test_errors_sit_at_their_fields_and_chosen_stages_stay_visible(actors, readers, browser_login):
    page = browser_login(actors["marketing"])
    page.goto("/marketing/segments/new/")
    page.fill("input[name=name]", "Customers and leads who read")
    page.click("[data-testid=add-condition]")
    stage_row = page.locator("[data-testid=condition]").first
    stage_row.locator("select[data-key=op]").select_option("in")
    stage_row = page.locator("[data-testid=condition]").first
    chips = stage_row.locator("[data-key=value] label.rule-chip")
    assert chips.count() >= 5  # every stage is in sight, none hidden under a scroll
    stage_row.locator("label.rule-chip[data-value=lead] input").check()
    assert stage_row.locator("label.rule-chip.on").count() == 2  # customer (kept from "is") and lead

    page.click("[data-testid=add-condition]")
    second = page.locator("[data-testid=condition]").nth(1)
    second.locator("select[data-key=type]").select_option("behaviour")
    second = page.locator("[data-testid=condition]").nth(1)
    second.locator("select[data-key=kind]").select_option("content_read")
    second.locator("input[data-key=at_least]").fill("0")
    note = second.locator("[data-error-for=at_least]")
    note.wait_for()
    assert note.inner_text() == "“At least (times)” must be a positive whole number."
    # The sentence sits right after the field it is about, in the second row.
    assert second.locator("label.inline:has(input[data-key=at_least]) + [data-error-for=at_least]").count() == 1
    assert page.locator("[data-testid=condition]").first.locator("[data-testid=rule-error]").count() == 0

    page.click("[data-testid=save]")  # refused: the page comes back with the rules as typed
    page.wait_for_selector("[data-testid=rules-error]")
    assert not Segment.objects.exists()
    stage_row = page.locator("[data-testid=condition]").first
    on = stage_row.locator("label.rule-chip.on")
    assert sorted(on.evaluate_all("els => els.map(e => e.dataset.value)")) == ["customer", "lead"]
    assert all(chip.is_visible() for chip in on.all())
    second = page.locator("[data-testid=condition]").nth(1)
    assert second.locator("[data-error-for=at_least]").inner_text() == (
        "“At least (times)” must be a positive whole number.")
    assert second.locator("input[data-key=at_least]").input_value() == "0"  # what they typed, to fix
    assert "rules.all" not in page.locator("[data-testid=rule-editor]").inner_text()
    assert "Not yet a valid segment" in page.locator("[data-testid=preview-errors]").inner_text()
    _shot(page, "segment-editor-errors")
