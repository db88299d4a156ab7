"""My tasks, the task form, one-click done and the quick add. Thin: selectors read, services write."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import Conflict, DomainError, NotFound
from tillit.core.stale import show_stale_edit
from tillit.tasks import card, selectors, services
from tillit.tasks.forms import QuickTaskForm, TaskForm

PAGE_SIZE = 100


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def task_list(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "mine")
    if scope not in selectors.SCOPES or (scope == "team" and not selectors.can_see_team(request.user)):
        scope = "mine"
    state = request.GET.get("state", "open")
    if state not in selectors.STATES:
        state = "open"
    q = request.GET.get("q", "").strip()[:200]
    today = timezone.localdate()
    page = Paginator(selectors.task_list(actor=request.user, scope=scope, state=state, q=q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "buckets": selectors.group_by_due(page.object_list, today=today),
        "scope": scope,
        "state": state,
        "q": q,
        "querystring": urlencode([(k, v) for k, v in (("scope", scope), ("state", state), ("q", q)) if v]),
        "today": today,
        "can_see_team": selectors.can_see_team(request.user),
        "overdue": selectors.overdue_count(actor=request.user, today=today),
    }
    template = "tasks/task_list.html#results" if request.htmx else "tasks/task_list.html"
    return render(request, template, context)


def task_create(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    try:
        related = card.resolve_target(
            request.user, person_id=_int(source.get("person")), organization_id=_int(source.get("organization")),
            deal_id=_int(source.get("deal")),
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = TaskForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(actor=request.user, **form.service_fields(), **related)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Task “%(title)s” is saved.") % {"title": task.title})
            return redirect(_next(request, "tasks:list"))
    return render(request, "tasks/task_form.html", {"form": form, "task": None, "related": related,
                                                     "next": _next(request, "")})


def _initial(task) -> dict:
    return {
        "version": task.version, "title": task.title, "description": task.description, "due_date": task.due_date,
        "priority": task.priority, "assignee": task.assignee_id,
        "remind_at": timezone.localtime(task.remind_at) if task.remind_at else None,
    }


def task_edit(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = selectors.task_get(actor=request.user, task_id=task_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    initial = _initial(task)
    form = TaskForm(request.POST or None, actor=request.user, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, expected_version=form.cleaned_data["version"],
                                 **form.service_fields())
        except Conflict as exc:
            status = 409
            fresh = type(task).objects.get(pk=task.pk)
            show_stale_edit(form, exc, current=_initial(fresh), version=fresh.version)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Task “%(title)s” is saved.") % {"title": task.title})
            return redirect(_next(request, "tasks:list"))
    related = {k: getattr(task, k) for k in ("person", "organization", "deal") if getattr(task, k) is not None}
    return render(request, "tasks/task_form.html", {"form": form, "task": task, "related": related,
                                                     "next": _next(request, "")}, status=status)


def _toggle(request: HttpRequest, task_id: int, *, done: bool) -> HttpResponse:
    try:
        task = selectors.task_get(actor=request.user, task_id=task_id)
        if done:
            services.task_complete(actor=request.user, task=task)
        else:
            services.task_reopen(actor=request.user, task=task)
    except NotFound as exc:
        raise Http404(exc.message) from None
    if request.htmx:
        today = timezone.localdate()
        task.bucket = selectors.due_bucket(task, today)
        layout = request.POST.get("layout", "row")
        template = "tasks/_related_tasks.html#item" if layout == "item" else "tasks/task_list.html#row"
        return render(request, template, {"task": task, "today": today})
    return redirect(_next(request, "tasks:list"))


@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    return _toggle(request, task_id, done=True)


@require_POST
def task_reopen(request: HttpRequest, task_id: int) -> HttpResponse:
    return _toggle(request, task_id, done=False)


@require_POST
def task_quick_add(request: HttpRequest) -> HttpResponse:
    """Add a task from the card or the deal page; htmx gets the panel back, re-rendered."""
    form = QuickTaskForm(request.POST)
    error = None
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        data = {k: _int(request.POST.get(k)) for k in ("person", "organization", "deal")}
    else:
        data = form.cleaned_data
    try:
        related = card.resolve_target(request.user, person_id=data.get("person"),
                                      organization_id=data.get("organization"), deal_id=data.get("deal"))
    except NotFound as exc:
        raise Http404(exc.message) from None
    if not related:
        raise Http404(_("Add the task on a person, an organisation or a deal."))
    if error is None:
        try:
            services.task_create(actor=request.user, title=data["title"], due_date=data.get("due_date"), **related)
        except DomainError as exc:
            error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_next(request, "tasks:list"))
    panel = card.related_panel(request.user, **related)
    if error:
        panel["form"] = form
        panel["error"] = error
    # 200 even with an error: htmx swaps only successful answers, and the panel shows the error inline.
    return render(request, "tasks/_related_tasks.html", {"panel": panel})
