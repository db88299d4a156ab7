"""Writes to queues, their members and the assignment rules (administrators only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.errors import AccessDenied, ValidationError
from tillit.interactions.models import Channel
from tillit.service.models import AssignmentMode, AssignmentRule, CaseKind, Queue, QueueMember

QUEUE_FIELDS = frozenset({"name", "description", "email", "assignment_mode", "is_default", "is_active"})
RULE_FIELDS = frozenset({"name", "position", "is_active", "kind", "channel", "keyword", "organization", "queue",
                         "assignee"})


def ensure_can_admin(actor) -> None:
    if actor is None or not actor.is_authenticated or not (actor.is_superuser or actor.role == Role.ADMIN):
        raise AccessDenied(_("Only administrators can change queues and rules."))


def _queue_values(fields: dict) -> dict:
    unknown = set(fields) - QUEUE_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    values = dict(fields)
    if "name" in values:
        values["name"] = " ".join(str(values["name"] or "").split())[:100]
        if not values["name"]:
            raise ValidationError(_("Give the queue a name."), field="name")
    if "assignment_mode" in values and values["assignment_mode"] not in AssignmentMode.values:
        raise ValidationError(_("Choose manual or round_robin."), field="assignment_mode")
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower()
    return values


@transaction.atomic
def queue_create(*, actor, name: str, **fields) -> Queue:
    ensure_can_admin(actor)
    values = _queue_values({"name": name, **fields})
    if Queue.objects.filter(name__iexact=values["name"]).exists():
        raise ValidationError(_("A queue with this name exists."), field="name")
    queue = Queue.objects.create(**values)
    if queue.is_default:
        Queue.objects.exclude(pk=queue.pk).update(is_default=False)
    return queue


@transaction.atomic
def queue_update(*, actor, queue: Queue, **fields) -> Queue:
    ensure_can_admin(actor)
    values = _queue_values(fields)
    if "name" in values and Queue.objects.filter(name__iexact=values["name"]).exclude(pk=queue.pk).exists():
        raise ValidationError(_("A queue with this name exists."), field="name")
    for key, value in values.items():
        setattr(queue, key, value)
    queue.save(update_fields=[*values, "updated_at"])
    if queue.is_default:
        Queue.objects.exclude(pk=queue.pk).update(is_default=False)
    return queue


@transaction.atomic
def queue_set_members(*, actor, queue: Queue, users: Iterable[User], unavailable: Iterable[User] = ()) -> Queue:
    """Replace the members; ``unavailable`` members stay in the queue but get no round-robin cases."""
    ensure_can_admin(actor)
    users = list(users)
    for user in users:
        if not user.is_active or not user.is_staff_role:
            raise ValidationError(_("Members must be active employees."), field="members")
    away = {u.pk for u in unavailable}
    QueueMember.objects.filter(queue=queue).exclude(user__in=users).delete()
    for user in users:
        QueueMember.objects.update_or_create(queue=queue, user=user, defaults={"is_available": user.pk not in away})
    return queue


def _rule_values(fields: dict) -> dict:
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise ValidationError(_("Unknown field."), field=sorted(unknown)[0])
    values = dict(fields)
    if "name" in values:
        values["name"] = " ".join(str(values["name"] or "").split())[:100]
        if not values["name"]:
            raise ValidationError(_("Give the rule a name."), field="name")
    if values.get("kind") and values["kind"] not in CaseKind.values:
        raise ValidationError(_("Unknown case kind."), field="kind")
    if values.get("channel") and values["channel"] not in Channel.values:
        raise ValidationError(_("Unknown channel."), field="channel")
    if "keyword" in values:
        values["keyword"] = (values["keyword"] or "").strip()[:100]
    for key in ("kind", "channel"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


def _check_rule(rule: AssignmentRule) -> None:
    if rule.queue_id is None and rule.assignee_id is None:
        raise ValidationError(_("A rule sends cases to a queue, an agent or both."), field="queue")


@transaction.atomic
def rule_create(*, actor, name: str, **fields) -> AssignmentRule:
    ensure_can_admin(actor)
    rule = AssignmentRule(**_rule_values({"name": name, **fields}))
    _check_rule(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_update(*, actor, rule: AssignmentRule, **fields) -> AssignmentRule:
    ensure_can_admin(actor)
    values = _rule_values(fields)
    for key, value in values.items():
        setattr(rule, key, value)
    _check_rule(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: AssignmentRule) -> None:
    ensure_can_admin(actor)
    rule.delete()
