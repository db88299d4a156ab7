"""Service on the customer card (see ``tillit.card.panels``): open cases with status, priority and SLA clock.

``panel()`` reads the data once, the SLA clock's badge included; the card page renders it with
``service/_card_cases.html`` and the card API serialises it with ``CardServicePanelOut``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from ninja import Schema

from tillit.core.api import PanelUserOut
from tillit.service import selectors, services
from tillit.service.models import OPEN_STATUSES, Case

CARD_LIMIT = 5
KEY = "service"


class CardSlaClockOut(Schema):
    """The case's SLA clock as its badge shows it: ``tone`` ok, warn, bad or idle; ``text`` e.g. "3 h left"."""

    state: str
    tone: str
    text: str
    next_due_at: dt.datetime | None
    first_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None


class CardCaseOut(Schema):
    id: int
    number: str
    subject: str
    status: str
    priority: str
    opened_at: dt.datetime
    assignee: PanelUserOut | None
    sla: CardSlaClockOut | None

    @staticmethod
    def resolve_sla(obj):
        return obj.sla_clock


class CardServicePanelOut(Schema):
    cases: list[CardCaseOut]
    more: bool
    total: int


PanelOut = CardServicePanelOut


def probes(*, person_id=None, organization_id=None) -> dict:
    """Any case of the customer at all, whoever may see it (``tillit.card.panels`` asks before the panel)."""
    party = {"person_id": person_id} if person_id is not None else {"organization_id": organization_id}
    return {"cases": Case.objects.filter(**party)}


def _clock(case: Case, now: dt.datetime, calendars: dict) -> dict | None:
    from tillit.service.sla import clock_display

    try:
        clock = case.sla
    except (ObjectDoesNotExist, AttributeError):
        return None
    badge = clock_display(clock, now=now, cache=calendars)
    if badge is None:
        return None
    return {**badge, "state": clock.state, "next_due_at": clock.next_due_at,
            "first_response_due_at": clock.first_response_due_at, "resolution_due_at": clock.resolution_due_at}


def panel(actor, *, person=None, organization=None, present=None) -> dict | None:
    """Open cases (newest first, at most ``CARD_LIMIT``) and the count of all cases; two queries, none when
    ``present`` (from ``probes``) says the customer has no case at all."""
    if person is None and organization is None:
        return None
    rows, total = [], 0
    if present is None or present.get("cases", True):
        filters = {"person_id": person.pk} if person is not None else {"organization_id": organization.pk}
        cases = selectors.case_list(actor=actor, **filters)
        rows = list(cases.filter(status__in=OPEN_STATUSES).order_by("-opened_at", "-id")[: CARD_LIMIT + 1])
        total = cases.count()
    now, calendars = timezone.now(), {}
    for case in rows[:CARD_LIMIT]:
        case.sla_clock = _clock(case, now, calendars)
    return {
        "template": "service/_card_cases.html", "cases": rows[:CARD_LIMIT], "more": len(rows) > CARD_LIMIT,
        "total": total, "person": person, "organization": organization,
        "can_open": services.can_work_cases(actor),
    }
