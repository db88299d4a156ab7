"""Every write to cases: open, take, assign and hand over, priority, status, replies and notes.

Rules (the same for pages, the API, the web form, inbound mail and escalation):

- ``actor`` is the employee doing it, or ``None`` for the system (inbound mail, the web form,
  escalation). Only administrators and the service role work cases (``ensure_can_work``); sales reps
  may read the cases of customers they can see.
- Every change runs in one transaction, calls the SLA hooks (``tillit.service.sla``) with the case
  after the change, and writes an interaction on the customer's timeline with a stable
  ``external_id`` (a retry never logs twice) and ``payload={"case": id}``.
- Updates are compare-and-swap on ``version`` when the caller passes ``expected_version``.
- Replies are sent by SMTP after the transaction commits (``outbound.send_reply``); a failed send is
  kept on the message (``send_error``) and shown on the case, never lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import STAFF_ROLES, Role, User
from tillit.core.access import ensure_can_read
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.versioning import save_versioned
from tillit.interactions import messages
from tillit.interactions.models import Channel, Direction, Kind
from tillit.interactions.services import log_interaction
from tillit.people.models import Organization, Person
from tillit.service import assignment, sla, surveys
from tillit.service import messages as codes
from tillit.service.models import (
    OPEN_STATUSES,
    AssignmentMode,
    Case,
    CaseCounter,
    CaseKind,
    CaseMessage,
    CasePriority,
    CaseStatus,
    MessageKind,
    Queue,
)

SOURCE = "service"
WORKER_ROLES = frozenset({Role.ADMIN, Role.SERVICE})


def system_actor() -> User:
    """An unsaved stand-in for "Tillit itself" where a people service needs an employee (new leads)."""
    return User(username="tillit", role=Role.SERVICE, first_name="Tillit")


def can_work_cases(user) -> bool:
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.role in WORKER_ROLES))


def ensure_can_work(actor) -> None:
    if actor is None:
        return
    if not can_work_cases(actor):
        raise AccessDenied(_("Only the service team can change cases."))


def _ensure_customer_visible(actor, case: Case) -> None:
    if actor is None:
        return
    for record in (case.person, case.organization):
        if record is not None:
            ensure_can_read(actor, record)


def _choice(value: str, choices, field: str) -> str:
    if value not in choices.values:
        raise ValidationError(_("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}, field=field)
    return value


def _subject(value: str) -> str:
    # Header injection and noise: a subject is one line.
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError(_("Give the case a subject."), field="subject")
    return value[:200]


def _agent(user, field: str = "assignee") -> User | None:
    if user is None:
        return None
    if not isinstance(user, User) or not user.is_active or not (user.is_superuser or user.role in STAFF_ROLES):
        raise ValidationError(_("Choose an active employee."), field=field)
    return user


def next_case_number(now: dt.datetime) -> str:
    """``C-<year>-<seq>``; the year's counter row is locked, so two cases never share a number."""
    year = now.year
    CaseCounter.objects.get_or_create(year=year)
    counter = CaseCounter.objects.select_for_update().get(year=year)
    CaseCounter.objects.filter(year=year).update(last=F("last") + 1)
    return f"C-{year}-{counter.last + 1:05d}"


# --- the timeline --------------------------------------------------------------------------------
def _log(case: Case, *, event: str, key: str, occurred_at, kind: str = Kind.CASE, channel: str = Channel.INTERNAL,
         direction: str = Direction.INTERNAL, handled_by=None, subject: str = "", text: str = "",
         outcome: str = "") -> None:
    """``outcome`` is a system message code (``service.messages.OUTCOME_*``), stored rendered and as a code."""
    if case.person_id is None and case.organization_id is None:
        return  # the log needs a customer; a case without one has its history on the case only
    outcome_msg = messages.message(outcome) if outcome else None
    log_interaction(
        actor=None, channel=channel, kind=kind, person=case.person, organization=case.organization,
        occurred_at=occurred_at, direction=direction, handled_by=handled_by,
        subject=(subject or f"{case.number} {case.subject}")[:200], text=text[:4000],
        outcome=messages.render(outcome_msg)[:60], source=SOURCE, external_id=f"case:{case.pk}:{key}",
        payload={"case": case.pk, "event": event, **(messages.stored(outcome=outcome_msg) if outcome_msg else {})},
    )


