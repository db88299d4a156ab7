"""Marketing's panel on the customer card (see ``tillit.card.panels``).

Complements the card's own "Email engagement" (totals) and "Interests" (topics, content counts):
per campaign — emails sent/opened/clicked and website touches; the segments of active campaigns and
the static lists the person is in; and how they read — time on page and scroll depth per page.
A fixed number of queries whatever the person's history (at most 7; fewer when the card's probe says a part
has no rows at all).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Min
from ninja import Schema

from tillit.interactions.models import Interaction, Kind
from tillit.marketing.models import Segment, StaticListMember
from tillit.marketing.web.models import Campaign, CampaignStatus, Visitor

EMAIL_KINDS = {Kind.EMAIL_SENT: "sent", Kind.EMAIL_OPENED: "opened", Kind.EMAIL_CLICKED: "clicked"}
WEB_KINDS = {Kind.PAGE_VIEW, Kind.CONTENT_READ, Kind.VIDEO_WATCHED, Kind.WEBINAR_WATCHED, Kind.FORM_SUBMITTED}
READS_SCANNED = 300
TOP_PAGES = 6
KEY = "marketing"


class CardCampaignRefOut(Schema):
    id: int
    name: str
    status: str


class CardCampaignTouchOut(Schema):
    """The customer's touches by one campaign code; ``campaign`` is null for a code no campaign has."""

    code: str
    campaign: CardCampaignRefOut | None
    sent: int
    opened: int
    clicked: int
    web: int
    other: int
    last: dt.datetime


class CardAudienceOut(Schema):
    id: int
    name: str


class CardReadingOut(Schema):
    label: str
    reads: int
    seconds: int
    scroll: int | None


class CardMarketingPanelOut(Schema):
    campaigns: list[CardCampaignTouchOut]
    segments: list[CardAudienceOut]  # segments of active campaigns the person is in
    lists: list[CardAudienceOut]  # static lists the person is on
    pages: list[CardReadingOut]  # time on page, longest first
    visitors: int
    first_seen: dt.datetime | None


PanelOut = CardMarketingPanelOut


def probes(*, person_id=None, organization_id=None) -> dict:
    """Whether each part can have anything to show, asked by ``tillit.card.panels`` in one query for all panels."""
    if person_id is None:
        return {"campaigns": Interaction.objects.filter(organization_id=organization_id).exclude(campaign="")}
    return {
        "campaigns": Interaction.objects.filter(person_id=person_id).exclude(campaign=""),
        "segments": Segment.objects.filter(campaigns__status=CampaignStatus.ACTIVE),
        "lists": StaticListMember.objects.filter(person_id=person_id),
        "reads": Interaction.objects.filter(person_id=person_id, kind=Kind.CONTENT_READ),
        "visitors": Visitor.objects.filter(person_id=person_id),
    }


def panel(actor, *, person=None, organization=None, present=None) -> dict | None:
    if not actor.is_authenticated or not actor.is_staff_role:
        return None
    if person is None and organization is None:
        return None

    def has(part: str) -> bool:  # False only when the probe found no rows at all: skip that query
        return present is None or present.get(part, True)

    party = {"person": person} if person is not None else {"organization": organization}
    campaigns = _campaigns(party) if has("campaigns") else []
    data = {
        "template": "marketing/_card_panel.html", "person": person, "organization": organization,
        "campaigns": campaigns, "segments": [], "lists": [], "pages": [], "visitors": 0, "first_seen": None,
    }
    if person is not None:
        data["segments"] = _active_segments(person) if has("segments") else []
        if has("lists"):
            data["lists"] = [
                m.static_list for m in StaticListMember.objects.filter(person=person).select_related("static_list")
                .order_by("static_list__name")
            ]
        data["pages"] = _reading(person) if has("reads") else []
        if has("visitors"):
            seen = Visitor.objects.filter(person=person).aggregate(n=Count("id"), first=Min("first_seen"))
            data["visitors"], data["first_seen"] = seen["n"], seen["first"]
    if not (campaigns or data["segments"] or data["lists"] or data["pages"] or data["visitors"]):
        data["empty"] = True
    return data


def _campaigns(party: dict) -> list[dict]:
    rows = (
        Interaction.objects.filter(**party).exclude(campaign="")
        .values("campaign", "kind").annotate(n=Count("id"), last=Max("occurred_at")).order_by()
    )
    by_code: dict[str, dict] = defaultdict(lambda: {"sent": 0, "opened": 0, "clicked": 0, "web": 0, "other": 0,
                                                     "last": None})
    for row in rows:
        entry = by_code[row["campaign"]]
        key = EMAIL_KINDS.get(row["kind"]) or ("web" if row["kind"] in WEB_KINDS else "other")
        entry[key] += row["n"]
        entry["last"] = max(filter(None, [entry["last"], row["last"]]))
    if not by_code:
        return []
    known = {c.code: c for c in Campaign.objects.filter(code__in=list(by_code)).only("pk", "name", "code", "status")}
    out = [
        {"code": code, "campaign": known.get(code), **counts}
        for code, counts in by_code.items()
    ]
    return sorted(out, key=lambda e: e["last"], reverse=True)[:10]


def _active_segments(person) -> list[Segment]:
    from tillit.marketing.segments import person_segments

    segments = list(
        Segment.objects.filter(campaigns__status=CampaignStatus.ACTIVE).distinct().order_by("name")[:30]
    )
    return person_segments(person, segments) if segments else []


def _reading(person) -> list[dict]:
    """Pages by time on page (content reads), with the deepest scroll — the newest reads only."""
    reads = (
        Interaction.objects.filter(person=person, kind=Kind.CONTENT_READ)
        .order_by("-occurred_at").values_list("subject", "duration_seconds", "payload")[:READS_SCANNED]
    )
    pages: dict[str, dict] = {}
    for subject, seconds, payload in reads:
        payload = payload or {}
        label = subject or (payload.get("url") or "").split("?")[0]
        if not label:
            continue
        page = pages.setdefault(label, {"label": label, "reads": 0, "seconds": 0, "scroll": None})
        page["reads"] += 1
        # The script sends duration_seconds; older imports kept the time in the payload.
        if seconds is None and isinstance(payload.get("read_seconds"), int):
            seconds = payload["read_seconds"]
        page["seconds"] += seconds or 0
        depth = payload.get("scroll_depth")
        if isinstance(depth, int) and (page["scroll"] is None or depth > page["scroll"]):
            page["scroll"] = depth
    top = sorted(pages.values(), key=lambda p: (-p["seconds"], -p["reads"], p["label"]))[:TOP_PAGES]
    longest = max((p["seconds"] for p in top), default=0) or 1
    for page in top:
        page["share"] = page["seconds"] / longest
        minutes, seconds = divmod(page["seconds"], 60)
        page["time"] = f"{minutes}:{seconds:02d}"
    return top
