"""The SLA sweep: warnings before a due time, breaches at it, and the policy's escalation.

Run by the background worker (``service.tasks.sla_sweep``, periodic). Idempotent: a warning is sent
once per target (``warned_at``), a breach is recorded once per case, target and due time (unique
``SlaBreach``), and the escalation only runs when that breach row is created. Each clock is handled
in its own transaction under a row lock, so two workers never escalate the same case twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tillit.accounts.models import Role, User
from tillit.interactions import messages
from tillit.interactions.models import Channel, Kind
from tillit.interactions.services import log_interaction
from tillit.service import messages as codes
from tillit.service import sla
from tillit.service.models_sla import CaseSla, SlaBreach, SlaMetric

OPEN_STATUSES = ("new", "open", "waiting")
PRIORITY_UP = {"low": "normal", "normal": "high", "high": "urgent"}
# Bound the work of one run; the next run picks up the rest.
BATCH = 500


def recipients_for(case) -> list[User]:
    """Who hears about a case's SLA: the assignee and the members of its queue (else the service team)."""
    users = {}
    if case.assignee_id and case.assignee.is_active:
        users[case.assignee_id] = case.assignee
    if case.queue_id:
        for user in case.queue.members.filter(is_active=True):
            users[user.pk] = user
    if not users:
        for user in User.objects.filter(is_active=True, role__in=[Role.SERVICE]).order_by("pk")[:20]:
            users[user.pk] = user
    return list(users.values())


def breach_message(case, record: SlaBreach, code: str = codes.BREACH_TEXT) -> dict:
    """The breach as a system message: each reader sees the metric and due time in their language and zone."""
    return messages.message(code, metric=record.metric, number=case.number, subject=case.subject,
                            due=codes.due(record.due_at))


def breach_text(case, record: SlaBreach) -> str:
    return messages.render(breach_message(case, record))


def log_breach(case, record: SlaBreach, *, escalated: bool = False) -> None:
    """The breach on the customer's timeline, once per case, target and due time (a stable external id).

    Every breach has outcome ``sla_breached`` — whether the sweep caught it or the target was answered late —
    so the timeline and reports count them alike; ``payload["escalated"]`` says whether the policy moved the
    case or raised its priority. Warnings stay internal (mail and a note on the thread).
    """
    if case.person_id is None and case.organization_id is None:
        return
    log_interaction(
        actor=None, channel=Channel.INTERNAL, kind=Kind.CASE, person=case.person, organization=case.organization,
        occurred_at=record.breached_at, direction="internal", subject=f"{case.number} {case.subject}"[:200],
        outcome="sla_breached", text=breach_text(case, record)[:4000], source="service",
        external_id=f"case:{case.pk}:sla:{record.metric}:{record.due_at.astimezone(dt.UTC).isoformat()}",
        payload={"case": case.pk, "event": "sla_breached", "metric": record.metric, "escalated": escalated,
                 **messages.stored(text=breach_message(case, record))},
    )


def _due_clocks(now: dt.datetime):
    running = Q(paused_at__isnull=True, case__status__in=OPEN_STATUSES)
    overdue = Q(first_response_due_at__lte=now, first_response_breached=False, first_response_seconds__isnull=True) | Q(
        resolution_due_at__lte=now, resolution_breached=False, resolution_seconds__isnull=True
    )
    return CaseSla.objects.filter(running & overdue).order_by("next_due_at").values_list("pk", flat=True)[:BATCH]


def _warn_clocks(now: dt.datetime):
    return CaseSla.objects.filter(
        warn_at__lte=now, warned_at__isnull=True, next_due_at__gt=now, paused_at__isnull=True,
        case__status__in=OPEN_STATUSES,
    ).order_by("warn_at").values_list("pk", flat=True)[:BATCH]


def _lock(pk: int) -> CaseSla | None:
    return (
        CaseSla.objects.select_for_update(of=("self",))
        .select_related("case__person", "case__organization", "case__assignee", "case__queue", "policy__calendar")
        .filter(pk=pk).first()
    )