def _event(case: Case, *, actor, now, message: dict, data: dict, kind: str = MessageKind.EVENT, note: str = "",
           note_message: dict | None = None) -> CaseMessage:
    """A system event on the thread: ``message`` (a system message) and the agent's ``note`` as typed.

    ``body`` keeps the text in the writer's language (search, mail, old clients); readers see
    ``CaseMessage.body_display`` in their own language.
    """
    note = messages.render(note_message, note) if note_message else note
    text = messages.render(message)
    stored = {"body": message, **({"note": note_message} if note_message else {})}
    return CaseMessage.objects.create(
        case=case, kind=kind, channel=Channel.INTERNAL, author=actor, body=f"{text}\n\n{note}" if note else text,
        occurred_at=now, data={**data, "note": note, **messages.stored(**stored)},
    )


# --- opening -------------------------------------------------------------------------------------
@transaction.atomic
def case_create(
    *,
    actor,
    subject: str,
    body: str = "",
    kind: str = CaseKind.INQUIRY,
    channel: str = Channel.EMAIL,
    priority: str = CasePriority.NORMAL,
    person: Person | None = None,
    organization: Organization | None = None,
    queue: Queue | None = None,
    assignee: User | None = None,
    customer_email: str = "",
    now: dt.datetime | None = None,
    message_id: str | None = None,
    from_email: str = "",
    to_email: str = "",
    in_reply_to: str = "",
    references: str = "",
) -> Case:
    """Open a case with the customer's first message (``body``) and route it (rules, queue mode).

    ``queue``/``assignee`` given → no routing. The system (``actor=None``) opens cases from mail and the web form.
    """
    ensure_can_work(actor)
    now = now or timezone.now()
    subject = _subject(subject)
    kind = _choice(kind, CaseKind, "kind")
    channel = _choice(channel, Channel, "channel")
    priority = _choice(priority, CasePriority, "priority")
    assignee = _agent(assignee)
    if customer_email:
        from tillit.people.services import clean_email

        customer_email = clean_email(customer_email, field="customer_email")
    if person is None and organization is None and not customer_email:
        raise ValidationError(_("Name the customer: a person, an organisation or an email address."), field="person")
    if organization is None and person is not None:
        from tillit.people.services import person_main_affiliation

        main = person_main_affiliation(person)
        organization = main.organization if main else None
    case = Case(
        subject=subject, kind=kind, channel=channel, priority=priority, person=person, organization=organization,
        customer_email=(customer_email or (person.primary_email if person else ""))[:254],
        opened_at=now, last_message_at=now, created_by=actor, status=CaseStatus.NEW,
    )
    _ensure_customer_visible(actor, case)
    rule = None
    if queue is None and assignee is None:
        queue, assignee, rule = assignment.route(case)
    elif assignee is None and queue.assignment_mode == AssignmentMode.ROUND_ROBIN:
        assignee = assignment.next_round_robin_agent(queue)
    case.queue, case.assignee = queue, assignee
    if assignee is not None:
        case.status = CaseStatus.OPEN
    case.number = next_case_number(now)
    case.save(force_insert=True)
    CaseMessage.objects.create(
        case=case, kind=MessageKind.CUSTOMER, channel=channel, author=actor if actor and actor.pk else None,
        from_email=from_email or case.customer_email, to_email=to_email[:1000], subject=subject[:300],
        body=body, message_id=message_id, in_reply_to=in_reply_to[:250], references=references, occurred_at=now,
    )
    if rule is not None or assignee is not None:
        routed = messages.message(codes.ROUTED, target=str(assignee or queue), rule=rule.name if rule else "")
        _event(case, actor=None, now=now, message=routed, data={
            "rule": rule.pk if rule else None, "queue": queue.pk if queue else None,
            "assignee": assignee.pk if assignee else None})
    _log(case, event="opened", key="opened", occurred_at=now, kind=Kind.EMAIL_RECEIVED if channel == Channel.EMAIL
         else Kind.CASE, channel=channel, direction=Direction.INBOUND, subject=f"{case.number} {subject}",
         text=body, outcome=codes.OUTCOME_OPENED, handled_by=actor if actor and actor.pk else None)
    sla.on_case_opened(case, now=now)
    return case


