"""Case services: opening, assignment modes, handover, priority and status, replies over real SMTP."""

import datetime as dt
import threading

import pytest
from django.db import connection

from tillit.core.errors import AccessDenied, Conflict, ValidationError
from tillit.interactions.models import Interaction
from tillit.service import inbound, queues, services
from tillit.service.models import AssignmentMode, Case, CaseStatus, MessageKind, Queue

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def support(actors):
    queue = queues.queue_create(actor=actors["admin"], name="Support", is_default=True)
    return queue


def open_case(actor, person, **kw):
    kw.setdefault("subject", "Noise from the heat pump")
    return services.case_create(actor=actor, person=person, body="It hums.", now=NOW, **kw)


def test_case_numbers_count_up_per_year(actors, customers):
    first = open_case(actors["service"], customers["kari"])
    second = open_case(actors["service"], customers["kari"])
    assert (first.number, second.number) == ("C-2026-00001", "C-2026-00002")


def test_opening_logs_the_case_on_the_timeline_once(actors, customers):
    case = open_case(actors["service"], customers["kari"], channel="phone")
    logged = Interaction.objects.get(person=customers["kari"])
    assert logged.kind == "case" and logged.channel == "phone"
    assert logged.payload == {"case": case.pk, "event": "opened",
                              "messages": {"outcome": {"code": "service.outcome.opened", "params": {}}}}
    assert logged.external_id == f"case:{case.pk}:opened"


def test_a_sales_rep_cannot_work_cases(actors, customers):
    with pytest.raises(AccessDenied):
        open_case(actors["rep_north"], customers["kari"])


def test_a_case_needs_a_subject_and_a_customer(actors):
    with pytest.raises(ValidationError) as exc:
        services.case_create(actor=actors["service"], subject="  ", customer_email="a@b.no")
    assert exc.value.field == "subject"
    with pytest.raises(ValidationError) as exc:
        services.case_create(actor=actors["service"], subject="Hi")
    assert exc.value.field == "person"


def test_round_robin_takes_turns_among_available_members(actors, customers, teams):
    from tests.conftest import _user

    queue = queues.queue_create(actor=actors["admin"], name="Support", is_default=True,
                                assignment_mode=AssignmentMode.ROUND_ROBIN)
    mette, johan, away = (_user(n, "service") for n in ("mette", "johan", "away"))
    queues.queue_set_members(actor=actors["admin"], queue=queue, users=[mette, johan, away], unavailable=[away])
    got = [open_case(None, customers["ola"]).assignee for _ in range(5)]
    assert got == [mette, johan, mette, johan, mette]
    assert Case.objects.filter(status=CaseStatus.OPEN).count() == 5


@pytest.mark.django_db(transaction=True)
def test_round_robin_is_stable_when_cases_arrive_at_once(actors, customers):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock matters on PostgreSQL")
    from django.db import close_old_connections

    from tests.conftest import _user

    queue = queues.queue_create(actor=actors["admin"], name="Support", is_default=True,
                                assignment_mode=AssignmentMode.ROUND_ROBIN)
    agents = [_user(f"agent{i}", "service") for i in range(3)]
    queues.queue_set_members(actor=actors["admin"], queue=queue, users=agents)
    ola = customers["ola"]

    def work():
        for _ in range(4):
            open_case(None, ola)
        close_old_connections()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = sorted(Case.objects.filter(assignee=a).count() for a in agents)
    assert counts == [4, 4, 4]
    assert Case.objects.values("number").distinct().count() == 12


