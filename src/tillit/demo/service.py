"""Service demo data for Nordlys Varme AS: queues, rules and about 60 cases with their threads.

``build(builder, say)`` runs after the people, the log and the sales data are written (see
``tillit.demo.generator``); ``tillit.demo.service_sla`` adds the SLA clocks afterwards.
Deterministic for a seed and a day (everything comes from ``builder.rng`` and ``builder.now``),
written with ``bulk_create``. The timeline interactions use the services' ``external_id`` and
``payload`` shapes, so the card links them to the cases.

- Queues "Support" (round-robin) and "Returns" (manual) with mette and johan; two rules.
- Cases over the last four months from email, the web form and phone, in every state: old ones
  closed or resolved, recent ones new, open or waiting for the customer; some were handed over.
- Kari Bråthen (the showcase customer) has an open complaint about her heat pump, handed from
  johan to mette with a note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q

from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.service.models import (
    AssignmentMode,
    AssignmentRule,
    Case,
    CaseCounter,
    CaseKind,
    CaseMessage,
    CasePriority,
    CaseStatus,
    InboundEmail,
    MessageKind,
    Queue,
    QueueMember,
)

SOURCE = "service"
N_CASES = 60
SUPPORT, RETURNS = "Support", "Returns"

TOPICS = {
    CaseKind.COMPLAINT: [
        ("The heat pump is noisy at night", "It hums loudly from about 2 am. The bedroom is right above it."),
        ("Installer left a mess", "There is insulation and packaging all over the garden after the installation."),
        ("Invoice is higher than the quote", "The quote said 89 900 kr but the invoice says 94 300 kr. Why?"),
        ("Solar panels produce less than promised", "The app shows about half of the estimate for May."),
    ],
    CaseKind.RETURN: [
        ("Return of unused thermostat", "We ordered two thermostats but only need one. How do I send it back?"),
        ("Wrong filter size delivered", "The filters you sent do not fit our ventilation unit. Can I exchange them?"),
        ("Broken remote control on arrival", "The remote was cracked when the parcel arrived."),
    ],
    CaseKind.QUESTION: [
        ("How often should the filter be changed?", "The manual is unclear. Every three or six months?"),
        ("Can I control the heat pump from my phone?", "Is there an app for the model you installed last year?"),
        ("Error code E5 on the display", "The outdoor unit shows E5 and the house is getting cold."),
        ("Service agreement renewal", "Our service agreement runs out next month. What are the options?"),
    ],
    CaseKind.INQUIRY: [
        ("Quote for a second heat pump", "We are building an extension and want a quote for one more unit."),
        ("Battery storage for our solar system", "Can we add a battery to the panels you installed?"),
        ("Moving house — can the agreement move too?", "We move in August. Can the service agreement follow us?"),
    ],
    CaseKind.SUGGESTION: [
        ("Suggestion: SMS before the technician arrives", "It would help if the technician sent an SMS first."),
        ("Suggestion: yearly energy report", "A short yearly report of what the heat pump saved would be great."),
    ],
}
REPLIES = [
    "Thank you for getting in touch. We have looked at this and will get back to you shortly.",
    "Thanks — could you send a photo of the display and the serial number on the outdoor unit?",
    "We have booked a technician; you will get a confirmation with the time by email.",
    "This is sorted now: we have sent a corrected invoice and a return label.",
    "Good question! Every three months in the heating season; we have sent you the short guide.",
]
FOLLOW_UPS = ["Thanks, here is the photo.", "Thursday suits us fine.", "That worked, thank you!",
              "Sorry, it is still the same.", "Great, we will wait for the technician."]
NOTES = ["Checked the order: delivered in March, still under warranty.", "Called the customer, no answer.",
         "Installer confirms the unit was mounted without rubber feet."]
CHANNELS = [Channel.EMAIL] * 5 + [Channel.WEB] * 3 + [Channel.PHONE] * 2


def _status_for(age_days: int, rng) -> str:
    if age_days > 45:
        return rng.choice([CaseStatus.CLOSED] * 3 + [CaseStatus.RESOLVED])
    if age_days > 14:
        return rng.choice([CaseStatus.RESOLVED] * 3 + [CaseStatus.CLOSED, CaseStatus.WAITING, CaseStatus.OPEN])
    return rng.choice([CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.OPEN, CaseStatus.WAITING, CaseStatus.RESOLVED])


def _queues(builder) -> dict[str, Queue]:
    mette, johan = builder.users.get("mette"), builder.users.get("johan")
    queues = {}
    for name, mode, default, description in (
        (SUPPORT, AssignmentMode.ROUND_ROBIN, True, "Questions, faults and complaints"),
        (RETURNS, AssignmentMode.MANUAL, False, "Returns, exchanges and refunds"),
    ):
        queue, _created = Queue.objects.get_or_create(
            name=name, defaults={"assignment_mode": mode, "is_default": default, "description": description})
        queues[name] = queue
        for user in (mette, johan):
            if user is not None:
                QueueMember.objects.get_or_create(queue=queue, user=user)
    AssignmentRule.objects.get_or_create(name="Returns to the Returns queue",
                                         defaults={"position": 1, "kind": CaseKind.RETURN, "queue": queues[RETURNS]})
    AssignmentRule.objects.get_or_create(name="Refunds to the Returns queue",
                                         defaults={"position": 2, "keyword": "refund", "queue": queues[RETURNS]})
    return queues


def _numbers(opened: list[dt.datetime]) -> list[str]:
    """Case numbers in opening order per year, after whatever the counters already handed out."""
    by_year: dict[int, int] = {}
    for year in sorted({o.year for o in opened}):
        counter, _created = CaseCounter.objects.get_or_create(year=year)
        by_year[year] = counter.last
    numbers = []
    for when in opened:
        by_year[when.year] += 1
        numbers.append(f"C-{when.year}-{by_year[when.year]:05d}")
    for year, last in by_year.items():
        CaseCounter.objects.filter(year=year).update(last=last)
    return numbers


def build(builder, say) -> dict[str, int]:
    rng = builder.rng
    now = builder.now
    mette, johan = builder.users.get("mette"), builder.users.get("johan")
    agents = [a for a in (mette, johan) if a is not None]
    if not agents or not builder.plans:
        return {}
    queues = _queues(builder)
    showcase = next((p.person for p in builder.plans if p.is_showcase), builder.plans[0].person)
    candidates = [p for p in builder.plans if not p.is_duplicate and p.person.primary_email]

    specs = []
    for i in range(N_CASES):
        plan = rng.choice(candidates)
        age = int(rng.random() ** 1.6 * 120)  # more recent cases than old ones
        opened = now - dt.timedelta(days=age, hours=rng.randint(0, 9), minutes=rng.randint(0, 59)) \
            + dt.timedelta(hours=7)
        kind = rng.choice(list(TOPICS))
        subject, body = rng.choice(TOPICS[kind])
        specs.append({
            "person": plan.person, "organization": plan.organization, "opened": min(opened, now - dt.timedelta(
                minutes=20 + i)), "kind": kind, "subject": subject, "body": body, "channel": rng.choice(CHANNELS),
            "priority": rng.choice([CasePriority.LOW] + [CasePriority.NORMAL] * 5 + [CasePriority.HIGH] * 2
                                   + [CasePriority.URGENT]),
            "status": _status_for(age, rng), "handover": rng.random() < 0.2,
        })
    # Kari Bråthen: an open complaint, handed over from johan to mette.
    specs.append({"person": showcase, "organization": None, "opened": now - dt.timedelta(days=2, hours=3),
                  "kind": CaseKind.COMPLAINT, "subject": "The heat pump is noisy at night",
                  "body": "Since the service visit the outdoor unit hums all night. The neighbours have noticed too.",
                  "channel": Channel.EMAIL, "priority": CasePriority.HIGH, "status": CaseStatus.OPEN,
                  "handover": True, "showcase": True})
    specs.sort(key=lambda s: s["opened"])
    numbers = _numbers([s["opened"] for s in specs])

    cases = []
    for spec, number in zip(specs, numbers, strict=True):
        queue = queues[RETURNS] if spec["kind"] == CaseKind.RETURN else queues[SUPPORT]
        status = spec["status"]
        assignee = None if status == CaseStatus.NEW else rng.choice(agents)
        if spec.get("showcase"):
            assignee = mette or agents[0]
        opened = spec["opened"]
        first = opened + dt.timedelta(minutes=rng.randint(20, 60 * 30)) if status != CaseStatus.NEW else None
        first = min(first, now - dt.timedelta(minutes=5)) if first else None
        done = first + dt.timedelta(hours=rng.randint(2, 24 * 6)) if first and status in (
            CaseStatus.RESOLVED, CaseStatus.CLOSED) else None
        done = min(done, now - dt.timedelta(minutes=2)) if done else None
        cases.append(Case(
            number=number, subject=spec["subject"], kind=spec["kind"], channel=spec["channel"], status=status,
            priority=spec["priority"], person=spec["person"], organization=spec["organization"],
            customer_email=spec["person"].primary_email, queue=queue, assignee=assignee, opened_at=opened,
            first_response_at=first, resolved_at=done, last_message_at=done or first or opened,
            closed_at=done + dt.timedelta(days=3) if done and status == CaseStatus.CLOSED and
            done + dt.timedelta(days=3) < now else (done if status == CaseStatus.CLOSED else None),
        ))
    Case.objects.bulk_create(cases)

    messages, handovers = [], 0
    for case, spec in zip(cases, specs, strict=True):
        email = case.channel == Channel.EMAIL
        messages.append(CaseMessage(
            case=case, kind=MessageKind.CUSTOMER, channel=case.channel, from_email=case.customer_email,
            subject=case.subject, body=spec["body"], occurred_at=case.opened_at,
            message_id=f"demo-{case.number}-0@customer.example" if email else None))
        if spec["handover"] and case.assignee is not None and len(agents) > 1:
            other = johan if case.assignee == mette else mette
            at = case.opened_at + dt.timedelta(minutes=15)
            note = ("Customer is upset; the unit was serviced last week. Please call her today." if spec.get(
                "showcase") else "Handing over while I am away; the customer expects a call back.")
            messages.append(CaseMessage(
                case=case, kind=MessageKind.HANDOVER, channel=Channel.INTERNAL, author=other, occurred_at=at,
                body=f"Handed over to {case.assignee}.\n\n{note}",
                data={"from_assignee": other.pk, "to_assignee": case.assignee_id, "to_queue": case.queue_id,
                      "note": note}))
            handovers += 1
        if case.first_response_at:
            if rng.random() < 0.3:
                messages.append(CaseMessage(case=case, kind=MessageKind.NOTE, channel=Channel.INTERNAL,
                                            author=case.assignee, body=rng.choice(NOTES),
                                            occurred_at=case.first_response_at - dt.timedelta(minutes=5)))
            messages.append(CaseMessage(
                case=case, kind=MessageKind.REPLY, channel=Channel.EMAIL, author=case.assignee,
                from_email="service@nordlys.example", to_email=case.customer_email, subject=f"Re: {case.subject} "
                f"[{case.number}]", body=rng.choice(REPLIES), occurred_at=case.first_response_at,
                message_id=f"demo-{case.number}-1@nordlys.example",
                in_reply_to=f"demo-{case.number}-0@customer.example" if email else ""))
            if case.status in (CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED) and rng.random() < 0.5:
                at = case.first_response_at + dt.timedelta(hours=rng.randint(1, 20))
                if at < (case.resolved_at or now):
                    messages.append(CaseMessage(
                        case=case, kind=MessageKind.CUSTOMER, channel=Channel.EMAIL, from_email=case.customer_email,
                        subject=f"Re: {case.subject} [{case.number}]", body=rng.choice(FOLLOW_UPS), occurred_at=at,
                        message_id=f"demo-{case.number}-2@customer.example",
                        in_reply_to=f"demo-{case.number}-1@nordlys.example"))
        if case.resolved_at:
            messages.append(CaseMessage(case=case, kind=MessageKind.EVENT, channel=Channel.INTERNAL,
                                        author=case.assignee, occurred_at=case.resolved_at,
                                        body="Status Open → Resolved.", data={"status": CaseStatus.RESOLVED}))
    CaseMessage.objects.bulk_create(messages, batch_size=500)

    interactions = []
    for message in messages:
        case = message.case
        event, kind, channel, direction = None, Kind.CASE, Channel.INTERNAL, Direction.INTERNAL
        if message.kind == MessageKind.CUSTOMER and message.occurred_at == case.opened_at:
            event, key = "opened", "opened"
            kind = Kind.EMAIL_RECEIVED if case.channel == Channel.EMAIL else Kind.CASE
            channel, direction = case.channel, Direction.INBOUND
        elif message.kind == MessageKind.CUSTOMER:
            event, key, kind, channel, direction = ("customer_replied", f"msg:{message.pk}", Kind.EMAIL_RECEIVED,
                                                    Channel.EMAIL, Direction.INBOUND)
        elif message.kind == MessageKind.REPLY:
            event, key, kind, channel, direction = ("replied", f"msg:{message.pk}", Kind.EMAIL_SENT, Channel.EMAIL,
                                                    Direction.OUTBOUND)
        elif message.kind == MessageKind.HANDOVER:
            event, key = "reassigned", f"assigned:{message.pk}"
        elif message.kind == MessageKind.EVENT:
            event, key = "resolved", f"resolved:{message.pk}"
        if event is None:
            continue
        interactions.append(Interaction(
            person=case.person, organization=case.organization, channel=channel, kind=kind, direction=direction,
            occurred_at=message.occurred_at, handled_by=message.author if message.kind != MessageKind.CUSTOMER
            else None, subject=f"{case.number} {case.subject}"[:200], text=message.body[:4000], source=SOURCE,
            external_id=f"case:{case.pk}:{key}", payload={"case": case.pk, "event": event},
        ))
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    by_status = defaultdict(int)
    for case in cases:
        by_status[case.status] += 1
    say("Service: " + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items())))
    return {"cases": len(cases), "case_messages": len(messages), "handovers": handovers, "queues": len(queues)}


def delete(*, persons, organizations) -> None:
    """Remove the demo customers' cases (threads, attachments, inbound log rows); queues stay if still used."""
    cases = Case.objects.filter(Q(person__in=persons) | Q(organization__in=organizations))
    InboundEmail.objects.filter(case__in=cases).delete()
    CaseMessage.objects.filter(case__in=cases).delete()
    cases.delete()
    # Wind the counters back to the highest number still in use, so a reloaded demo gets the same numbers.
    for counter in CaseCounter.objects.all():
        numbers = Case.objects.filter(number__startswith=f"C-{counter.year}-").values_list("number", flat=True)
        counter.last = max((int(n.rsplit("-", 1)[1]) for n in numbers), default=0)
        counter.save(update_fields=["last"])
    AssignmentRule.objects.filter(name__in=["Returns to the Returns queue", "Refunds to the Returns queue"]).delete()
    Queue.objects.filter(name__in=[SUPPORT, RETURNS], cases__isnull=True).delete()
