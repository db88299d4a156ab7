"""The customer's online link to a sent quote: look at it, download its PDF, accept or decline it.

The link carries a signed token (``django.core.signing``, salted, so a token made for another purpose
is refused) naming the quote; nobody can forge one or turn it into another quote's link. The signature
is checked on every request and the quote's state decides what the link may still do:

- **sent** and not past ``valid_until``: the page shows the quote with Accept / Decline;
- **accepted** or **declined**: the page shows that decision (a receipt), no buttons; posting the same
  decision again answers the same receipt (a double click or a replay changes nothing);
- **expired** (status, or ``valid_until`` passed), **superseded** (a revised copy was sent), a draft, or
  the other decision posted after one was taken: ``QuoteLinkGone`` (410), nothing changes;
- a token that does not verify: ``QuoteLinkInvalid`` (400).

Accepting goes through ``quotes.accept_locked`` — the same path as an employee's accept — with the
deal's owner as the acting user (the customer has no account): the deal is won and the order made.
The log entry (``quote-<id>-accepted`` / ``-declined``, channel web, inbound) stores a system message so
every reader sees it in their own language.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.errors import DomainError
from tillit.interactions import messages
from tillit.sales import messages as sales_messages
from tillit.sales.models import Deal, Quote, QuoteStatus
from tillit.sales.services import quotes as quote_services

SALT = "tillit.sales.quote-link"
MAX_REASON = 2000
ACCEPTED_ONLINE = sales_messages.QUOTE_ACCEPTED_ONLINE
DECLINED_ONLINE = sales_messages.QUOTE_DECLINED_ONLINE


class QuoteLinkInvalid(DomainError):
    """The token does not verify (typed wrong, cut off or tampered with)."""

    status = 400
    code = "quote_link_invalid"


class QuoteLinkGone(DomainError):
    """A genuine link that can no longer be used for this (expired, superseded, decided otherwise)."""

    status = 410
    code = "quote_link_gone"


# --- tokens ------------------------------------------------------------------------------------
def token_for(quote: Quote) -> str:
    return signing.dumps({"q": quote.pk}, salt=SALT, compress=True)


def quote_link_url(quote: Quote) -> str:
    return settings.TILLIT_BASE_URL.rstrip("/") + reverse("sales:quote_link", args=[token_for(quote)])


def _quote_id(token: str) -> int:
    try:
        return int(signing.loads(token, salt=SALT)["q"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise QuoteLinkInvalid(
            _("This link is not valid. Please open the link from our email exactly as it was sent.")) from None


def link_language(token: str) -> str | None:
    """The language of the link's customer (like the quote's PDF), or ``None`` for a token that does not verify."""
    from tillit.people.models import customer_language

    try:
        pk = _quote_id(token)
    except QuoteLinkInvalid:
        return None
    quote = Quote.objects.select_related("person", "organization").filter(pk=pk).first()
    return customer_language(quote.person, quote.organization) if quote is not None else None


# --- state -------------------------------------------------------------------------------------
def _expired(quote: Quote, today: dt.date) -> bool:
    return quote.status == QuoteStatus.EXPIRED or (quote.status == QuoteStatus.SENT and quote.valid_until < today)


def _superseded(quote: Quote) -> bool:
    return quote.revisions.exclude(status=QuoteStatus.DRAFT).exists()


def _gone_message(quote: Quote, today: dt.date) -> str | None:
    """Why the link can no longer be used at all, or ``None`` while the page may be shown."""
    if quote.status in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED):
        return None  # the page shows the decision
    if quote.status == QuoteStatus.DRAFT:
        return _("This quote is not available.")
    if _superseded(quote):
        return _("This quote has been replaced by a newer version. Please use the link in our latest email.")
    if _expired(quote, today):
        return _("This quote expired on %(date)s. Please contact us if you would like a new one.") % {
            "date": _date(quote.valid_until)}
    return None


def _date(value: dt.date) -> str:
    from django.utils import formats

    return formats.date_format(value, "DATE_FORMAT")


def quote_for_link(token: str, *, today: dt.date | None = None, lock: bool = False) -> Quote:
    """The quote a link shows. Bad token → ``QuoteLinkInvalid``; expired, superseded → ``QuoteLinkGone``."""
    pk = _quote_id(token)
    qs = Quote.objects.select_related("person", "organization", "owner")
    if lock:
        qs = qs.select_for_update(of=("self",))
    quote = qs.filter(pk=pk).first()
    if quote is None:
        raise QuoteLinkGone(_("This quote is not available."))
    reason = _gone_message(quote, today or timezone.localdate())
    if reason:
        raise QuoteLinkGone(reason)
    return quote


def _acting_user(quote: Quote):
    """Whoever the customer's decision is recorded for: the deal's owner (the quote follows its deal)."""
    deal = Deal.objects.select_related("owner").get(pk=quote.deal_id)
    user = deal.owner or quote.owner or quote.created_by
    if user is None:
        raise QuoteLinkGone(_("This quote cannot be answered online. Please reply to our email instead."))
    return user


def _log(code: str, quote: Quote) -> dict:
    msg = messages.message(code, number=quote.number)
    return {"channel": "web", "direction": "in", "subject": messages.render(msg),
            "payload": {"online": True, **messages.stored(subject=msg)}}


# --- decisions ---------------------------------------------------------------------------------
@transaction.atomic
def quote_link_accept(*, token: str, now: dt.datetime | None = None) -> Quote:
    """The customer accepts through the link. Accepting an accepted quote again changes nothing."""
    now = now or timezone.now()
    quote = quote_for_link(token, today=timezone.localdate(now), lock=True)
    if quote.status == QuoteStatus.ACCEPTED:
        return quote
    if quote.status == QuoteStatus.DECLINED:
        raise QuoteLinkGone(_("You declined this quote on %(date)s; it can no longer be accepted. "
                              "Please contact us if you have changed your mind.") % {"date": _date(
                                  timezone.localdate(quote.decided_at))})
    try:
        quote_services.accept_locked(actor=_acting_user(quote), quote=quote, now=now,
                                     log=_log(ACCEPTED_ONLINE, quote))
    except quote_services.ValidationError as exc:
        # The deal was closed as lost meanwhile: the customer cannot fix that; the seller can.
        raise QuoteLinkGone(_("This quote can no longer be accepted online. Please contact us.")) from exc
    return quote


@transaction.atomic
def quote_link_decline(*, token: str, reason: str = "", now: dt.datetime | None = None) -> Quote:
    """The customer declines (optionally saying why). Declining a declined quote again changes nothing."""
    now = now or timezone.now()
    quote = quote_for_link(token, today=timezone.localdate(now), lock=True)
    if quote.status == QuoteStatus.DECLINED:
        return quote
    if quote.status == QuoteStatus.ACCEPTED:
        raise QuoteLinkGone(_("You accepted this quote on %(date)s; it can no longer be declined. "
                              "Please contact us if something has changed.") % {"date": _date(
                                  timezone.localdate(quote.decided_at))})
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise quote_services.ValidationError(
            _("At most %(n)d characters.") % {"n": MAX_REASON}, field="reason")
    quote_services.decline_locked(actor=_acting_user(quote), quote=quote, reason=reason, now=now,
                                  log=_log(DECLINED_ONLINE, quote))
    return quote
