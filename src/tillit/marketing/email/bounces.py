"""Bounces: delivery status notifications (RFC 3464) or simple JSON reports from a mail provider.

A bounce is matched to the message it answers (by the original Message-ID, else the newest message
sent to the address), recorded, counted on the mailing and logged; a hard bounce (permanent failure,
status 5.x.x) suppresses the address for every future mailing.
"""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy
from email.message import Message

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.errors import ValidationError
from tillit.interactions.services import log_interaction
from tillit.marketing.email.models import (
    Bounce,
    BounceType,
    Mailing,
    MailingMessage,
    MessageStatus,
    Suppression,
    SuppressionReason,
)
from tillit.marketing.email.services import ensure_manager
from tillit.people.services import clean_email

_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


def parse_dsn(raw: bytes) -> list[dict]:
    """The failed recipients of a DSN: ``[{email, type, status_code, reason, message_id}]``.

    Reads the ``message/delivery-status`` part (per-recipient ``Final-Recipient``, ``Action``,
    ``Status``, ``Diagnostic-Code``) and the original message's ``Message-ID`` from the returned
    headers. ``ValidationError`` if it is not a delivery report.
    """
    msg = message_from_bytes(raw, policy=policy.compat32)
    reports, original_id = [], ""
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            reports.extend(_recipient_blocks(part))
        elif ctype in ("message/rfc822", "text/rfc822-headers") and not original_id:
            original_id = _original_message_id(part)
    if not reports:
        raise ValidationError(_("This is not a delivery status report (no message/delivery-status part)."),
                              field="body")
    out = []
    for fields in reports:
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        email = recipient.split(";", 1)[-1].strip().strip("<>")
        action = fields.get("action", "").lower()
        status = _STATUS.search(fields.get("status", ""))
        code = status.group(0) if status else ""
        if action in ("delivered", "relayed", "expanded") or (code.startswith("2")):
            continue
        hard = action == "failed" and (code.startswith("5") or not code)
        out.append({
            "email": email, "type": BounceType.HARD if hard else BounceType.SOFT, "status_code": code,
            "reason": (fields.get("diagnostic-code", "").split(";", 1)[-1].strip() or action)[:300],
            "message_id": original_id,
        })
    return out


def _recipient_blocks(part: Message) -> list[dict]:
    # The per-message block comes first; every later block is one recipient.
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    if not blocks:
        text = part.get_payload(decode=True) or b""
        blocks = [message_from_bytes(chunk.encode()) for chunk in
                  re.split(r"\r?\n\r?\n", text.decode("utf-8", "replace")) if chunk.strip()]
    out = []
    for block in blocks[1:] if len(blocks) > 1 else blocks:
        fields = {k.lower(): " ".join(str(v).split()) for k, v in block.items()}
        if "final-recipient" in fields or "original-recipient" in fields:
            out.append(fields)
    return out


def _original_message_id(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return (payload[0].get("Message-ID") or "").strip()
    match = re.search(r"^Message-ID:\s*(\S+)", str(payload), re.M | re.I)
    return match.group(1) if match else ""


def _find_message(email: str, message_id: str) -> MailingMessage | None:
    if message_id:
        found = MailingMessage.objects.filter(message_id=message_id).select_related("mailing", "person").first()
        if found:
            return found
    return (MailingMessage.objects.filter(email__iexact=email, sent_at__isnull=False)
            .select_related("mailing", "person").order_by("-sent_at", "-id").first())


@transaction.atomic
def bounce_record(*, actor, email: str, type: str, reason: str = "", status_code: str = "", message_id: str = "",
                  now: dt.datetime | None = None) -> Bounce:
    """Record one bounce; a hard bounce suppresses the address. Replays of the same report add a row
    but count on the mailing once per message."""
    ensure_manager(actor)
    now = now or timezone.now()
    email = clean_email(email or "", field="email")
    if type not in BounceType.values:
        raise ValidationError(_("Use one of: %(choices)s.") % {"choices": ", ".join(BounceType.values)}, field="type")
    message = _find_message(email, (message_id or "").strip())
    bounce = Bounce.objects.create(message=message, email=email, type=type, reason=(reason or "")[:300],
                                   status_code=(status_code or "")[:12], received_at=now)
    if type == BounceType.HARD and not Suppression.objects.filter(
        email__iexact=email, purpose="", reason=SuppressionReason.HARD_BOUNCE
    ).exists():
        Suppression.objects.create(person=message.person if message else None, email=email, purpose="",
                                   reason=SuppressionReason.HARD_BOUNCE, mailing=message.mailing if message else None)
    if message is not None:
        first = MailingMessage.objects.filter(pk=message.pk, bounced_at__isnull=True).update(
            bounced_at=now, bounce_type=type, bounce_reason=(reason or "")[:300], status=MessageStatus.BOUNCED,
        )
        if first:
            Mailing.objects.filter(pk=message.mailing_id).update(bounced_count=F("bounced_count") + 1)
            log_interaction(
                actor=None, channel="email", kind="other", person=message.person, occurred_at=now, direction="in",
                subject=message.mailing.subject[:200], campaign=message.mailing.campaign_code, source="mailing",
                outcome=f"bounced_{type}", text=(reason or "")[:1000],
                external_id=f"mailing-message-{message.pk}-bounced",
                payload={"mailing": message.mailing_id, "message": message.pk, "status": status_code},
            )
    return bounce


def bounces_from_dsn(*, actor, raw: bytes, now: dt.datetime | None = None) -> list[Bounce]:
    ensure_manager(actor)
    return [bounce_record(actor=actor, now=now, **item) for item in parse_dsn(raw)]