def test_rules_route_by_kind_keyword_and_organisation(actors, customers, support):
    returns = queues.queue_create(actor=actors["admin"], name="Returns")
    queues.rule_create(actor=actors["admin"], name="Returns", position=1, kind="return", queue=returns)
    queues.rule_create(actor=actors["admin"], name="Invoices to Service", position=2, keyword="invoice",
                       assignee=actors["service"])
    queues.rule_create(actor=actors["admin"], name="Fjord key account", position=3,
                       organization=customers["org"], queue=returns)
    assert open_case(None, customers["ola"], kind="return").queue == returns
    by_keyword = open_case(None, customers["ola"], subject="Wrong INVOICE amount")
    assert by_keyword.assignee == actors["service"] and by_keyword.status == CaseStatus.OPEN
    assert open_case(None, customers["ola"], organization=customers["org"]).queue == returns
    unrouted = open_case(None, customers["ola"])
    assert unrouted.queue == support and unrouted.assignee is None and unrouted.status == CaseStatus.NEW


def test_a_rule_needs_a_target(actors):
    with pytest.raises(ValidationError) as exc:
        queues.rule_create(actor=actors["admin"], name="Nowhere", kind="return")
    assert exc.value.field == "queue"


def test_only_admins_change_queues(actors):
    with pytest.raises(AccessDenied):
        queues.queue_create(actor=actors["service"], name="Mine")


def test_handover_keeps_the_note_on_the_thread_and_logs_it(actors, customers, support):
    from tests.conftest import _user

    mette = _user("mette", "service")
    returns = queues.queue_create(actor=actors["admin"], name="Returns")
    case = open_case(actors["service"], customers["kari"], assignee=actors["service"])
    services.case_assign(actor=actors["service"], case=case, queue=returns, assignee=mette,
                         note="Customer wants a refund, receipt attached", expected_version=case.version)
    case.refresh_from_db()
    assert (case.queue, case.assignee) == (returns, mette)
    handover = case.messages.get(kind=MessageKind.HANDOVER)
    assert "refund" in handover.body and handover.author == actors["service"]
    assert handover.data["from_assignee"] == actors["service"].pk
    assert Interaction.objects.filter(person=customers["kari"], payload__event="reassigned").count() == 1


def test_a_stale_version_is_a_conflict(actors, customers):
    case = open_case(actors["service"], customers["kari"])
    services.case_set_priority(actor=actors["service"], case=case, priority="high", expected_version=case.version)
    with pytest.raises(Conflict):
        services.case_set_priority(actor=actors["service"], case=case, priority="low", expected_version=1)


def test_status_changes_stamp_times_and_log_resolve_and_reopen(actors, customers):
    case = open_case(actors["service"], customers["kari"])
    services.case_set_status(actor=actors["service"], case=case, status="resolved", now=NOW)
    assert case.resolved_at == NOW and case.status == "resolved"
    services.case_set_status(actor=actors["service"], case=case, status="open", now=NOW + dt.timedelta(hours=1))
    assert case.resolved_at is None
    events = set(Interaction.objects.filter(person=customers["kari"]).values_list("payload__event", flat=True))
    assert {"opened", "resolved", "reopened"} <= events


def test_the_sla_and_survey_hooks_are_called(actors, customers, monkeypatch):
    calls = []
    from tillit.service import sla, surveys

    monkeypatch.setattr(sla, "on_case_opened", lambda case, now: calls.append("opened"))
    monkeypatch.setattr(sla, "on_first_response", lambda case, now: calls.append("first"))
    monkeypatch.setattr(sla, "on_case_changed", lambda case, now, old_status, old_priority: calls.append(
        f"{old_status}->{case.status}"))
    monkeypatch.setattr(surveys, "on_case_resolved", lambda case, actor, now: calls.append("survey"))
    case = open_case(actors["service"], customers["kari"])
    services.case_reply(actor=actors["service"], case=case, body="On it", status="resolved", send=False)
    assert calls == ["opened", "first", "new->open", "open->resolved", "survey"]


def test_a_note_is_not_emailed_nor_on_the_timeline(actors, customers, mailoutbox):
    case = open_case(actors["service"], customers["kari"])
    services.case_add_note(actor=actors["service"], case=case, body="Called the installer")
    assert mailoutbox == []
    assert Interaction.objects.filter(person=customers["kari"]).count() == 1


