"""API schemas for cases, messages, queues and rules (parsing only; the services validate)."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from tillit.core.api import NonBlank
from tillit.interactions import messages
from tillit.service.models import AssignmentRule, Case, CaseMessage, Queue


class CaseFilter(Schema):
    q: str = ""
    status: str = Field("", description="new, open, waiting, resolved, closed — or `open` for every unresolved one")
    priority: str = ""
    kind: str = ""
    channel: str = ""
    queue_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    person_id: int | None = None
    organization_id: int | None = None
    order: str = Field("newest", description="`newest` or `urgent` (SLA time left, priority, age)")


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class SystemMessageOut(Schema):
    code: str
    params: dict


class CaseMessageOut(Schema):
    id: int
    kind: str
    channel: str
    author_id: int | None
    from_email: str
    to_email: str
    subject: str
    body: str = Field(description="In the reader's language when Tillit wrote it (see body_message).")
    # An event Tillit wrote ("Status Open → Resolved."): its code and parameters, else null.
    body_message: SystemMessageOut | None = None
    message_id: str | None
    in_reply_to: str
    occurred_at: dt.datetime
    data: dict
    send_error: str
    attachments: list[AttachmentOut] = []

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_body(obj) -> str:
        return obj.body_display

    @staticmethod
    def resolve_body_message(obj):
        return messages.of(obj.data, "body")


class CaseOut(Schema):
    id: int
    number: str
    version: int
    subject: str
    kind: str
    channel: str
    status: str
    priority: str
    person_id: int | None
    organization_id: int | None
    customer_email: str
    queue_id: int | None
    assignee_id: int | None
    opened_at: dt.datetime
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    last_message_at: dt.datetime | None
    sla_next_due_at: dt.datetime | None = None

    @staticmethod
    def resolve_sla_next_due_at(obj: Case):
        sla = getattr(obj, "sla", None) if hasattr(type(obj), "sla") else None
        return getattr(sla, "next_due_at", None)


class CaseDetailOut(CaseOut):
    messages: list[CaseMessageOut] = []


class CaseIn(Schema):
    __model__ = Case  # constraints from the model (tillit.core.api)
    subject: str
    body: str = ""
    kind: str = "inquiry"
    channel: str = "email"
    priority: str = "normal"
    person_id: int | None = None
    organization_id: int | None = None
    customer_email: str = Field("", description="Replies go here; an unknown address becomes a lead")
    queue_id: int | None = Field(None, description="Leave out to route by the assignment rules")
    assignee_id: int | None = None


class CasePatch(Schema):
    __model__ = Case  # constraints from the model (tillit.core.api)
    status: str | None = None
    priority: str | None = None
    queue_id: int | None = None
    assignee_id: int | None = None
    note: str = Field("", description="Handover or status note, kept on the thread")
    version: int | None = None


class ReplyIn(Schema):
    __model__ = CaseMessage  # constraints from the model (tillit.core.api)
    body: str
    status: Literal["", "open", "waiting", "resolved"] = Field(
        "", description="Optionally `waiting` (for the customer) or `resolved` after the reply")
    version: int | None = None


class NoteIn(Schema):
    __model__ = CaseMessage  # constraints from the model (tillit.core.api)
    body: NonBlank


class QueueOut(Schema):
    id: int
    name: str
    description: str
    email: str
    assignment_mode: str
    is_default: bool
    is_active: bool
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return [m.user_id for m in obj.memberships.all()]


class QueueIn(Schema):
    __model__ = Queue  # constraints from the model (tillit.core.api)
    name: str
    description: str = ""
    email: str = ""
    assignment_mode: str = "manual"
    is_default: bool = False
    is_active: bool = True


class QueuePatch(Schema):
    __model__ = Queue  # constraints from the model (tillit.core.api)
    name: str | None = None
    description: str | None = None
    email: str | None = None
    assignment_mode: str | None = None
    is_default: bool | None = None
    is_active: bool | None = None


class MembersIn(Schema):
    user_ids: list[int]
    unavailable_ids: list[int] = []


class RuleOut(Schema):
    id: int
    name: str
    position: int
    is_active: bool
    kind: str
    channel: str
    keyword: str
    organization_id: int | None
    queue_id: int | None
    assignee_id: int | None


class RuleIn(Schema):
    __model__ = AssignmentRule  # constraints from the model (tillit.core.api)
    name: str
    position: int = 0
    is_active: bool = True
    kind: str = ""
    channel: str = ""
    keyword: str = ""
    organization_id: int | None = None
    queue_id: int | None = None
    assignee_id: int | None = None


class RulePatch(Schema):
    __model__ = AssignmentRule  # constraints from the model (tillit.core.api)
    name: str | None = None
    position: int | None = None
    is_active: bool | None = None
    kind: str | None = None
    channel: str | None = None
    keyword: str | None = None
    organization_id: int | None = None
    queue_id: int | None = None
    assignee_id: int | None = None


class InboundOut(Schema):
    status: str = Field(description="new_case, joined, duplicate or rejected")
    reason: str
    case_id: int | None
    case_number: str | None
    notes: list[str]
    inbound_id: int | None
