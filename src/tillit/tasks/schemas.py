"""API schemas for tasks (parsing only; ``tillit.tasks.services`` validates)."""

import datetime as dt
from typing import Literal

from ninja import Schema

from tillit.tasks.models import Priority, Task


class TaskOut(Schema):
    id: int
    title: str
    description: str
    due_date: dt.date | None
    priority: str
    assignee_id: int
    assignee_name: str
    created_by_id: int | None
    person_id: int | None
    organization_id: int | None
    deal_id: int | None
    remind_at: dt.datetime | None
    reminded_at: dt.datetime | None
    is_done: bool
    done_at: dt.datetime | None
    done_by_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_assignee_name(obj) -> str:
        return str(obj.assignee)

    @staticmethod
    def resolve_is_done(obj) -> bool:
        return obj.done_at is not None


class TaskFilter(Schema):
    scope: Literal["mine", "created", "team"] = "mine"
    state: Literal["open", "done", "all"] = "open"
    q: str = ""
    person_id: int | None = None
    organization_id: int | None = None
    deal_id: int | None = None


class TaskIn(Schema):
    __model__ = Task  # constraints from the model (tillit.core.api)
    title: str
    description: str = ""
    due_date: dt.date | None = None
    priority: str = Priority.NORMAL
    assignee_id: int | None = None
    remind_at: dt.datetime | None = None
    person_id: int | None = None
    organization_id: int | None = None
    deal_id: int | None = None


class TaskPatch(Schema):
    __model__ = Task  # constraints from the model (tillit.core.api)
    title: str | None = None
    description: str | None = None
    due_date: dt.date | None = None
    priority: str | None = None
    assignee_id: int | None = None
    remind_at: dt.datetime | None = None
    version: int | None = None


class TaskAction(Schema):
    version: int | None = None
