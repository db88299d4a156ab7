"""Quote pages: the list, the editor (htmx: lines and totals re-rendered on every change), print, PDF, send,
accept, decline, revise. Thin: the quote selectors read, the quote services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import Conflict, DomainError, NotFound
from tillit.sales.forms_quotes import DeclineForm, LineEditForm, LineForm, QuoteCreateForm, QuoteSettingsForm, SendForm
from tillit.sales.models import QuoteStatus
from tillit.sales.pdf import quote_pdf, quote_pdf_filename, vat_breakdown
from tillit.sales.selectors import quotes as selectors
from tillit.sales.services import quote_links
from tillit.sales.services import quotes as services
from tillit.sales.templatetags.quote_money import plain

PAGE_SIZE = 50


def _quote(request: HttpRequest, quote_id: int):
    try:
        return selectors.quote_get(actor=request.user, quote_id=quote_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


def quote_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    mine = request.GET.get("scope", "mine" if request.user.role == "sales" else "") == "mine"
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.quote_list(actor=request.user, status=status, mine=mine, q=q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "mine": mine, "q": q, "statuses": QuoteStatus.choices,
               "filtered": bool(status or q)}
    template = "sales/quotes/quote_list.html#results" if request.htmx else "sales/quotes/quote_list.html"
    return render(request, template, context)


def quote_create(request: HttpRequest, deal_id: int) -> HttpResponse:
    try:
        deal = selectors.deal_for_quote(actor=request.user, deal_id=deal_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = QuoteCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            quote = services.quote_create(actor=request.user, deal=deal, valid_until=form.cleaned_data["valid_until"])
        except DomainError as exc:
            form.add_error("valid_until" if exc.field == "valid_until" else None, exc.message)
        else:
            messages.success(request, _("Quote %(number)s is a draft; add its lines.") % {"number": quote.number})
            return redirect("sales:quote", quote_id=quote.pk)
    return render(request, "sales/quotes/quote_new.html", {"deal": deal, "form": form,
                                                           "quotes": deal.quotes.order_by("-created_at")})


def _editor_context(request: HttpRequest, quote, *, line_form=None, settings_form=None, errors=None) -> dict:
    lines = selectors.quote_lines(quote=quote)
    editable = quote.status == QuoteStatus.DRAFT
    if settings_form is None:
        settings_form = QuoteSettingsForm(initial={
            "discount_percent": plain(quote.discount_percent) if quote.discount_percent else "",
            "valid_until": quote.valid_until, "recipient_email": quote.recipient_email,
            "introduction": quote.introduction, "terms": quote.terms, "version": quote.version,
        }, auto_id="id_settings_%s")
    return {
        "quote": quote, "lines": lines, "editable": editable, "vat_rates": vat_breakdown(lines),
        "line_form": line_form or LineForm(auto_id="id_line_%s"), "settings_form": settings_form,
        "send_form": SendForm(initial={"to": quote.recipient_email}), "decline_form": DeclineForm(),
        "errors": errors or [],
        "customer_token": quote_links.token_for(quote) if quote.status == QuoteStatus.SENT else "",
    }


def _editor(request: HttpRequest, quote, *, status: int = 200, **kwargs) -> HttpResponse:
    """The whole page, or only the editor partial for htmx (lines, totals and the settings form)."""
    template = "sales/quotes/quote_detail.html#editor" if request.htmx else "sales/quotes/quote_detail.html"
    if request.htmx:
        status = 200  # htmx swaps only 2xx answers; the errors are in the HTML
    return render(request, template, _editor_context(request, quote, **kwargs), status=status)


def quote_detail(request: HttpRequest, quote_id: int) -> HttpResponse:
    return _editor(request, _quote(request, quote_id))


def _after_change(request: HttpRequest, quote, **kwargs) -> HttpResponse:
    if request.htmx:
        quote = _quote(request, quote.pk)  # fresh totals and version
        return _editor(request, quote, **kwargs)
    if kwargs.get("errors") or kwargs.get("status", 200) >= 400:
        return _editor(request, quote, **kwargs)
    return redirect("sales:quote", quote_id=quote.pk)


@require_POST
def quote_line_add(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    form = LineForm(request.POST, auto_id="id_line_%s")
    if not form.is_valid():
        return _after_change(request, quote, line_form=form, status=422)
    try:
        services.quote_line_add(actor=request.user, quote=quote, **form.service_fields())
    except DomainError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _after_change(request, quote, line_form=form, status=422)
        return _after_change(request, quote, line_form=form, errors=[exc.message], status=422)
    return _after_change(request, quote)


@require_POST
def quote_line_edit(request: HttpRequest, quote_id: int, line_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    try:
        line = selectors.quote_line_get(actor=request.user, quote=quote, line_id=line_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = LineEditForm(request.POST)
    if not form.is_valid():
        return _after_change(request, quote, errors=[_("Line %(n)d: fill in every field.") % {"n": line.position}],
                             status=422)
    try:
        services.quote_line_update(actor=request.user, line=line, **form.service_fields())
    except DomainError as exc:
        return _after_change(request, quote, errors=[f"{line.description}: {exc.message}"], status=422)
    return _after_change(request, quote)


@require_POST
def quote_line_remove(request: HttpRequest, quote_id: int, line_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    try:
        line = selectors.quote_line_get(actor=request.user, quote=quote, line_id=line_id)
        services.quote_line_remove(actor=request.user, line=line)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        return _after_change(request, quote, errors=[exc.message], status=422)
    return _after_change(request, quote)


@require_POST
def quote_settings(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    form = QuoteSettingsForm(request.POST, auto_id="id_settings_%s")
    if not form.is_valid():
        return _after_change(request, quote, settings_form=form, status=422)
    try:
        services.quote_update(actor=request.user, quote=quote, expected_version=form.cleaned_data["version"],
                              **form.service_fields())
    except Conflict:
        form.add_error(None, _("Someone else changed this quote while you were editing; reload to see it."))
        return _after_change(request, quote, settings_form=form, status=409)
    except DomainError as exc:
        form.add_domain_error(exc)
        return _after_change(request, quote, settings_form=form, status=422)
    return _after_change(request, quote)


def quote_price_hint(request: HttpRequest, quote_id: int) -> HttpResponse:
    """The customer's price of the product picked in the add-line form (htmx), so the rep sees it before adding."""
    from tillit.sales.selectors.catalog import product_get
    from tillit.sales.services.catalog import price_for

    quote = _quote(request, quote_id)
    product_id = request.GET.get("product", "")
    price = product = None
    if product_id.isdigit():
        try:
            product = product_get(actor=request.user, product_id=int(product_id))
        except NotFound:
            product = None
        if product is not None:
            price = price_for(product, quote.currency, person=quote.person, organization=quote.organization)
    return render(request, "sales/quotes/quote_detail.html#price_hint",
                  {"quote": quote, "hint_product": product, "hint_price": price})


