"""Who gets a new case: assignment rules first, then the queue's mode (manual or round-robin).

Rules are ordered (``position``); the first active rule whose every filled-in condition matches
(case kind, channel, a keyword in the subject, the customer's organisation) routes the case to its
queue and/or agent. A case no rule routes goes to the default queue. In a round-robin queue the next
available member after the one who got the last case takes it; the queue row is locked while the
pointer moves, so two cases arriving at once never go to the same agent by accident.
"""

from __future__ import annotations

from tillit.service.models import AssignmentMode, AssignmentRule, Case, Queue, QueueMember


def rule_matches(rule: AssignmentRule, case: Case) -> bool:
    if rule.kind and rule.kind != case.kind:
        return False
    if rule.channel and rule.channel != case.channel:
        return False
    if rule.keyword and rule.keyword.casefold() not in case.subject.casefold():
        return False
    return not (rule.organization_id and rule.organization_id != case.organization_id)


def matching_rule(case: Case) -> AssignmentRule | None:
    for rule in AssignmentRule.objects.filter(is_active=True).select_related("queue", "assignee"):
        if rule_matches(rule, case):
            return rule
    return None


def default_queue() -> Queue | None:
    return Queue.objects.filter(is_active=True).order_by("-is_default", "name").first()


def next_round_robin_agent(queue: Queue):
    """The next available member after the last one who got a case; moves the pointer. Call in a transaction."""
    locked = Queue.objects.select_for_update().get(pk=queue.pk)
    members = list(
        QueueMember.objects.filter(queue=locked, is_available=True, user__is_active=True)
        .select_related("user").order_by("user_id")
    )
    if not members:
        return None
    after = [m for m in members if locked.last_assigned_id is not None and m.user_id > locked.last_assigned_id]
    chosen = (after or members)[0].user
    Queue.objects.filter(pk=locked.pk).update(last_assigned=chosen)
    queue.last_assigned = chosen
    return chosen


def route(case: Case) -> tuple[Queue | None, object | None, AssignmentRule | None]:
    """(queue, agent, rule) for a new case that has neither; does not save the case."""
    rule = matching_rule(case)
    queue = rule.queue if rule and rule.queue_id else None
    agent = rule.assignee if rule and rule.assignee_id else None
    if queue is None and agent is None:
        queue = default_queue()
    if agent is None and queue is not None and queue.assignment_mode == AssignmentMode.ROUND_ROBIN:
        agent = next_round_robin_agent(queue)
    return queue, agent, rule
