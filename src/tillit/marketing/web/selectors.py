"""Reads for campaigns and tracking sites. Every employee may see campaigns; the people and deals
counted for a campaign are only those the actor may see (the same rules as everywhere)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from tillit.accounts.models import Role
from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import AccessDenied, NotFound
from tillit.core.money import round_money
from tillit.interactions.models import Interaction, Kind
from tillit.marketing.web.models import Campaign, TrackingSite, WebEvent
from tillit.people.models import Person

WEB_KINDS = (Kind.PAGE_VIEW, Kind.CONTENT_READ, Kind.VIDEO_WATCHED, Kind.WEBINAR_WATCHED, Kind.FORM_SUBMITTED)
MARKETING_WRITERS = frozenset({Role.ADMIN, Role.MARKETING, Role.MANAGER})


def can_manage_campaigns(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in MARKETING_WRITERS)


def ensure_can_manage(user) -> None:
    ensure_staff(user)
    if not can_manage_campaigns(user):
        raise AccessDenied(_("Only marketing, managers and administrators can change campaigns."))


def ensure_site_admin(user) -> None:
    ensure_staff(user)
    if not (user.is_superuser or user.role in (Role.ADMIN, Role.MARKETING)):
        raise AccessDenied(_("Only marketing and administrators can manage tracking sites."))


def campaign_list(*, actor, q: str = "", status: str = "", channel: str = "") -> QuerySet[Campaign]:
    ensure_staff(actor)
    qs = Campaign.objects.select_related("owner")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(goal__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by(F("starts_on").desc(nulls_last=True), "name")


def campaign_reach(*, actor, campaigns) -> dict[str, dict[str, int]]:
    """``{code: {"persons": n, "touches": n}}`` for a page of campaigns, in one grouped query."""
    codes = [c.code for c in campaigns]
    if not codes:
        return {}
    rows = (
        Interaction.objects.filter(campaign__in=codes, person__in=restrict(Person.objects.all(), actor))
        .exclude(kind=Kind.EMAIL_SENT).values("campaign")
        .annotate(persons=Count("person", distinct=True), touches=Count("id")).order_by()
    )
    return {r["campaign"]: {"persons": r["persons"], "touches": r["touches"]} for r in rows}


def campaign_get(*, actor, campaign_id: int) -> Campaign:
    ensure_staff(actor)
    campaign = Campaign.objects.select_related("owner").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("No such campaign."))
    return campaign


def mailing_model():
    """The mailings helper's ``Mailing`` (with a ``campaign`` FK) when it exists."""
    try:
        model = apps.get_model("marketing_email", "Mailing")
    except LookupError:
        return None
    return model if any(f.name == "campaign" for f in model._meta.get_fields()) else None


@dataclass
class CampaignStats:
    touches: dict[str, int]
    persons_touched: int
    anonymous_visits: int
    leads: list[Person]
    lead_count: int
    deals: list
    deal_count: int
    won_count: int
    won_value: Decimal
    currency: str
    cost_per_lead: Decimal | None
    mailings: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def email_sent(self) -> int:
        return self.touches.get(Kind.EMAIL_SENT, 0)

    @property
    def email_opened(self) -> int:
        return self.touches.get(Kind.EMAIL_OPENED, 0)

    @property
    def email_clicked(self) -> int:
        return self.touches.get(Kind.EMAIL_CLICKED, 0)

    @property
    def web_touches(self) -> int:
        return sum(self.touches.get(k, 0) for k in WEB_KINDS)


