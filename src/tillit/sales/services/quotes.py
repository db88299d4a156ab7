"""Every write to quotes: create from a deal, edit lines, send by email, accept, decline, expire.

Rules (pages, the API and the background tasks all call these):

- A quote belongs to a deal and copies its customer, currency, owner and team. It is visible exactly
  like its deal (also after the deal is handed over): to quote a deal or change its quotes the actor
  must be able to see the deal (not found otherwise).
- Numbers are ``Q-<year>-<seq>`` (four digits, more when needed), unique: on a clash with a
  concurrent create the number is recomputed and the insert retried (the unique index decides).
- Only a **draft** is edited. A sent, accepted, declined or expired quote is kept as the customer
  saw it; ``quote_revise`` makes a new draft copy (new number) to change and send again.
- Totals are recomputed from the lines on every change (``tillit.sales.pricing``: rounding per
  line, like an invoice), so the stored totals always equal the sum of the stored lines.
- Sending mails the PDF over SMTP inside the transaction: if the mail server refuses, the quote
  stays a draft and the caller gets ``QuoteSendFailed`` with the server's reason.
- Accepting marks the deal won (``deals.deal_mark_won``) — refused if the deal was closed as lost —
  and creates the order from the quote lines.
- Each customer-visible step (sent, accepted, declined) writes one interaction with a stable
  ``external_id`` (``quote-<id>-<event>``), so a retry never logs twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import can_see, ensure_can_see, ensure_staff
from tillit.core.errors import Conflict, DomainError, NotFound, ValidationError
from tillit.core.money import parse_money
from tillit.core.versioning import save_versioned
from tillit.sales import pricing
from tillit.sales.models import Deal, Product, Quote, QuoteLine, QuoteStatus, StageOutcome
from tillit.sales.services.catalog import price_for

logger = logging.getLogger(__name__)

VALIDITY_DAYS = 30
QUOTE_FIELDS = frozenset({"discount_percent", "valid_until", "introduction", "terms", "recipient_email"})
LINE_FIELDS = frozenset({"description", "quantity", "unit", "unit_price", "discount_percent", "vat_rate"})


class QuoteSendFailed(DomainError):
    """The mail server did not take the quote; it is still a draft."""

    status = 502
    code = "send_failed"


# --- helpers --------------------------------------------------------------------------------
def next_number(model, prefix: str, year: int) -> str:
    """The next free ``<prefix>-<year>-<seq>``; callers insert it and retry on IntegrityError."""
    start = f"{prefix}-{year}-"
    last = (
        model.objects.filter(number__startswith=start)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{start}{seq:04d}"


def create_numbered(model, prefix: str, year: int, **values: Any):
    """Insert a row with the next number; a concurrent insert of the same number makes us retry."""
    for _attempt in range(20):
        number = next_number(model, prefix, year)
        try:
            with transaction.atomic():
                return model.objects.create(number=number, **values)
        except IntegrityError:
            if not model.objects.filter(number=number).exists():
                raise  # another constraint failed: not ours to hide
    raise DomainError(_("Could not find a free number; try again."))


def _decimal(value: Any, field: str) -> Decimal:
    if value is None or value == "":
        raise ValidationError(_("This field is required."), field=field)
    return parse_money(value, field=field)


def _ensure_visible(actor: User, quote: Quote) -> None:
    """A quote is visible exactly like its deal (see ``selectors.quotes``)."""
    ensure_staff(actor)
    if not can_see(actor, quote.deal):
        raise NotFound(_("No such quote."))


def ensure_draft(quote: Quote) -> None:
    if quote.status != QuoteStatus.DRAFT:
        raise ValidationError(
            _("Quote %(number)s is %(status)s and can no longer be changed; make a revised copy instead.")
            % {"number": quote.number, "status": quote.get_status_display().lower()},
            field="status",
        )


def _locked(quote: Quote) -> Quote:
    """The quote's row, locked for this transaction, so two editors' totals never interleave."""
    fresh = Quote.objects.select_for_update().get(pk=quote.pk)
    for field in ("status", "version", "discount_percent", "currency"):
        setattr(quote, field, getattr(fresh, field))
    return quote


def recalculate(quote: Quote) -> Quote:
    """Recompute every line's net and VAT and the quote's totals; save them (version bumped)."""
    lines = list(quote.lines.all())
    result = pricing.compute(
        [pricing.LineInput(line.quantity, line.unit_price, line.discount_percent, line.vat_rate) for line in lines],
        quote_discount_percent=quote.discount_percent, currency=quote.currency,
    )
    changed = []
    for line, amounts in zip(lines, result.lines, strict=True):
        if line.net != amounts.net or line.vat != amounts.vat:
            line.net, line.vat = amounts.net, amounts.vat
            changed.append(line)
    if changed:
        QuoteLine.objects.bulk_update(changed, ["net", "vat"])
    quote.subtotal, quote.discount_total = result.subtotal, result.discount_total
    quote.vat_total, quote.total = result.vat_total, result.total
    save_versioned(quote, expected_version=quote.version,
                   update_fields=["subtotal", "discount_total", "vat_total", "total", "discount_percent"])
    return quote


def _log(quote: Quote, *, actor: User | None, event: str, channel: str, when: dt.datetime, text: str = "",
         subject: str = "", direction: str | None = None, payload: dict | None = None) -> None:
    from tillit.interactions import messages
    from tillit.interactions.services import log_interaction
    from tillit.sales.messages import QUOTE_EVENT

    # actor=None: the system records the event; the actor's right to the quote was checked already,
    # and a rep who may act on a deal must not be stopped because the customer's card is someone else's.
    message = messages.message(QUOTE_EVENT, number=quote.number, event=event)
    log_interaction(
        actor=None, channel=channel, kind="quote", person=quote.person, organization=quote.organization,
        handled_by=actor, occurred_at=when,
        direction=direction if direction is not None else ("out" if event == "sent" else ""),
        subject=(subject or messages.render(message))[:200], outcome=event, amount=quote.total,
        currency=quote.currency, text=text, source="tillit", external_id=f"quote-{quote.pk}-{event}",
        payload={"quote": quote.pk, "deal": quote.deal_id, **messages.stored(subject=message), **(payload or {})},
    )


# --- create and edit ------------------------------------------------------------------------
@transaction.atomic
def quote_create(*, actor: User, deal: Deal, valid_until: dt.date | None = None,
                 today: dt.date | None = None) -> Quote:
    """A new draft quote for ``deal`` (customer, currency, owner and team copied from it)."""
    ensure_staff(actor)
    ensure_can_see(actor, deal)
    if deal.stage.outcome == StageOutcome.LOST:
        raise ValidationError(_("This deal is closed as lost; reopen it before quoting."), field="deal")
    today = today or timezone.localdate()
    valid_until = valid_until or today + dt.timedelta(days=VALIDITY_DAYS)
    if valid_until < today:
        raise ValidationError(_("The quote must be valid until today or later."), field="valid_until")
    recipient = deal.person.primary_email if deal.person_id and deal.person else ""
    return create_numbered(
        Quote, "Q", today.year, deal=deal, person=deal.person, organization=deal.organization, owner=deal.owner,
        team=deal.team, currency=deal.currency, valid_until=valid_until, created_by=actor,
        recipient_email=recipient or "",
    )


@transaction.atomic
def quote_update(*, actor: User, quote: Quote, expected_version: int | None, today: dt.date | None = None,
                 **fields: Any) -> Quote:
    """Change the quote's own fields (discount, validity, texts, recipient); totals follow."""
    _ensure_visible(actor, quote)
    unknown = sorted(set(fields) - QUOTE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field “%(name)s”.") % {"name": unknown[0]}, field=unknown[0])
    _locked(quote)
    ensure_draft(quote)
    if expected_version is not None and expected_version != quote.version:
        raise Conflict(_("This quote was changed by someone else (you had version %(v)d); reload and try again.")
                       % {"v": expected_version}, field="version")
    if "discount_percent" in fields:
        quote.discount_percent = pricing.check_percent(
            _decimal(fields["discount_percent"], "discount_percent"), "discount_percent")
    if "valid_until" in fields:
        if not isinstance(fields["valid_until"], dt.date):
            raise ValidationError(_("Enter a date."), field="valid_until")
        if fields["valid_until"] < (today or timezone.localdate()):
            raise ValidationError(_("The quote must be valid until today or later."), field="valid_until")
        quote.valid_until = fields["valid_until"]
    for field in ("introduction", "terms"):
        if field in fields:
            setattr(quote, field, (fields[field] or "").strip())
    if "recipient_email" in fields:
        quote.recipient_email = _email(fields["recipient_email"], field="recipient_email", required=False)
    save_versioned(quote, expected_version=None,
                   update_fields=["valid_until", "introduction", "terms", "recipient_email"])
    return recalculate(quote)


def _email(value: Any, *, field: str, required: bool) -> str:
    from tillit.people.services import clean_email

    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(_("Enter the email address to send the quote to."), field=field)
        return ""
    return clean_email(value, field=field)


def clean_line_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "description" in fields:
        text = (fields["description"] or "").strip()
        if not text:
            raise ValidationError(_("Describe the line."), field="description")
        if len(text) > 300:
            raise ValidationError(_("At most %(n)d characters.") % {"n": 300}, field="description")
        values["description"] = text
    if "quantity" in fields:
        values["quantity"] = pricing.check_quantity(_decimal(fields["quantity"], "quantity"))
    if "unit" in fields:
        values["unit"] = (fields["unit"] or "").strip()[:8] or "pcs"
    if "unit_price" in fields:
        values["unit_price"] = pricing.check_price(_decimal(fields["unit_price"], "unit_price"))
    for field in ("discount_percent", "vat_rate"):
        if field in fields:
            values[field] = pricing.check_percent(_decimal(fields[field], field), field)
    for field in ("quantity", "unit_price"):
        if field in values and abs(values[field]) >= Decimal(10) ** 10:
            raise ValidationError(_("The number is too large."), field=field)
    return values


@transaction.atomic
def quote_line_add(*, actor: User, quote: Quote, product: Product | None = None, today: dt.date | None = None,
                   **fields: Any) -> QuoteLine:
    """Add a catalogue line (price from the customer's price list unless given) or a free-text line."""
    _ensure_visible(actor, quote)
    unknown = sorted(set(fields) - LINE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field “%(name)s”.") % {"name": unknown[0]}, field=unknown[0])
    _locked(quote)
    ensure_draft(quote)
    fields = {k: v for k, v in fields.items() if v is not None and v != ""}
    list_price = None
    if product is not None:
        if not product.is_active:
            raise ValidationError(_("This product is no longer sold."), field="product")
        price = price_for(product, quote.currency, person=quote.person, organization=quote.organization,
                          on=today or timezone.localdate())
        list_price = price.unit_price if price else None
        fields.setdefault("description", product.name)
        fields.setdefault("unit", product.unit)
        fields.setdefault("vat_rate", product.vat_rate)
        if list_price is not None:
            fields.setdefault("unit_price", list_price)
        elif "unit_price" not in fields:
            raise ValidationError(
                _("No price list has %(product)s in %(currency)s for this customer; enter a price.")
                % {"product": product.name, "currency": quote.currency},
                field="unit_price",
            )
    else:
        if not fields.get("description"):
            raise ValidationError(_("Pick a product or describe the line."), field="description")
        if "unit_price" not in fields:
            raise ValidationError(_("Enter a price for a free-text line."), field="unit_price")
    values = clean_line_values({"quantity": Decimal(1), "discount_percent": Decimal(0), **fields})
    values.setdefault("vat_rate", Decimal(25))
    position = (quote.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    line = QuoteLine.objects.create(quote=quote, product=product, list_price=list_price, position=position, **values)
    recalculate(quote)
    line.refresh_from_db()
    return line


@transaction.atomic
def quote_line_update(*, actor: User, line: QuoteLine, **fields: Any) -> QuoteLine:
    quote = line.quote
    _ensure_visible(actor, quote)
    unknown = sorted(set(fields) - LINE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field “%(name)s”.") % {"name": unknown[0]}, field=unknown[0])
    _locked(quote)
    ensure_draft(quote)
    values = clean_line_values(fields)
    for name, value in values.items():
        setattr(line, name, value)
    if values:
        line.save(update_fields=list(values))
    recalculate(quote)
    line.refresh_from_db()
    return line


@transaction.atomic
def quote_line_remove(*, actor: User, line: QuoteLine) -> None:
    quote = line.quote
    _ensure_visible(actor, quote)
    _locked(quote)
    ensure_draft(quote)
    line.delete()
    recalculate(quote)


@transaction.atomic
def quote_revise(*, actor: User, quote: Quote, today: dt.date | None = None) -> Quote:
    """A new draft copy of a quote that can no longer be edited (new number, same lines)."""
    _ensure_visible(actor, quote)
    if quote.status == QuoteStatus.DRAFT:
        raise ValidationError(_("A draft can be changed as it is."), field="status")
    if quote.status == QuoteStatus.ACCEPTED:
        raise ValidationError(_("An accepted quote has become an order; change the order instead."), field="status")
    today = today or timezone.localdate()
    copy = create_numbered(
        Quote, "Q", today.year, deal=quote.deal, person=quote.person, organization=quote.organization,
        owner=quote.owner, team=quote.team, currency=quote.currency, discount_percent=quote.discount_percent,
        price_list=quote.price_list, valid_until=max(quote.valid_until, today + dt.timedelta(days=VALIDITY_DAYS)),
        introduction=quote.introduction, terms=quote.terms, recipient_email=quote.recipient_email, created_by=actor,
        revised_from=quote,
    )
    QuoteLine.objects.bulk_create([
        QuoteLine(quote=copy, position=line.position, product_id=line.product_id, description=line.description,
                  quantity=line.quantity, unit=line.unit, list_price=line.list_price, unit_price=line.unit_price,
                  discount_percent=line.discount_percent, vat_rate=line.vat_rate)
        for line in quote.lines.all()
    ])
    return recalculate(copy)


# --- state changes --------------------------------------------------------------------------
@transaction.atomic
def quote_send(*, actor: User, quote: Quote, to: str = "", now: dt.datetime | None = None) -> Quote:
    """Email the quote with its PDF to ``to`` (or the recipient on the quote, or the person's email)."""
    from tillit.sales.emails import quote_email

    _ensure_visible(actor, quote)
    _locked(quote)
    ensure_draft(quote)
    if not quote.lines.exists():
        raise ValidationError(_("Add at least one line before sending the quote."), field="lines")
    fallback = quote.recipient_email or (quote.person.primary_email if quote.person else "")
    recipient = _email(to or fallback, field="to", required=True)
    now = now or timezone.now()
    message = quote_email(quote, to=recipient, sender=actor)
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("quote %s: sending to %s failed: %s", quote.number, recipient, exc)
        raise QuoteSendFailed(
            _("The mail server did not take the quote (%(reason)s). It is still a draft; try again later.")
            % {"reason": _smtp_reason(exc)},
            field="to",
        ) from None
    quote.status, quote.sent_at, quote.recipient_email = QuoteStatus.SENT, now, recipient
    save_versioned(quote, expected_version=None, update_fields=["status", "sent_at", "recipient_email"])
    _log(quote, actor=actor, event="sent", channel="email", when=now, text=recipient)
    return quote


def _smtp_reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _("recipient refused")
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {error}"
    return str(exc) or exc.__class__.__name__


@transaction.atomic
def quote_accept(*, actor: User, quote: Quote, now: dt.datetime | None = None):
    """The customer said yes: the deal is won and an order is made from the lines. Returns the order."""
    _ensure_visible(actor, quote)
    _locked(quote)
    return accept_locked(actor=actor, quote=quote, now=now)


def accept_locked(*, actor: User, quote: Quote, now: dt.datetime | None = None, log: dict | None = None):
    """Accept a quote whose row the caller has locked and whose access it has checked: the one path for an
    employee's accept and the customer's own (``quote_links``), so both win the deal the same way.
    ``log`` overrides how the interaction is written (the customer's accept is inbound on the web)."""
    from tillit.sales.services import deals as deal_services
    from tillit.sales.services.orders import order_create_from_quote

    if quote.status != QuoteStatus.SENT:
        raise ValidationError(
            _("Only a sent quote can be accepted; this one is %(status)s.")
            % {"status": quote.get_status_display().lower()}, field="status")
    now = now or timezone.now()
    deal = Deal.objects.select_related("stage").get(pk=quote.deal_id)
    if deal.stage.outcome == StageOutcome.LOST:
        raise ValidationError(
            _("The deal “%(deal)s” is closed as lost. Reopen it on the board first, then accept the quote.")
            % {"deal": deal.title}, field="deal")
    if deal.stage.outcome != StageOutcome.WON:
        deal_services.deal_mark_won(actor=actor, deal=deal, expected_version=None)
    quote.status, quote.decided_at = QuoteStatus.ACCEPTED, now
    save_versioned(quote, expected_version=None, update_fields=["status", "decided_at"])
    _log(quote, actor=actor, event="accepted", when=now, **{"channel": "internal", **(log or {})})
    # Other drafts/sent quotes of the deal stay as they are: a salesperson may have sent options.
    return order_create_from_quote(actor=actor, quote=quote, today=timezone.localdate(now))


@transaction.atomic
def quote_decline(*, actor: User, quote: Quote, reason: str = "", now: dt.datetime | None = None) -> Quote:
    _ensure_visible(actor, quote)
    _locked(quote)
    return decline_locked(actor=actor, quote=quote, reason=reason, now=now)


def decline_locked(*, actor: User | None, quote: Quote, reason: str = "", now: dt.datetime | None = None,
                   log: dict | None = None) -> Quote:
    """Decline a locked, access-checked quote (the employee's decline and the customer's own)."""
    if quote.status != QuoteStatus.SENT:
        raise ValidationError(
            _("Only a sent quote can be declined; this one is %(status)s.")
            % {"status": quote.get_status_display().lower()}, field="status")
    now = now or timezone.now()
    quote.status, quote.decided_at = QuoteStatus.DECLINED, now
    save_versioned(quote, expected_version=None, update_fields=["status", "decided_at"])
    _log(quote, actor=actor, event="declined", when=now, text=(reason or "").strip(),
         **{"channel": "internal", **(log or {})})
    return quote


@transaction.atomic
def quotes_expire(*, today: dt.date | None = None) -> int:
    """Mark sent quotes whose validity has passed as expired. Idempotent; returns how many changed."""
    today = today or timezone.localdate()
    return Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=today).update(
        status=QuoteStatus.EXPIRED, updated_at=timezone.now(), version=F("version") + 1
    )

