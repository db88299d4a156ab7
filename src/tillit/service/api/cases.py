"""REST API for cases, replies, notes, queues, rules and inbound email — thin: parse, call, answer.

Reads of a case answer with an ``ETag`` (its version); PATCH needs it back in ``If-Match`` (or the
body's ``version``): missing → 428, stale → 409.
"""

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.accounts.models import User
from tillit.core.access import ensure_staff
from tillit.core.api import Paging, expected_version
from tillit.core.errors import AccessDenied, NotFound, ValidationError
from tillit.people.models import Organization, Person
from tillit.people.selectors import organization_get, person_get
from tillit.service import inbound, queues, selectors, services
from tillit.service.models import Attachment, Case, CaseMessage, Queue
from tillit.service.schemas import (
    CaseDetailOut,
    CaseFilter,
    CaseIn,
    CaseMessageOut,
    CaseOut,
    CasePatch,
    InboundOut,
    MembersIn,
    NoteIn,
    QueueIn,
    QueueOut,
    QueuePatch,
    ReplyIn,
    RuleIn,
    RuleOut,
    RulePatch,
)

router = Router(tags=["service"])


def _etag(response: HttpResponse, case: Case) -> None:
    response["ETag"] = f'"{case.version}"'


def _detail(actor, case_id: int) -> Case:
    case = selectors.case_get(actor=actor, case_id=case_id)
    return Case.objects.prefetch_related(
        Prefetch("messages", CaseMessage.objects.prefetch_related(
            Prefetch("attachments", Attachment.objects.order_by("id"))).order_by("occurred_at", "id"))
    ).select_related(*(["sla"] if selectors.has_sla_clock() else [])).get(pk=case.pk)


def _queue(queue_id: int | None, field: str = "queue_id") -> Queue | None:
    if queue_id is None:
        return None
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise ValidationError(_("No such queue."), field=field)
    return queue


def _user(user_id: int | None, field: str = "assignee_id") -> User | None:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError(_("No such employee."), field=field)
    return user


