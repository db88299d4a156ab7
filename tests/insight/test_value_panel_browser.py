"""Real browser: the value panel on the demo's showcase card (figures as the insight run would leave them)."""

from datetime import date
from decimal import Decimal

import pytest

from tests.insight.values_fixtures import figures, rfm_classes
from tillit.demo.generator import DEMO_PASSWORD, load_demo
from tillit.insight.models import CustomerValue
from tillit.people.models import Person
from tillit.sales.models import Product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = "/tmp/insight-value-panel.png"


def test_value_panel_on_the_demo_card(page):
    load_demo(persons=40, organizations=8, interactions_per_person=8, today=date(2026, 6, 1))
    rfm_classes()
    kari = Person.objects.get(first_name="Kari", last_name="Bråthen")
    # The demo computed her figures from its log; the test sets known ones to check how each is shown.
    CustomerValue.objects.filter(person=kari).delete()
    products = {p.sku: p for p in Product.objects.filter(sku__in=["NV-SA-PLUS", "NV-BAT-5X", "NV-VANN-12"])}
    figures(kari, clv=Decimal("48250.00"), rfm_class="at-risk", p_alive=0.58, churn_risk=0.67, churn_level="high",
            relationship_type="best-friend", revenue=Decimal("186400.00"), purchases=9,
            first_purchase=date(2024, 6, 20), last_purchase=date(2025, 11, 2),
            churn_reasons=[{"code": "insight.churn.overdue", "params": {"days": 211, "expected": 74}},
                           {"code": "insight.churn.complaints", "params": {"count": 1}}],
            next_offers=[{"product": products["NV-SA-PLUS"].pk, "share": 0.41, "because": products["NV-VANN-12"].pk},
                         {"product": products["NV-BAT-5X"].pk, "share": 0.22, "because": products["NV-VANN-12"].pk}])
    Person.objects.filter(pk=kari.pk).update(value_tier="top")
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "sara")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto(f"/persons/{kari.pk}/")
    panel = page.locator("[data-testid=value-panel]")
    panel.scroll_into_view_if_needed()
    assert "48,250" in panel.locator("[data-testid=value-clv]").inner_text()
    assert panel.locator("[data-testid=value-p-alive]").inner_text() == "58 %"
    assert panel.locator("[data-testid=value-rfm]").inner_text() == "At risk"
    assert "No order for 211 days; expected every 74" in panel.locator("[data-testid=value-churn-reasons]").inner_text()
    offers = panel.locator("[data-testid=value-offers]").inner_text()
    assert "Service agreement Plus" in offers and "41 %" in offers
    assert panel.locator("[data-testid=value-persona]").inner_text().startswith(kari.persona or "—")
    panel.screenshot(path=SCREENSHOT)
    page.screenshot(path="/tmp/insight-value-card.png", full_page=True)
