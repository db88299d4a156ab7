"""Real browser: an agent opens the inbox, takes the most urgent case, replies, and resolves it."""

import pytest

from tillit.service import queues, services
from tillit.service.models import Case, CaseStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_takes_the_most_urgent_case_replies_and_resolves_it(browser_login, actors, customers, smtp_server):
    agent = actors["service"]
    support = queues.queue_create(actor=actors["admin"], name="Support", is_default=True)
    queues.queue_set_members(actor=actors["admin"], queue=support, users=[agent])
    services.case_create(actor=None, person=customers["ola"], subject="Filter question", priority="low")
    urgent = services.case_create(actor=None, person=customers["kari"], subject="No heat at all", priority="urgent",
                                  body="The house is 12 degrees.")
    services.case_create(actor=None, person=customers["sven"], subject="Invoice copy", priority="normal")

    page = browser_login(agent)
    page.goto("/service/")
    first = page.locator("[data-testid=case-table] tbody tr").first
    assert first.get_attribute("data-case") == urgent.number  # the most urgent case on top
    first.locator("[data-testid=take]").click()
    page.wait_for_url(f"**/service/cases/{urgent.pk}/")
    assert page.get_by_test_id("case-assignee").inner_text() == str(agent)
    assert "The house is 12 degrees." in page.get_by_test_id("thread").inner_text()

    form = page.locator("[data-testid=reply-form]")
    form.locator("textarea[name=body]").fill("A technician is on the way and will be there within two hours.")
    form.locator("select[name=status]").select_option("resolved")
    form.locator("button[type=submit]").click()
    page.get_by_test_id("case-status").filter(has_text="Resolved").wait_for()
    assert "A technician is on the way" in page.get_by_test_id("thread").inner_text()

    urgent.refresh_from_db()
    assert urgent.status == CaseStatus.RESOLVED and urgent.assignee == agent
    sent = smtp_server.messages[-1]
    assert sent["To"] == "kari@fjord.no" and urgent.number in sent["Subject"]
    assert Case.objects.filter(status=CaseStatus.NEW).count() == 2
