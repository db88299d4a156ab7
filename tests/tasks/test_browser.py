"""Real browser: add a task on the card, tick it done, and work the "my tasks" page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tillit.people.models import Person
from tillit.tasks import services
from tillit.tasks.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quick_add_and_one_click_done_on_the_card(actors, browser_login):
    rep = actors["rep_north"]
    kari = Person.objects.create(first_name="Kari", last_name="Bråthen", owner=rep, team=rep.team)
    page = browser_login(rep)
    page.goto(f"/persons/{kari.pk}/")
    panel = page.locator("[data-testid=tasks-panel]")
    assert "No open tasks." in panel.inner_text()
    panel.locator("input[name=title]").fill("Send the battery brochure")
    panel.locator("button[type=submit]").click()
    page.locator("[data-testid=task-item]", has_text="Send the battery brochure").wait_for()
    task = Task.objects.get()
    assert task.person == kari and task.assignee == rep and task.done_at is None

    page.locator("[data-testid=tasks-panel] [data-testid=done]").click()
    page.locator("[data-testid=tasks-panel] [data-testid=reopen]").wait_for()
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == rep
    page.reload()  # done tasks leave the card
    assert "No open tasks." in page.locator("[data-testid=tasks-panel]").inner_text()


def test_my_tasks_overdue_first_and_done_with_one_click(actors, browser_login):
    rep = actors["rep_north"]
    today = timezone.localdate()
    services.task_create(actor=rep, title="Later", due_date=today + dt.timedelta(days=4))
    late = services.task_create(actor=rep, title="Overdue call", due_date=today - dt.timedelta(days=2))
    page = browser_login(rep)
    page.goto("/tasks/")
    titles = page.locator("[data-testid=task-row] .tasktitle").all_inner_texts()
    assert titles == ["Overdue call", "Later"]
    page.locator(f"#task-{late.pk} [data-testid=done]").click()
    page.locator(f"#task-{late.pk}.is-done").wait_for()
    late.refresh_from_db()
    assert late.done_at is not None
    page.locator("select[name=state]").select_option("done")
    expect(page.locator("#results")).not_to_contain_text("Later")
    expect(page.locator("[data-testid=bucket-done]")).to_contain_text("Overdue call")
