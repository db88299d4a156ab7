"""Service on the customer card (see ``tillit.card.panels``): open cases with status, priority and SLA clock."""

from __future__ import annotations

from tillit.service import selectors, services
from tillit.service.models import OPEN_STATUSES, Case

CARD_LIMIT = 5


def probes(*, person_id=None, organization_id=None) -> dict:
    """Any case of the customer at all, whoever may see it (``tillit.card.panels`` asks before the panel)."""
    party = {"person_id": person_id} if person_id is not None else {"organization_id": organization_id}
    return {"cases": Case.objects.filter(**party)}


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
    return {
        "template": "service/_card_cases.html", "cases": rows[:CARD_LIMIT], "more": len(rows) > CARD_LIMIT,
        "total": total, "person": person, "organization": organization,
        "can_open": services.can_work_cases(actor),
    }
