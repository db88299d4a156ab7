"""Service pages: the agent's inbox, case list, case page with its actions, queues and rules, the web form.

Thin: selectors read, services write; a ``DomainError`` becomes a form error or a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import Conflict, DomainError, NotFound
from tillit.core.proxies import client_ip
from tillit.interactions.models import Channel
from tillit.people.models import Person
from tillit.people.selectors import person_list as visible_people
from tillit.service import inbound, queues, selectors, services
from tillit.service.forms import (
    AssignForm,
    CaseForm,
    NoteForm,
    PriorityForm,
    QueueForm,
    ReplyForm,
    RuleForm,
    StatusForm,
    SupportForm,
)
from tillit.service.models import Attachment, CaseKind, CasePriority, CaseStatus, InboundStatus, Queue

PAGE_SIZE = 50
SUPPORT_FORM_LIMIT = 5  # submissions per IP per window
SUPPORT_FORM_WINDOW = 600  # seconds


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _case(request: HttpRequest, case_id: int):
    try:
        return selectors.case_get(actor=request.user, case_id=case_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _querystring(request: HttpRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


# --- inbox and lists -----------------------------------------------------------------------------
def inbox(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "all")
    filters = {"scope": scope if scope in ("all", "mine", "queues") else "all",
               "priority": request.GET.get("priority", ""), "kind": request.GET.get("kind", "")}
    cases = selectors.inbox(actor=request.user, **filters)
    context = {
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters, "counts": selectors.inbox_counts(actor=request.user),
        "priorities": CasePriority.choices, "kinds": CaseKind.choices, "querystring": _querystring(request),
        "can_work": services.can_work_cases(request.user), "has_sla": selectors.has_sla_clock(),
    }
    template = "service/inbox.html#results" if request.htmx else "service/inbox.html"
    return render(request, template, context)


def _list_filters(request: HttpRequest) -> dict:
    return {
        "q": request.GET.get("q", "").strip()[:100], "status": request.GET.get("status", ""),
        "priority": request.GET.get("priority", ""), "kind": request.GET.get("kind", ""),
        "channel": request.GET.get("channel", ""), "queue_id": _int(request.GET.get("queue")),
        "assignee_id": _int(request.GET.get("assignee")), "unassigned": request.GET.get("unassigned") == "1",
        "person_id": _int(request.GET.get("person")), "organization_id": _int(request.GET.get("organization")),
        "order": request.GET.get("order", "newest"),
    }


def case_list(request: HttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    context = {
        "page": Paginator(selectors.case_list(actor=request.user, **filters), PAGE_SIZE).get_page(
            request.GET.get("page")),
        "filters": filters, "filtered": any(v for k, v in filters.items() if k != "order"),
        "statuses": CaseStatus.choices, "priorities": CasePriority.choices, "kinds": CaseKind.choices,
        "channels": Channel.choices, "queues": Queue.objects.all(), "agents": selectors.service_agents(),
        "querystring": _querystring(request), "can_work": services.can_work_cases(request.user),
    }
    template = "service/case_list.html#results" if request.htmx else "service/case_list.html"
    return render(request, template, context)


# --- a case ----------------------------------------------------------------------------------------
def case_create(request: HttpRequest) -> HttpResponse:
    if not services.can_work_cases(request.user):
        raise PermissionDenied(_("Only the service team can open cases."))
    people = visible_people(actor=request.user)
    person = None
    if person_id := _int(request.GET.get("person") or request.POST.get("person")):
        person = people.filter(pk=person_id).first()
    initial = {"person": person.pk, "customer_email": person.primary_email} if person else {}
    form = CaseForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = data["person"] or _person_for_email(data["customer_email"])
            case = services.case_create(
                actor=request.user, subject=data["subject"], body=data["body"], kind=data["kind"],
                channel=data["channel"], priority=data["priority"], person=customer, queue=data["queue"],
                assignee=data["assignee"], customer_email=data["customer_email"] or "",
                from_email=data["customer_email"] or "",
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Case %(number)s is open.") % {"number": case.number})
            return redirect("service:case", case_id=case.pk)
    return render(request, "service/case_form.html", {"form": form, "person": person})


def _person_for_email(email: str) -> Person:
    return inbound.person_for_sender(email)


def _case_context(request: HttpRequest, case, **forms) -> dict:
    version = {"version": case.version}
    return {
        "case": case,
        "thread": selectors.case_thread(case=case),
        "history": selectors.customer_history(actor=request.user, case=case),
        "can_work": services.can_work_cases(request.user),
        "reply_form": forms.get("reply_form") or ReplyForm(initial=version),
        "note_form": forms.get("note_form") or NoteForm(),
        "assign_form": forms.get("assign_form") or AssignForm(initial={**version, "assignee": case.assignee_id}),
        "priority_form": forms.get("priority_form") or PriorityForm(initial={**version, "priority": case.priority}),
        "status_form": forms.get("status_form") or StatusForm(initial={**version, "status": case.status}),
        "other_cases": selectors.case_list(actor=request.user, person_id=case.person_id).exclude(pk=case.pk)[:5]
        if case.person_id else [],
    }


def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    return render(request, "service/case_detail.html", _case_context(request, case))


def _act(request: HttpRequest, case_id: int, form_class, form_name: str, action, success: str) -> HttpResponse:
    """Run one case action from a POSTed form; on an error show the case page again with the form's errors."""
    case = _case(request, case_id)
    form = form_class(request.POST)
    status = 200
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except Conflict:
            form.add_error(None, _("Someone changed this case while you were working on it. "
                                   "Nothing was saved; the page now shows the latest version."))
            status = 409
            case = _case(request, case_id)
        except DomainError as exc:
            form.add_domain_error(exc)
            status = 422
        else:
            messages.success(request, success)
            return redirect("service:case", case_id=case.pk)
    else:
        status = 422
    return render(request, "service/case_detail.html", _case_context(request, case, **{form_name: form}),
                  status=status)


