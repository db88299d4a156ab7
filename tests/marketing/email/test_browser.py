"""In a real browser: write an email, see the preview and the live recipient count, save, schedule."""

import pytest
from playwright.sync_api import expect

from tillit.marketing.email.models import Mailing, MailingStatus

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_write_preview_count_save_and_schedule(page, browser_login, actors, people, static_list):
    browser_login(actors["marketing"])
    page.goto("/marketing/emails/new/")
    page.fill("input[name=name]", "Browser news")
    page.fill("input[name=subject]", "Hello {{ first_name }}")
    page.fill("textarea[name=body]", "# Hi {{ first_name }}\n\n<script>alert(1)</script> **Welcome**")
    preview = page.locator("[data-testid=preview-body]")
    preview.locator("h1").wait_for()
    assert "Hi Marketing" in preview.inner_text()
    assert "<script>alert(1)</script>" in preview.inner_text()  # shown as text, not run
    page.get_by_label("Everyone").check()
    expect(page.locator("#count [data-testid=audience-count]")).to_contain_text("2 recipients")
    page.fill("textarea[name=body]", "Hi {{ person.owner.password }}")
    expect(page.locator("[data-testid=preview-error]")).to_contain_text("{{ person.owner.password }}")
    page.fill("textarea[name=body]", "Hi {{ first_name }}")
    page.click("button:has-text('Save draft')")
    page.wait_for_url("**/marketing/emails/*/")
    page.click("button:has-text('Schedule sending')")
    page.locator(".msg-success").wait_for()
    assert Mailing.objects.get(name="Browser news").status == MailingStatus.SCHEDULED
