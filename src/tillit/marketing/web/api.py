"""REST API for campaigns, website tracking and attribution — thin: parse, call a service or selector.

Campaign reads answer with an ``ETag`` (the version); updates need it back in ``If-Match`` (or a
``version`` field): missing → 428, stale → 409. ``POST /track`` is public (the tracking script's
batches; always 204), ``POST /marketing/visitors/identify`` joins a visitor's history to a person.
"""


import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tillit.core.access import ensure_can_see, ensure_staff
from tillit.core.api import Currency, Paging
from tillit.core.errors import NotFound, ValidationError
from tillit.core.money import round_money
from tillit.marketing.web import attribution, selectors, services, tracking
from tillit.marketing.web.models import Campaign
from tillit.people.api import _expected_version
from tillit.people.models import Person

router = Router(tags=["campaigns"])


# --- schemas ----------------------------------------------------------------------------------
class CampaignOut(Schema):
    id: int
    name: str
    code: str
    channel: str
    status: str
    goal: str
    budget: Decimal
    currency: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    learnings: str
    owner_id: int | None
    segment_ids: list[int]
    static_list_ids: list[int]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_budget(obj) -> Decimal:
        return round_money(obj.budget, obj.currency)

    @staticmethod
    def resolve_segment_ids(obj) -> list[int]:
        return [s.pk for s in obj.segments.all()]

    @staticmethod
    def resolve_static_list_ids(obj) -> list[int]:
        return [s.pk for s in obj.static_lists.all()]


class CampaignIn(Schema):
    __model__ = Campaign  # constraints from the model (tillit.core.api)
    name: str
    code: str = ""
    channel: str = ""
    status: str = "planned"
    goal: str = ""
    budget: Decimal | str | None = None
    currency: Currency = "NOK"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    learnings: str = ""
    owner_id: int | None = None
    segment_ids: list[int] = []
    static_list_ids: list[int] = []


class CampaignPatch(Schema):
    __model__ = Campaign  # constraints from the model (tillit.core.api)
    name: str | None = None
    code: str | None = None
    channel: str | None = None
    status: str | None = None
    goal: str | None = None
    budget: Decimal | str | None = None
    currency: Currency | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    learnings: str | None = None
    owner_id: int | None = None
    segment_ids: list[int] | None = None
    static_list_ids: list[int] | None = None
    version: int | None = None


class CampaignFilter(Schema):
    q: str = ""
    status: str = ""
    channel: str = ""


class PersonRefOut(Schema):
    id: int
    name: str = Field(..., alias="full_name")
    lifecycle_stage: str
    created_at: dt.datetime


class DealRefOut(Schema):
    id: int
    title: str
    value: Decimal
    currency: str
    outcome: str = Field(..., alias="stage.outcome")


class CampaignStatsOut(Schema):
    campaign_id: int
    touches: dict[str, int]
    persons_touched: int
    anonymous_page_views: int
    lead_count: int
    leads: list[PersonRefOut]
    deal_count: int
    deals: list[DealRefOut]
    won_count: int
    won_value: Decimal
    base_currency: str
    cost_per_lead: Decimal | None
    budget_currency: str
    warnings: list[str]


class IdentifyIn(Schema):
    visitor_id: str
    person_id: int


class IdentifyOut(Schema):
    interactions_created: int


