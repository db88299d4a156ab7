"""The public side of a mailing: open pixel, click redirect, one-click unsubscribe, preferences.

Every entry takes a signed token (``tokens``); a forged or altered token is ``NotFound`` and the page
answers a bare 404. Link scanners and prefetchers are kept out of the numbers: a HEAD request or a
known scanner/bot user agent never counts, and a click within ``SCANNER_SECONDS`` of delivery (what a
mail gateway does when it follows every link on arrival) is flagged on the message instead of counted.
A replayed click still redirects but counts once per recipient and link as a "first click".
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tillit.core.errors import NotFound
from tillit.interactions.services import log_interaction
from tillit.marketing.email.models import (
    Mailing,
    MailingClick,
    MailingLink,
    MailingMessage,
    Suppression,
    SuppressionReason,
)
from tillit.marketing.email.tokens import read_token

SOURCE = "mailing"
SCANNER_SECONDS = getattr(settings, "TILLIT_EMAIL_SCANNER_SECONDS", 10)
PURPOSES = ("newsletter", "marketing_email")
# The consent source when a person signs up on the preference page themselves.
PREFERENCE_SOURCE = "preference page"
# Security gateways, link checkers and crawlers that fetch links without a person behind them.
_BOT_AGENTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scanner|preview|proofpoint|mimecast|barracuda|safelinks|symantec|"
    r"forcepoint|trendmicro|fireeye|sophos|cisco|python-requests|python-urllib|curl/|wget/|headless|"
    r"go-http-client|java/|libwww|okhttp",
    re.I,
)


def is_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(_BOT_AGENTS.search(user_agent))


def _message(purpose: str, token: str, *, with_link: bool = False) -> tuple[MailingMessage, int | None]:
    parsed = read_token(purpose, token)
    if parsed is None or (parsed[1] is not None) != with_link:
        raise NotFound(_("Not found."))
    message = MailingMessage.objects.select_related("mailing", "mailing__campaign", "person").filter(
        pk=parsed[0]
    ).first()
    if message is None:
        raise NotFound(_("Not found."))
    return message, parsed[1]


def _log(message: MailingMessage, *, kind: str, now: dt.datetime, external: str | None, **fields) -> None:
    mailing = message.mailing
    log_interaction(
        actor=None, channel="email", kind=kind, person=message.person, occurred_at=now, direction="in",
        subject=mailing.subject[:200], campaign=mailing.campaign_code, source=SOURCE,
        external_id=f"mailing-message-{message.pk}-{external}" if external else None,
        payload={"mailing": mailing.pk, "message": message.pk, **fields.pop("payload", {})}, **fields,
    )


# --- opens ------------------------------------------------------------------------------------
def record_open(token: str, *, method: str, user_agent: str, now: dt.datetime) -> bool:
    """Count an open unless it is a prefetch; answer whether it counted. Forged token → ``NotFound``."""
    message, _link = _message("open", token)
    if method != "GET" or is_bot(user_agent) or message.sent_at is None:
        return False
    with transaction.atomic():
        _count_open(message, now)
    return True


def _count_open(message: MailingMessage, now: dt.datetime) -> None:
    MailingMessage.objects.filter(pk=message.pk).update(open_count=F("open_count") + 1)
    first = MailingMessage.objects.filter(pk=message.pk, opened_at__isnull=True).update(opened_at=now)
    if first:
        Mailing.objects.filter(pk=message.mailing_id).update(opened_count=F("opened_count") + 1)
        _log(message, kind="email_opened", now=now, external="opened")


# --- clicks -----------------------------------------------------------------------------------
def click_target(link: MailingLink, message: MailingMessage) -> str:
    """The stored URL with UTM parameters and the website tracker's identify parameter appended."""
    parts = urlsplit(link.url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _v in query}
    extra = {"utm_source": "tillit", "utm_medium": "email", "utm_campaign": message.mailing.campaign_code}
    query += [(k, v) for k, v in extra.items() if k not in present]
    identify = _identify_param(message)
    if identify:
        query.append(identify)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def _identify_param(message: MailingMessage) -> tuple[str, str] | None:
    try:
        from tillit.marketing.web.tracking import identify_param
    except ImportError:  # the website tracker is optional
        return None
    return identify_param(message.person)


def record_click(token: str, *, method: str, user_agent: str, now: dt.datetime) -> str:
    """Count a click (unless a prefetch or a scanner) and answer where to redirect. Forged → ``NotFound``.

    Only URLs stored for the message's own mailing are ever redirected to (no open redirect).
    """
    message, position = _message("click", token, with_link=True)
    link = MailingLink.objects.filter(mailing_id=message.mailing_id, position=position).first()
    if link is None:
        raise NotFound(_("Not found."))
    target = click_target(link, message)
    if method != "GET" or is_bot(user_agent) or message.sent_at is None:
        return target
    if now - message.sent_at < dt.timedelta(seconds=SCANNER_SECONDS):
        # Within seconds of delivery: a gateway checking the link, not a reader. Flag, do not count.
        MailingMessage.objects.filter(pk=message.pk).update(scanner_clicks=F("scanner_clicks") + 1)
        return target
    with transaction.atomic():
        MailingMessage.objects.filter(pk=message.pk).update(click_count=F("click_count") + 1)
        click, created = MailingClick.objects.get_or_create(
            message=message, link=link, defaults={"first_clicked_at": now}
        )
        if not created:
            MailingClick.objects.filter(pk=click.pk).update(count=F("count") + 1)
        else:
            _log(message, kind="email_clicked", now=now, external=f"click-{link.position}",
                 payload={"url": link.url})
        if MailingMessage.objects.filter(pk=message.pk, clicked_at__isnull=True).update(clicked_at=now):
            Mailing.objects.filter(pk=message.mailing_id).update(clicked_count=F("clicked_count") + 1)
        if message.opened_at is None:
            # A click proves the mail was opened even when images were blocked.
            _count_open(message, now)
    return target


