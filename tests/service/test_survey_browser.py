"""In a real browser: the customer follows the one-click link from the CSAT mail, adds a comment, sends;
the link then says it was answered. Without a login."""

import datetime as dt
import re

import pytest

from tests.service.test_sla_support import make_case, make_person
from tillit.interactions.models import Interaction
from tillit.service import surveys
from tillit.service.models_sla import SurveyInvitation


@pytest.mark.django_db(transaction=True)
def test_customer_answers_csat_from_the_mail_link(page, live_server, smtp_server, settings):
    settings.TILLIT_BASE_URL = live_server.url
    now = dt.datetime.now(dt.UTC)
    case = make_case(person=make_person(), opened_at=now - dt.timedelta(hours=2), status="resolved",
                     customer_email="kari@example.com", subject="Noisy heat pump")
    invitation = surveys.on_case_resolved(case, actor=None, now=now)
    surveys.send_pending(invitation_id=invitation.pk)
    [mail] = smtp_server.messages
    link = next(url for url in re.findall(r"https?://\S+", mail.get_content()) if url.endswith("?score=5"))

    page.goto(link)
    assert page.locator("input[name=score][value='5']").is_checked()
    assert SurveyInvitation.objects.get().answered_at is None  # opening the link records nothing
    page.fill("textarea[name=comment]", "Fixed in one visit")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Thank you!")
    answered = SurveyInvitation.objects.get()
    assert (answered.score, answered.comment) == (5, "Fixed in one visit")
    assert Interaction.objects.get(kind="survey_answer").satisfaction == 5

    page.goto(link)
    assert page.get_by_role("alert").inner_text().startswith("Thank you — this survey has already been answered")
