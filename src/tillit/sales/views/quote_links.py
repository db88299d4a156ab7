"""The customer's public quote page (no login): /q/<token>/ shows the quote, its PDF and Accept / Decline.

GET never changes anything (mail scanners open links); only the POSTs of the two buttons decide, with
CSRF like every form. Everything is in the customer's language, like the quote's PDF and email.
Thin: ``services.quote_links`` checks the token and decides.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from tillit.accounts.selectors import company_profile
from tillit.core.errors import ValidationError
from tillit.sales.forms_quotes import DeclineForm
from tillit.sales.models import QuoteStatus
from tillit.sales.pdf import company_lines, quote_pdf, quote_pdf_filename, vat_breakdown
from tillit.sales.selectors.quotes import quote_lines
from tillit.sales.services import quote_links


def _in_customer_language(view):
    """Run the view in the language of the quote's customer (a bad token: the browser's language)."""
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        language = quote_links.link_language(token)
        if language is None:
            return view(request, token)
        with translation.override(language):
            return view(request, token)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _unusable(request: HttpRequest, exc: quote_links.QuoteLinkInvalid | quote_links.QuoteLinkGone) -> HttpResponse:
    profile = company_profile()
    return render(request, "sales/quotes/quote_link_unusable.html",
                  {"message": exc.message, "company": profile.display_name, "profile": profile,
                   "company_lines": company_lines(profile)}, status=exc.status)


def _page(request: HttpRequest, token: str, quote, *, decline_form=None, status: int = 200) -> HttpResponse:
    lines = quote_lines(quote=quote)
    profile = company_profile()
    return render(request, "sales/quotes/quote_link.html", {
        "quote": quote, "lines": lines, "vat_rates": vat_breakdown(lines), "token": token,
        "company": profile.display_name, "profile": profile, "company_lines": company_lines(profile),
        "open": quote.status == QuoteStatus.SENT, "decline_form": decline_form or DeclineForm(),
    }, status=status)


@login_not_required
@require_GET
@_in_customer_language
def quote_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        quote = quote_links.quote_for_link(token)
    except (quote_links.QuoteLinkInvalid, quote_links.QuoteLinkGone) as exc:
        return _unusable(request, exc)
    return _page(request, token, quote)


@login_not_required
@require_GET
@_in_customer_language
def quote_link_pdf(request: HttpRequest, token: str) -> HttpResponse:
    try:
        quote = quote_links.quote_for_link(token)
    except (quote_links.QuoteLinkInvalid, quote_links.QuoteLinkGone) as exc:
        return _unusable(request, exc)
    response = HttpResponse(quote_pdf(quote, quote_lines(quote=quote)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote_pdf_filename(quote)}"'
    return response


@login_not_required
@require_POST
@_in_customer_language
def quote_link_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        quote = quote_links.quote_link_accept(token=token)
    except (quote_links.QuoteLinkInvalid, quote_links.QuoteLinkGone) as exc:
        return _unusable(request, exc)
    return _page(request, token, quote)


@login_not_required
@require_POST
@_in_customer_language
def quote_link_decline(request: HttpRequest, token: str) -> HttpResponse:
    form = DeclineForm(request.POST)
    try:
        if not form.is_valid():
            return _page(request, token, quote_links.quote_for_link(token), decline_form=form, status=422)
        quote = quote_links.quote_link_decline(token=token, reason=form.cleaned_data["reason"])
    except (quote_links.QuoteLinkInvalid, quote_links.QuoteLinkGone) as exc:
        return _unusable(request, exc)
    except ValidationError as exc:
        form.add_error("reason", exc.message)
        return _page(request, token, quote_links.quote_for_link(token), decline_form=form, status=422)
    return _page(request, token, quote)
