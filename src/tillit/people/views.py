"""Person and organisation lists, forms and the CSV export. Thin: selectors read, services write."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core import csvsafe
from tillit.core.errors import AccessDenied, Conflict, DomainError, NotFound
from tillit.core.stale import show_stale_edit
from tillit.people import selectors, services
from tillit.people.duplicates import LikelyDuplicateError
from tillit.people.forms import OrganizationForm, PersonForm, organization_label
from tillit.people.models import LifecycleStage, Organization, Person

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _person_filters(request: HttpRequest) -> dict:
    return {
        "q": request.GET.get("q", "").strip()[:200],
        "lifecycle_stage": request.GET.get("stage", ""),
        "owner_id": _int(request.GET.get("owner")),
        "organization_id": _int(request.GET.get("organization")),
    }


def _querystring(request: HttpRequest, *, without: tuple[str, ...] = ("page",)) -> str:
    pairs = [(k, v) for k, v in request.GET.items() if k not in without and v]
    return urlencode(pairs)


def _page(request: HttpRequest, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def person_list(request: HttpRequest) -> HttpResponse:
    filters = _person_filters(request)
    page = _page(request, selectors.person_list(actor=request.user, **filters))
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "stages": LifecycleStage.choices,
        "owners": selectors.owner_choices(actor=request.user),
        "querystring": _querystring(request),
    }
    template = "people/person_list.html#results" if request.htmx else "people/person_list.html"
    return render(request, template, context)


def person_create(request: HttpRequest) -> HttpResponse:
    # The look-up page links here with the unknown caller's phone/email/name prefilled.
    prefill = {k: request.GET[k] for k in ("first_name", "last_name", "emails", "phones") if request.GET.get(k)}
    form = PersonForm(request.POST or None, actor=request.user, initial=prefill)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, **form.service_fields(),
                                            warn_duplicates=not form.cleaned_data["allow_duplicate"])
        except LikelyDuplicateError as exc:
            duplicates = exc.candidates  # the form is shown again as typed, with the list and the confirmation
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": person.full_name})
            return redirect("card:person", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None, "duplicates": duplicates})


def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        person = selectors.person_get(actor=request.user, person_id=person_id, for_change=True)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except AccessDenied as exc:  # read through a relationship grant: the card, not the form
        raise PermissionDenied(exc.message) from None
    form = PersonForm(request.POST or None, actor=request.user, person=person)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person=person,
                                   expected_version=form.cleaned_data["version"], **form.service_fields())
        except Conflict as exc:
            conflict = True
            fresh = Person.objects.get(pk=person.pk)
            show_stale_edit(form, exc, current=PersonForm.initial_for(fresh), version=fresh.version)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": person.full_name})
            return redirect("card:person", person_id=person.pk)
    status = 409 if conflict else 200
    return render(request, "people/person_form.html", {"form": form, "person": person}, status=status)


def organization_options(request: HttpRequest) -> HttpResponse:
    """``<option>`` rows for the organisation picker on the person form (htmx)."""
    q = (request.GET.get("organization") or request.GET.get("q") or "").strip()[:200]
    q = q.split(" (#")[0]
    orgs = selectors.organization_list(actor=request.user, q=q)[:20] if q else []
    return render(request, "people/person_form.html#organization_options",
                  {"organizations": [organization_label(o) for o in orgs]})


def person_export(request: HttpRequest) -> StreamingHttpResponse:
    """The current list (same filters, same access) as CSV, streamed row by row."""
    qs = selectors.person_list(actor=request.user, **_person_filters(request))
    header = [
        _("id"), _("first name"), _("last name"), _("email"), _("phone"), _("organisation"), _("title"),
        _("lifecycle stage"), _("owner"), _("team"), _("persona"), _("relationship category"), _("city"),
        _("country"), _("created"), _("updated"),
    ]

    def rows():
        yield header
        for p in qs.iterator(chunk_size=2000):
            role = p.current_roles[0] if p.current_roles else None
            yield [
                p.pk, p.first_name, p.last_name, p.primary_email, p.primary_phone,
                role.organization.name if role else "", role.title if role else "", p.lifecycle_stage,
                str(p.owner) if p.owner else "", str(p.team) if p.team else "", p.persona,
                p.relationship_category, p.city, p.country,
                p.created_at.isoformat(), p.updated_at.isoformat(),
            ]

    writer = csvsafe.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="persons-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def organization_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    owner_id = _int(request.GET.get("owner"))
    page = _page(request, selectors.organization_list(actor=request.user, q=q, owner_id=owner_id))
    page.object_list = selectors.with_people_counts(page.object_list)
    context = {
        "page": page,
        "filters": {"q": q, "owner_id": owner_id},
        "filtered": bool(q or owner_id),
        "owners": selectors.owner_choices(actor=request.user),
        "querystring": _querystring(request),
    }
    template = "people/organization_list.html#results" if request.htmx else "people/organization_list.html"
    return render(request, template, context)


def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None, actor=request.user)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            data = form.service_fields()
            organization = services.organization_create(
                actor=request.user, **data, warn_duplicates=not form.cleaned_data["allow_duplicate"]
            )
        except LikelyDuplicateError as exc:
            duplicates = exc.candidates
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": organization.name})
            return redirect("card:organization", organization_id=organization.pk)
    return render(request, "people/organization_form.html",
                  {"form": form, "organization": None, "duplicates": duplicates})


def organization_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    try:
        organization = selectors.organization_get(actor=request.user, organization_id=organization_id,
                                                  for_change=True)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None
    form = OrganizationForm(request.POST or None, actor=request.user, organization=organization)
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(actor=request.user, organization=organization,
                                         expected_version=form.cleaned_data["version"], **form.service_fields())
        except Conflict as exc:
            conflict = True
            fresh = Organization.objects.get(pk=organization.pk)
            current = OrganizationForm(actor=request.user, organization=fresh).initial
            show_stale_edit(form, exc, current=current, version=fresh.version)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": organization.name})
            return redirect("card:organization", organization_id=organization.pk)
    status = 409 if conflict else 200
    return render(request, "people/organization_form.html", {"form": form, "organization": organization},
                  status=status)

