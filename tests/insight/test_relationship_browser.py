"""Real browser: the relationship scatter chart draws every visible customer and a dot opens the card."""

import os
import random
from importlib import import_module

import pytest

from tillit.insight import relationships
from tillit.insight.models import CustomerValue
from tillit.people.models import Person

from .relationship_helpers import value

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scatter_dots_link_to_the_card(actors, browser_login):
    # A transactional test may start after another emptied the tables: put the default types back.
    from django.apps import apps

    import_module("tillit.insight.migrations.0003_relationships_default_types").seed(apps, None)
    rep = actors["rep_north"]
    rng = random.Random(4)
    people = Person.objects.bulk_create([Person(first_name=f"Kunde {i}", last_name="Hansen", owner=rep,
                                                team=rep.team) for i in range(300)])
    for p in people:
        value(p, share_of_wallet=round(rng.uniform(0, 1.1), 3), price_premium=round(rng.uniform(0.75, 1.25), 3))
    other = Person.objects.create(first_name="Sven", owner=actors["rep_south"], team=actors["rep_south"].team)
    value(other, share_of_wallet=0.5, price_premium=1.0)
    relationships.classify()
    page = browser_login(rep)
    page.goto("/insight/relationships/")
    dots = page.locator("[data-testid=scatter] a.dot")
    assert dots.count() == 300
    assert page.locator(f"[data-testid=scatter] a.dot[data-id='{other.pk}']").count() == 0
    assert page.locator("[data-testid=scatter] line.threshold").count() >= 3
    os.makedirs("/tmp/tillit-shots", exist_ok=True)
    page.screenshot(path="/tmp/tillit-shots/relationships-scatter.png", full_page=True)
    target = CustomerValue.objects.filter(relationship_type="best-friend").first().person
    page.locator(f"[data-testid=scatter] a.dot[data-id='{target.pk}'] circle").click()
    page.wait_for_url(f"**/persons/{target.pk}/")
    assert "Kunde" in page.locator("h1").first.inner_text()
