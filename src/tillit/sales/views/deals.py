"""Deal pages: "my deals", the deal page, create/edit, won/lost/reopen, and the board.

Thin: selectors read, services write; a ``DomainError`` becomes a form error or a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import Conflict, DomainError, NotFound
from tillit.core.stale import show_stale_edit
from tillit.people import selectors as people_selectors
from tillit.people.forms import organization_label
from tillit.sales.forms_deals import (
    DealForm,
    DealProductFormSet,
    LostForm,
    person_label,
    plain,
    product_rows,
)
from tillit.sales.models import Product, StageOutcome
from tillit.sales.selectors import deals as selectors
from tillit.sales.services import deals as services
from tillit.tasks.card import related_panel

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _deal_or_404(request: HttpRequest, deal_id: int):
    try:
        return selectors.deal_get(actor=request.user, deal_id=deal_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _filters(request: HttpRequest) -> dict:
    scope = request.GET.get("scope", "mine")
    return {
        "scope": scope if scope in selectors.SCOPES else "mine",
        "pipeline_id": _int(request.GET.get("pipeline")),
        "stage_id": _int(request.GET.get("stage")),
        "status": request.GET.get("status", "open") if request.GET.get("status", "open") in (
            *selectors.STATUSES, "any") else "open",
        "close_month": request.GET.get("close", "")[:7],
        "q": request.GET.get("q", "").strip()[:200],
        "order": request.GET.get("order", "close") if request.GET.get("order") in selectors.ORDERINGS else "close",
        "owner_id": _int(request.GET.get("owner")),
    }


def deal_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    if filters["owner_id"]:
        filters["scope"] = "all"  # an owner filter widens "my deals" to everything visible of that owner
    query = {k: v for k, v in filters.items() if k != "status"}
    status = filters["status"]
    qs = selectors.deal_list(actor=request.user, status="" if status == "any" else status, **query)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    pipelines = list(selectors.pipeline_list(actor=request.user))
    pairs = [(k, v) for k, v in request.GET.items() if k not in ("page", "order") and v]
    context = {
        "page": page, "filters": filters, "pipelines": pipelines,
        "stages": [s for p in pipelines for s in p.stages.all()],
        "owners": list(people_selectors.owner_choices(actor=request.user)),
        "querystring": urlencode(pairs), "scopes": [
            ("mine", _("My deals")), ("team", _("My team's")), ("all", _("All I can see")),
        ],
        "statuses": [("open", _("Open")), ("won", _("Won")), ("lost", _("Lost")), ("any", _("Any"))],
        "orders": [("close", _("Close date")), ("-value", _("Value, highest first")),
                   ("updated", _("Recently changed")), ("title", _("Title")), ("stage", _("Stage"))],
    }
    template = "sales/deals/deal_list.html#results" if request.htmx else "sales/deals/deal_list.html"
    return render(request, template, context)


def _products_formset(request: HttpRequest, deal=None):
    initial = None
    if deal is not None and request.method != "POST":
        initial = [{"product": r.product_id, "quantity": plain(r.quantity), "unit_price": plain(r.unit_price)}
                   for r in selectors.deal_products(deal=deal)]
    products = Product.objects.filter(is_active=True)
    if deal is not None:
        products = (products | Product.objects.filter(pk__in=deal.products.values("product_id"))).distinct()
    return DealProductFormSet(request.POST or None, initial=initial, prefix="products",
                              form_kwargs={"products": products})


def _form_context(form, formset, deal=None) -> dict:
    return {"form": form, "products": formset, "deal": deal}


def deal_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if person_id := _int(request.GET.get("person")):
        person = people_selectors.person_list(actor=request.user).filter(pk=person_id).first()
        initial["person"] = person_label(person)
    if org_id := _int(request.GET.get("organization")):
        org = people_selectors.visible_organizations(actor=request.user).filter(pk=org_id).first()
        initial["organization"] = organization_label(org)
    form = DealForm(request.POST or None, actor=request.user, initial=initial)
    formset = _products_formset(request)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                deal = services.deal_create(actor=request.user, products=product_rows(formset),
                                            **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The deal “%(title)s” is saved.") % {"title": deal.title})
            return redirect("sales:deal_detail", deal_id=deal.pk)
    return render(request, "sales/deals/deal_form.html", _form_context(form, formset))


def deal_edit(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    form = DealForm(request.POST or None, actor=request.user, deal=deal)
    formset = _products_formset(request, deal)
    status = 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = form.service_fields()
        try:
            services.deal_update(request.user, deal, form.cleaned_data["version"], products=product_rows(formset),
                                 **fields)
        except Conflict as exc:
            status = 409
            fresh = type(deal).objects.get(pk=deal.pk)
            current = DealForm(actor=request.user, deal=fresh).initial
            show_stale_edit(form, exc, current=current, version=fresh.version)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The deal “%(title)s” is saved.") % {"title": deal.title})
            return redirect("sales:deal_detail", deal_id=deal.pk)
    return render(request, "sales/deals/deal_form.html", _form_context(form, formset, deal), status=status)


def _url(name: str, pk: int, fallback: str) -> str:
    # The quotes module serves these pages; link by name, fall back to its documented path.
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return fallback


def deal_detail(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    quotes = list(selectors.deal_quotes(deal=deal))
    for quote in quotes:
        quote.url = _url("sales:quote", quote.pk, f"/quotes/{quote.pk}/")
    orders = list(deal.orders.order_by("-order_date", "-id"))
    for order in orders:
        order.url = _url("sales:order", order.pk, f"/orders/{order.pk}/")
    today = timezone.localdate()
    context = {
        "deal": deal,
        "products": selectors.deal_products(deal=deal),
        "history": selectors.deal_history(deal=deal),
        "quotes": quotes,
        "orders": orders,
        "lost_form": LostForm(initial={"version": deal.version}),
        "open_stages": [s for s in deal.pipeline.stages.all() if s.outcome == StageOutcome.OPEN],
        "overdue": bool(deal.expected_close_date and deal.expected_close_date < today
                        and deal.stage.outcome == StageOutcome.OPEN),
        "weighted": deal.value * deal.stage.probability / 100,
        "task_panel": related_panel(request.user, deal=deal, today=today),
    }
    return render(request, "sales/deals/deal_detail.html", context)


def _version(request: HttpRequest) -> int | None:
    return _int(request.POST.get("version"))


def _closing_action(request: HttpRequest, deal_id: int, action) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    try:
        action(deal)
    except Conflict:
        messages.error(request, _("This deal was changed by someone else; here is the latest version."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("sales:deal_detail", deal_id=deal_id)


@require_POST
def deal_won(request: HttpRequest, deal_id: int) -> HttpResponse:
    def win(deal):
        services.deal_mark_won(actor=request.user, deal=deal, expected_version=_version(request))
        messages.success(request, _("Won! “%(title)s” is closed as won.") % {"title": deal.title})

    return _closing_action(request, deal_id, win)


def deal_lost(request: HttpRequest, deal_id: int) -> HttpResponse:
    deal = _deal_or_404(request, deal_id)
    form = LostForm(request.POST or None, initial={"version": deal.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_mark_lost(actor=request.user, deal=deal, lost_reason=form.cleaned_data["lost_reason"],
                                    lost_note=form.cleaned_data["lost_note"],
                                    expected_version=form.cleaned_data["version"])
        except Conflict:
            form.add_error(None, _("This deal was changed by someone else; reload and try again."))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("“%(title)s” is closed as lost.") % {"title": deal.title})
            return redirect("sales:deal_detail", deal_id=deal.pk)
    return render(request, "sales/deals/deal_lost.html", {"deal": deal, "form": form})


@require_POST
def deal_reopen(request: HttpRequest, deal_id: int) -> HttpResponse:
    def reopen(deal):
        stage = None
        if stage_id := _int(request.POST.get("stage")):
            stage = next((s for s in deal.pipeline.stages.all() if s.pk == stage_id), None)
        services.deal_reopen(actor=request.user, deal=deal, stage=stage, expected_version=_version(request))
        messages.success(request, _("The deal is open again, in %(stage)s.") % {"stage": deal.stage.name})

    return _closing_action(request, deal_id, reopen)


def person_options(request: HttpRequest) -> HttpResponse:
    """``<option>`` rows for the person picker on the deal form (htmx)."""
    q = (request.GET.get("person") or request.GET.get("q") or "").strip()[:200].split(" (#")[0]
    persons = people_selectors.person_list(actor=request.user, q=q)[:20] if q else []
    return render(request, "sales/deals/_person_options.html", {"persons": [person_label(p) for p in persons]})


def organization_options(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("organization") or request.GET.get("q") or "").strip()[:200].split(" (#")[0]
    orgs = people_selectors.organization_list(actor=request.user, q=q)[:20] if q else []
    return render(request, "sales/deals/_person_options.html", {"persons": [organization_label(o) for o in orgs]})


# --- the board ------------------------------------------------------------------------------
def _board_context(request: HttpRequest, *, cards: bool = True) -> dict:
    pipelines = list(selectors.pipeline_list(actor=request.user, active_only=True))
    pipeline = None
    if pipeline_id := _int(request.GET.get("pipeline")):
        pipeline = next((p for p in pipelines if p.pk == pipeline_id), None)
        if pipeline is None:
            try:
                pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
            except NotFound:
                pipeline = None
    if pipeline is None and pipelines:
        pipeline = pipelines[0]
    scope = request.GET.get("scope", "all")
    scope = scope if scope in selectors.SCOPES else "all"
    columns = selectors.board(actor=request.user, pipeline=pipeline, scope=scope, cards=cards) if pipeline else []
    open_columns = [c for c in columns if c.stage.outcome == StageOutcome.OPEN]
    return {
        "pipelines": pipelines, "pipeline": pipeline, "columns": columns, "scope": scope,
        "stages": [c.stage for c in columns],
        "open_total": sum((c.total for c in open_columns), 0),
        "open_weighted": sum((c.weighted for c in open_columns), 0),
        "open_count": sum(c.count for c in open_columns),
        "currency": settings.TILLIT_BASE_CURRENCY,
    }


def deal_board(request: HttpRequest) -> HttpResponse:
    context = _board_context(request)
    context.update({
        "lost_reasons": list(selectors.lost_reasons()),
        "scopes": [("mine", _("My deals")), ("team", _("My team's")), ("all", _("All I can see"))],
        "board_messages": {
            "moved": _("“%(title)s” moved to %(stage)s."),
            "stale": _("“%(title)s” was moved by %(who)s; reloaded."),
            "someone": _("someone else"),
            "failed": _("Could not move “%(title)s”: %(reason)s"),
            "cancelled": _("Not moved: a lost deal needs a reason."),
        },
    })
    return render(request, "sales/deals/board.html", context)


def board_totals(request: HttpRequest) -> HttpResponse:
    """The board's top totals and column headers as htmx out-of-band swaps (re-read after each move)."""
    context = _board_context(request, cards=False)
    if context["pipeline"] is None:
        raise Http404(_("No such pipeline."))
    return render(request, "sales/deals/board.html#totals", context)


def board_card(request: HttpRequest, deal_id: int) -> HttpResponse:
    """One card, as it is now (the board re-renders a card after a refused move)."""
    try:
        deal = selectors.board_card(actor=request.user, deal_id=deal_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "sales/deals/_card.html", {"deal": deal, "stages": deal.pipeline.stages.all()})