@require_POST
def case_take(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    try:
        services.case_take(actor=request.user, case=case, expected_version=_int(request.POST.get("version")))
    except Conflict:
        messages.error(request, _("Someone changed %(number)s a moment ago; look again.") % {"number": case.number})
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure())
        return redirect(back if back and safe else "service:inbox")
    except DomainError as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("%(number)s is yours.") % {"number": case.number})
    return redirect("service:case", case_id=case.pk)


@require_POST
def case_reply(request: HttpRequest, case_id: int) -> HttpResponse:
    def action(case, data):
        message = services.case_reply(actor=request.user, case=case, body=data["body"], status=data["status"],
                                      expected_version=data["version"])
        if message.send_error:
            messages.warning(request, _("The reply is saved but could not be sent yet: %(error)s") % {
                "error": message.send_error})

    return _act(request, case_id, ReplyForm, "reply_form", action, _("Reply sent."))


@require_POST
def case_note(request: HttpRequest, case_id: int) -> HttpResponse:
    return _act(request, case_id, NoteForm, "note_form",
                lambda case, data: services.case_add_note(actor=request.user, case=case, body=data["body"]),
                _("Note added."))


@require_POST
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    return _act(request, case_id, AssignForm, "assign_form",
                lambda case, data: services.case_assign(actor=request.user, case=case, queue=data["queue"],
                                                        assignee=data["assignee"], note=data["note"],
                                                        expected_version=data["version"]),
                _("Handed over."))


@require_POST
def case_priority(request: HttpRequest, case_id: int) -> HttpResponse:
    return _act(request, case_id, PriorityForm, "priority_form",
                lambda case, data: services.case_set_priority(actor=request.user, case=case,
                                                              priority=data["priority"],
                                                              expected_version=data["version"]),
                _("Priority changed."))


@require_POST
def case_status(request: HttpRequest, case_id: int) -> HttpResponse:
    return _act(request, case_id, StatusForm, "status_form",
                lambda case, data: services.case_set_status(actor=request.user, case=case, status=data["status"],
                                                            note=data["note"], expected_version=data["version"]),
                _("Status changed."))


def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    _case(request, attachment.message.case_id)  # may the user see the case?
    # Always a download, never rendered inline: an attachment may be hostile HTML.
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- queues and rules ----------------------------------------------------------------------------
def queue_list(request: HttpRequest) -> HttpResponse:
    return render(request, "service/queue_list.html", {
        "queues": selectors.queue_list(), "rules": selectors.rule_list(),
        "is_admin": _is_admin(request.user)})


def _is_admin(user) -> bool:
    try:
        queues.ensure_can_admin(user)
    except DomainError:
        return False
    return True


