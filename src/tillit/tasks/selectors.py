"""Reads of tasks, always filtered by what the actor may see.

You see a task if it is assigned to you, you created it, or you can see the person, organisation
or deal it belongs to (``tillit.core.access``; a customer read through a relationship grant
counts). One ``Q`` says that, so the list, the card, the
deal page, the badge and the API cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.accounts.models import Role, User, Visibility
from tillit.core.access import can_read, can_see, ensure_staff, party_visibility_q, visibility_q
from tillit.core.errors import NotFound
from tillit.tasks.models import Priority, Task

SCOPES = ("mine", "created", "team")
STATES = ("open", "done", "all")
# High first within a day; "normal" before "low".
_PRIORITY_ORDER = Case(
    When(priority=Priority.HIGH, then=Value(0)), When(priority=Priority.NORMAL, then=Value(1)),
    default=Value(2), output_field=IntegerField(),
)


def task_visibility_q(actor: User) -> Q | None:
    """Tasks ``actor`` may see; ``None`` means all of them.

    Assigned to or created by the actor; on a person, organisation or deal the actor may see; or,
    for someone who sees their team's records (a manager), assigned to a member of their team.
    """
    if not actor.is_authenticated or not actor.is_staff_role:
        return Q(pk__in=[])
    if actor.effective_visibility == Visibility.ALL:
        return None
    q = Q(assignee_id=actor.pk) | Q(created_by_id=actor.pk)
    if actor.effective_visibility == Visibility.TEAM and actor.team_id:
        q |= Q(assignee__team_id=actor.team_id)
    for rel in ("person", "organization"):
        q |= Q(**{f"{rel}__isnull": False}) & party_visibility_q(actor, rel, field=rel)
    q |= Q(deal__isnull=False) & visibility_q(actor, owner_field="deal__owner", team_field="deal__team")
    return q


def visible_tasks(actor: User) -> QuerySet[Task]:
    qs = Task.objects.all()
    q = task_visibility_q(actor)
    return qs if q is None else qs.filter(q)


def can_see_task(actor: User, task: Task) -> bool:
    """The same rule as ``task_visibility_q`` for one loaded task (its records loaded too)."""
    if not actor.is_authenticated or not actor.is_staff_role:
        return False
    if actor.effective_visibility == Visibility.ALL or actor.pk in (task.assignee_id, task.created_by_id):
        return True
    if actor.effective_visibility == Visibility.TEAM and actor.team_id and task.assignee.team_id == actor.team_id:
        return True
    if task.deal_id is not None and can_see(actor, task.deal):
        return True
    return any(
        getattr(task, f"{rel}_id") is not None and can_read(actor, getattr(task, rel))
        for rel in ("person", "organization")
    )


def can_see_team(actor: User) -> bool:
    """Managers (their team) and administrators (everyone) get the "team" filter."""
    return actor.is_superuser or actor.role == Role.ADMIN or (actor.role == Role.MANAGER and actor.team_id)


def _with_related(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.select_related("assignee", "created_by", "done_by", "person", "organization", "deal", "deal__stage")


def ordered(qs: QuerySet[Task]) -> QuerySet[Task]:
    """Open work first, by due date (no date last), high priority first within a day."""
    return qs.order_by(
        Case(When(done_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(When(due_date__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
        "due_date", _PRIORITY_ORDER, "id",
    )


def task_list(*, actor: User, scope: str = "mine", state: str = "open", q: str = "", person_id: int | None = None,
              organization_id: int | None = None, deal_id: int | None = None) -> QuerySet[Task]:
    """The tasks of "my tasks" (``scope``: mine / created / team), open, done or all."""
    ensure_staff(actor)
    qs = visible_tasks(actor)
    if scope == "created":
        qs = qs.filter(created_by=actor)
    elif scope == "team" and can_see_team(actor):
        if not (actor.is_superuser or actor.role == Role.ADMIN):
            qs = qs.filter(Q(assignee__team_id=actor.team_id) | Q(assignee=actor))
    elif scope != "all":
        qs = qs.filter(assignee=actor)
    if state == "open":
        qs = qs.filter(done_at__isnull=True)
    elif state == "done":
        qs = qs.filter(done_at__isnull=False)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if person_id:
        qs = qs.filter(person_id=person_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if deal_id:
        qs = qs.filter(deal_id=deal_id)
    if state == "done":
        return _with_related(qs).order_by("-done_at", "-id")
    return ordered(_with_related(qs))


def task_get(*, actor: User, task_id: int) -> Task:
    ensure_staff(actor)
    task = _with_related(visible_tasks(actor)).filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No such task."))
    return task


def related_tasks(*, actor: User, person=None, organization=None, deal=None, limit: int = 20) -> list[Task]:
    """Open tasks on one person, organisation or deal (the caller has already got that record), in one query."""
    qs = visible_tasks(actor).filter(done_at__isnull=True)
    if person is not None:
        qs = qs.filter(person=person)
    elif organization is not None:
        qs = qs.filter(organization=organization)
    elif deal is not None:
        qs = qs.filter(deal=deal)
    else:
        return []
    return list(ordered(qs.select_related("assignee", "deal"))[:limit])


def overdue_count(*, actor: User, today: dt.date | None = None) -> int:
    """Open tasks assigned to ``actor`` that are past their due date (the nav badge)."""
    if not actor.is_authenticated or not actor.is_staff_role:
        return 0
    today = today or timezone.localdate()
    return Task.objects.filter(assignee=actor, done_at__isnull=True, due_date__lt=today).count()


@dataclass
class Bucket:
    key: str
    label: str
    tasks: list[Task] = field(default_factory=list)


BUCKETS = (
    ("overdue", gettext_lazy("Overdue")),
    ("today", gettext_lazy("Today")),
    ("upcoming", gettext_lazy("Upcoming")),
    ("nodate", gettext_lazy("No due date")),
    ("done", gettext_lazy("Done")),
)


def due_bucket(task: Task, today: dt.date) -> str:
    if task.done_at is not None:
        return "done"
    if task.due_date is None:
        return "nodate"
    if task.due_date < today:
        return "overdue"
    return "today" if task.due_date == today else "upcoming"


def group_by_due(tasks, *, today: dt.date) -> list[Bucket]:
    """Tasks grouped as overdue, today, upcoming, no date (then done), empty groups left out."""
    buckets = {key: Bucket(key, str(label)) for key, label in BUCKETS}
    for task in tasks:
        task.bucket = due_bucket(task, today)
        buckets[task.bucket].tasks.append(task)
    return [b for b in buckets.values() if b.tasks]
