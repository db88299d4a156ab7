"""Reads of cases and queues, filtered by who may see them.

Administrators and the service role (and anyone whose visibility is "all") see every case; everyone
else sees the cases of customers they can read (``tillit.core.access.party_visibility_q``: owner
scope or a relationship grant, e.g. the customer of their open deal), plus cases assigned to them.
Partners and customers see none staff-side.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from tillit.accounts.models import STAFF_ROLES, User
from tillit.core.access import can_read, party_visibility_q
from tillit.core.errors import NotFound
from tillit.core.search import fold
from tillit.interactions.models import Interaction
from tillit.service.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    AssignmentRule,
    Case,
    CaseMessage,
    CaseStatus,
    InboundEmail,
    Queue,
    QueueMember,
)


def case_visibility_q(user) -> Q | None:
    """``None`` = every case; otherwise the filter for the cases ``user`` may see."""
    if not user.is_authenticated or not user.is_staff_role:
        return Q(pk__in=[])
    person_q = party_visibility_q(user, "person", field="person")
    if person_q is None:
        return None
    org_q = party_visibility_q(user, "organization", field="organization")
    return person_q | org_q | Q(assignee_id=user.pk)


def visible_cases(actor) -> QuerySet[Case]:
    q = case_visibility_q(actor)
    qs = Case.objects.all()
    return qs if q is None else qs.filter(q)


def has_sla_clock() -> bool:
    """Whether the SLA module's ``CaseSla`` (``case.sla``) is installed."""
    try:
        Case._meta.get_field("sla")
    except FieldDoesNotExist:
        return False
    return True


def priority_rank():
    return When_(*[When(priority=p, then=Value(r)) for p, r in PRIORITY_RANK.items()], default=Value(0),
                 output_field=IntegerField())


def urgency_order() -> list:
    """Most urgent first: SLA time left (when the SLA module is in), then priority, then the oldest."""
    order = [F("sla__next_due_at").asc(nulls_last=True)] if has_sla_clock() else []
    return [*order, F("priority_rank").desc(), "opened_at", "id"]


def _with_lists(qs: QuerySet[Case]) -> QuerySet[Case]:
    qs = qs.select_related("person", "organization", "queue", "assignee")
    if has_sla_clock():
        qs = qs.select_related("sla")
    return qs


def case_list(*, actor, q: str = "", status: str = "", priority: str = "", kind: str = "", channel: str = "",
              queue_id: int | None = None, assignee_id: int | None = None, unassigned: bool = False,
              person_id: int | None = None, organization_id: int | None = None, open_only: bool = False,
              order: str = "newest") -> QuerySet[Case]:
    qs = visible_cases(actor)
    if q:
        qs = qs.filter(Q(number__iexact=q) | Q(subject__icontains=q) | Q(customer_email__icontains=q)
                       | Q(person__search_key__contains=fold(q)) | Q(organization__search_key__contains=fold(q)))
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    for field, value in (("priority", priority), ("kind", kind), ("channel", channel), ("queue_id", queue_id),
                         ("assignee_id", assignee_id), ("person_id", person_id),
                         ("organization_id", organization_id)):
        if value:
            qs = qs.filter(**{field: value})
    if unassigned:
        qs = qs.filter(assignee__isnull=True)
    qs = _with_lists(qs)
    if order == "urgent":
        return qs.annotate(priority_rank=priority_rank()).order_by(*urgency_order())
    return qs.order_by("-opened_at", "-id")


def inbox(*, actor, scope: str = "all", priority: str = "", kind: str = "") -> QuerySet[Case]:
    """The agent's work: open cases assigned to them and unassigned open cases in their queues; most urgent first.

    ``scope``: ``mine`` (assigned to me), ``queues`` (unassigned in my queues) or ``all`` (both).
    """
    my_queues = QueueMember.objects.filter(user_id=actor.pk).values("queue_id")
    mine = Q(assignee_id=actor.pk)
    queued = Q(assignee__isnull=True, queue_id__in=my_queues)
    where = {"mine": mine, "queues": queued}.get(scope, mine | queued)
    qs = visible_cases(actor).filter(where, status__in=OPEN_STATUSES)
    if priority:
        qs = qs.filter(priority=priority)
    if kind:
        qs = qs.filter(kind=kind)
    return _with_lists(qs).annotate(priority_rank=priority_rank()).order_by(*urgency_order())


def inbox_counts(*, actor) -> dict:
    my_queues = QueueMember.objects.filter(user_id=actor.pk).values("queue_id")
    base = visible_cases(actor).filter(status__in=OPEN_STATUSES)
    return base.aggregate(
        mine=Count("id", filter=Q(assignee_id=actor.pk)),
        queues=Count("id", filter=Q(assignee__isnull=True, queue_id__in=my_queues)),
        waiting=Count("id", filter=Q(assignee_id=actor.pk, status=CaseStatus.WAITING)),
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
    )


def case_get(*, actor, case_id: int) -> Case:
    case = _with_lists(visible_cases(actor)).filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


def case_thread(*, case: Case) -> list[CaseMessage]:
    return list(case.messages.select_related("author").prefetch_related("attachments").order_by("occurred_at", "id"))


def customer_history(*, actor, case: Case, limit: int = 12) -> list[Interaction]:
    """The customer's latest interactions over every channel (the card shows them all)."""
    if case.person_id is None and case.organization_id is None:
        return []
    customer = case.person if case.person_id else case.organization
    if not can_read(actor, customer):  # e.g. a case assigned to someone outside the customer's team
        return []
    where = Q(person_id=case.person_id) if case.person_id else Q(organization_id=case.organization_id)
    return list(Interaction.objects.filter(where).select_related("handled_by").order_by("-occurred_at", "-id")[:limit])


def agents() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("first_name", "username")


def service_agents() -> QuerySet[User]:
    return User.objects.filter(is_active=True).filter(Q(role__in=["service", "admin"]) | Q(is_superuser=True)) \
        .order_by("first_name", "username")


def queue_list(*, actor=None) -> QuerySet[Queue]:
    return Queue.objects.annotate(
        open_count=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES), distinct=True),
        unassigned_count=Count("cases", filter=Q(cases__status__in=OPEN_STATUSES, cases__assignee__isnull=True),
                               distinct=True),
    ).prefetch_related("memberships__user").order_by("name")


def queue_get(*, queue_id: int) -> Queue:
    queue = Queue.objects.prefetch_related("memberships__user").filter(pk=queue_id).first()
    if queue is None:
        raise NotFound(_("No such queue."))
    return queue


def rule_list() -> QuerySet[AssignmentRule]:
    return AssignmentRule.objects.select_related("queue", "assignee", "organization").order_by("position", "id")


def rule_get(*, rule_id: int) -> AssignmentRule:
    rule = rule_list().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such rule."))
    return rule


def inbound_list(*, status: str = "") -> QuerySet[InboundEmail]:
    qs = InboundEmail.objects.select_related("case")
    return qs.filter(status=status) if status else qs
