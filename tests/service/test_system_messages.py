"""Texts service writes (issue 10.8) are stored as a code and parameters and read in the reader's language.

An English agent hands a case over, changes priority and status, and the SLA sweep escalates it; a Norwegian
colleague reads the case page, the card timeline and the API in Norwegian. Expected texts are the catalogue's
Norwegian for the same msgid, and each must differ from the English one — so the test fails if the English
text were shown as stored.
"""

import datetime as dt
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy, oslo
from tillit.accounts.services import api_token_create
from tillit.interactions.models import Interaction
from tillit.service import services, sla
from tillit.service.escalation import sla_sweep
from tillit.service.models import CaseMessage, MessageKind, Queue, QueueMember

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def nb(msgid: str, **params) -> str:
    """The Norwegian text of ``msgid``; it must differ from the English, or the test would prove nothing."""
    with translation.override("nb"):
        text = gettext(msgid)
    assert text != msgid, f"no Norwegian translation of {msgid!r}"
    return text % params if params else text


def nb_label(english: str) -> str:
    with translation.override("nb"):
        return gettext(english)


@pytest.fixture
def reader(actors):
    user = actors["admin"]
    user.language, user.time_zone = "nb", "Europe/Oslo"
    user.save(update_fields=["language", "time_zone"])
    return user


@pytest.fixture
def worked_case(actors, customers):
    agent = actors["service"]
    agent.language = "en"
    agent.save(update_fields=["language"])
    support = Queue.objects.create(name="Support")
    with translation.override("en"):
        case = services.case_create(actor=agent, person=customers["kari"], subject="Noise", body="It hums.",
                                    queue=support, assignee=agent, now=NOW)
        services.case_assign(actor=agent, case=case, queue=support, assignee=None, note="Needs a return label",
                             now=NOW)
        services.case_set_priority(actor=agent, case=case, priority="high", now=NOW)
        services.case_set_status(actor=agent, case=case, status="resolved", note="Sent a new part", now=NOW)
    return case


def _page(client, case) -> str:
    return unescape(client.get(f"/service/cases/{case.pk}/").content.decode())


def test_case_events_are_stored_as_codes_and_in_the_writers_text(worked_case):
    handover = worked_case.messages.get(kind=MessageKind.HANDOVER)
    assert handover.body == "Handed over to Support.\n\nNeeds a return label"  # the writer's text, for search
    assert handover.data["messages"]["body"] == {"code": "service.handed_over", "params": {"target": "Support"}}
    assert handover.data["note"] == "Needs a return label"
    status = worked_case.messages.filter(kind=MessageKind.EVENT).last()
    assert status.data["messages"]["body"] == {"code": "service.status_changed",
                                               "params": {"old": "open", "new": "resolved"}}


def test_the_case_page_reads_in_the_readers_language(login, reader, worked_case, actors):
    html = _page(login(reader), worked_case)
    assert nb("Handed over to %(target)s.", target="Support") + "<br><br>Needs a return label" in html
    assert nb("Routed to %(target)s.", target=str(actors["service"])) in html
    assert nb("Priority %(old)s → %(new)s.", old=nb_label("Normal"), new=nb_label("High")) in html
    # "Status … → …" reads the same in Norwegian; the statuses are what a stored text would get wrong.
    assert nb_label("Status %(old)s → %(new)s.") % {"old": nb("Open"), "new": nb("Resolved")} \
        + "<br><br>Sent a new part" in html
    assert "Handed over to" not in html and "Priority Normal" not in html


def test_the_card_timeline_shows_case_outcomes_in_the_readers_language(login, reader, worked_case, customers):
    timeline = unescape(login(reader).get(f"/persons/{customers['kari'].pk}/").content.decode())
    assert nb("Case resolved") in timeline and nb("Reassigned") in timeline and nb("Case opened") in timeline
    assert "Case resolved" not in timeline


def test_the_api_gives_the_readers_text_and_the_code(reader, worked_case, customers):
    _token, key = api_token_create(user=reader, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="nb")
    thread = api.get(f"/api/v1/service/cases/{worked_case.pk}").json()["messages"]
    handover = next(m for m in thread if m["kind"] == "handover")
    assert handover["body_message"] == {"code": "service.handed_over", "params": {"target": "Support"}}
    assert handover["body"] == nb("Handed over to %(target)s.", target="Support") + "\n\nNeeds a return label"
    customer = next(m for m in thread if m["kind"] == "customer")
    assert customer["body"] == "It hums." and customer["body_message"] is None

    entries = api.get(f"/api/v1/persons/{customers['kari'].pk}/timeline").json()["entries"]
    resolved = next(e for e in entries if e["outcome_message"] == {"code": "service.outcome.resolved", "params": {}})
    assert resolved["outcome"] == nb("Case resolved") and resolved["text"] == "Sent a new part"