# --- customer messages (mail, web form) --------------------------------------------------------
@transaction.atomic
def case_add_customer_message(*, case: Case, body: str, channel: str = Channel.EMAIL, subject: str = "",
                              from_email: str = "", to_email: str = "", message_id: str | None = None,
                              in_reply_to: str = "", references: str = "", now=None,
                              automatic: bool = False) -> CaseMessage:
    """The customer wrote again: the message joins the thread; a waiting or resolved case opens again.

    ``automatic`` (an out-of-office or other auto-reply) joins the thread but changes nothing else.
    """
    now = now or timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    message = CaseMessage.objects.create(
        case=case, kind=MessageKind.CUSTOMER, channel=channel, from_email=from_email[:254], to_email=to_email[:1000],
        subject=" ".join(subject.split())[:300], body=body, message_id=message_id, in_reply_to=in_reply_to[:250],
        references=references, occurred_at=now,
    )
    old_status, old_priority = case.status, case.priority
    case.last_message_at = now
    fields = ["last_message_at"]
    if from_email and not automatic:
        case.customer_email = from_email[:254]
        fields.append("customer_email")
    if case.status in (CaseStatus.WAITING, CaseStatus.RESOLVED) and not automatic:
        case.status = CaseStatus.OPEN
        case.resolved_at = None
        fields += ["status", "resolved_at"]
    save_versioned(case, expected_version=None, update_fields=fields)
    _log(case, event="customer_replied", key=f"msg:{message.pk}", occurred_at=now,
         kind=Kind.EMAIL_RECEIVED if channel == Channel.EMAIL else Kind.CASE, channel=channel,
         direction=Direction.INBOUND, subject=subject or case.subject, text=body,
         outcome=codes.OUTCOME_CUSTOMER_REPLIED)
    if case.status != old_status:
        if old_status == CaseStatus.RESOLVED:
            _event(case, actor=None, now=now, message=messages.message(codes.REOPENED_BY_CUSTOMER),
                   data={"status": case.status, "from_status": old_status})
            _log(case, event="reopened", key=f"reopened:{message.pk}", occurred_at=now,
                 outcome=codes.OUTCOME_REOPENED)
        sla.on_case_changed(case, now=now, old_status=old_status, old_priority=old_priority)
    message.case = case
    return message


# --- assignment ----------------------------------------------------------------------------------
def _locked(case: Case, expected_version: int | None) -> Case:
    fresh = Case.objects.select_for_update(of=("self",)).select_related("person", "organization").get(pk=case.pk)
    if expected_version is not None and fresh.version != expected_version:
        save_versioned(fresh, expected_version=expected_version, update_fields=[])  # raises Conflict
    return fresh


