"""An SLA breach is on the customer's timeline once — caught by the sweep or answered late; warnings are not."""

import datetime as dt

import pytest

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy, oslo
from tillit.interactions.models import Interaction
from tillit.service import sla
from tillit.service.escalation import sla_sweep
from tillit.service.models_sla import SlaBreach


@pytest.fixture
def case(actors):
    calendar = make_calendar()
    make_policy(calendar, priority="normal", first=60, resolution=480, warn=15, notify=False)
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), status="open")
    sla.on_case_opened(case, now=case.opened_at)
    return case


def breaches_on_timeline(case):
    return Interaction.objects.filter(person=case.person, outcome="sla_breached")


def test_a_breach_is_logged_once_with_a_stable_external_id(case, smtp_server):
    assert sla_sweep(now=oslo(2026, 11, 23, 9, 50))["warned"] == 1
    assert not Interaction.objects.filter(person=case.person).exists()  # a warning stays internal
    sla_sweep(now=oslo(2026, 11, 23, 10, 5))
    sla_sweep(now=oslo(2026, 11, 23, 10, 30))
    [logged] = breaches_on_timeline(case)
    assert (logged.kind, logged.channel, logged.source) == ("case", "internal", "service")
    due = oslo(2026, 11, 23, 10, 0).astimezone(dt.UTC)
    assert logged.external_id == f"case:{case.pk}:sla:first_response:{due.isoformat()}"
    assert {k: v for k, v in logged.payload.items() if k != "messages"} == {
        "case": case.pk, "event": "sla_breached", "metric": "first_response", "escalated": False}
    assert logged.payload["messages"]["text"]["code"] == "service.sla_breach_text"
    assert case.number in logged.subject and "breached" in logged.text
    assert logged.occurred_at == oslo(2026, 11, 23, 10, 5)


def test_a_target_answered_late_is_a_breach_on_the_timeline_too(case, smtp_server):
    # The agent answers at 10:20, before any sweep saw the 10:00 first-response target pass.
    sla.on_first_response(case, now=oslo(2026, 11, 23, 10, 20))
    assert SlaBreach.objects.get(case=case).actions == ["answered_late"]
    [logged] = breaches_on_timeline(case)
    assert logged.payload["metric"] == "first_response" and logged.occurred_at == oslo(2026, 11, 23, 10, 20)
    # A later sweep finds the breach recorded and logs nothing more.
    sla_sweep(now=oslo(2026, 11, 23, 10, 30))
    sla.on_first_response(case, now=oslo(2026, 11, 23, 10, 40))
    assert breaches_on_timeline(case).count() == 1


def test_a_case_without_a_customer_logs_no_interaction(actors, smtp_server):
    calendar = make_calendar()
    make_policy(calendar, priority="normal", first=60, resolution=480, warn=0, notify=False)
    case = make_case(person=None, opened_at=oslo(2026, 11, 23, 9, 0), status="open")
    sla.on_case_opened(case, now=case.opened_at)
    assert sla_sweep(now=oslo(2026, 11, 23, 10, 5))["breached"] == 1
    assert not Interaction.objects.filter(outcome="sla_breached").exists()