def test_rows_written_before_codes_show_their_text(reader, worked_case):
    old = CaseMessage.objects.create(case=worked_case, kind=MessageKind.EVENT, channel="internal",
                                     body="Overlämnad till Support.", occurred_at=NOW, data={"note": ""})
    with translation.override("nb"):
        assert old.body_display == "Overlämnad till Support."
        unknown = CaseMessage(body="kept", data={"messages": {"body": {"code": "gone", "params": {}}}})
        assert unknown.body_display == "kept"


def test_the_case_page_takes_the_same_queries_however_many_events(login, reader, worked_case, actors,
                                                                  django_assert_num_queries):
    client = login(reader)
    _page(client, worked_case)  # warm caches (session, settings)
    with CaptureQueriesContext(connection) as before:
        _page(client, worked_case)
    for priority in ("low", "urgent", "normal", "high"):
        services.case_set_priority(actor=actors["service"], case=worked_case, priority=priority, now=NOW)
    with django_assert_num_queries(len(before.captured_queries)):
        _page(client, worked_case)


# --- the SLA sweep ---------------------------------------------------------------------------------------
@pytest.fixture
def escalating(actors, smtp_server):
    service, admin = actors["service"], actors["admin"]
    service.email, admin.email = "agent@example.com", "boss@example.com"
    service.language, service.time_zone = "nb", "Europe/Oslo"  # the agent told by mail reads Norwegian
    service.save()
    admin.save()
    support = Queue.objects.create(name="Support")
    escalations = Queue.objects.create(name="Escalations")
    QueueMember.objects.create(queue=support, user=service)
    calendar = make_calendar()
    make_policy(calendar, priority="normal", first=60, resolution=480, warn=15, reassign_to_queue=escalations,
                raise_priority=True)
    make_policy(calendar, priority="high", first=30, resolution=240, warn=15)
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), queue=support, status="open",
                     subject="Heat pump")
    sla.on_case_opened(case, now=case.opened_at)
    with translation.override("en"):
        sla_sweep(now=oslo(2026, 11, 23, 9, 46))  # the warning
        sla_sweep(now=oslo(2026, 11, 23, 10, 5))  # the breach and its escalation
    return case


def _nb_due(moment) -> str:
    with translation.override("nb"), timezone.override("Europe/Oslo"):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def test_sla_warning_breach_and_escalation_read_in_the_readers_language(login, reader, escalating, smtp_server):
    due = _nb_due(oslo(2026, 11, 23, 10, 0))
    html = _page(login(reader), escalating)
    assert nb("SLA warning: %(number)s %(metric)s due %(due)s", number=escalating.number,
              metric=nb("first response"), due=due) in html
    breach = nb("The %(metric)s target of case %(number)s (%(subject)s) was due at %(due)s and is breached.",
                metric=nb_label("First response").lower(), number=escalating.number, subject="Heat pump", due=due)
    assert nb("SLA breached: %(number)s %(metric)s", number=escalating.number,
              metric=nb_label("First response").lower()) in html
    assert nb("Escalated to %(target)s.", target="Escalations") + "<br><br>" + breach in html
    assert "SLA warning" not in html and "is breached" not in html

    logged = Interaction.objects.get(person=escalating.person, outcome="sla_breached")
    with translation.override("nb"), timezone.override("Europe/Oslo"):
        assert logged.text_display == breach
    assert "is breached" in logged.text  # the writer's (English) text is kept


def test_sla_mail_goes_out_in_each_recipients_language(escalating, smtp_server):
    warning, breached = smtp_server.messages[:2]
    assert warning["To"] == "agent@example.com"
    due = _nb_due(oslo(2026, 11, 23, 10, 0))
    warned = nb("SLA warning: %(number)s %(metric)s due %(due)s", number=escalating.number,
                metric=nb("first response"), due=due)
    breach = nb("SLA breached: %(number)s %(metric)s", number=escalating.number,
                metric=nb_label("First response").lower())
    assert str(warning["Subject"]).strip().startswith(warned)
    assert str(breached["Subject"]).strip().startswith(breach)
    assert "is breached" not in breached.get_content()
