"""Sending mailings in the background: at a rate per minute, in batches, at most once per recipient.

``send_due(now=)`` is what the periodic task runs. A due mailing is *started*: its audience (segments
and lists, minus persons without an address, an active consent for the mailing's purpose, or with an
unsubscribe/suppression) becomes one queued ``MailingMessage`` per person. Each run then sends the next
batch allowed by the rate. Before each message goes out it is *claimed* (queued → sending, a
conditional UPDATE that only one worker can win, committed at once) and the consent and suppressions
are checked again, so a consent withdrawn after scheduling stops the mail. A worker that dies between
claim and result leaves the message ``sending``; it is later marked failed, never sent again.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import make_msgid
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.interactions.services import log_interaction
from tillit.marketing.email import selectors
from tillit.marketing.email.models import Mailing, MailingLink, MailingMessage, MailingStatus, MessageStatus
from tillit.marketing.email.personalise import links_in
from tillit.marketing.email.services import html_document, organization_name, person_values, render_mailing, sender
from tillit.marketing.email.tokens import make_token

log = logging.getLogger(__name__)
SOURCE = "mailing"
# A claimed message whose worker never reported back within this time is given up (not resent).
STALE_AFTER = dt.timedelta(minutes=15)


def batch_size(*, rate_per_minute: int, started_at: dt.datetime, now: dt.datetime, claimed: int) -> int:
    """How many messages may go out now: the rate's allowance since the start (one minute's worth at
    once), less what was already claimed, and never more than one minute's worth per run — so a worker
    that was down does not burst to catch up."""
    minutes = max(int((now - started_at).total_seconds() // 60), 0) + 1
    return max(0, min(rate_per_minute, rate_per_minute * minutes - claimed))


def mailing_start(mailing_id: int, *, now: dt.datetime) -> Mailing | None:
    """Turn a due, scheduled mailing into queued messages (idempotent: only a scheduled one starts)."""
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().filter(
            pk=mailing_id, status=MailingStatus.SCHEDULED, scheduled_at__lte=now
        ).first()
        if mailing is None:
            return None
        for position, url in enumerate(links_in(mailing.body)):
            MailingLink.objects.get_or_create(mailing=mailing, position=position, defaults={"url": url})
        everyone = selectors.audience(
            segments=mailing.segments.all(), static_lists=mailing.static_lists.all(), now=now
        )
        total = everyone.count()
        rows = selectors.eligible(everyone, purpose=mailing.purpose, now=now).values_list("pk", "primary_email")
        MailingMessage.objects.bulk_create(
            [MailingMessage(mailing=mailing, person_id=pk, email=email) for pk, email in rows.iterator()],
            batch_size=1000, ignore_conflicts=True,
        )
        recipients = MailingMessage.objects.filter(mailing=mailing).count()
        Mailing.objects.filter(pk=mailing.pk).update(
            status=MailingStatus.SENDING, started_at=now, recipients_count=recipients,
            suppressed_count=max(total - recipients, 0), version=F("version") + 1,
        )
    mailing.refresh_from_db()
    return mailing


def send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Start due mailings and send the next batch of every running one. Safe to run concurrently."""
    now = now or timezone.now()
    started = 0
    for mailing_id in Mailing.objects.filter(
        status=MailingStatus.SCHEDULED, scheduled_at__lte=now
    ).values_list("pk", flat=True):
        started += mailing_start(mailing_id, now=now) is not None
    sent = 0
    for mailing in Mailing.objects.filter(status=MailingStatus.SENDING):
        _give_up_stale(mailing, now=now)
        claimed = MailingMessage.objects.filter(mailing=mailing).exclude(status=MessageStatus.QUEUED).count()
        limit = batch_size(rate_per_minute=mailing.rate_per_minute, started_at=mailing.started_at or now,
                           now=now, claimed=claimed)
        if limit:
            sent += send_batch(mailing, limit=limit, now=now)
        _finish_if_done(mailing, now=now)
    return {"started": started, "sent": sent}


def _give_up_stale(mailing: Mailing, *, now: dt.datetime) -> None:
    stale = MailingMessage.objects.filter(
        mailing=mailing, status=MessageStatus.SENDING, claimed_at__lt=now - STALE_AFTER
    ).update(status=MessageStatus.FAILED, error=_("Interrupted while sending; not retried so nobody gets it twice."))
    if stale:
        Mailing.objects.filter(pk=mailing.pk).update(failed_count=F("failed_count") + stale)


def _finish_if_done(mailing: Mailing, *, now: dt.datetime) -> None:
    open_messages = MailingMessage.objects.filter(
        mailing=mailing, status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]
    )
    if not open_messages.exists():
        Mailing.objects.filter(pk=mailing.pk, status=MailingStatus.SENDING).update(
            status=MailingStatus.SENT, finished_at=now, version=F("version") + 1
        )


def _claim(message_id: int, now: dt.datetime) -> bool:
    # One conditional UPDATE, committed on its own: two workers can never both win the same message.
    return bool(MailingMessage.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, claimed_at=now
    ))


