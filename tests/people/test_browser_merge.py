"""Real browser: find a duplicate pair, compare it, merge it, land on the survivor's card."""

import os

import pytest

from tillit.interactions.models import Interaction
from tillit.interactions.services import log_interaction
from tillit.people.models import MergeRecord, Person
from tillit.people.services import consent_record, organization_create, person_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("TILLIT_SCREENSHOTS")  # a folder to keep screenshots in, when set


def _shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def duplicates(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord Shipping AS")
    kari = person_create(
        actor=admin, first_name="Kari", last_name="Nordmann", emails=["kari@fjordshipping.no"],
        phones=["+47 912 34 567"], organization=fjord, title="CEO", lifecycle_stage="prospect",
        owner=actors["manager_north"],
    )
    dup = person_create(
        actor=admin, first_name="Kari", last_name="Nordman", emails=["Kari@FjordShipping.no", "kari.n@gmail.com"],
        phones=["0047 98 76 54 32"], organization=fjord, title="Chief executive", lifecycle_stage="customer",
        city="Bergen", country="NO",
    )
    consent_record(actor=admin, person=dup, purpose="newsletter", lawful_basis="consent")
    for i in range(3):
        log_interaction(actor=admin, channel="phone", kind="call", person=kari, direction="in", subject=f"Call {i}")
    for i in range(2):
        log_interaction(actor=admin, channel="email", kind="email_opened", person=dup, subject=f"Newsletter {i}")
    log_interaction(actor=admin, channel="web", kind="page_view", person=dup, subject="Pricing")
    log_interaction(actor=admin, channel="web", kind="content_read", person=dup, subject="Heat pumps in winter")
    # A second, weaker pair so the list is a list.
    person_create(actor=admin, first_name="Ola", last_name="Hansen", organization=fjord, title="CFO")
    person_create(actor=admin, first_name="Ola", last_name="Hanssen", organization=fjord)
    return kari, dup


def test_compare_and_merge_a_duplicate_pair(actors, duplicates, browser_login):
    kari, dup = duplicates
    page = browser_login(actors["admin"])

    page.goto("/duplicates/")
    pairs = page.locator("[data-testid=pair]")
    assert pairs.count() == 2
    first = pairs.first
    assert "Same email: kari@fjordshipping.no" in first.inner_text()
    _shot(page, "duplicates")

    first.locator("[data-testid=compare]").click()
    # The record with more history (the duplicate, 4 interactions) is offered as the one to keep.
    page.wait_for_url(f"**/persons/{dup.pk}/merge/{kari.pk}/")
    assert page.locator("[data-testid=differs-last_name]").is_visible()
    outcome = page.locator("[data-testid=outcome]")
    assert "3 interactions" in outcome.inner_text() and "4 interactions" not in outcome.inner_text()
    # Keep Kari Nordmann's record and her spelling of the last name instead; the city and the
    # further-advanced stage come from the other record by default.
    page.locator("th.col-b input[name=keep]").check()
    page.locator("[data-testid=differs-last_name] td.col-b input").check()
    assert "4 interactions" in outcome.inner_text() and "3 interactions" not in outcome.inner_text()
    _shot(page, "merge")

    page.locator("[data-testid=merge]").click()
    page.wait_for_url(f"**/persons/{kari.pk}/")

    assert not Person.objects.filter(pk=dup.pk).exists()
    kari.refresh_from_db()
    assert kari.last_name == "Nordmann" and kari.city == "Bergen" and kari.lifecycle_stage == "customer"
    assert Interaction.objects.filter(person=kari).exclude(kind="note").count() == 7
    assert Interaction.objects.filter(person=kari, kind="note").count() == 1
    assert MergeRecord.objects.get().survivor == kari
    _shot(page, "after_merge")