# --- unsubscribe and preferences ------------------------------------------------------------------
def message_for_unsubscribe(token: str) -> MailingMessage:
    return _message("unsubscribe", token)[0]


def message_for_preferences(token: str) -> MailingMessage:
    return _message("prefs", token)[0]


def _suppress(message: MailingMessage, purpose: str) -> bool:
    exists = Suppression.objects.filter(
        person=message.person, purpose=purpose, reason=SuppressionReason.UNSUBSCRIBED
    ).exists()
    if not exists:
        Suppression.objects.create(person=message.person, email=message.email.lower(), purpose=purpose,
                                   reason=SuppressionReason.UNSUBSCRIBED, mailing=message.mailing)
    return not exists


@transaction.atomic
def unsubscribe(token: str, *, now: dt.datetime, how: str = "one-click") -> MailingMessage:
    """Stop mailings of this mailing's purpose to the recipient. Idempotent; forged token → ``NotFound``."""
    from tillit.people.models import Consent
    from tillit.people.services import consent_withdraw

    message = message_for_unsubscribe(token)
    _suppress(message, message.mailing.purpose)
    # The consent record says what the card and the segments show: it is withdrawn with the unsubscribe.
    for consent in Consent.objects.filter(person=message.person, purpose=message.mailing.purpose,
                                          withdrawn_at__isnull=True):
        consent_withdraw(actor=None, consent=consent, withdrawn_at=max(now, consent.given_at))
    if MailingMessage.objects.filter(pk=message.pk, unsubscribed_at__isnull=True).update(unsubscribed_at=now):
        Mailing.objects.filter(pk=message.mailing_id).update(unsubscribed_count=F("unsubscribed_count") + 1)
        _log(message, kind="other", now=now, external="unsubscribed", outcome="unsubscribed",
             payload={"purpose": message.mailing.purpose, "how": how})
    return message


def preferences(message: MailingMessage) -> dict:
    """What the recipient gets now, per purpose: consent given and not unsubscribed."""
    from tillit.people.models import Consent

    consented = set(Consent.objects.filter(
        person=message.person, purpose__in=PURPOSES, withdrawn_at__isnull=True
    ).values_list("purpose", flat=True))
    suppressed = set(Suppression.objects.filter(person=message.person).values_list("purpose", flat=True))
    return {
        "all_off": "" in suppressed,
        "purposes": [
            {"purpose": p, "consented": p in consented,
             "on": p in consented and p not in suppressed and "" not in suppressed}
            for p in PURPOSES
        ],
    }


@transaction.atomic
def preferences_save(token: str, *, wanted: set[str], all_off: bool, now: dt.datetime) -> MailingMessage:
    """Set what the recipient wants. Turning a purpose on lifts their own unsubscribe and, without an
    active consent, records one (they ask for it themselves: lawful basis consent); turning it off, or
    everything off, withdraws the consent too, as an unsubscribe does."""
    from tillit.people.models import Consent, LawfulBasis
    from tillit.people.services import consent_record, consent_withdraw

    message = message_for_preferences(token)
    person = message.person
    mine = Suppression.objects.filter(person=person, reason=SuppressionReason.UNSUBSCRIBED)
    active = {}
    for consent in Consent.objects.filter(person=person, purpose__in=PURPOSES, withdrawn_at__isnull=True):
        active.setdefault(consent.purpose, []).append(consent)
    if all_off:
        _suppress(message, "")
    else:
        mine.filter(purpose="").delete()
    for purpose in PURPOSES:
        if purpose in wanted and not all_off:
            mine.filter(purpose=purpose).delete()
            if purpose not in active:
                consent_record(actor=None, person=person, purpose=purpose, lawful_basis=LawfulBasis.CONSENT,
                               given_at=now, source=PREFERENCE_SOURCE)
        else:
            if not all_off:
                _suppress(message, purpose)
            for consent in active.get(purpose, []):
                consent_withdraw(actor=None, consent=consent, withdrawn_at=max(now, consent.given_at))
    _log(message, kind="other", now=now, external=None, outcome="email_preferences",
         payload={"all_off": all_off, "wanted": sorted(wanted)})
    return message


_MAILTO_SUBJECT = re.compile(r"\bunsubscribe\s+([0-9a-z]{1,13}\.[A-Za-z0-9_-]{22})\b", re.I)


def unsubscribe_from_mail(subject: str, *, now: dt.datetime) -> MailingMessage | None:
    """The ``mailto:`` half of ``List-Unsubscribe``: an inbound mail whose subject carries
    ``unsubscribe <token>``. For the inbound mail handling to call; ``None`` if it is not one of ours."""
    match = _MAILTO_SUBJECT.search(subject or "")
    if not match:
        return None
    try:
        return unsubscribe(match.group(1), now=now, how="mailto")
    except NotFound:
        return None
