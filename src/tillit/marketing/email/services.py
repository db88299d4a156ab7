"""Writes for mailings: create, edit, schedule, cancel, delete, preview and test send.

Who may do what is decided here (and in the selectors), never only in a page: marketing staff,
managers and administrators create and send mailings; other employees may read them; partners and
customers get nothing. Sending itself is in ``sending``, the public tracking in ``tracking`` and bounce
handling in ``bounces``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.access import ensure_staff
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.versioning import save_versioned
from tillit.marketing.email.models import Mailing, MailingKind, MailingStatus
from tillit.marketing.email.personalise import check_placeholders, fill_text, render_body
from tillit.marketing.models import Segment, StaticList
from tillit.people.models import Person

MANAGING_ROLES = frozenset({Role.ADMIN, Role.MARKETING, Role.MANAGER})
DEFAULT_PURPOSE = {MailingKind.NEWSLETTER: "newsletter", MailingKind.CAMPAIGN: "marketing_email"}
EDITABLE = frozenset({MailingStatus.DRAFT, MailingStatus.SCHEDULED})
FIELDS = frozenset({
    "name", "kind", "subject", "preheader", "body", "from_name", "from_email", "purpose", "segments",
    "static_lists", "campaign", "rate_per_minute", "scheduled_at",
})
MAX_RATE = 10_000


def can_manage(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in MANAGING_ROLES)


def ensure_manager(user) -> None:
    ensure_staff(user)
    if not can_manage(user):
        raise AccessDenied(_("Only marketing staff, managers and administrators can change or send mailings."))


# --- validation -------------------------------------------------------------------------------
def _text(field: str, value: Any, *, required: bool = False) -> str:
    value = "" if value is None else str(value).strip()
    limit = Mailing._meta.get_field(field).max_length
    if required and not value:
        raise ValidationError(_("This field is required."), field=field)
    if limit and len(value) > limit:
        raise ValidationError(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return value


def _clean(mailing: Mailing, fields: dict[str, Any]) -> tuple[list[str], dict[str, list]]:
    """Apply ``fields`` to ``mailing`` (not saved); answer the changed field names and the M2M values."""
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    changed, m2m = [], {}
    for field, value in fields.items():
        if field in ("segments", "static_lists"):
            m2m[field] = _members(field, value)
            continue
        if field in ("name", "subject"):
            value = _text(field, value, required=True)
        elif field in ("preheader", "from_name", "body"):
            value = _text(field, value)
            check_placeholders(value, field=field)
        elif field == "kind":
            if value not in MailingKind.values:
                raise ValidationError(
                    _("Use one of: %(choices)s.") % {"choices": ", ".join(MailingKind.values)}, field="kind"
                )
        elif field == "from_email":
            value = _text(field, value)
            if value:
                try:
                    validate_email(value)
                except DjangoValidationError:
                    raise ValidationError(_("Enter a valid email address."), field="from_email") from None
        elif field == "purpose":
            value = _text(field, value).lower().replace(" ", "_")
        elif field == "rate_per_minute":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ValidationError(_("Enter a whole number."), field=field) from None
            if not 1 <= value <= MAX_RATE:
                raise ValidationError(_("Between 1 and %(n)d per minute.") % {"n": MAX_RATE}, field=field)
        elif field == "campaign":
            value = _campaign(value)
        elif field == "scheduled_at":
            value = _when(value)
        if field == "subject":
            check_placeholders(value, field="subject")
        setattr(mailing, field, value)
        changed.append(field)
    if not mailing.purpose:
        mailing.purpose = DEFAULT_PURPOSE[mailing.kind]
        changed.append("purpose")
    return changed, m2m


def _members(field: str, value) -> list:
    model = Segment if field == "segments" else StaticList
    items = list(value or [])
    ids = [item.pk if isinstance(item, model) else item for item in items]
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ValidationError(_("Give ids."), field=field) from None
    found = list(model.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {m.pk for m in found})
    if missing:
        raise ValidationError(_("No such %(what)s: %(ids)s.") % {
            "what": model._meta.verbose_name, "ids": ", ".join(map(str, missing))}, field=field)
    return found


def _campaign(value):
    from tillit.marketing.web.models import Campaign

    if value in (None, ""):
        return None
    if isinstance(value, Campaign):
        return value
    campaign = Campaign.objects.filter(pk=value).first() if str(value).isdigit() else None
    if campaign is None:
        raise ValidationError(_("No such campaign."), field="campaign")
    return campaign


def _when(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        raise ValidationError(_("Give a date and time."), field="scheduled_at")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _unique_code(name: str) -> str:
    base = (slugify(name)[:80] or "mailing").strip("-")
    code = base
    while Mailing.objects.filter(code=code).exists():
        code = f"{base}-{get_random_string(5, 'abcdefghijklmnopqrstuvwxyz0123456789')}"
    return code


def _ensure_editable(mailing: Mailing) -> None:
    if mailing.status not in EDITABLE:
        raise ValidationError(
            _("A mailing that is %(status)s can no longer be changed.") % {"status": mailing.get_status_display()},
            field="status",
        )


# --- writes -----------------------------------------------------------------------------------
@transaction.atomic
def mailing_create(*, actor: User, name: str, **fields) -> Mailing:
    ensure_manager(actor)
    fields.pop("scheduled_at", None)
    mailing = Mailing(created_by=actor, purpose="")
    kind = fields.get("kind", MailingKind.NEWSLETTER)
    _, m2m = _clean(mailing, {"name": name, "kind": kind, **fields})
    mailing.code = _unique_code(mailing.name)
    mailing.save()
    for field, members in m2m.items():
        getattr(mailing, field).set(members)
    return mailing


@transaction.atomic
def mailing_update(*, actor: User, mailing: Mailing, expected_version: int | None, **fields) -> Mailing:
    ensure_manager(actor)
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    _ensure_editable(mailing)
    fields.pop("scheduled_at", None)
    changed, m2m = _clean(mailing, fields)
    save_versioned(mailing, expected_version=expected_version, update_fields=sorted(set(changed)))
    for field, members in m2m.items():
        getattr(mailing, field).set(members)
    return mailing


@transaction.atomic
def mailing_delete(*, actor: User, mailing: Mailing) -> None:
    ensure_manager(actor)
    if mailing.status not in (MailingStatus.DRAFT, MailingStatus.CANCELLED) or mailing.messages.exists():
        raise ValidationError(_("Only drafts and cancelled mailings that sent nothing can be deleted."),
                              field="status")
    mailing.delete()


@transaction.atomic
def mailing_schedule(*, actor: User, mailing: Mailing, expected_version: int | None,
                     scheduled_at: dt.datetime | None = None, now: dt.datetime | None = None) -> Mailing:
    """Schedule sending (now, or at ``scheduled_at``); the background task ``send_due`` does the rest."""
    ensure_manager(actor)
    now = now or timezone.now()
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    _ensure_editable(mailing)
    when = _when(scheduled_at) or now
    if not mailing.subject:
        raise ValidationError(_("Write a subject first."), field="subject")
    if not mailing.body.strip():
        raise ValidationError(_("Write the message first."), field="body")
    if not mailing.segments.exists() and not mailing.static_lists.exists():
        raise ValidationError(_("Choose at least one segment or list to send to."), field="segments")
    mailing.status, mailing.scheduled_at = MailingStatus.SCHEDULED, when
    save_versioned(mailing, expected_version=expected_version, update_fields=["status", "scheduled_at"])
    return mailing


@transaction.atomic
def mailing_cancel(*, actor: User, mailing: Mailing, expected_version: int | None) -> Mailing:
    """Stop a scheduled or running mailing: messages not yet sent stay unsent."""
    ensure_manager(actor)
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status not in (MailingStatus.SCHEDULED, MailingStatus.SENDING):
        raise ValidationError(_("Only a scheduled or sending mailing can be cancelled."), field="status")
    mailing.status = MailingStatus.CANCELLED
    save_versioned(mailing, expected_version=expected_version, update_fields=["status"])
    return mailing


@transaction.atomic
def mailing_unschedule(*, actor: User, mailing: Mailing, expected_version: int | None) -> Mailing:
    """Back to draft before sending started (to edit and schedule again)."""
    ensure_manager(actor)
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled mailing can go back to draft."), field="status")
    mailing.status = MailingStatus.DRAFT
    save_versioned(mailing, expected_version=expected_version, update_fields=["status"])
    return mailing


# --- rendering --------------------------------------------------------------------------------
def person_values(person: Person | None, *, email: str = "", organization: str = "") -> dict[str, str]:
    if person is None:
        return {"first_name": "", "last_name": "", "full_name": "", "email": email, "organization": organization,
                "city": ""}
    return {
        "first_name": person.first_name, "last_name": person.last_name,
        "full_name": f"{person.first_name} {person.last_name}".strip(), "email": email or person.primary_email,
        "organization": organization, "city": person.city,
    }


def organization_name(person: Person) -> str:
    from tillit.people.services import person_main_affiliation

    affiliation = person_main_affiliation(person)
    return affiliation.organization.name if affiliation else ""


def render_mailing(mailing: Mailing, values: dict[str, str], *, link=lambda url: url) -> dict[str, str]:
    body = render_body(mailing.body, values, link=link)
    return {
        "subject": fill_text(mailing.subject, values),
        "preheader": fill_text(mailing.preheader, values),
        "text": body.text,
        "html": body.html,
    }


def mailing_preview(*, actor: User, mailing: Mailing, person: Person | None = None) -> dict[str, str]:
    """The mailing as ``person`` (one the actor may see) would get it; tracking links are not made."""
    ensure_staff(actor)
    if person is not None:
        from tillit.people.selectors import person_get

        person = person_get(actor=actor, person_id=person.pk)
        values = person_values(person, organization=organization_name(person))
    else:
        values = person_values(None, email=actor.email)
        values.update(first_name=actor.first_name, last_name=actor.last_name,
                      full_name=actor.get_full_name())
    base = settings.TILLIT_BASE_URL.rstrip("/")
    values.update(unsubscribe_url=f"{base}/e/u/preview", preferences_url=f"{base}/e/p/preview")
    return render_mailing(mailing, values)


def html_document(rendered: dict[str, str], *, pixel_url: str = "", urls: dict | None = None) -> str:
    """The HTML part: a plain, mail-client-friendly wrapper with the hidden preheader and the pixel."""
    from django.template.loader import render_to_string

    return render_to_string("marketing/email/message.html", {
        "rendered": rendered, "pixel_url": pixel_url, "urls": urls or {},
    })


def mailing_test_send(*, actor: User, mailing: Mailing, person: Person | None = None) -> str:
    """Send the mailing once to the actor's own address (subject marked as a test); answer the address."""
    ensure_manager(actor)
    if not actor.email:
        raise ValidationError(_("Your user has no email address to send the test to."), field="email")
    rendered = mailing_preview(actor=actor, mailing=mailing, person=person)
    message = EmailMultiAlternatives(
        subject=_("[Test] %(subject)s") % {"subject": rendered["subject"]},
        body=rendered["text"], from_email=sender(mailing), to=[actor.email],
    )
    message.attach_alternative(html_document(rendered), "text/html")
    message.send()
    return actor.email


def sender(mailing: Mailing) -> str:
    if not mailing.from_email:
        return settings.DEFAULT_FROM_EMAIL
    from email.utils import formataddr

    return formataddr((mailing.from_name, mailing.from_email)) if mailing.from_name else mailing.from_email
