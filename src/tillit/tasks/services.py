"""Every write to tasks: create, update (compare-and-swap on ``version``), complete and reopen.

Rules (the same for pages and the API):

- The actor must be an employee, and must be able to see the person, organisation or deal a task
  is put on (``tillit.core.access``); a record outside their visibility is ``NotFound``.
- The assignee is an active employee; without one the task is the actor's own.
- Changing ``remind_at`` clears ``reminded_at``, so a moved reminder is sent again (once).
- Completing records who and when; reopening clears both. Both are idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import STAFF_ROLES, User
from tillit.core.access import ensure_can_read, ensure_can_see, ensure_staff
from tillit.core.errors import ValidationError
from tillit.core.versioning import save_versioned
from tillit.tasks.models import Priority, Task
from tillit.tasks.selectors import can_see_task

TASK_FIELDS = frozenset(
    {"title", "description", "due_date", "remind_at", "priority", "assignee", "person", "organization", "deal"}
)


def _title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("Give the task a title."), field="title")
    value = " ".join(value.split())
    limit = Task._meta.get_field("title").max_length
    if len(value) > limit:
        raise ValidationError(_("At most %(n)d characters (this is %(m)d).") % {"n": limit, "m": len(value)},
                              field="title")
    return value


def _priority(value: Any) -> str:
    if value not in Priority.values:
        raise ValidationError(
            _("Unknown priority “%(value)s”; use one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(Priority.values)},
            field="priority",
        )
    return value


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), field=field) from None


def _datetime(value: Any, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(_("Enter a date and time, e.g. 2026-05-04 09:00."), field=field) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _assignee(actor: User, value: Any) -> User:
    if value is None:
        return actor
    if not isinstance(value, User) or not value.is_active or not value.is_staff_role:
        raise ValidationError(_("Assign the task to an active employee."), field="assignee")
    return value


def _related(actor: User, data: dict[str, Any]) -> None:
    """The actor must see every record the task is put on (NotFound otherwise: learn nothing)."""
    for field in ("person", "organization", "deal"):
        record = data.get(field)
        if record is not None:  # a customer the actor reads (owner scope or a grant); a deal they see
            (ensure_can_see if field == "deal" else ensure_can_read)(actor, record)


def _clean(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - TASK_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field “%(field)s”.") % {"field": sorted(unknown)[0]}, field=sorted(unknown)[0])
    out = dict(data)
    if "title" in out:
        out["title"] = _title(out["title"])
    if "description" in out:
        out["description"] = (out["description"] or "").strip()
    if "priority" in out:
        out["priority"] = _priority(out["priority"])
    if "due_date" in out:
        out["due_date"] = _date(out["due_date"], "due_date")
    if "remind_at" in out:
        out["remind_at"] = _datetime(out["remind_at"], "remind_at")
    if "assignee" in out:
        out["assignee"] = _assignee(actor, out["assignee"])
    _related(actor, out)
    return out


@transaction.atomic
def task_create(*, actor: User, title: str, **fields) -> Task:
    """A new open task; assigned to the actor unless ``assignee`` is given."""
    ensure_staff(actor)
    fields.setdefault("assignee", None)
    data = _clean(actor, {"title": title, **fields})
    task = Task(created_by=actor, **data)
    task.save()
    return task


@transaction.atomic
def task_update(*, actor: User, task: Task, expected_version: int | None, **fields) -> Task:
    """Change the given fields if the task is still at ``expected_version`` (else ``Conflict``)."""
    ensure_staff(actor)
    _ensure_can_see_task(actor, task)
    data = _clean(actor, fields)
    changed = [name for name, value in data.items() if getattr(task, name) != value]
    if "remind_at" in changed:
        data["reminded_at"] = None
        changed.append("reminded_at")
    for name in changed:
        setattr(task, name, data[name])
    save_versioned(task, expected_version=expected_version, update_fields=changed, actor=actor,
                   changed=[name for name in changed if name != "reminded_at"])  # a consequence, not an edit
    return task


@transaction.atomic
def task_complete(*, actor: User, task: Task, expected_version: int | None = None,
                  now: dt.datetime | None = None) -> Task:
    """Mark done (who, when). Completing a done task changes nothing."""
    ensure_staff(actor)
    _ensure_can_see_task(actor, task)
    if task.done_at is not None:
        return task
    task.done_at, task.done_by = now or timezone.now(), actor
    save_versioned(task, expected_version=expected_version, update_fields=["done_at", "done_by"], actor=actor)
    return task


@transaction.atomic
def task_reopen(*, actor: User, task: Task, expected_version: int | None = None) -> Task:
    ensure_staff(actor)
    _ensure_can_see_task(actor, task)
    if task.done_at is None:
        return task
    task.done_at, task.done_by = None, None
    save_versioned(task, expected_version=expected_version, update_fields=["done_at", "done_by"], actor=actor)
    return task


def _ensure_can_see_task(actor: User, task: Task) -> None:
    from tillit.core.errors import NotFound

    if not can_see_task(actor, task):
        raise NotFound(_("No such task."))


def assignable_users():
    """Employees a task can be given to."""
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("first_name", "last_name", "username")