@transaction.atomic
def case_assign(*, actor, case: Case, queue: Queue | None = None, assignee: User | None = None, note: str = "",
                expected_version: int | None = None, now=None, escalated: bool = False,
                note_message: dict | None = None) -> Case:
    """Hand the case over to another agent and/or queue with a note; the note stays on the thread.

    ``queue=None`` keeps the queue; ``assignee=None`` leaves the case unassigned in its (new) queue.
    ``escalated=True`` (from ``escalation``) marks the handover as an escalation on the thread; the
    escalation itself writes the timeline entry, so this does not log a second one. ``note_message`` (a
    system message) is a note Tillit wrote — the escalation's breach text — shown in the reader's language.
    """
    ensure_can_work(actor)
    now = now or timezone.now()
    locked = _locked(case, expected_version)
    _ensure_customer_visible(actor, locked)
    assignee = _agent(assignee)
    old = {"queue": locked.queue_id, "assignee": locked.assignee_id}
    if queue is not None:
        locked.queue = queue
    locked.assignee = assignee
    old_status = locked.status
    if assignee is not None and locked.status == CaseStatus.NEW:
        locked.status = CaseStatus.OPEN
    save_versioned(locked, expected_version=None, update_fields=["queue", "assignee", "status"])
    note = (note or "").strip()
    target = assignee or locked.queue
    handover = messages.message(codes.ESCALATED if escalated else codes.HANDED_OVER,
                                target=str(target) if target else "")
    message = _event(locked, actor=actor, now=now, kind=MessageKind.HANDOVER, message=handover, note=note,
                     note_message=note_message,
                     data={"from_queue": old["queue"], "from_assignee": old["assignee"], "to_queue": locked.queue_id,
                           "to_assignee": locked.assignee_id, "escalated": escalated})
    if not escalated:  # an escalation's timeline entry is written by ``escalation`` with the breach
        _log(locked, event="reassigned", key=f"assigned:{message.pk}", occurred_at=now, handled_by=assignee,
             text=note, outcome=codes.OUTCOME_REASSIGNED)
    if locked.status != old_status:
        sla.on_case_changed(locked, now=now, old_status=old_status, old_priority=locked.priority)
    _copy(locked, case)
    return case


def case_take(*, actor, case: Case, expected_version: int | None = None, now=None) -> Case:
    """The agent takes the case (from the inbox's "Take" button)."""
    if actor is None or not can_work_cases(actor):
        raise AccessDenied(_("Only the service team can change cases."))
    return case_assign(actor=actor, case=case, assignee=actor, expected_version=expected_version, now=now,
                       note="")


def _copy(source: Case, target: Case) -> None:
    if source is target:
        return
    for field in Case._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    for name in ("person", "organization", "queue", "assignee"):
        if name in source._state.fields_cache:
            setattr(target, name, getattr(source, name))


# --- priority and status -------------------------------------------------------------------------
@transaction.atomic
def case_set_priority(*, actor, case: Case, priority: str, note: str = "", expected_version: int | None = None,
                      now=None, note_message: dict | None = None) -> Case:
    ensure_can_work(actor)
    now = now or timezone.now()
    priority = _choice(priority, CasePriority, "priority")
    locked = _locked(case, expected_version)
    _ensure_customer_visible(actor, locked)
    if locked.priority == priority:
        _copy(locked, case)
        return case
    old_priority = locked.priority
    locked.priority = priority
    save_versioned(locked, expected_version=None, update_fields=["priority"])
    _event(locked, actor=actor, now=now, message=messages.message(codes.PRIORITY_CHANGED, old=old_priority,
                                                                  new=priority),
           note=(note or "").strip(), note_message=note_message,
           data={"priority": priority, "from_priority": old_priority})
    sla.on_case_changed(locked, now=now, old_status=locked.status, old_priority=old_priority)
    _copy(locked, case)
    return case


STATUS_EVENT = {CaseStatus.RESOLVED: "resolved", CaseStatus.CLOSED: "closed", CaseStatus.WAITING: "waiting",
                CaseStatus.OPEN: "opened", CaseStatus.NEW: "opened"}