def test_reply_goes_out_by_smtp_threaded_and_the_answer_joins_the_case(actors, customers, smtp_server):
    first = inbound.ingest_email(
        b"From: Kari <kari@fjord.no>\r\nTo: support@tillit.example\r\nSubject: Noise\r\n"
        b"Message-ID: <k1@fjord.no>\r\n\r\nIt hums.\r\n")
    case = first.case
    reply = services.case_reply(actor=actors["service"], case=case, body="We send a technician.",
                                status="waiting")

    sent = smtp_server.messages[-1]
    assert sent["To"] == "kari@fjord.no"
    assert sent["Subject"] == f"Re: Noise [{case.number}]"
    assert sent["In-Reply-To"] == "<k1@fjord.no>" and "<k1@fjord.no>" in sent["References"]
    assert sent["Reply-To"] == "support@tillit.example"
    assert sent["Message-ID"] == f"<{reply.message_id}>" and reply.message_id.endswith("@tillit.example")
    assert sent.get_content().strip() == "We send a technician."
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING and case.first_response_at is not None
    logged = Interaction.objects.get(person=customers["kari"], kind="email_sent")
    assert logged.handled_by == actors["service"] and logged.channel == "email"

    # The customer's mail program answers: only the threading headers it keeps are needed.
    answer = (f"From: kari@fjord.no\r\nSubject: Re: Noise\r\nMessage-ID: <k2@fjord.no>\r\n"
              f"In-Reply-To: {sent['Message-ID']}\r\n\r\nThursday suits me.\r\n").encode()
    joined = inbound.ingest_email(answer)
    assert joined.status == "joined" and joined.case.pk == case.pk
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # no longer waiting for the customer
    assert [m.kind for m in case.messages.filter(kind__in=["reply", "customer"])] == ["customer", "reply", "customer"]


def test_a_failed_send_is_kept_on_the_reply(actors, customers, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    case = open_case(actors["service"], customers["kari"])
    reply = services.case_reply(actor=actors["service"], case=case, body="Hello")
    reply.refresh_from_db()
    assert reply.send_error and reply.body == "Hello"


def test_case_notify_mails_the_recipients_and_notes_it(actors, customers, mailoutbox):
    actors["service"].email = "service@tillit.example"
    case = open_case(actors["service"], customers["kari"])
    assert services.case_notify(case, recipients=[actors["service"]], subject="SLA breached", body="Act now") == 1
    assert case.number in mailoutbox[0].subject
    assert case.messages.filter(kind="event", body__startswith="SLA breached").exists()


def test_system_can_escalate_without_an_actor(actors, customers, support):
    case = open_case(actors["service"], customers["kari"])
    services.case_set_priority(actor=None, case=case, priority="urgent")
    services.case_assign(actor=None, case=case, queue=support, assignee=actors["service"], note="SLA breached",
                         escalated=True)
    assert Queue.objects.get(pk=support.pk).cases.get() == case
    handover = case.messages.get(kind=MessageKind.HANDOVER)
    assert handover.data["escalated"] and handover.body.startswith("Escalated to")
    # The escalation module writes the timeline entry with the breach; no second one from the handover.
    assert not Interaction.objects.filter(person=customers["kari"], payload__event="reassigned").exists()


def test_failed_replies_are_sent_again_later(actors, customers, settings, smtp_server):
    from tillit.service.tasks_cases import retry_failed_replies

    port = settings.EMAIL_PORT
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = 1, 1
    case = open_case(actors["service"], customers["kari"])
    reply = services.case_reply(actor=actors["service"], case=case, body="Hello again")
    assert reply.send_error
    settings.EMAIL_PORT = port
    assert retry_failed_replies() == 1
    assert smtp_server.messages[-1]["Message-ID"] == f"<{reply.message_id}>"
    reply.refresh_from_db()
    assert reply.send_error == ""
    assert retry_failed_replies() == 0
