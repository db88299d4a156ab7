"""The customer card pages: find a customer (screen-pop), the person card, the organisation card.

Thin views over ``tillit.card.selectors`` and ``tillit.interactions.services``; htmx requests get
the named partials of the same templates (``card/person.html#timeline`` …).
"""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from tillit.card import selectors
from tillit.card.forms import log_form
from tillit.card.panels import card_panels
from tillit.core.access import can_see
from tillit.core.errors import DomainError, NotFound
from tillit.core.phones import looks_like_email, normalize_email, normalize_phone
from tillit.interactions.models import Channel, Kind
from tillit.interactions.services import log_interaction as log_interaction_service


def _filters(request: HttpRequest) -> dict:
    """Timeline filters from the query string; unknown values are ignored rather than failing the page."""
    channel = request.GET.get("channel", "")
    kind = request.GET.get("kind", "")
    page = request.GET.get("page", "1")
    return {
        "channel": channel if channel in Channel.values else "",
        "kind": kind if kind in Kind.values else "",
        "page": int(page) if page.isdigit() and int(page) > 0 else 1,
    }


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _timeline_context(**extra) -> dict:
    return {"channels": Channel.choices, "kinds": Kind.choices, **extra}


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    return render(request, "card/search.html", {"q": request.GET.get("q", "")})


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or request.GET.get("phone") or request.GET.get("email") or "").strip()
    if not q:
        return redirect("card:search")
    people = selectors.lookup(actor=request.user, q=q)
    phone = normalize_phone(q) if not looks_like_email(q) else None
    email = normalize_email(q) if looks_like_email(q) else ""
    searched_by = "email" if email else "phone" if phone else "name"
    if not people and searched_by == "name":
        people = selectors.name_search(actor=request.user, q=q)
    if len(people) == 1:
        return redirect("card:person", person_id=people[0].pk)
    # Named like the person form's fields (people.forms.PersonForm), so it can take them as initial values.
    if email:
        prefill = {"emails": email}
    elif phone:
        prefill = {"phones": q}
    else:
        first, _sep, last = q.rpartition(" ") if " " in q else (q, "", "")
        prefill = {"first_name": first, "last_name": last}
    return render(request, "card/lookup.html", {
        "q": q, "people": people, "searched_by": searched_by, "phone": phone, "email": email,
        "create_url": f"{reverse('people:person_create')}?{urlencode(prefill)}",
        "list_url": f"{reverse('people:person_list')}?{urlencode({'q': q})}",
    })


def _card(request: HttpRequest, person_id: int):
    try:
        return selectors.customer_card(actor=request.user, person_id=person_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _person_page(request: HttpRequest, person_id: int, *, form=None, status: int = 200) -> HttpResponse:
    card = _card(request, person_id)
    filters = _filters(request)
    if filters != {"channel": "", "kind": "", "page": 1}:
        card.timeline = selectors.timeline(actor=request.user, person=card.person, **filters)
    form = form or log_form(request.GET.get("log"))
    return render(request, "card/person.html", _timeline_context(
        card=card, form=form, timeline=card.timeline, person_id=card.person.pk,
        panels=card_panels(request.user, person=card.person), can_change=can_see(request.user, card.person),
    ), status=status)


@require_GET
def person_card(request: HttpRequest, person_id: int) -> HttpResponse:
    return _person_page(request, person_id)


@require_GET
def person_timeline(request: HttpRequest, person_id: int) -> HttpResponse:
    if not _is_partial(request):
        return redirect(f"{reverse('card:person', args=[person_id])}?{request.GET.urlencode()}")
    try:
        page = selectors.timeline(actor=request.user, person=person_id, **_filters(request))
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "card/person.html#timeline", _timeline_context(timeline=page, person_id=person_id))


@require_http_methods(["GET", "POST"])
def log_interaction(request: HttpRequest, person_id: int) -> HttpResponse:
    """GET: the "Log activity" panel for a tab. POST: log it, answer with the refreshed timeline
    (and, out of band, a cleared form and the updated facts)."""
    if request.method == "GET":
        card = _card(request, person_id)
        if not _is_partial(request):
            return redirect(f"{reverse('card:person', args=[person_id])}?log={request.GET.get('type', '')}")
        form = log_form(request.GET.get("type"))
        return render(request, "card/person.html#log_panel", {"card": card, "form": form})

    card = _card(request, person_id)  # access check before anything is validated or written
    form = log_form(request.POST.get("type"), data=request.POST)
    interaction = None
    if form.is_valid():
        try:
            interaction = log_interaction_service(
                actor=request.user, person=card.person, handled_by=request.user, **form.interaction_values()
            )
        except NotFound as exc:
            raise Http404(exc.message) from None
        except DomainError as exc:
            form.add_service_error(exc.field, exc.message)
    if interaction is None:
        if not _is_partial(request):
            return _person_page(request, person_id, form=form, status=422)
        response = render(request, "card/person.html#log_panel", {"card": card, "form": form})
        return reswap(retarget(response, "#log-panel"), "outerHTML")
    if not _is_partial(request):
        return redirect("card:person", person_id=person_id)
    card = _card(request, person_id)
    return render(request, "card/log_done.html", _timeline_context(
        card=card, timeline=card.timeline, person_id=person_id, form=log_form(form.log_type),
        fresh_id=interaction.pk, oob=True,
    ))


def _org_card(request: HttpRequest, organization_id: int):
    try:
        return selectors.organization_card(actor=request.user, organization_id=organization_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
def organization_card(request: HttpRequest, organization_id: int) -> HttpResponse:
    card = _org_card(request, organization_id)
    filters = _filters(request)
    if filters != {"channel": "", "kind": "", "page": 1}:
        card.timeline = selectors.timeline(actor=request.user, organization=card.organization, **filters)
    return render(request, "card/organization.html", _timeline_context(
        card=card, timeline=card.timeline, organization_id=card.organization.pk,
        panels=card_panels(request.user, organization=card.organization),
        can_change=can_see(request.user, card.organization),
    ))


@require_GET
def organization_timeline(request: HttpRequest, organization_id: int) -> HttpResponse:
    if not _is_partial(request):
        return redirect(f"{reverse('card:organization', args=[organization_id])}?{request.GET.urlencode()}")
    try:
        page = selectors.timeline(actor=request.user, organization=organization_id, **_filters(request))
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "card/organization.html#timeline",
                  _timeline_context(timeline=page, organization_id=organization_id))