def _apply_status(actor, locked: Case, status: str, now, note: str = "") -> None:
    """Change the status of a locked case: timestamps, thread event, timeline, SLA hook, CSAT."""
    old_status = locked.status
    if status == old_status:
        return
    if status == CaseStatus.NEW:
        raise ValidationError(_("A case cannot go back to new."), field="status")
    locked.status = status
    if status == CaseStatus.RESOLVED:
        locked.resolved_at = now
    elif status == CaseStatus.CLOSED:
        locked.closed_at = now
        locked.resolved_at = locked.resolved_at or now
    elif status in OPEN_STATUSES:
        locked.resolved_at = None
        locked.closed_at = None
    save_versioned(locked, expected_version=None, update_fields=["status", "resolved_at", "closed_at"])
    reopened = old_status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and status in OPEN_STATUSES
    event = "reopened" if reopened else STATUS_EVENT[status]
    message = _event(locked, actor=actor, now=now, message=messages.message(codes.STATUS_CHANGED, old=old_status,
                                                                            new=status),
                     note=(note or "").strip(), data={"status": status, "from_status": old_status})
    if event in ("resolved", "reopened", "closed"):
        _log(locked, event=event, key=f"{event}:{message.pk}", occurred_at=now,
             handled_by=actor if actor and actor.pk else None, text=note,
             outcome={"resolved": codes.OUTCOME_RESOLVED, "reopened": codes.OUTCOME_REOPENED,
                      "closed": codes.OUTCOME_CLOSED}[event])
    sla.on_case_changed(locked, now=now, old_status=old_status, old_priority=locked.priority)
    if status == CaseStatus.RESOLVED:
        surveys.on_case_resolved(locked, actor=actor, now=now)


@transaction.atomic
def case_set_status(*, actor, case: Case, status: str, note: str = "", expected_version: int | None = None,
                    now=None) -> Case:
    """Resolve, close, reopen or set waiting (for the customer)."""
    ensure_can_work(actor)
    now = now or timezone.now()
    status = _choice(status, CaseStatus, "status")
    locked = _locked(case, expected_version)
    _ensure_customer_visible(actor, locked)
    _apply_status(actor, locked, status, now, note)
    _copy(locked, case)
    return case


@transaction.atomic
def case_update(*, actor, case: Case, expected_version: int | None = None, now=None, **fields) -> Case:
    """The API's PATCH: any of status, priority, queue, assignee (+ note) under one version check."""
    ensure_can_work(actor)
    unknown = set(fields) - {"status", "priority", "queue", "assignee", "note"}
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    now = now or timezone.now()
    locked = _locked(case, expected_version)
    note = fields.get("note") or ""
    if "queue" in fields or "assignee" in fields:
        case_assign(actor=actor, case=locked, queue=fields.get("queue"),
                    assignee=fields.get("assignee", locked.assignee), note=note, now=now)
    if fields.get("priority"):
        case_set_priority(actor=actor, case=locked, priority=fields["priority"], now=now)
    if fields.get("status"):
        case_set_status(actor=actor, case=locked, status=fields["status"], now=now)
    _copy(locked, case)
    return case


# --- replies and notes ---------------------------------------------------------------------------
def case_reply(*, actor, case: Case, body: str, status: str = "", expected_version: int | None = None,
               now=None, send: bool = True) -> CaseMessage:
    """An agent answers the customer by email; optionally set the case waiting or resolved.

    The message, the status change and the interaction commit together; the mail goes out after the
    commit (``outbound.send_reply``) and a failure is recorded on the message.
    """
    from tillit.service import outbound

    with transaction.atomic():
        message = _reply(actor=actor, case=case, body=body, status=status, expected_version=expected_version,
                         now=now)
    if send:
        outbound.send_reply(message)
    return message


