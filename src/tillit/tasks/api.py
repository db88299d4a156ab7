"""REST API for tasks — thin: parse, call a selector or service, answer.

Reads answer with an ``ETag`` (the version). PATCH needs it back in ``If-Match`` (or the body's
``version``): missing → 428, stale → 409. Completing and reopening are idempotent and take an
optional ``If-Match``.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.accounts.models import STAFF_ROLES, User
from tillit.core.api import Paging, expected_version
from tillit.core.errors import NotFound, ValidationError
from tillit.tasks import card, selectors, services
from tillit.tasks.schemas import TaskFilter, TaskIn, TaskOut, TaskPatch

router = Router(tags=["tasks"])


def _etag(response: HttpResponse, task) -> None:
    response["ETag"] = f'"{task.version}"'


def _assignee(data: dict[str, Any]) -> None:
    if "assignee_id" in data:
        assignee_id = data.pop("assignee_id")
        assignee = None
        if assignee_id is not None:
            assignee = User.objects.filter(pk=assignee_id, is_active=True, role__in=STAFF_ROLES).first()
            if assignee is None:
                raise ValidationError(_("No such employee."), field="assignee_id")
        data["assignee"] = assignee


def _related(actor, data: dict[str, Any]) -> None:
    ids = {k: data.pop(f"{k}_id", None) for k in ("person", "organization", "deal")}
    for key, value in ids.items():
        if value is None:
            continue
        try:
            data.update(card.resolve_target(actor, **{f"{key}_id": value}))
        except NotFound:
            raise ValidationError(_("No such %(record)s.") % {"record": key}, field=f"{key}_id") from None


def _optional_version(request: HttpRequest) -> int | None:
    return expected_version(request, None) if request.headers.get("If-Match") else None


@router.get("/tasks", response=list[TaskOut], summary="List tasks (mine, created by me, my team; open/done/all)")
@paginate(Paging, page_size=50, max_page_size=500)
def list_tasks(request, filters: Query[TaskFilter]):
    data = filters.model_dump()
    if data["scope"] not in selectors.SCOPES:
        raise ValidationError(_("Use scope mine, created or team."), field="scope")
    if data["state"] not in selectors.STATES:
        raise ValidationError(_("Use state open, done or all."), field="state")
    return selectors.task_list(actor=request.user, **data)


@router.post("/tasks", response={201: TaskOut}, summary="Create a task")
def create_task(request, payload: TaskIn, response: HttpResponse):
    data = payload.model_dump()
    _assignee(data)
    _related(request.user, data)
    task = services.task_create(actor=request.user, **data)
    _etag(response, task)
    return 201, selectors.task_get(actor=request.user, task_id=task.pk)


@router.get("/tasks/{int:task_id}", response=TaskOut, summary="Get a task (with ETag)")
def get_task(request, task_id: int, response: HttpResponse):
    task = selectors.task_get(actor=request.user, task_id=task_id)
    _etag(response, task)
    return task


@router.patch("/tasks/{int:task_id}", response=TaskOut, summary="Change some fields (If-Match)")
def patch_task(request, task_id: int, payload: TaskPatch, response: HttpResponse):
    task = selectors.task_get(actor=request.user, task_id=task_id)
    data = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    _assignee(data)
    if "title" in data and data["title"] is None:
        raise ValidationError(_("Give the task a title."), field="title")
    if data.get("priority", "") is None:
        data.pop("priority")
    services.task_update(actor=request.user, task=task, expected_version=expected, **data)
    _etag(response, task)
    return selectors.task_get(actor=request.user, task_id=task.pk)


@router.post("/tasks/{int:task_id}/complete", response=TaskOut, summary="Mark a task done (idempotent)")
def complete_task(request, task_id: int, response: HttpResponse):
    task = selectors.task_get(actor=request.user, task_id=task_id)
    services.task_complete(actor=request.user, task=task, expected_version=_optional_version(request))
    _etag(response, task)
    return selectors.task_get(actor=request.user, task_id=task.pk)


@router.post("/tasks/{int:task_id}/reopen", response=TaskOut, summary="Mark a task not done (idempotent)")
def reopen_task(request, task_id: int, response: HttpResponse):
    task = selectors.task_get(actor=request.user, task_id=task_id)
    services.task_reopen(actor=request.user, task=task, expected_version=_optional_version(request))
    _etag(response, task)
    return selectors.task_get(actor=request.user, task_id=task.pk)
