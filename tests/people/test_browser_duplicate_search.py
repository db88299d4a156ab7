"""Real browser: a likely duplicate is shown before it is saved and created only when confirmed; the person
list finds "Bråthen" when "brathen" is typed."""

import pytest

from tests.people.test_browser_merge import _shot
from tillit.people.models import Person
from tillit.people.services import person_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_likely_duplicate_is_shown_and_created_only_when_confirmed(actors, browser_login):
    kari = person_create(actor=actors["rep_north"], first_name="Kari", last_name="Nordmann",
                         emails=["kari@fjord.no"], phones=["+47 912 34 567"])
    page = browser_login(actors["rep_north"])

    page.goto("/persons/new/")
    page.fill("#id_first_name", "Kari")
    page.fill("#id_last_name", "Nordmann")
    page.fill("#id_emails", "KARI@Fjord.no")
    page.fill("#id_phones", "912 34 567")
    page.fill("#id_city", "Bergen")
    page.click("[data-testid=person-form] button.primary")

    warning = page.locator("[data-testid=likely-duplicates]")
    warning.wait_for()
    assert "Same email: kari@fjord.no" in warning.inner_text()
    assert warning.locator(f'a[href="/persons/{kari.pk}/"]').count() == 1
    assert page.input_value("#id_emails") == "KARI@Fjord.no" and page.input_value("#id_city") == "Bergen"
    assert Person.objects.count() == 1
    _shot(page, "likely-duplicate")

    page.click("[data-testid=create-anyway]")
    page.wait_for_url(lambda url: "/persons/new/" not in url)

    twin = Person.objects.exclude(pk=kari.pk).get()
    assert page.url.endswith(f"/persons/{twin.pk}/")
    assert (twin.city, twin.primary_email) == ("Bergen", "kari@fjord.no")


def test_typing_without_accents_finds_the_accented_name(actors, browser_login):
    person_create(actor=actors["admin"], first_name="Kari", last_name="Bråthen")
    person_create(actor=actors["admin"], first_name="Søren", last_name="Ærø")
    page = browser_login(actors["admin"])

    page.goto("/persons/")
    results = page.locator("#results")
    assert "Søren" in results.inner_text()
    page.locator("form.filters input[name=q]").press_sequentially("brathen")  # htmx swaps the results
    page.wait_for_function("() =>  !document.querySelector('#results').innerText.includes('Søren')")
    assert "Bråthen" in results.inner_text()
    page.fill("form.filters input[name=q]", "")
    page.locator("form.filters input[name=q]").press_sequentially("soren aero")
    page.wait_for_function("() =>  document.querySelector('#results').innerText.includes('Søren')"
                           " && !document.querySelector('#results').innerText.includes('Bråthen')")