def send_batch(mailing: Mailing, *, limit: int, now: dt.datetime) -> int:
    """Send up to ``limit`` queued messages of ``mailing`` over one SMTP connection; answer how many went."""
    ids = list(MailingMessage.objects.filter(mailing=mailing, status=MessageStatus.QUEUED)
               .order_by("id").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    links = list(MailingLink.objects.filter(mailing=mailing))
    sent = 0
    connection = get_connection()
    try:
        for message_id in ids:
            if not _claim(message_id, now):
                continue
            message = MailingMessage.objects.select_related("person").get(pk=message_id)
            sent += _send_one(mailing, message, links, connection, now)
    finally:
        connection.close()
    return sent


def _send_one(mailing: Mailing, message: MailingMessage, links, connection, now: dt.datetime) -> int:
    if mailing.status != MailingStatus.SENDING or not Mailing.objects.filter(
        pk=mailing.pk, status=MailingStatus.SENDING
    ).exists():
        # Cancelled meanwhile: hand the message back untouched.
        MailingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.QUEUED, claimed_at=None)
        return 0
    if not selectors.may_receive(person_id=message.person_id, email=message.email, purpose=mailing.purpose, now=now):
        MailingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SUPPRESSED)
        Mailing.objects.filter(pk=mailing.pk).update(suppressed_count=F("suppressed_count") + 1)
        return 0
    email = compose(mailing, message, links)
    try:
        connection.send_messages([email])
    except Exception as exc:  # noqa: BLE001 — any SMTP or network failure fails this message only
        log.warning("mailing %s message %s failed: %s", mailing.pk, message.pk, exc)
        MailingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, error=str(exc)[:300])
        Mailing.objects.filter(pk=mailing.pk).update(failed_count=F("failed_count") + 1)
        return 0
    with transaction.atomic():
        MailingMessage.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT, sent_at=now, message_id=email.extra_headers["Message-ID"]
        )
        Mailing.objects.filter(pk=mailing.pk).update(sent_count=F("sent_count") + 1)
        log_interaction(
            actor=None, channel="email", kind="email_sent", person=message.person, occurred_at=now,
            direction="out", subject=email.subject[:200], campaign=mailing.campaign_code, source=SOURCE,
            external_id=f"mailing-message-{message.pk}-sent", payload={"mailing": mailing.pk, "message": message.pk},
        )
    return 1


# --- composing ---------------------------------------------------------------------------------
def absolute(path: str) -> str:
    return settings.TILLIT_BASE_URL.rstrip("/") + path


def tracking_urls(message_id: int) -> dict[str, str]:
    return {
        "pixel_url": absolute(reverse("marketing:mailing_open", args=[make_token("open", message_id)])),
        "unsubscribe_url": absolute(reverse("marketing:mailing_unsubscribe",
                                            args=[make_token("unsubscribe", message_id)])),
        "preferences_url": absolute(reverse("marketing:mailing_preferences", args=[make_token("prefs", message_id)])),
    }


def compose(mailing: Mailing, message: MailingMessage, links: list[MailingLink]) -> EmailMultiAlternatives:
    """The email for one recipient: personalised, tracked links and pixel, RFC 8058 unsubscribe headers."""
    urls = tracking_urls(message.pk)
    by_url = {
        link.url: absolute(reverse("marketing:mailing_click", args=[make_token("click", message.pk, link.position)]))
        for link in links
    }
    values = person_values(message.person, email=message.email, organization=organization_name(message.person))
    values.update(unsubscribe_url=urls["unsubscribe_url"], preferences_url=urls["preferences_url"])
    rendered = render_mailing(mailing, values, link=lambda url: by_url.get(url, url))
    footer = _("You get this email because you agreed to hear from us. Unsubscribe: %(unsubscribe)s — "
               "choose what you get: %(preferences)s") % {
        "unsubscribe": urls["unsubscribe_url"], "preferences": urls["preferences_url"]}
    inbound = settings.TILLIT_INBOUND_EMAIL
    unsubscribe_token = urls["unsubscribe_url"].rsplit("/", 1)[-1]
    domain = (mailing.from_email.rpartition("@")[2] or urlsplit(settings.TILLIT_BASE_URL).hostname or "localhost")
    mailto = f"mailto:{inbound}?subject={quote('unsubscribe ' + unsubscribe_token)}"
    headers = {
        "Message-ID": make_msgid(idstring=f"m{message.pk}", domain=domain),
        "List-Unsubscribe": f"<{urls['unsubscribe_url']}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<{mailing.code}.{domain}>",
        "Precedence": "bulk",
        "X-Tillit-Mailing": str(mailing.pk),
    }
    email = EmailMultiAlternatives(
        subject=rendered["subject"], body=rendered["text"] + "\n--\n" + footer + "\n",
        from_email=sender(mailing), to=[message.email], headers=headers,
    )
    email.attach_alternative(html_document(rendered, pixel_url=urls["pixel_url"], urls=urls), "text/html")
    return email
