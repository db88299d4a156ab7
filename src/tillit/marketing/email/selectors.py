"""Reads for mailings: lists, the audience after exclusions, progress, reports."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import NotFound
from tillit.marketing.email.models import (
    Bounce,
    Mailing,
    MailingLink,
    MailingMessage,
    MessageStatus,
    Suppression,
)
from tillit.people.models import Consent, Person


def mailing_list(*, actor, status: str = "", q: str = "") -> QuerySet[Mailing]:
    ensure_staff(actor)
    qs = Mailing.objects.select_related("campaign", "created_by")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(subject__icontains=q))
    return qs


def mailing_get(*, actor, mailing_id: int) -> Mailing:
    ensure_staff(actor)
    mailing = Mailing.objects.select_related("campaign", "created_by").filter(pk=mailing_id).first()
    if mailing is None:
        raise NotFound(_("No such mailing."))
    return mailing


# --- the audience -----------------------------------------------------------------------------
def consent_q(purpose: str, now: dt.datetime) -> Exists:
    return Exists(Consent.objects.filter(
        person_id=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True, given_at__lte=now,
    ))


def suppressed_q(purpose: str) -> Exists:
    """Unsubscribed or suppressed for this purpose or for every mailing, by person or by address."""
    return Exists(Suppression.objects.filter(
        Q(person_id=OuterRef("pk")) | Q(email__iexact=OuterRef("primary_email")), purpose__in=[purpose, ""],
    ))


def audience(*, segments=(), static_lists=(), now: dt.datetime | None = None) -> QuerySet[Person]:
    """Everyone in the segments and lists (the segments module's contract), before exclusions."""
    from tillit.marketing.segments import audience as segment_audience

    return segment_audience(segments=list(segments), static_lists=list(static_lists), now=now)


def eligible(persons: QuerySet[Person], *, purpose: str, now: dt.datetime) -> QuerySet[Person]:
    """Those who may get a mailing of ``purpose``: an address, an active consent, no unsubscribe."""
    return persons.exclude(primary_email="").filter(consent_q(purpose, now)).exclude(suppressed_q(purpose))


def audience_counts(*, segments=(), static_lists=(), purpose: str, now: dt.datetime | None = None) -> dict:
    """The editor's live count: everyone, and why the others are left out (four counts in one query)."""
    now = now or timezone.now()
    everyone = audience(segments=segments, static_lists=static_lists, now=now)
    counts = everyone.aggregate(
        total=Count("pk", distinct=True),
        no_email=Count("pk", filter=Q(primary_email=""), distinct=True),
        no_consent=Count("pk", filter=~Q(primary_email="") & ~Q(consent_q(purpose, now)), distinct=True),
        suppressed=Count(
            "pk", filter=~Q(primary_email="") & Q(consent_q(purpose, now)) & Q(suppressed_q(purpose)), distinct=True
        ),
    )
    counts["recipients"] = counts["total"] - counts["no_email"] - counts["no_consent"] - counts["suppressed"]
    return counts


def may_receive(*, person_id: int, email: str, purpose: str, now: dt.datetime) -> bool:
    """The check right before a message goes out (one query): consent still active, nothing suppressed."""
    return (
        Person.objects.filter(pk=person_id)
        .filter(consent_q(purpose, now))
        .exclude(suppressed_q(purpose))
        .exclude(Exists(Suppression.objects.filter(email__iexact=email, purpose__in=[purpose, ""])))
        .exists()
    )


# --- progress and reports ---------------------------------------------------------------------
def mailing_progress(mailing: Mailing) -> dict:
    """Messages per status (one query) for the progress bar."""
    by_status = dict(
        MailingMessage.objects.filter(mailing=mailing).values_list("status").annotate(n=Count("id")).order_by()
    )
    total = sum(by_status.values())
    done = total - by_status.get(MessageStatus.QUEUED, 0) - by_status.get(MessageStatus.SENDING, 0)
    return {
        "total": total,
        "queued": by_status.get(MessageStatus.QUEUED, 0),
        "sending": by_status.get(MessageStatus.SENDING, 0),
        "sent": by_status.get(MessageStatus.SENT, 0) + by_status.get(MessageStatus.BOUNCED, 0),
        "failed": by_status.get(MessageStatus.FAILED, 0),
        "suppressed": by_status.get(MessageStatus.SUPPRESSED, 0),
        "bounced": by_status.get(MessageStatus.BOUNCED, 0),
        "percent": round(100 * done / total) if total else 0,
    }


def rates(mailing: Mailing) -> dict:
    delivered = mailing.sent_count - mailing.bounced_count
    base = max(delivered, 0)

    def pct(n: int) -> float | None:
        return round(100 * n / base, 1) if base else None

    return {
        "delivered": base, "open_rate": pct(mailing.opened_count), "click_rate": pct(mailing.clicked_count),
        "unsubscribe_rate": pct(mailing.unsubscribed_count),
        "bounce_rate": round(100 * mailing.bounced_count / mailing.sent_count, 1) if mailing.sent_count else None,
    }


def engagement_series(mailing: Mailing) -> dict:
    """First opens and first clicks per hour (first two days) or per day (after), for the report chart."""
    start = mailing.started_at or mailing.scheduled_at
    if start is None:
        return {"labels": [], "opens": [], "clicks": []}
    last = MailingMessage.objects.filter(mailing=mailing).exclude(opened_at=None).order_by("-opened_at").values_list(
        "opened_at", flat=True
    ).first()
    hourly = last is None or last - start <= dt.timedelta(hours=48)
    trunc = TruncHour if hourly else TruncDate
    opens = dict(
        MailingMessage.objects.filter(mailing=mailing).exclude(opened_at=None)
        .annotate(slot=trunc("opened_at")).values_list("slot").annotate(n=Count("id")).order_by()
    )
    clicks = dict(
        MailingMessage.objects.filter(mailing=mailing).exclude(clicked_at=None)
        .annotate(slot=trunc("clicked_at")).values_list("slot").annotate(n=Count("id")).order_by()
    )
    slots = sorted(set(opens) | set(clicks))
    if not slots:
        return {"labels": [], "opens": [], "clicks": []}
    # Fill the gaps so the chart's time axis is even.
    step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
    filled, slot = [], slots[0]
    while slot <= slots[-1] and len(filled) < 200:
        filled.append(slot)
        slot = slot + step
    tz = timezone.get_current_timezone()

    def label(s) -> str:
        if hourly:
            return timezone.localtime(s, tz).strftime("%d.%m %H:00")
        return s.strftime("%d.%m")

    return {
        "labels": [label(s) for s in filled],
        "opens": [opens.get(s, 0) for s in filled],
        "clicks": [clicks.get(s, 0) for s in filled],
    }


def top_links(mailing: Mailing, *, limit: int = 10) -> list[MailingLink]:
    return list(
        MailingLink.objects.filter(mailing=mailing)
        .annotate(clickers=Count("clicks"), total=Sum("clicks__count"))
        .order_by("-clickers", "position")[:limit]
    )


def message_list(*, actor, mailing: Mailing, status: str = "") -> QuerySet[MailingMessage]:
    """The recipients of a mailing the actor may see (the person's visibility rules apply)."""
    ensure_staff(actor)
    qs = MailingMessage.objects.filter(mailing=mailing).select_related("person")
    if status:
        qs = qs.filter(status=status)
    return restrict(qs, actor, owner_field="person__owner", team_field="person__team")


def bounce_list(*, actor, mailing: Mailing | None = None) -> QuerySet[Bounce]:
    ensure_staff(actor)
    qs = Bounce.objects.select_related("message")
    return qs.filter(message__mailing=mailing) if mailing is not None else qs
