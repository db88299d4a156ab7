"""The SLA sweep: warnings, breaches and escalation, with a clock passed in and mail over real SMTP."""

import datetime as dt

import pytest

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy, oslo
from tillit.interactions.models import Interaction
from tillit.service import sla
from tillit.service.escalation import sla_sweep
from tillit.service.models import Case, Queue, QueueMember
from tillit.service.models_sla import CaseSla, SlaBreach, SlaState


@pytest.fixture
def setup(actors):
    service, admin = actors["service"], actors["admin"]
    service.email, admin.email = "agent@example.com", "boss@example.com"
    service.save()
    admin.save()
    support = Queue.objects.create(name="Support")
    escalations = Queue.objects.create(name="Escalations")
    QueueMember.objects.create(queue=support, user=service)
    QueueMember.objects.create(queue=escalations, user=admin)
    calendar = make_calendar()
    policy = make_policy(calendar, priority="normal", first=60, resolution=480, warn=15,
                         reassign_to_queue=escalations, raise_priority=True)
    make_policy(calendar, priority="high", first=30, resolution=240, warn=15)
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), queue=support, status="open")
    sla.on_case_opened(case, now=case.opened_at)
    return {"case": case, "policy": policy, "support": support, "escalations": escalations, **actors}


def test_nothing_happens_before_the_warning_time(setup, smtp_server):
    assert sla_sweep(now=oslo(2026, 11, 23, 9, 30)) == {"warned": 0, "breached": 0, "escalated": 0}
    assert smtp_server.messages == []


def test_warning_is_sent_once_before_the_due_time(setup, smtp_server):
    assert sla_sweep(now=oslo(2026, 11, 23, 9, 46))["warned"] == 1
    assert sla_sweep(now=oslo(2026, 11, 23, 9, 50))["warned"] == 0
    [message] = smtp_server.messages
    assert message["To"] == "agent@example.com"
    assert "SLA warning" in message["Subject"] and setup["case"].number in message["Subject"]
    assert CaseSla.objects.get(case=setup["case"]).warned_at == oslo(2026, 11, 23, 9, 46)


def test_breach_is_recorded_and_escalated_once(setup, smtp_server):
    result = sla_sweep(now=oslo(2026, 11, 23, 10, 5))
    assert result["breached"] == 1 and result["escalated"] == 1
    assert sla_sweep(now=oslo(2026, 11, 23, 10, 10))["breached"] == 0
    breach = SlaBreach.objects.get(case=setup["case"])
    assert breach.metric == "first_response" and breach.due_at == oslo(2026, 11, 23, 10, 0)
    assert breach.actions == ["notified:1", f"queue:{setup['escalations'].pk}", "priority:high"]
    case = Case.objects.get(pk=setup["case"].pk)
    assert case.queue == setup["escalations"] and case.priority == "high"
    clock = CaseSla.objects.get(case=case)
    assert clock.state == SlaState.BREACHED and clock.first_response_breached
    # Raising the priority re-targeted the running resolution clock to the "high" policy.
    assert clock.resolution_due_at == oslo(2026, 11, 23, 13, 0)
    assert any("SLA breached" in m["Subject"] for m in smtp_server.messages)
    logged = Interaction.objects.filter(payload__case=case.pk, outcome="sla_breached")
    assert logged.count() == 1 and logged.get().kind == "case" and logged.get().payload["escalated"] is True


def test_paused_clocks_do_not_breach(setup, smtp_server):
    case = setup["case"]
    case.status = "waiting"
    case.save()
    sla.on_case_changed(case, now=oslo(2026, 11, 23, 9, 10), old_status="open", old_priority="normal")
    assert sla_sweep(now=oslo(2026, 11, 25, 12, 0))["breached"] == 0


def test_answered_cases_do_not_breach_the_first_response(setup, smtp_server):
    sla.on_first_response(setup["case"], now=oslo(2026, 11, 23, 9, 20))
    assert sla_sweep(now=oslo(2026, 11, 23, 12, 0))["breached"] == 0
    result = sla_sweep(now=oslo(2026, 11, 24, 9, 1))
    assert result["breached"] == 1
    assert SlaBreach.objects.get().metric == "resolution"


def test_notify_only_policy_logs_a_breach_not_an_escalation(actors, smtp_server):
    calendar = make_calendar()
    make_policy(calendar, priority="normal", first=60, resolution=480, warn=0)
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), status="open")
    sla.on_case_opened(case, now=case.opened_at)
    assert sla_sweep(now=oslo(2026, 11, 23, 10, 1)) == {"warned": 0, "breached": 1, "escalated": 0}
    assert Interaction.objects.filter(payload__case=case.pk, outcome="sla_breached").count() == 1
    assert Case.objects.get(pk=case.pk).priority == "normal"


def test_sweep_query_count_is_bounded(setup, django_assert_max_num_queries, smtp_server):
    with django_assert_max_num_queries(6):
        sla_sweep(now=oslo(2026, 11, 23, 9, 30))
    assert dt.timedelta(0) == dt.timedelta(0)


def test_reassign_to_an_agent_at_breach(actors, smtp_server):
    lead = actors["admin"]
    calendar = make_calendar()
    make_policy(calendar, priority="urgent", first=15, resolution=60, warn=0, notify=False, reassign_to_user=lead)
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), priority="urgent", status="open",
                     assignee=actors["service"])
    sla.on_case_opened(case, now=case.opened_at)
    result = sla_sweep(now=oslo(2026, 11, 23, 9, 20))
    assert result == {"warned": 0, "breached": 1, "escalated": 1}
    case.refresh_from_db()
    assert case.assignee == lead
    assert SlaBreach.objects.get().actions == [f"assignee:{lead.pk}"]
    assert smtp_server.messages == []  # notify is off
    assert case.messages.filter(kind="handover", data__escalated=True).exists()


def test_without_assignee_or_queue_the_service_team_is_told(actors, smtp_server):
    actors["service"].email = "team@example.com"
    actors["service"].save()
    calendar = make_calendar()
    make_policy(calendar, priority="normal", first=60, resolution=480, warn=0)
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), status="new")
    sla.on_case_opened(case, now=case.opened_at)
    sla_sweep(now=oslo(2026, 11, 23, 10, 30))
    assert [m["To"] for m in smtp_server.messages] == ["team@example.com"]
