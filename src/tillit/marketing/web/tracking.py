"""Website tracking: the collector behind ``/t.js``, and joining a visitor's history to a person.

The script posts batches (``{"site", "visitor", "events": [...]}``) as ``text/plain`` (sendBeacon).
``collect`` never raises for bad input: malformed events are dropped and counted on the site, the
rest are stored in bulk. Events of an anonymous visitor go to ``WebEvent``; events of an identified
visitor become interactions at once (channel ``web``, ``source="web"``, ``external_id`` = the event id,
so a replayed batch stores nothing twice). ``identify`` turns the anonymous history into interactions.

Identification comes from a form post with an email address, or from the signed parameter that
tracked email links carry (``identify_param``), read by the script on the landing page.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.marketing.web.models import TrackingSite, Visitor, WebEvent
from tillit.people.models import Identity, IdentityKind, LifecycleStage, Person

IDENTIFY_PARAM = "tlt_id"
IDENTIFY_SALT = "tillit.marketing.web.identify"
IDENTIFY_MAX_AGE = timedelta(days=60)

MAX_BODY_BYTES = 512 * 1024
MAX_EVENTS = 1000
# Requests per visitor and minute; a page sends a batch every few seconds at most.
RATE_LIMIT_PER_MINUTE = 60
# A client clock further off than this is not trusted: the event gets the time it arrived.
CLOCK_PAST = timedelta(days=2)
CLOCK_FUTURE = timedelta(minutes=10)

EVENT_KINDS = {
    Kind.PAGE_VIEW, Kind.CONTENT_READ, Kind.VIDEO_WATCHED, Kind.WEBINAR_WATCHED, Kind.FORM_SUBMITTED,
}
IDENTIFY = "identify"
UTM_KEYS = ("source", "medium", "campaign", "content", "term")
_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def new_site_key() -> str:
    return "ts_" + secrets.token_urlsafe(15)


# --- identification by email link -------------------------------------------------------------
def identify_param(person) -> tuple[str, str]:
    """``(name, value)`` to append to tracked links: a signed, expiring reference to ``person``."""
    value = signing.TimestampSigner(salt=IDENTIFY_SALT).sign(signing.b62_encode(person.pk))
    return IDENTIFY_PARAM, value


def person_from_token(token: str) -> Person | None:
    try:
        raw = signing.TimestampSigner(salt=IDENTIFY_SALT).unsign(token, max_age=IDENTIFY_MAX_AGE)
        return Person.objects.filter(pk=signing.b62_decode(raw)).first()
    except (signing.BadSignature, ValueError, TypeError):
        return None


# --- the collector ----------------------------------------------------------------------------
@dataclass
class CollectResult:
    accepted: int = 0
    dropped: int = 0
    interactions: int = 0
    identified: bool = False
    reasons: list[str] = field(default_factory=list)
    site: TrackingSite | None = None
    allowed_origin: str = ""


def origin_allowed(site: TrackingSite, origin: str | None) -> bool:
    """No origins configured means any origin (handy while setting up); otherwise an exact match."""
    allowed = site.origins
    if not allowed:
        return True
    return bool(origin) and origin.rstrip("/").lower() in allowed


def site_for_key(key) -> TrackingSite | None:
    if not isinstance(key, str) or not key or len(key) > 40:
        return None
    return TrackingSite.objects.filter(key=key, is_active=True).first()


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int(value, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = int(value)
    return value if low <= value <= high else None


def _when(value, now: datetime) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            when = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return now
        if now - CLOCK_PAST <= when <= now + CLOCK_FUTURE:
            return min(when, now)
    return now


def _clean_url(value) -> str:
    url = _text(value, 500)
    return url if url.startswith(("http://", "https://")) else ""


def clean_event(item, now: datetime) -> dict | None:
    """One event from the script as model values, or ``None`` when it is malformed."""
    if not isinstance(item, dict):
        return None
    kind = item.get("type")
    event_id = item.get("id")
    if kind not in EVENT_KINDS and kind != IDENTIFY:
        return None
    if not isinstance(event_id, str) or not _ID.match(event_id):
        return None
    utm = item.get("utm") if isinstance(item.get("utm"), dict) else {}
    share = item.get("share")
    if share is not None:
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            return None
        share = round(float(share), 4)
    event = {
        "event_id": event_id, "kind": kind, "occurred_at": _when(item.get("ts"), now),
        "url": _clean_url(item.get("url")), "title": _text(item.get("title"), 200),
        "referrer": _clean_url(item.get("referrer")), "topic": _text(item.get("topic"), 100),
        "content_type": _text(item.get("ctype"), 60),
        "duration_seconds": _int(item.get("duration"), 0, 86_400),
        "scroll_depth": _int(item.get("scroll"), 0, 100), "share_watched": share,
    }
    for key in UTM_KEYS:
        event[f"utm_{key}"] = _text(utm.get(key), 100)
    if kind == IDENTIFY:
        event["email"] = _text(item.get("email"), 254).lower()
        event["token"] = _text(item.get("token"), 200)
        if not (event["email"] and _EMAIL.match(event["email"])) and not event["token"]:
            return None
    return event


def parse_body(body: bytes) -> dict | None:
    if not body or len(body) > MAX_BODY_BYTES:
        return None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _rate_limited(site: TrackingSite, visitor_id: str, now: datetime) -> bool:
    key = f"tillit:t:{site.pk}:{visitor_id}:{now:%Y%m%d%H%M}"
    if cache.add(key, 1, timeout=120):
        return False
    try:
        count = cache.incr(key)
    except ValueError:
        return False
    return count > RATE_LIMIT_PER_MINUTE


def collect(body: bytes, *, origin: str | None, now: datetime | None = None) -> CollectResult:
    """Store one batch from the script. Never raises for what the client sent."""
    now = now or timezone.now()
    result = CollectResult()
    data = parse_body(body)
    site = site_for_key(data.get("site")) if data else None
    if site is None:
        result.reasons.append("site")
        return result
    result.site = site
    if not origin_allowed(site, origin):
        result.reasons.append("origin")
        _count(site, dropped=len(data.get("events") or []) if isinstance(data.get("events"), list) else 1)
        return result
    result.allowed_origin = origin or ""
    visitor_id = data.get("visitor")
    items = data.get("events")
    if not isinstance(visitor_id, str) or not _ID.match(visitor_id) or not isinstance(items, list):
        result.reasons.append("batch")
        _count(site, dropped=1)
        return result
    if len(items) > MAX_EVENTS or _rate_limited(site, visitor_id, now):
        result.reasons.append("limit")
        _count(site, dropped=len(items))
        return result

    events, identifies = [], []
    for item in items:
        event = clean_event(item, now)
        if event is None:
            result.dropped += 1
        elif event["kind"] == IDENTIFY:
            identifies.append(event)
        else:
            events.append(event)

    with transaction.atomic():
        visitor = _visitor(site, visitor_id, now)
        person = visitor.person
        for ident in identifies:
            found = _person_for(site, ident)
            if found is not None:
                person = found
        if person is not None and person.pk != visitor.person_id:
            # Store this batch as anonymous first so one join turns the whole history into interactions.
            _store_anonymous(visitor, events)
            result.interactions += identify(visitor, person, source="web", now=now)
            _log_forms(site, visitor, person, identifies, result)
            result.identified = True
        elif person is not None:
            result.interactions += _store_interactions(site, visitor, person, events)
            _log_forms(site, visitor, person, identifies, result)
        else:
            _store_anonymous(visitor, events)
    result.accepted = len(events) + len(identifies)
    _count(site, accepted=result.accepted, dropped=result.dropped)
    return result


def _count(site: TrackingSite, *, accepted: int = 0, dropped: int = 0) -> None:
    if accepted or dropped:
        TrackingSite.objects.filter(pk=site.pk).update(
            accepted_events=F("accepted_events") + accepted, dropped_events=F("dropped_events") + dropped
        )


def _visitor(site: TrackingSite, visitor_id: str, now: datetime) -> Visitor:
    visitor, created = Visitor.objects.select_related("person").get_or_create(
        site=site, visitor_id=visitor_id, defaults={"first_seen": now, "last_seen": now}
    )
    if not created:
        Visitor.objects.filter(pk=visitor.pk).update(last_seen=now)
    return visitor


def _store_anonymous(visitor: Visitor, events: list[dict]) -> None:
    fields = {f.name for f in WebEvent._meta.concrete_fields}
    WebEvent.objects.bulk_create(
        [WebEvent(visitor=visitor, **{k: v for k, v in e.items() if k in fields}) for e in events],
        ignore_conflicts=True, batch_size=500,
    )


def _store_interactions(site, visitor: Visitor, person: Person, events: list[dict]) -> int:
    rows = [interaction_for(site.pk, visitor.visitor_id, person, e) for e in events]
    before = Interaction.objects.filter(source="web", external_id__in=[r.external_id for r in rows]).count()
    Interaction.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows) - before


def interaction_for(site_id: int, visitor_id: str, person: Person, e) -> Interaction:
    """The interaction for one event (a cleaned dict or a ``WebEvent``)."""
    get = e.get if isinstance(e, dict) else (lambda name, default=None: getattr(e, name, default))
    utm = {key: get(f"utm_{key}") for key in UTM_KEYS if get(f"utm_{key}")}
    payload = {"site": site_id, "visitor": visitor_id, "url": get("url") or ""}
    for key in ("referrer", "content_type", "scroll_depth"):
        if get(key) not in (None, ""):
            payload[key] = get(key)
    if utm:
        payload["utm"] = utm
    return Interaction(
        channel=Channel.WEB, kind=get("kind"), direction=Direction.INBOUND, occurred_at=get("occurred_at"),
        person=person, subject=get("title") or "", topic=get("topic") or "", campaign=get("utm_campaign") or "",
        duration_seconds=get("duration_seconds"), share_watched=get("share_watched"),
        source="web", external_id=get("event_id"), payload=payload,
    )


def _person_for(site: TrackingSite, ident: dict) -> Person | None:
    if ident.get("token"):
        person = person_from_token(ident["token"])
        if person is not None:
            return person
    email = ident.get("email")
    if not email:
        return None
    identity = (
        Identity.objects.select_related("person").filter(kind=IdentityKind.EMAIL, normalized=email)
        .order_by("id").first()
    )
    if identity is not None:
        return identity.person
    if not site.create_leads:
        return None
    person = Person.objects.create(lifecycle_stage=LifecycleStage.LEAD, primary_email=email)
    Identity.objects.create(person=person, kind=IdentityKind.EMAIL, value=email, normalized=email, is_primary=True)
    return person


def _log_forms(site, visitor: Visitor, person: Person, identifies: list[dict], result: CollectResult) -> None:
    """A form post that identified the visitor is itself a touch (``form_submitted``)."""
    forms = [dict(e, kind=Kind.FORM_SUBMITTED) for e in identifies if e.get("email")]
    if forms:
        result.interactions += _store_interactions(site, visitor, person, forms)


# --- joining the history ----------------------------------------------------------------------
def identify(visitor_id, person: Person, *, source: str, now: datetime | None = None) -> int:
    """Join a visitor's anonymous history to ``person``: its events become the person's interactions.

    ``visitor_id`` is a ``Visitor`` or the script's visitor id (every site's visitor with that id).
    Idempotent: an event already joined is not logged again (``source="web"``, ``external_id``).
    ``source`` says what identified the visitor (``web`` form, ``email`` link, ``api``).
    Returns the number of interactions created.
    """
    now = now or timezone.now()
    if isinstance(visitor_id, Visitor):
        visitors = [visitor_id]
    else:
        visitors = list(Visitor.objects.filter(visitor_id=str(visitor_id)[:64]))
    created = 0
    with transaction.atomic():
        for visitor in visitors:
            Visitor.objects.filter(pk=visitor.pk).update(person=person, identified_at=now)
            visitor.person, visitor.identified_at = person, now
            events = list(WebEvent.objects.filter(visitor=visitor).order_by("occurred_at", "id"))
            if not events:
                continue
            rows = [interaction_for(visitor.site_id, visitor.visitor_id, person, e) for e in events]
            for row in rows:
                row.payload["identified_by"] = source
            ids = [r.external_id for r in rows]
            stored = Interaction.objects.filter(source="web", external_id__in=ids).count()
            Interaction.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
            created += len(rows) - stored
            WebEvent.objects.filter(pk__in=[e.pk for e in events]).delete()
    return created


# Anonymous history older than this is deleted: it will most likely never join a person.
ANONYMOUS_RETENTION = timedelta(days=395)


def purge_anonymous(*, now: datetime | None = None) -> int:
    """Delete anonymous events (and visitors left without any) past the retention. Idempotent."""
    cutoff = (now or timezone.now()) - ANONYMOUS_RETENTION
    deleted, _counts = WebEvent.objects.filter(occurred_at__lt=cutoff).delete()
    Visitor.objects.filter(person__isnull=True, last_seen__lt=cutoff, events__isnull=True).delete()
    return deleted


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""
