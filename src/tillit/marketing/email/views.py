"""Mailing pages: list with stats, editor with preview and live audience count, report with progress."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.access import restrict
from tillit.core.charts import Series, bar_chart_svg
from tillit.core.errors import AccessDenied, Conflict, DomainError, NotFound
from tillit.marketing.email import selectors, services
from tillit.marketing.email.forms import MailingForm, ScheduleForm
from tillit.marketing.email.models import Mailing, MailingStatus
from tillit.marketing.models import Segment, StaticList


def _access(view):
    """Map the services' access errors to 403/404 pages in one place."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from None
        except NotFound as exc:
            raise Http404(exc.message) from None
    return wrapper


def _mailing(request, mailing_id: int) -> Mailing:
    return selectors.mailing_get(actor=request.user, mailing_id=mailing_id)


@_access
def mailing_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.mailing_list(actor=request.user, status=status, q=request.GET.get("q", "").strip())
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(m, selectors.rates(m)) for m in page]
    return render(request, "marketing/email/mailing_list.html", {
        "page": page, "rows": rows, "status": status, "statuses": MailingStatus.choices,
        "can_manage": services.can_manage(request.user), "q": request.GET.get("q", ""),
    })


def _editor(request, form, mailing):
    people = []
    if mailing is not None:
        everyone = selectors.audience(segments=mailing.segments.all(), static_lists=mailing.static_lists.all())
        people = list(restrict(everyone, request.user).order_by("last_name", "first_name")[:25])
    return render(request, "marketing/email/mailing_form.html", {
        "form": form, "mailing": mailing, "preview_people": people,
    })


@_access
def mailing_create(request: HttpRequest) -> HttpResponse:
    services.ensure_manager(request.user)
    form = MailingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mailing = services.mailing_create(actor=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("“%(name)s” is saved as a draft.") % {"name": mailing.name})
            return redirect("marketing:mailing_detail", mailing_id=mailing.pk)
    return _editor(request, form, None)


@_access
def mailing_edit(request: HttpRequest, mailing_id: int) -> HttpResponse:
    services.ensure_manager(request.user)
    mailing = _mailing(request, mailing_id)
    form = MailingForm(request.POST or None, mailing=mailing)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.mailing_update(actor=request.user, mailing=mailing,
                                    expected_version=form.cleaned_data["version"], **form.service_fields())
        except Conflict:
            status = 409
            form.add_error(None, _("Someone else changed this mailing while you were editing. "
                                   "Your changes are not saved; reload to see the latest version."))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("marketing:mailing_detail", mailing_id=mailing.pk)
    response = _editor(request, form, mailing)
    response.status_code = status
    return response


def _preview_mailing(request) -> Mailing:
    """An unsaved mailing from the editor's fields, for the preview panel."""
    return Mailing(subject=request.POST.get("subject", ""), preheader=request.POST.get("preheader", ""),
                   body=request.POST.get("body", ""))


@_access
@require_POST
def mailing_preview(request: HttpRequest) -> HttpResponse:
    """The editor's preview panel (htmx): the text as typed, rendered for a chosen person or yourself."""
    from tillit.marketing.email.personalise import check_placeholders
    from tillit.people.models import Person

    mailing = _preview_mailing(request)
    error = None
    rendered = None
    person = None
    person_id = request.POST.get("preview_person", "")
    try:
        for field in ("subject", "preheader", "body"):
            check_placeholders(getattr(mailing, field), field=field)
        if person_id.isdigit():
            person = Person(pk=int(person_id))
        rendered = services.mailing_preview(actor=request.user, mailing=mailing, person=person)
    except NotFound:
        error = _("You cannot see that person.")
    except DomainError as exc:
        error = exc.message
    return render(request, "marketing/email/mailing_form.html#preview", {"rendered": rendered, "error": error})