def quote_print(request: HttpRequest, quote_id: int) -> HttpResponse:
    from tillit.accounts.selectors import company_profile

    quote = _quote(request, quote_id)
    lines = selectors.quote_lines(quote=quote)
    return render(request, "sales/quotes/quote_print.html", {
        "quote": quote, "lines": lines, "vat_rates": vat_breakdown(lines),
        "company": company_profile().display_name,
    })


def quote_pdf_download(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    response = HttpResponse(quote_pdf(quote, selectors.quote_lines(quote=quote)), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{quote_pdf_filename(quote)}"'
    return response


def _state_change(request: HttpRequest, quote, action) -> HttpResponse:
    try:
        result = action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("sales:quote", quote_id=quote.pk)
    return result


@require_POST
def quote_send(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    form = SendForm(request.POST)
    form.is_valid()

    def send():
        services.quote_send(actor=request.user, quote=quote, to=form.cleaned_data.get("to", ""))
        messages.success(request, _("Quote %(number)s is sent to %(to)s.") % {"number": quote.number,
                                                                              "to": quote.recipient_email})
        return redirect("sales:quote", quote_id=quote.pk)

    return _state_change(request, quote, send)


@require_POST
def quote_accept(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)

    def accept():
        order = services.quote_accept(actor=request.user, quote=quote)
        messages.success(request, _("Quote %(number)s is accepted: the deal is won and order %(order)s is registered.")
                         % {"number": quote.number, "order": order.number})
        return redirect("sales:order", order_id=order.pk)

    return _state_change(request, quote, accept)


@require_POST
def quote_decline(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)
    form = DeclineForm(request.POST)
    form.is_valid()

    def decline():
        services.quote_decline(actor=request.user, quote=quote, reason=form.cleaned_data.get("reason", ""))
        messages.success(request, _("Quote %(number)s is marked as declined.") % {"number": quote.number})
        return redirect("sales:quote", quote_id=quote.pk)

    return _state_change(request, quote, decline)


@require_POST
def quote_revise(request: HttpRequest, quote_id: int) -> HttpResponse:
    quote = _quote(request, quote_id)

    def revise():
        copy = services.quote_revise(actor=request.user, quote=quote)
        messages.success(request, _("Quote %(copy)s is a new draft copy of %(number)s.")
                         % {"copy": copy.number, "number": quote.number})
        return redirect(reverse("sales:quote", kwargs={"quote_id": copy.pk}))

    return _state_change(request, quote, revise)
