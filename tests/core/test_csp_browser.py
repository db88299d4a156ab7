"""Under the Content-Security-Policy the pages still work in a real browser: no script is refused, and the
behaviours that used to be inline (submit on change, confirm before delete) run from tillit.js."""

import pytest

from tillit.people.services import person_create
from tillit.sales.models import Pipeline, Stage

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_run_without_a_single_policy_violation(browser_login, actors):
    person = person_create(actor=actors["admin"], first_name="Kari", last_name="Nordmann")
    pipeline = Pipeline.objects.create(name="New business")
    Stage.objects.create(pipeline=pipeline, name="Lead", probability=10, position=0)
    page = browser_login(actors["admin"])
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    for path in ["/", "/persons/", f"/persons/{person.pk}/", "/deals/board/", "/forecast/",
                 "/marketing/segments/new/", "/api/v1/docs", "/accounts/tokens/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert refused == []


def test_submit_on_change_still_works(browser_login, actors):
    page = browser_login(actors["admin"])
    page.goto("/forecast/")
    page.select_option("select[name=period]", "quarter")
    page.wait_for_url("**period=quarter**")
    assert "period=quarter" in page.url
