"""warm_up(): what the server does at start so the first card does not compile templates and routes."""

import pytest
from django.template import engines

from tillit.warmup import TEMPLATES, warm_up


def _cached_loader(loaders):
    for loader in loaders:
        if hasattr(loader, "get_template_cache"):
            return loader
        found = _cached_loader(getattr(loader, "loaders", []))
        if found is not None:
            return found
    return None


def test_warm_up_compiles_the_card_templates_without_touching_the_database():
    # Not marked django_db: any query here would fail the test (warm_up runs before migrate, too).
    loader = _cached_loader(engines["django"].engine.template_loaders)
    loader.reset()
    warm_up()
    assert set(TEMPLATES) <= set(loader.get_template_cache)


@pytest.mark.django_db
def test_every_card_panel_template_is_warmed(actors):
    from tillit.card.panels import card_panels
    from tillit.people.models import Person

    person = Person.objects.create(first_name="Kari", last_name="Nordmann")
    templates = {panel["template"] for panel in card_panels(actors["admin"], person=person)}
    assert templates and templates <= set(TEMPLATES)