class AttributionFilter(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    dimension: Literal[tuple(attribution.DIMENSIONS)] = "campaign"  # type: ignore[valid-type]
    lookback: int = Field(attribution.DEFAULT_LOOKBACK_DAYS, ge=1, le=730, description="Days, 1–730.")
    model: Literal[attribution.MODEL_KEYS] = "linear"  # type: ignore[valid-type]


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    """API names (``owner_id``, ``segment_ids``) → service names."""
    renames = {"owner_id": "owner", "segment_ids": "segments", "static_list_ids": "static_lists"}
    out = {renames.get(k, k): v for k, v in data.items()}
    if "currency" in out and out["currency"] is None:
        out.pop("currency")
    return out


def _api_error(exc: ValidationError) -> ValidationError:
    names = {"owner": "owner_id", "segments": "segment_ids", "static_lists": "static_list_ids"}
    exc.field = names.get(exc.field, exc.field)
    for error in exc.errors:
        error["field"] = names.get(error.get("field"), error.get("field"))
    return exc


def _campaign(actor, campaign_id: int):
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    return type(campaign).objects.prefetch_related("segments", "static_lists").get(pk=campaign.pk)


# --- campaigns --------------------------------------------------------------------------------
@router.get("/marketing/campaigns", response=list[CampaignOut], summary="List campaigns")
@paginate(Paging, page_size=50, max_page_size=500)
def list_campaigns(request, filters: Query[CampaignFilter]):
    return selectors.campaign_list(actor=request.user, **filters.model_dump()).prefetch_related(
        "segments", "static_lists"
    )


@router.post("/marketing/campaigns", response={201: CampaignOut}, summary="Create a campaign")
def create_campaign(request, payload: CampaignIn, response: HttpResponse):
    try:
        campaign = services.campaign_create(actor=request.user, **_fields(payload.model_dump()))
    except ValidationError as exc:
        raise _api_error(exc) from None
    response["ETag"] = f'"{campaign.version}"'
    return 201, _campaign(request.user, campaign.pk)


@router.get("/marketing/campaigns/{int:campaign_id}", response=CampaignOut, summary="Get a campaign (with ETag)")
def get_campaign(request, campaign_id: int, response: HttpResponse):
    campaign = _campaign(request.user, campaign_id)
    response["ETag"] = f'"{campaign.version}"'
    return campaign


def _update(request, campaign_id: int, data: dict, response: HttpResponse):
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    selectors.ensure_can_manage(request.user)
    expected = _expected_version(request, data.pop("version", None))
    try:
        services.campaign_update(actor=request.user, campaign=campaign, expected_version=expected, **_fields(data))
    except ValidationError as exc:
        raise _api_error(exc) from None
    response["ETag"] = f'"{campaign.version}"'
    return _campaign(request.user, campaign.pk)


@router.patch("/marketing/campaigns/{int:campaign_id}", response=CampaignOut, summary="Change a campaign (If-Match)")
def patch_campaign(request, campaign_id: int, payload: CampaignPatch, response: HttpResponse):
    return _update(request, campaign_id, payload.model_dump(exclude_unset=True), response)


@router.put("/marketing/campaigns/{int:campaign_id}", response=CampaignOut, summary="Replace a campaign (If-Match)")
def put_campaign(request, campaign_id: int, payload: CampaignIn, response: HttpResponse):
    data = payload.model_dump()
    data["version"] = None
    return _update(request, campaign_id, data, response)


@router.delete("/marketing/campaigns/{int:campaign_id}", response={204: None}, summary="Delete a campaign")
def delete_campaign(request, campaign_id: int):
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    services.campaign_delete(actor=request.user, campaign=campaign)
    return 204, None


@router.get("/marketing/campaigns/{int:campaign_id}/stats", response=CampaignStatsOut,
            summary="A campaign's reach, leads, deals, won value and cost per lead")
def campaign_stats(request, campaign_id: int, limit: int = 50):
    campaign = selectors.campaign_get(actor=request.user, campaign_id=campaign_id)
    stats = selectors.campaign_stats(actor=request.user, campaign=campaign, limit=max(0, min(limit, 500)))
    return {
        "campaign_id": campaign.pk, "touches": stats.touches, "persons_touched": stats.persons_touched,
        "anonymous_page_views": stats.anonymous_visits, "lead_count": stats.lead_count, "leads": stats.leads,
        "deal_count": stats.deal_count, "deals": stats.deals, "won_count": stats.won_count,
        "won_value": stats.won_value, "base_currency": stats.currency, "cost_per_lead": stats.cost_per_lead,
        "budget_currency": campaign.currency, "warnings": stats.warnings,
    }


# --- tracking ---------------------------------------------------------------------------------
@router.post("/track", auth=None, response={204: None}, summary="Collect a batch of website events (public)",
             description="The tracking script's batch: `{\"site\": KEY, \"visitor\": ID, \"events\": [...]}` "
                         "sent as text/plain or JSON. Always 204; malformed events are dropped and counted.")
def track(request: HttpRequest):
    result = tracking.collect(request.body[: tracking.MAX_BODY_BYTES + 1], origin=request.headers.get("Origin"))
    response = HttpResponse(status=204)
    if result.allowed_origin:
        response["Access-Control-Allow-Origin"] = result.allowed_origin
        response["Vary"] = "Origin"
    return response


@router.post("/marketing/visitors/identify", response=IdentifyOut,
             summary="Join a website visitor's anonymous history to a person")
def identify_visitor(request, payload: IdentifyIn):
    ensure_staff(request.user)
    person = Person.objects.filter(pk=payload.person_id).first()
    if person is None:
        raise ValidationError(_("No such person."), field="person_id")
    try:
        ensure_can_see(request.user, person)
    except NotFound:
        raise ValidationError(_("No such person."), field="person_id") from None
    return {"interactions_created": tracking.identify(payload.visitor_id, person, source="api")}


# --- attribution ------------------------------------------------------------------------------
@router.get("/marketing/attribution", summary="Attribution report: credits per model for a period")
def attribution_report(request, filters: Query[AttributionFilter]):
    end = filters.end or timezone.localdate()
    start = filters.start or end - dt.timedelta(days=89)
    report = attribution.attribution_report(
        actor=request.user, start=start, end=end, dimension=filters.dimension, lookback_days=filters.lookback,
        sort_model=filters.model,
    )

    def row(r):
        return {"value": r.value, "leads": {k: round(v, 6) for k, v in r.leads.items()},
                "revenue": {k: str(v) for k, v in r.revenue.items()}}

    return {
        "start": report.start.isoformat(), "end": report.end.isoformat(), "dimension": report.dimension,
        "lookback_days": report.lookback_days, "currency": report.currency, "models": list(attribution.MODEL_KEYS),
        "leads": report.leads, "deals": report.deals, "revenue": str(report.revenue),
        "untouched_leads": report.untouched_leads, "untouched_deals": report.untouched_deals,
        "rows": [row(r) for r in report.rows], "top_pages": [row(r) for r in report.top_pages],
        "top_content_types": [row(r) for r in report.top_content_types], "warnings": report.warnings,
    }