def queue_detail(request: HttpRequest, queue_id: int) -> HttpResponse:
    try:
        queue = selectors.queue_get(queue_id=queue_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    cases = selectors.case_list(actor=request.user, queue_id=queue.pk, open_only=True, order="urgent")
    return render(request, "service/queue_detail.html", {
        "queue": queue, "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "is_admin": _is_admin(request.user), "can_work": services.can_work_cases(request.user),
        "querystring": ""})


def queue_edit(request: HttpRequest, queue_id: int | None = None) -> HttpResponse:
    if not _is_admin(request.user):
        raise PermissionDenied(_("Only administrators can change queues and rules."))
    queue = selectors.queue_get(queue_id=queue_id) if queue_id else None
    form = QueueForm(request.POST or None, instance=queue)
    if request.method == "POST" and form.is_valid():
        try:
            fields = form.service_fields()
            if queue is None:
                queue = queues.queue_create(actor=request.user, **fields)
            else:
                queue = queues.queue_update(actor=request.user, queue=queue, **fields)
            queues.queue_set_members(actor=request.user, queue=queue, users=form.cleaned_data["members"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Queue %(name)s is saved.") % {"name": queue.name})
            return redirect("service:queue", queue_id=queue.pk)
    return render(request, "service/queue_form.html", {"form": form, "queue": queue})


def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    if not _is_admin(request.user):
        raise PermissionDenied(_("Only administrators can change queues and rules."))
    rule = selectors.rule_get(rule_id=rule_id) if rule_id else None
    form = RuleForm(request.POST or None, instance=rule, actor=request.user)
    if request.method == "POST" and request.POST.get("delete") and rule is not None:
        queues.rule_delete(actor=request.user, rule=rule)
        messages.success(request, _("Rule deleted."))
        return redirect("service:queues")
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] for k in RuleForm.Meta.fields}
        try:
            if rule is None:
                queues.rule_create(actor=request.user, **fields)
            else:
                queues.rule_update(actor=request.user, rule=rule, **fields)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Rule %(name)s is saved.") % {"name": fields["name"]})
            return redirect("service:queues")
    return render(request, "service/rule_form.html", {"form": form, "rule": rule})


def inbound_log(request: HttpRequest) -> HttpResponse:
    if not services.can_work_cases(request.user):
        raise PermissionDenied(_("Only the service team can see incoming mail."))
    status = request.GET.get("status", "")
    page = Paginator(selectors.inbound_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service/inbound_log.html", {
        "page": page, "status": status, "statuses": InboundStatus.choices,
        "querystring": _querystring(request)})


def inbound_raw(request: HttpRequest, inbound_id: int) -> FileResponse:
    """The kept raw bytes of an incoming message, as a download (never rendered)."""
    if not services.can_work_cases(request.user):
        raise PermissionDenied(_("Only the service team can see incoming mail."))
    row = selectors.inbound_list().filter(pk=inbound_id).exclude(raw="").first()
    if row is None:
        raise Http404(_("No such message."))
    response = FileResponse(row.raw.open("rb"), as_attachment=True, filename=f"inbound-{row.pk}.eml",
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the public web form -------------------------------------------------------------------------
def _rate_limited(request: HttpRequest) -> bool:
    # Per visitor: behind a trusted reverse proxy that is X-Forwarded-For's client, not the proxy.
    key = f"service:support-form:{client_ip(request)}"
    cache.add(key, 0, SUPPORT_FORM_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, SUPPORT_FORM_WINDOW)
        count = 1
    return count > SUPPORT_FORM_LIMIT


def _support_page(request: HttpRequest, status: int = 200, **context) -> HttpResponse:
    context["company"] = settings.TILLIT_COMPANY_NAME
    return render(request, "service/support.html", context, status=status)


@login_not_required
def support_form(request: HttpRequest) -> HttpResponse:
    form = SupportForm(request.POST or None)
    if request.method == "POST":
        if _rate_limited(request):
            return _support_page(request, 429, form=form, limited=True)
        if form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                # A bot filled the honeypot: answer like a success, store nothing.
                return _support_page(request, done=True)
            try:
                person = inbound.person_for_sender(data["email"], data["name"])
                case = services.case_create(
                    actor=None, subject=data["subject"], body=inbound.clean_text(data["message"]), kind=data["kind"],
                    channel=Channel.WEB, person=person, customer_email=data["email"], from_email=data["email"])
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return _support_page(request, done=True, number=case.number)
    return _support_page(request, 422 if form.errors else 200, form=form)
