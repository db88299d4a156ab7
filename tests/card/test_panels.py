"""The modules' panels on the card: one probe query says which have rows, so an empty customer costs one
query for all panels, and what the panels show is the same as when every list is queried."""

import datetime as dt

import pytest
from django.utils import timezone

from tillit.card.panels import PANELS, card_panels
from tillit.tasks.models import Task

pytestmark = pytest.mark.django_db


def _comparable(panels: list[dict]) -> list[dict]:
    # Forms are built anew per call; everything else must be equal.
    return [{k: v for k, v in p.items() if k != "form"} for p in panels]


def _unprobed(actor, **party) -> list[dict]:
    from importlib import import_module

    modules = [import_module(path) for path in PANELS]
    panels = [(m.KEY, m.panel(actor, present=None, **party)) for m in modules]
    return [{**p, "key": key} for key, p in panels if p]


def test_a_customer_without_deals_tasks_or_cases_costs_one_query_for_all_panels(
        actors, make_person, make_org, django_assert_num_queries):
    person, org = make_person(), make_org()
    for party in ({"person": person}, {"organization": org}):
        with django_assert_num_queries(1):
            panels = card_panels(actors["admin"], **party)
        assert [p["template"] for p in panels] == [
            "insight/_value_panel.html", "sales/_card_sales.html", "tasks/_related_tasks.html",
            "service/_card_cases.html", "marketing/_card_panel.html",
        ]
        assert _comparable(panels) == _comparable(_unprobed(actors["admin"], **party))


def test_panels_with_rows_are_queried_and_show_the_same_as_without_the_probe(actors, make_person, log):
    person = make_person()
    task = Task.objects.create(title="Call back about the heat pump", person=person, assignee=actors["rep_north"],
                               created_by=actors["rep_north"], due_date=timezone.localdate() + dt.timedelta(days=1))
    log(person=person, channel="web", kind="content_read", subject="Buyer's guide", duration_seconds=90)
    for who in ("admin", "rep_north", "rep_south"):
        panels = card_panels(actors[who], person=person)
        assert _comparable(panels) == _comparable(_unprobed(actors[who], person=person))
    tasks = {p["template"]: p for p in card_panels(actors["rep_north"], person=person)}["tasks/_related_tasks.html"]
    assert tasks["tasks"] == [task]
    marketing = {p["template"]: p for p in card_panels(actors["admin"], person=person)}["marketing/_card_panel.html"]
    assert [page["label"] for page in marketing["pages"]] == ["Buyer's guide"]
