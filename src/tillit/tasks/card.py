"""Open tasks on the customer card (see ``tillit.card.panels``) and on the deal page.

The deal page includes ``tasks/_related_tasks.html`` with ``panel=related_panel(user, deal=deal)``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema

from tillit.core.access import ensure_can_see
from tillit.core.api import PanelUserOut
from tillit.core.errors import NotFound
from tillit.tasks import selectors
from tillit.tasks.forms import QuickTaskForm
from tillit.tasks.models import Task

TEMPLATE = "tasks/_related_tasks.html"
KEY = "tasks"


class CardTaskOut(Schema):
    id: int
    title: str
    priority: str
    due_date: dt.date | None
    bucket: str  # "overdue", "today", "upcoming" or "nodate"
    assignee: PanelUserOut
    deal_id: int | None


class CardTasksPanelOut(Schema):
    """The customer's open tasks the caller may see (the card's quick-add form is the page's only)."""

    tasks: list[CardTaskOut]


PanelOut = CardTasksPanelOut


def related_panel(actor, *, person=None, organization=None, deal=None, today=None, tasks=None) -> dict:
    """Open tasks on one record plus the quick-add form; one query (the record is already loaded), none
    when ``tasks`` is given (the card knows from ``probes`` that there are none)."""
    if person is not None:
        target = ("person", person.pk)
    elif organization is not None:
        target = ("organization", organization.pk)
    elif deal is not None:
        target = ("deal", deal.pk)
    else:
        raise ValueError("related_panel needs a person, an organisation or a deal")
    today = today or timezone.localdate()
    if tasks is None:
        tasks = selectors.related_tasks(actor=actor, person=person, organization=organization, deal=deal)
    for task in tasks:
        task.bucket = selectors.due_bucket(task, today)
    return {
        "template": TEMPLATE,
        "tasks": tasks,
        "target_kind": target[0],
        "target_id": target[1],
        "form": QuickTaskForm(initial={target[0]: target[1]}, auto_id=f"qt-{target[0]}-{target[1]}-%s"),
        "today": today,
    }


def probes(*, person_id=None, organization_id=None) -> dict:
    """Any open task on the customer at all, whoever may see it (see ``tillit.card.panels``)."""
    party = {"person_id": person_id} if person_id is not None else {"organization_id": organization_id}
    return {"open": Task.objects.filter(done_at__isnull=True, **party)}


def panel(actor, *, person=None, organization=None, present=None) -> dict | None:
    if person is None and organization is None:
        return None
    none_open = present is not None and not present.get("open", True)
    return related_panel(actor, person=person, organization=organization, tasks=[] if none_open else None)


def resolve_target(actor, *, person_id=None, organization_id=None, deal_id=None) -> dict:
    """The record a quick-added task goes on, if the actor may see it (``NotFound`` otherwise)."""
    if person_id:
        from tillit.people.selectors import person_get

        return {"person": person_get(actor=actor, person_id=person_id)}
    if organization_id:
        from tillit.people.selectors import organization_get

        return {"organization": organization_get(actor=actor, organization_id=organization_id)}
    if deal_id:
        from tillit.sales.models import Deal

        deal = Deal.objects.filter(pk=deal_id).first()
        if deal is None:
            raise NotFound(_("No such deal."))
        ensure_can_see(actor, deal)
        return {"deal": deal}
    return {}
