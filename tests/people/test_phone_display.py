"""Phone numbers read as people write them, and a number never breaks over two lines in a list."""

import pytest
from django.utils import timezone

from tillit.core.phones import format_phone
from tillit.people import services
from tillit.service.models import Case

SHOWN = format_phone("+4791234567")  # "+47 91 23 45 67"


@pytest.fixture
def ola(actors):
    return services.person_create(
        actor=actors["admin"], first_name="Ola", last_name="Nordmann-Fjellheim-Bakken", emails=["ola@fjord.no"],
        phones=["+4791234567"], owner=actors["rep_north"],
    )


def test_case_page_shows_the_phone_formatted_and_callable(actors, login, ola):
    case = Case.objects.create(number="C-2026-00001", subject="Heat pump noise", person=ola,
                               opened_at=timezone.now())
    html = login(actors["admin"]).get(f"/service/cases/{case.pk}/").content.decode()
    assert f'<a class="phone" href="tel:+4791234567">{SHOWN}</a>' in html


def test_list_cells_with_phones_do_not_wrap(actors, login, ola):
    html = login(actors["admin"]).get("/persons/").content.decode()
    assert f'<td class="phone"><a href="tel:+4791234567">{SHOWN}</a></td>' in html


@pytest.mark.browser
def test_a_phone_stays_on_one_line_on_a_narrow_screen(actors, browser_login, ola):
    page = browser_login(actors["admin"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/persons/")
    link = page.locator('a[href="tel:+4791234567"]')
    assert link.inner_text() == SHOWN
    # One line box: a number broken over two lines has two client rects.
    assert link.evaluate("a => a.getClientRects().length") == 1
    page.screenshot(path="/tmp/edges-phones.png", full_page=True)
