"""Reads of quotes: a quote is visible exactly like its deal (the deal's owner and team decide, so a deal
handed to a colleague takes its quotes along)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import NotFound
from tillit.sales.models import Deal, Quote, QuoteLine, QuoteStatus


def visible_quotes(actor: User) -> QuerySet[Quote]:
    return restrict(Quote.objects.all(), actor, owner_field="deal__owner", team_field="deal__team")


def quote_list(*, actor: User, status: str = "", mine: bool = False, deal_id: int | None = None,
               q: str = "") -> QuerySet[Quote]:
    ensure_staff(actor)
    qs = visible_quotes(actor)
    if status:
        if status not in QuoteStatus.values:
            return qs.none()
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(deal__owner=actor)
    if deal_id:
        qs = qs.filter(deal_id=deal_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(deal__title__icontains=q) | Q(organization__name__icontains=q))
    return qs.select_related("deal", "person", "organization", "owner").order_by("-created_at", "-id")


def quote_get(*, actor: User, quote_id: int) -> Quote:
    """One quote the actor may see, with its deal, customer and owner; ``NotFound`` otherwise."""
    ensure_staff(actor)
    quote = (
        visible_quotes(actor).select_related("deal", "deal__stage", "person", "organization", "owner", "team")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise NotFound(_("No such quote."))
    return quote


def quote_lines(*, quote: Quote) -> list[QuoteLine]:
    lines = list(quote.lines.select_related("product").order_by("position", "id"))
    for line in lines:
        line.quote = quote
    return lines


def quote_line_get(*, actor: User, quote: Quote, line_id: int) -> QuoteLine:
    """A line of a quote the caller has already got through ``quote_get``."""
    line = quote.lines.filter(pk=line_id).first()
    if line is None:
        raise NotFound(_("No such line."))
    line.quote = quote
    return line


def deal_for_quote(*, actor: User, deal_id: int) -> Deal:
    """A deal the actor may see, to quote it."""
    ensure_staff(actor)
    deal = restrict(Deal.objects.select_related("stage", "person", "organization"), actor).filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(_("No such deal."))
    return deal