def _person(actor, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    try:
        return person_get(actor=actor, person_id=person_id)
    except NotFound:
        raise ValidationError(_("No such person."), field="person_id") from None


def _organization(actor, organization_id: int | None) -> Organization | None:
    if organization_id is None:
        return None
    try:
        return organization_get(actor=actor, organization_id=organization_id)
    except NotFound:
        raise ValidationError(_("No such organisation."), field="organization_id") from None


# --- cases ---------------------------------------------------------------------------------------
@router.get("/service/cases", response=list[CaseOut], summary="List cases (filters, pagination)")
@paginate(Paging, page_size=50, max_page_size=500)
def list_cases(request, filters: Query[CaseFilter]):
    ensure_staff(request.user)
    return selectors.case_list(actor=request.user, **filters.model_dump())


@router.post("/service/cases", response={201: CaseDetailOut}, summary="Open a case")
def create_case(request, payload: CaseIn, response: HttpResponse):
    data = payload.model_dump()
    person = _person(request.user, data.pop("person_id"))
    if person is None and data["customer_email"] and services.can_work_cases(request.user):
        person = inbound.person_for_sender(data["customer_email"])
    case = services.case_create(
        actor=request.user, person=person, organization=_organization(request.user, data.pop("organization_id")),
        queue=_queue(data.pop("queue_id")), assignee=_user(data.pop("assignee_id")),
        from_email=data["customer_email"], **data,
    )
    _etag(response, case)
    return 201, _detail(request.user, case.pk)


@router.get("/service/cases/{int:case_id}", response=CaseDetailOut, summary="Get a case with its thread (ETag)")
def get_case(request, case_id: int, response: HttpResponse):
    case = _detail(request.user, case_id)
    _etag(response, case)
    return case


@router.patch("/service/cases/{int:case_id}", response=CaseDetailOut,
              summary="Change status, priority, queue or assignee (If-Match)")
def patch_case(request, case_id: int, payload: CasePatch, response: HttpResponse):
    case = selectors.case_get(actor=request.user, case_id=case_id)
    data: dict[str, Any] = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    fields: dict[str, Any] = {k: data[k] for k in ("status", "priority", "note") if data.get(k)}
    if "queue_id" in data:
        fields["queue"] = _queue(data["queue_id"])
    if "assignee_id" in data:
        fields["assignee"] = _user(data["assignee_id"])
    services.case_update(actor=request.user, case=case, expected_version=expected, **fields)
    _etag(response, case)
    return _detail(request.user, case.pk)


@router.post("/service/cases/{int:case_id}/take", response=CaseOut, summary="Assign the case to yourself")
def take_case(request, case_id: int, response: HttpResponse):
    case = selectors.case_get(actor=request.user, case_id=case_id)
    services.case_take(actor=request.user, case=case)
    _etag(response, case)
    return case


@router.post("/service/cases/{int:case_id}/replies", response={201: CaseMessageOut},
             summary="Reply to the customer by email (optionally set waiting or resolved)")
def reply(request, case_id: int, payload: ReplyIn):
    case = selectors.case_get(actor=request.user, case_id=case_id)
    message = services.case_reply(actor=request.user, case=case, body=payload.body, status=payload.status,
                                  expected_version=payload.version)
    return 201, message


@router.post("/service/cases/{int:case_id}/notes", response={201: CaseMessageOut}, summary="Add an internal note")
def note(request, case_id: int, payload: NoteIn):
    case = selectors.case_get(actor=request.user, case_id=case_id)
    return 201, services.case_add_note(actor=request.user, case=case, body=payload.body)


# --- queues and rules ----------------------------------------------------------------------------
@router.get("/service/queues", response=list[QueueOut], summary="List queues with their members")
def list_queues(request):
    ensure_staff(request.user)
    return list(selectors.queue_list())


@router.post("/service/queues", response={201: QueueOut}, summary="Create a queue (administrators)")
def create_queue(request, payload: QueueIn):
    return 201, queues.queue_create(actor=request.user, **payload.model_dump())


def _queue_or_404(queue_id: int) -> Queue:
    return selectors.queue_get(queue_id=queue_id)


@router.patch("/service/queues/{int:queue_id}", response=QueueOut, summary="Change a queue (administrators)")
def patch_queue(request, queue_id: int, payload: QueuePatch):
    queues.ensure_can_admin(request.user)
    queue = _queue_or_404(queue_id)
    return queues.queue_update(actor=request.user, queue=queue, **payload.model_dump(exclude_unset=True))


@router.put("/service/queues/{int:queue_id}/members", response=QueueOut,
            summary="Replace a queue's members (administrators)")
def put_members(request, queue_id: int, payload: MembersIn):
    queues.ensure_can_admin(request.user)
    queue = _queue_or_404(queue_id)
    users = [_user(pk, "user_ids") for pk in payload.user_ids]
    away = [u for u in users if u.pk in set(payload.unavailable_ids)]
    queues.queue_set_members(actor=request.user, queue=queue, users=users, unavailable=away)
    return _queue_or_404(queue_id)


@router.get("/service/rules", response=list[RuleOut], summary="List assignment rules in order")
def list_rules(request):
    ensure_staff(request.user)
    return list(selectors.rule_list())


def _rule_refs(actor, data: dict) -> dict:
    if "queue_id" in data:
        data["queue"] = _queue(data.pop("queue_id"))
    if "assignee_id" in data:
        data["assignee"] = _user(data.pop("assignee_id"))
    if "organization_id" in data:
        data["organization"] = _organization(actor, data.pop("organization_id"))
    return data


@router.post("/service/rules", response={201: RuleOut}, summary="Create an assignment rule (administrators)")
def create_rule(request, payload: RuleIn):
    queues.ensure_can_admin(request.user)
    return 201, queues.rule_create(actor=request.user, **_rule_refs(request.user, payload.model_dump()))


@router.patch("/service/rules/{int:rule_id}", response=RuleOut, summary="Change an assignment rule")
def patch_rule(request, rule_id: int, payload: RulePatch):
    queues.ensure_can_admin(request.user)
    rule = selectors.rule_get(rule_id=rule_id)
    return queues.rule_update(actor=request.user, rule=rule,
                              **_rule_refs(request.user, payload.model_dump(exclude_unset=True)))


@router.delete("/service/rules/{int:rule_id}", response={204: None}, summary="Delete an assignment rule")
def delete_rule(request, rule_id: int):
    queues.ensure_can_admin(request.user)
    queues.rule_delete(actor=request.user, rule=selectors.rule_get(rule_id=rule_id))
    return 204, None


# --- inbound email -------------------------------------------------------------------------------
@router.post("/service/inbound-email", response={200: InboundOut, 201: InboundOut, 422: InboundOut},
             summary="Deliver one raw email (message/rfc822 body), as a mail provider's inbound webhook does")
def inbound_email(request: HttpRequest):
    """201 opened a case, 200 joined a case or was a duplicate, 422 rejected (the raw message is kept)."""
    if not services.can_work_cases(request.user):
        raise AccessDenied(_("Only a service user's token may deliver mail."))
    result = inbound.ingest_email(request.body, source="webhook")
    status = {"new_case": 201, "rejected": 422}.get(result.status, 200)
    return status, result.as_dict()