@_access
@require_POST
def mailing_count(request: HttpRequest) -> HttpResponse:
    """The editor's live recipient count after exclusions (htmx)."""
    services.ensure_manager(request.user)
    segments = Segment.objects.filter(pk__in=[i for i in request.POST.getlist("segments") if i.isdigit()])
    lists = StaticList.objects.filter(pk__in=[i for i in request.POST.getlist("static_lists") if i.isdigit()])
    kind = request.POST.get("kind", "newsletter")
    purpose = request.POST.get("purpose", "").strip() or services.DEFAULT_PURPOSE.get(kind, "newsletter")
    counts = selectors.audience_counts(segments=list(segments), static_lists=list(lists), purpose=purpose)
    return render(request, "marketing/email/mailing_form.html#count", {"counts": counts, "purpose": purpose})


@_access
def mailing_detail(request: HttpRequest, mailing_id: int) -> HttpResponse:
    mailing = _mailing(request, mailing_id)
    context = {"mailing": mailing, "progress": selectors.mailing_progress(mailing), "rates": selectors.rates(mailing)}
    if request.htmx and request.GET.get("part") == "progress":
        # The poll while sending: counters only, no audience or report queries. When sending has ended,
        # reload the page once so the report, recipients and buttons match the new status.
        response = render(request, "marketing/email/mailing_detail.html#progress", context)
        if mailing.status not in (MailingStatus.SCHEDULED, MailingStatus.SENDING):
            response["HX-Refresh"] = "true"
        return response
    messages_page = Paginator(
        selectors.message_list(actor=request.user, mailing=mailing, status=request.GET.get("status", "")), 50
    ).get_page(request.GET.get("page"))
    series = selectors.engagement_series(mailing)
    chart = None
    if series["labels"]:
        chart = bar_chart_svg(
            series["labels"],
            [Series("opens", _("First opens"), series["opens"]), Series("clicks", _("First clicks"), series["clicks"])],
            title=_("Opens and clicks over time"),
        )
    editable = mailing.status in (MailingStatus.DRAFT, MailingStatus.SCHEDULED)
    context.update({
        "chart": chart, "links": selectors.top_links(mailing), "messages_page": messages_page,
        "can_manage": services.can_manage(request.user),
        "schedule_form": ScheduleForm(initial={"version": mailing.version}),
        "segments": list(mailing.segments.all()), "static_lists": list(mailing.static_lists.all()),
        "counts": selectors.audience_counts(segments=mailing.segments.all(), static_lists=mailing.static_lists.all(),
                                            purpose=mailing.purpose) if editable else None,
    })
    return render(request, "marketing/email/mailing_detail.html", context)


@_access
@require_POST
def mailing_action(request: HttpRequest, mailing_id: int, action: str) -> HttpResponse:
    """Schedule, unschedule, cancel, test send or delete — each one service call."""
    mailing = _mailing(request, mailing_id)
    services.ensure_manager(request.user)
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    try:
        if action == "schedule":
            form = ScheduleForm(request.POST)
            when = form.cleaned_data["scheduled_at"] if form.is_valid() else None
            if not form.is_valid():
                raise DomainError(_("Give a valid date and time."), field="scheduled_at")
            services.mailing_schedule(actor=request.user, mailing=mailing, expected_version=expected,
                                      scheduled_at=when)
            messages.success(request, _("Scheduled. Sending starts at the set time, in the background."))
        elif action == "unschedule":
            services.mailing_unschedule(actor=request.user, mailing=mailing, expected_version=expected)
            messages.success(request, _("Back to draft."))
        elif action == "cancel":
            services.mailing_cancel(actor=request.user, mailing=mailing, expected_version=expected)
            messages.success(request, _("Cancelled; messages not yet sent will not be sent."))
        elif action == "test":
            address = services.mailing_test_send(actor=request.user, mailing=mailing)
            messages.success(request, _("A test is on its way to %(address)s.") % {"address": address})
        elif action == "delete":
            services.mailing_delete(actor=request.user, mailing=mailing)
            messages.success(request, _("Deleted."))
            return redirect("marketing:mailing_list")
        else:
            raise Http404
    except Conflict:
        messages.error(request, _("Someone else changed this mailing meanwhile; check it and try again."))
    except (AccessDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("marketing:mailing_detail", mailing_id=mailing.pk)