def warn(pk: int, *, now: dt.datetime) -> bool:
    from tillit.service.services import case_notify

    with transaction.atomic():
        clock = _lock(pk)
        if clock is None or clock.warned_at is not None or clock.warn_at is None or clock.warn_at > now:
            return False
        if clock.next_due_at is None or clock.next_due_at <= now:
            return False
        case = clock.case
        metric = "first_response" if clock.next_due_at == clock.first_response_due_at and \
            sla.first_response_pending(clock) else "resolution"
        warning = messages.message(codes.SLA_WARNING, number=case.number, metric=metric, subject=case.subject,
                                   due=codes.due(clock.next_due_at))
        subject, _blank, body = messages.render(warning).partition("\n\n")
        clock.warned_at = now
        clock.save(update_fields=["warned_at", "updated_at"])
        case_notify(case, recipients=recipients_for(case), subject=subject, body=body, now=now, message=warning)
        return True


def breach(pk: int, *, now: dt.datetime) -> list[SlaBreach]:
    """Record the targets of one clock that are now overdue, and escalate per the policy."""
    with transaction.atomic():
        clock = _lock(pk)
        if clock is None or clock.paused_at is not None or clock.case.status not in OPEN_STATUSES:
            return []
        overdue = []
        if sla.first_response_pending(clock) and not clock.first_response_breached \
                and clock.first_response_due_at <= now:
            clock.first_response_breached = True
            overdue.append((SlaMetric.FIRST_RESPONSE, clock.first_response_due_at))
        if sla.resolution_pending(clock) and not clock.resolution_breached and clock.resolution_due_at <= now:
            clock.resolution_breached = True
            overdue.append((SlaMetric.RESOLUTION, clock.resolution_due_at))
        if not overdue:
            return []
        calendar = sla.calendar_of(clock.policy.calendar) if clock.policy else None
        if calendar is not None:
            sla.refresh(clock, status=clock.case.status, warn_before_minutes=clock.policy.warn_before_minutes,
                        calendar=calendar)
        else:
            clock.state = "breached"
        clock.save()
        recorded = []
        for metric, due in overdue:
            record, created = SlaBreach.objects.get_or_create(
                case_id=clock.case_id, metric=metric, due_at=due, defaults={"breached_at": now, "policy": clock.policy}
            )
            if created:
                record.actions = escalate(clock, record, now=now)
                record.save(update_fields=["actions"])
                recorded.append(record)
        return recorded


def escalate(clock: CaseSla, record: SlaBreach, *, now: dt.datetime) -> list[str]:
    """Do what the policy says at a breach; returns what was done (stored on the breach)."""
    from tillit.service.services import case_assign, case_notify, case_set_priority

    case, policy = clock.case, clock.policy
    actions: list[str] = []
    note = breach_message(case, record)
    text = messages.render(note)
    if policy is not None and policy.notify:
        recipients = recipients_for(case)
        notice = breach_message(case, record, codes.SLA_BREACHED)
        subject, _blank, body = messages.render(notice).partition("\n\n")
        sent = case_notify(case, recipients=recipients, subject=subject, body=body, now=now, message=notice)
        actions.append(f"notified:{sent}")
    if policy is not None and (policy.reassign_to_queue_id or policy.reassign_to_user_id):
        queue, user = policy.reassign_to_queue, policy.reassign_to_user
        if (queue and queue.pk != case.queue_id) or (user and user.pk != case.assignee_id):
            case_assign(actor=None, case=case, queue=queue, assignee=user or (None if queue else case.assignee),
                        note=text, note_message=note, now=now, escalated=True)
            if queue:
                actions.append(f"queue:{queue.pk}")
            if user:
                actions.append(f"assignee:{user.pk}")
    if policy is not None and policy.raise_priority and case.priority in PRIORITY_UP:
        higher = PRIORITY_UP[case.priority]
        case_set_priority(actor=None, case=case, priority=higher, note=text, note_message=note, now=now)
        actions.append(f"priority:{higher}")
    log_breach(case, record, escalated=any(not action.startswith("notified") for action in actions))
    return actions


def sla_sweep(*, now: dt.datetime | None = None) -> dict:
    """Send due warnings and record breaches with their escalation. Safe to run at any time, as often as wanted."""
    now = now or timezone.now()
    warned = sum(warn(pk, now=now) for pk in list(_warn_clocks(now)))
    breaches = [record for pk in list(_due_clocks(now)) for record in breach(pk, now=now)]
    return {"warned": warned, "breached": len(breaches),
            "escalated": sum(1 for b in breaches if any(not a.startswith("notified") for a in b.actions))}
