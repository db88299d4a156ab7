"""Real-browser tests (Playwright driving Debian's Chromium): screen-pop search and logging a call."""

import re

import pytest

from tillit.interactions.models import Interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kari(actors, make_person, make_org, role, consent, log):
    person = make_person("Kari", "Nordmann", emails=["kari.nordmann@fjordkraft.no"], phones=["+4791234567"],
                         lifecycle_stage="customer", persona="Pragmatic buyer", relationship_category="Best friend",
                         city="Bergen", country="NO")
    org = make_org("Fjord Kraft AS", industry="Energy", city="Bergen")
    role(person, org, title="CFO", is_decision_maker=True, buying_role="economic_buyer")
    consent(person, purpose="newsletter")
    consent(person, purpose="profiling", lawful_basis="legitimate_interests", withdrawn=True)
    rep, rep2 = actors["rep_north"], actors["rep_north2"]
    rows = [
        dict(channel="phone", kind="call", direction="in", handled_by=rep2, duration_seconds=310, wait_seconds=40,
             outcome="resolved", text="Asked about the invoice for March.", minutes_ago=60 * 26),
        dict(channel="email", kind="email_sent", subject="Spring newsletter", minutes_ago=60 * 24 * 9),
        dict(channel="email", kind="email_opened", subject="Spring newsletter", minutes_ago=60 * 24 * 8),
        dict(channel="email", kind="email_clicked", subject="Spring newsletter", topic="Heat pumps",
             minutes_ago=60 * 24 * 8 - 5),
        dict(channel="web", kind="content_read", topic="Heat pumps", subject="Is a heat pump worth it?",
             minutes_ago=60 * 24 * 8 - 10),
        dict(channel="web", kind="page_view", topic="Heat pumps", product="Varmepumpe Pro",
             subject="Varmepumpe Pro", minutes_ago=60 * 24 * 8 - 12),
        dict(channel="webinar", kind="webinar_watched", topic="Solar", subject="Solar panels for homes",
             share_watched=0.72, minutes_ago=60 * 24 * 40),
        dict(channel="meeting", kind="meeting", handled_by=rep, subject="Contract renewal",
             duration_seconds=3600, minutes_ago=60 * 24 * 70),
        dict(channel="web", kind="page_view", topic="Prices", subject="Electricity prices",
             minutes_ago=60 * 24 * 130),
        dict(channel="web", kind="order", product="Varmepumpe Pro", amount="24990.00", currency="NOK",
             minutes_ago=60 * 24 * 200),
    ]
    for row in rows:
        log(person=person, **row)
    log(organization=org, channel="post", kind="order", subject="Framework agreement 2025", minutes_ago=60 * 24 * 3)
    return person


def test_typing_a_phone_number_in_another_format_opens_the_card(browser_login, actors, kari):
    page = browser_login(actors["rep_north"])
    page.goto("/")
    page.fill("[data-testid=find-box]", "0047-91234567")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/persons/{kari.pk}/$"))
    assert page.locator("[data-testid=card-name]").inner_text().startswith("Kari Nordmann")


def test_logging_a_call_shows_it_on_the_timeline_without_a_page_reload(browser_login, actors, kari):
    page = browser_login(actors["rep_north"])
    page.goto(f"/persons/{kari.pk}/")
    page.screenshot(path="/tmp/card.png", full_page=True)
    page.evaluate("window.__noReload = 'still here'")

    form = page.locator("[data-testid=log-form]")
    form.locator("input[name=direction][value=out]").check()
    form.locator("input[name=duration]").fill("4:30")
    form.locator("input[name=wait]").fill("0:20")
    form.locator("select[name=outcome]").select_option("follow_up")
    form.locator("textarea[name=notes]").fill("Wants an offer on Varmepumpe Pro")
    form.locator("button[type=submit]").click()

    first = page.locator("[data-testid=timeline] li").first
    first.get_by_text("Wants an offer on Varmepumpe Pro").wait_for()
    assert "4 min 30 s" in first.inner_text()
    assert page.evaluate("window.__noReload") == "still here"
    # The form is cleared for the next call, and the facts are refreshed.
    assert page.locator("[data-testid=log-form] textarea[name=notes]").input_value() == ""
    assert "Rep North" in page.locator("[data-testid=last-contact]").inner_text()
    assert Interaction.objects.filter(person=kari, kind="call", handled_by=actors["rep_north"]).count() == 1
    page.screenshot(path="/tmp/card-after-log.png", full_page=True)


def test_validation_error_is_shown_on_the_field_in_the_browser(browser_login, actors, kari):
    page = browser_login(actors["rep_north"])
    page.goto(f"/persons/{kari.pk}/")
    page.evaluate("window.__noReload = 1")
    page.locator("[data-testid=log-form] input[name=duration]").fill("a while")
    page.locator("[data-testid=log-form] button[type=submit]").click()
    page.locator("small.error[data-field=duration]").wait_for()
    assert page.evaluate("window.__noReload") == 1


def test_timeline_filter_and_meeting_tab(browser_login, actors, kari):
    page = browser_login(actors["rep_north"])
    page.goto(f"/persons/{kari.pk}/")
    page.select_option("#tl-channel", "email")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=timeline] li')].every(li => li.dataset.channel === 'email')"
    )
    assert page.locator("[data-testid=timeline] li").count() == 3
    page.get_by_role("tab", name="Meeting").click()
    page.locator("[data-testid=log-form] input[name=subject]").wait_for()
    page.screenshot(path="/tmp/card-filtered.png", full_page=True)