def _reply(*, actor, case: Case, body: str, status: str, expected_version, now) -> CaseMessage:
    ensure_can_work(actor)
    if actor is None:
        raise AccessDenied(_("Only the service team can change cases."))
    now = now or timezone.now()
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write the reply."), field="body")
    if status and status not in (CaseStatus.WAITING, CaseStatus.RESOLVED, CaseStatus.OPEN):
        raise ValidationError(_("After a reply the case can be open, waiting or resolved."), field="status")
    locked = _locked(case, expected_version)
    _ensure_customer_visible(actor, locked)
    if not locked.customer_email:
        raise ValidationError(_("This case has no customer email address to reply to."), field="body")
    from tillit.service import outbound

    last = locked.messages.filter(kind=MessageKind.CUSTOMER).exclude(message_id=None).order_by("-occurred_at",
                                                                                               "-id").first()
    message = CaseMessage.objects.create(
        case=locked, kind=MessageKind.REPLY, channel=Channel.EMAIL, author=actor, from_email=outbound.from_address(),
        to_email=locked.customer_email, subject=outbound.reply_subject(locked), body=body,
        message_id=outbound.new_message_id(), in_reply_to=last.message_id if last else "",
        references=outbound.references_for(last), occurred_at=now,
    )
    old_status = locked.status
    first = locked.first_response_at is None
    locked.last_message_at = now
    fields = ["last_message_at"]
    if first:
        locked.first_response_at = now
        fields.append("first_response_at")
    if locked.assignee_id is None:
        locked.assignee = actor
        fields.append("assignee")
    if locked.status == CaseStatus.NEW:
        locked.status = CaseStatus.OPEN
        fields.append("status")
    save_versioned(locked, expected_version=None, update_fields=fields)
    _log(locked, event="replied", key=f"msg:{message.pk}", occurred_at=now, kind=Kind.EMAIL_SENT,
         channel=Channel.EMAIL, direction=Direction.OUTBOUND, handled_by=actor, subject=message.subject,
         text=body, outcome=codes.OUTCOME_REPLIED)
    if first:
        sla.on_first_response(locked, now=now)
    if locked.status != old_status:
        sla.on_case_changed(locked, now=now, old_status=old_status, old_priority=locked.priority)
    if status:
        _apply_status(actor, locked, status, now)
    _copy(locked, case)
    message.case = case
    return message


@transaction.atomic
def case_add_note(*, actor, case: Case, body: str, now=None) -> CaseMessage:
    """An internal note: on the thread for colleagues, never emailed, not on the customer's timeline."""
    ensure_can_work(actor)
    if actor is None:
        raise AccessDenied(_("Only the service team can change cases."))
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write the note."), field="body")
    _ensure_customer_visible(actor, case)
    return CaseMessage.objects.create(case=case, kind=MessageKind.NOTE, channel=Channel.INTERNAL, author=actor,
                                      body=body, occurred_at=now or timezone.now())


def case_notify(case: Case, *, recipients: Sequence[User], subject: str, body: str, now=None,
                message: dict | None = None) -> int:
    """Tell employees about a case (escalation warnings): one email each with a link; returns the count sent.

    Recorded on the thread as an event so the next agent sees who was told what; ``message`` (a system
    message rendering as subject and body) lets each reader see that event in their own language, and each
    recipient gets the mail in theirs (their language and time zone, else the company's).
    """
    from django.conf import settings
    from django.utils import translation

    from tillit.service import outbound

    now = now or timezone.now()
    if message is None:
        sent = outbound.send_notice(case, recipients=recipients, subject=subject, body=body)
    else:
        sent = 0
        for user in recipients:
            with translation.override(user.language or settings.LANGUAGE_CODE), \
                    timezone.override(user.time_zone or settings.TIME_ZONE):
                own_subject, _blank, own_body = messages.render(message).partition("\n\n")
                sent += outbound.send_notice(case, recipients=[user], subject=own_subject, body=own_body)
    data = {"notified": [u.pk for u in recipients], "sent": sent}
    if message is not None:
        _event(case, actor=None, now=now, message=message, data=data)
    else:
        CaseMessage.objects.create(case=case, kind=MessageKind.EVENT, channel=Channel.INTERNAL,
                                   body=f"{subject}\n\n{body}".strip(), occurred_at=now, data=data)
    return sent