def _period(campaign: Campaign) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = dt.datetime.combine(campaign.starts_on, dt.time.min, tzinfo=dt.UTC) if campaign.starts_on else None
    end = (dt.datetime.combine(campaign.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
           if campaign.ends_on else None)
    return start, end


def campaign_leads(*, actor, campaign: Campaign) -> QuerySet[Person]:
    """Persons the campaign brought in: their first touch carries its code, or they were created
    during the campaign after a touch of it. One query (with subqueries), access applied."""
    touches = Interaction.objects.filter(person=OuterRef("pk"))
    first_any = touches.order_by("occurred_at", "id").values("campaign")[:1]
    first_campaign = (
        Interaction.objects.filter(person=OuterRef("pk"), campaign=campaign.code)
        .order_by().values("person").annotate(m=Min("occurred_at")).values("m")[:1]
    )
    start, end = _period(campaign)
    created_in = Q(created_at__gte=F("campaign_first"))
    if start:
        created_in &= Q(created_at__gte=start)
    if end:
        created_in &= Q(created_at__lt=end)
    qs = (
        restrict(Person.objects.all(), actor)
        .filter(Exists(Interaction.objects.filter(person=OuterRef("pk"), campaign=campaign.code)))
        .annotate(first_campaign_code=first_any, campaign_first=first_campaign)
        .filter(Q(first_campaign_code=campaign.code) | created_in)
    )
    return qs.order_by("-created_at", "-id")


def campaign_deals(*, actor, campaign: Campaign):
    """Deals whose person had a touch of the campaign before the deal was created."""
    from tillit.sales.models import Deal

    touched_before = Interaction.objects.filter(
        person=OuterRef("person"), campaign=campaign.code, occurred_at__lt=OuterRef("created_at"),
    )
    return (
        restrict(Deal.objects.all(), actor).filter(person__isnull=False).filter(Exists(touched_before))
        .select_related("stage", "person").order_by("-created_at", "-id")
    )


def campaign_stats(*, actor, campaign: Campaign, limit: int = 20) -> CampaignStats:
    """Everything the campaign page shows, in a fixed number of queries."""
    from tillit.sales.models import StageOutcome
    from tillit.sales.selectors.forecast import rates_for

    ensure_staff(actor)
    visible = restrict(Person.objects.all(), actor)
    touch_rows = (
        Interaction.objects.filter(campaign=campaign.code, person__in=visible)
        .values("kind").annotate(n=Count("id")).order_by()
    )
    touches = {r["kind"]: r["n"] for r in touch_rows}
    persons_touched = (
        Interaction.objects.filter(campaign=campaign.code, person__in=visible).values("person").distinct().count()
    )
    anonymous = WebEvent.objects.filter(utm_campaign=campaign.code, kind=Kind.PAGE_VIEW).count()
    leads_qs = campaign_leads(actor=actor, campaign=campaign)
    lead_count = leads_qs.count()
    leads = list(leads_qs[:limit])
    deals_all = list(campaign_deals(actor=actor, campaign=campaign))
    won = [d for d in deals_all if d.stage.outcome == StageOutcome.WON and d.closed_at]
    base = settings.TILLIT_BASE_CURRENCY
    rates = rates_for({d.currency for d in won}, sorted({d.closed_at.date() for d in won}))
    won_value, warnings, missing = Decimal("0"), [], set()
    for deal in won:
        rate = rates.get((deal.currency, deal.closed_at.date()))
        if rate is None:
            missing.add(deal.currency)
        else:
            won_value += deal.value * rate
    if missing:
        warnings.append(_("Deals in %(c)s have no exchange rate and are left out of the won value.")
                        % {"c": ", ".join(sorted(missing))})
    cost = round_money(campaign.budget / lead_count, campaign.currency) if lead_count and campaign.budget else None
    mailings = []
    model = mailing_model()
    if model is not None:
        mailings = list(model.objects.filter(campaign=campaign).order_by("-pk")[:50])
    return CampaignStats(
        touches=touches, persons_touched=persons_touched, anonymous_visits=anonymous, leads=leads,
        lead_count=lead_count, deals=deals_all[:limit], deal_count=len(deals_all), won_count=len(won),
        won_value=round_money(won_value, base), currency=base, cost_per_lead=cost, mailings=mailings,
        warnings=warnings,
    )


def weekly_touches(*, actor, campaign: Campaign, weeks: int = 12) -> list[tuple[dt.date, int, int]]:
    """``(week start, email engagement, web touches)`` for the campaign's last ``weeks`` active weeks."""
    visible = restrict(Person.objects.all(), actor)
    rows = (
        Interaction.objects.filter(campaign=campaign.code, person__in=visible).exclude(kind=Kind.EMAIL_SENT)
        .annotate(week=TruncWeek("occurred_at")).values("week")
        .annotate(email=Count("id", filter=Q(kind__in=(Kind.EMAIL_OPENED, Kind.EMAIL_CLICKED))),
                  web=Count("id", filter=Q(kind__in=WEB_KINDS)))
        .order_by("-week")[:weeks]
    )
    out = []
    for row in rows:
        week = row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]
        out.append((week, row["email"], row["web"]))
    return sorted(out)


def site_list(*, actor) -> QuerySet[TrackingSite]:
    ensure_site_admin(actor)
    return TrackingSite.objects.annotate(visitor_count=Count("visitors")).order_by("name")


def site_get(*, actor, site_id: int) -> TrackingSite:
    ensure_site_admin(actor)
    site = TrackingSite.objects.filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such tracking site."))
    return site


def site_activity(site: TrackingSite, *, limit: int = 20) -> dict:
    """Identified and anonymous visitors, and the newest anonymous page views (three queries)."""
    counts = site.visitors.aggregate(known=Count("id", filter=Q(person__isnull=False)),
                                     anonymous=Count("id", filter=Q(person__isnull=True)))
    recent = list(
        WebEvent.objects.filter(visitor__site=site, kind=Kind.PAGE_VIEW).order_by("-occurred_at", "-id")[:limit]
    )
    return {"known": counts["known"], "anonymous": counts["anonymous"], "recent": recent}
