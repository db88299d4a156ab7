"""Real browser: define a persona on CLV in the segment rule editor, watch the live count, save, see it assigned."""

from decimal import Decimal

import pytest

from tests.insight.values_fixtures import figures
from tillit.insight.models import Persona
from tillit.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_persona_on_lifetime_value_built_in_the_editor(actors, browser_login):
    for i, clv in enumerate((500, 12000, 40000)):
        figures(Person.objects.create(first_name=f"Buyer{i}", last_name="Nord"), clv=Decimal(clv))
    page = browser_login(actors["marketing"])
    page.goto("/insight/personas/")
    page.click("[data-testid=new-persona]")
    page.fill("input[name=name]", "Valuable")
    page.click("[data-testid=add-condition]")
    condition = page.locator("[data-testid=condition]").first
    condition.locator("select[data-key=attr]").select_option("clv")
    assert condition.locator("select[data-key=op]").input_value() == "gte"
    condition.locator("input[data-key=value]").fill("abc")
    page.wait_for_selector("[data-testid=preview-errors]")
    assert "rules.all[0].value" in page.locator("[data-testid=preview-errors]").inner_text()
    condition.locator("input[data-key=value]").fill("10 000")
    page.wait_for_function("() => document.querySelector('[data-testid=live-count]')?.textContent.trim() === '2'")
    page.screenshot(path="/tmp/insight-persona-editor.png", full_page=True)
    page.click("[data-testid=save]")
    page.wait_for_url("**/insight/personas/*/")
    persona = Persona.objects.get(name="Valuable")
    assert persona.rules == {"all": [{"attr": "clv", "op": "gte", "value": 10000}]}
    assert sorted(Person.objects.filter(persona="Valuable").values_list("first_name", flat=True)) == [
        "Buyer1", "Buyer2"]
    page.goto("/insight/personas/")
    assert page.locator("[data-testid=persona-count]").inner_text().strip() == "2"
