"""REST API for pipelines, lost reasons, deals (incl. the stage move), the forecast and targets.

Thin: parse, call the same selectors and services as the pages, answer. Deals answer with an
``ETag`` (the version); PATCH and move need it back in ``If-Match`` (or a ``version`` field):
missing → 428, stale → 409 with the deal as it is now and who moved it last.
"""

from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.accounts.models import STAFF_ROLES, Team, User
from tillit.core.access import ensure_staff
from tillit.core.api import Paging, expected_version, set_etag
from tillit.core.errors import Conflict, NotFound, ValidationError
from tillit.interactions.models import Interaction, Kind
from tillit.people import selectors as people_selectors
from tillit.sales.models import DealProduct, ExchangeRate, LostReason, Product, SalesTarget, Stage
from tillit.sales.schemas_deals import (
    DealCloseIn,
    DealDetailOut,
    DealFilter,
    DealIn,
    DealMoveIn,
    DealOut,
    DealPatch,
    ExchangeRateIn,
    ExchangeRateOut,
    ForecastOut,
    LostReasonIn,
    LostReasonOut,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
    TargetIn,
    TargetOut,
)
from tillit.sales.selectors import deals as selectors
from tillit.sales.selectors.forecast import ensure_can_forecast, visible_owner_q
from tillit.sales.selectors.forecast import forecast as forecast_selector
from tillit.sales.services import deals as services
from tillit.sales.services import pipelines as pipeline_services
from tillit.sales.services.forecast import exchange_rate_set, target_set

router = Router(tags=["deals"])


# --- pipelines and lost reasons -------------------------------------------------------------
@router.get("/pipelines", response=list[PipelineOut], summary="Pipelines with their stages in order")
def list_pipelines(request, active: bool = False):
    return list(selectors.pipeline_list(actor=request.user, active_only=active))


@router.get("/pipelines/{int:pipeline_id}", response=PipelineOut, summary="A pipeline with its stages")
def get_pipeline(request, pipeline_id: int):
    return selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)


@router.post("/pipelines", response={201: PipelineOut}, summary="Create a pipeline (administrators)")
def create_pipeline(request, payload: PipelineIn):
    data = payload.model_dump()
    stages = data.pop("stages")
    pipeline = pipeline_services.pipeline_create(
        actor=request.user, stages=[_stage_data(s) for s in stages] if stages is not None else None, **data
    )
    return 201, selectors.pipeline_get(actor=request.user, pipeline_id=pipeline.pk)


@router.patch("/pipelines/{int:pipeline_id}", response=PipelineOut,
              summary="Rename, (de)activate, or replace the stage list (administrators)")
def patch_pipeline(request, pipeline_id: int, payload: PipelinePatch):
    pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    data = payload.model_dump(exclude_unset=True)
    if "stages" in data and data["stages"] is not None:
        data["stages"] = [_stage_data(s) for s in data["stages"]]
    pipeline_services.pipeline_update(actor=request.user, pipeline=pipeline, **data)
    return selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)


def _stage_data(stage: dict) -> dict:
    return {k: v for k, v in stage.items() if not (k == "id" and v is None)}


@router.get("/lost-reasons", response=list[LostReasonOut], summary="Reasons a deal can be lost for")
def list_lost_reasons(request, active: bool = True):
    ensure_staff(request.user)
    return list(selectors.lost_reasons(active_only=active))


@router.post("/lost-reasons", response={201: LostReasonOut}, summary="Add a lost reason (administrators)")
def create_lost_reason(request, payload: LostReasonIn):
    return 201, pipeline_services.lost_reason_create(actor=request.user, name=payload.name)


# --- deals ----------------------------------------------------------------------------------
def _deal(actor: User, deal_id: int):
    deal = selectors.deal_get(actor=actor, deal_id=deal_id)
    deal._prefetched_objects_cache = {
        "products": DealProduct.objects.filter(deal=deal).select_related("product").order_by("id"),
    }
    return deal


def _refs(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """Ids in the payload → records; unknown ids are 422 naming the field, invisible customers 404."""
    if "person_id" in data:
        person_id = data.pop("person_id")
        data["person"] = None if person_id is None else people_selectors.person_get(actor=actor, person_id=person_id)
    if "organization_id" in data:
        org_id = data.pop("organization_id")
        data["organization"] = None if org_id is None else people_selectors.organization_get(
            actor=actor, organization_id=org_id)
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        owner = None
        if owner_id is not None:
            owner = User.objects.filter(pk=owner_id, is_active=True, role__in=STAFF_ROLES).first()
            if owner is None:
                raise ValidationError(_("No such employee."), field="owner_id")
        data["owner"] = owner
    if "team_id" in data:
        team_id = data.pop("team_id")
        data["team"] = None if team_id is None else Team.objects.filter(pk=team_id).first()
        if team_id is not None and data["team"] is None:
            raise ValidationError(_("No such team."), field="team_id")
    if "pipeline_id" in data:
        pipeline_id = data.pop("pipeline_id")
        if pipeline_id is not None:
            try:
                data["pipeline"] = selectors.pipeline_get(actor=actor, pipeline_id=pipeline_id)
            except NotFound:
                raise ValidationError(_("No such pipeline."), field="pipeline_id") from None
    if "stage_id" in data:
        stage_id = data.pop("stage_id")
        if stage_id is not None:
            data["stage"] = _stage(stage_id)
    if "lost_reason_id" in data:
        data["lost_reason"] = _lost_reason(data.pop("lost_reason_id"))
    if data.get("products") is not None:
        products = data["products"]
        found = Product.objects.in_bulk([p["product_id"] for p in products])
        rows = []
        for i, item in enumerate(products):
            product = found.get(item["product_id"])
            if product is None:
                raise ValidationError(_("No such product."), field=f"products.{i}.product_id")
            rows.append({"product": product, "quantity": item["quantity"], "unit_price": item["unit_price"]})
        data["products"] = rows
    return data


def _stage(stage_id: int) -> Stage:
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise ValidationError(_("No such stage."), field="stage_id")
    return stage


def _lost_reason(reason_id: int | None) -> LostReason | None:
    if reason_id is None:
        return None
    reason = LostReason.objects.filter(pk=reason_id).first()
    if reason is None:
        raise ValidationError(_("No such lost reason."), field="lost_reason_id")
    return reason


def _api_field(exc: ValidationError) -> ValidationError:
    names = {"person": "person_id", "organization": "organization_id", "owner": "owner_id", "team": "team_id",
             "stage": "stage_id", "pipeline": "pipeline_id", "lost_reason": "lost_reason_id"}
    exc.field = names.get(exc.field, exc.field)
    for error in exc.errors:
        error["field"] = names.get(error.get("field"), error.get("field"))
    return exc


@router.get("/deals", response=list[DealOut], summary="List deals you may see (filters, pagination)")
@paginate(Paging, page_size=50, max_page_size=500)
def list_deals(request, filters: Query[DealFilter]):
    return selectors.deal_list(actor=request.user, **filters.model_dump())


@router.post("/deals", response={201: DealDetailOut}, summary="Create a deal")
def create_deal(request, payload: DealIn, response: HttpResponse):
    data = _refs(request.user, payload.model_dump())
    try:
        deal = services.deal_create(actor=request.user, **data)
    except ValidationError as exc:
        raise _api_field(exc) from None
    set_etag(response, deal)
    return 201, _deal(request.user, deal.pk)


@router.get("/deals/{int:deal_id}", response=DealDetailOut, summary="Get a deal (with ETag)")
def get_deal(request, deal_id: int, response: HttpResponse):
    deal = _deal(request.user, deal_id)
    set_etag(response, deal)
    return deal


def _moved_by(deal) -> str | None:
    """Who made the deal's latest stage change (for the "moved by X" message after a 409)."""
    qs = Interaction.objects.filter(kind=Kind.DEAL, payload__deal=deal.pk)
    qs = qs.filter(person_id=deal.person_id) if deal.person_id else qs.filter(organization_id=deal.organization_id)
    last = qs.select_related("handled_by").order_by("-occurred_at", "-id").first()
    return str(last.handled_by) if last is not None and last.handled_by is not None else None


def _conflict(request: HttpRequest, deal_id: int, exc: Conflict, response: HttpResponse):
    current = _deal(request.user, deal_id)
    set_etag(response, current)
    body = {"code": exc.code, "detail": exc.message, "errors": exc.errors, "moved_by": _moved_by(current),
            "deal": DealOut.from_orm(current).model_dump(mode="json")}
    return 409, body


@router.patch("/deals/{int:deal_id}", response={200: DealDetailOut, 409: dict},
              summary="Change some fields (If-Match); stage_id moves the deal")
def patch_deal(request, deal_id: int, payload: DealPatch, response: HttpResponse):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    data = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    data = _refs(request.user, data)
    try:
        services.deal_update(request.user, deal, expected, **data)
    except Conflict as exc:
        return _conflict(request, deal_id, exc, response)
    except ValidationError as exc:
        raise _api_field(exc) from None
    deal = _deal(request.user, deal_id)
    set_etag(response, deal)
    return 200, deal


@router.post("/deals/{int:deal_id}/move", response={200: DealOut, 409: dict},
             summary="Move a deal to another stage (If-Match); a lost stage needs lost_reason_id")
def move_deal(request, deal_id: int, payload: DealMoveIn, response: HttpResponse):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    expected = expected_version(request, payload.version)
    stage = _stage(payload.stage_id)
    try:
        services.deal_move(actor=request.user, deal=deal, stage=stage, expected_version=expected,
                           lost_reason=_lost_reason(payload.lost_reason_id), lost_note=payload.lost_note)
    except Conflict as exc:
        return _conflict(request, deal_id, exc, response)
    except ValidationError as exc:
        raise _api_field(exc) from None
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    set_etag(response, deal)
    return 200, deal


def _close(request: HttpRequest, deal_id: int, payload: DealCloseIn, response: HttpResponse, action: str):
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    expected = expected_version(request, payload.version)
    try:
        if action == "won":
            services.deal_mark_won(actor=request.user, deal=deal, expected_version=expected)
        elif action == "lost":
            services.deal_mark_lost(actor=request.user, deal=deal, lost_reason=_lost_reason(payload.lost_reason_id),
                                    lost_note=payload.lost_note, expected_version=expected)
        else:
            stage = _stage(payload.stage_id) if payload.stage_id is not None else None
            services.deal_reopen(actor=request.user, deal=deal, stage=stage, expected_version=expected)
    except Conflict as exc:
        return _conflict(request, deal_id, exc, response)
    except ValidationError as exc:
        raise _api_field(exc) from None
    deal = selectors.deal_get(actor=request.user, deal_id=deal_id)
    set_etag(response, deal)
    return 200, deal


@router.post("/deals/{int:deal_id}/won", response={200: DealOut, 409: dict}, summary="Mark a deal won (If-Match)")
def win_deal(request, deal_id: int, payload: DealCloseIn, response: HttpResponse):
    return _close(request, deal_id, payload, response, "won")


@router.post("/deals/{int:deal_id}/lost", response={200: DealOut, 409: dict},
             summary="Mark a deal lost with lost_reason_id (If-Match)")
def lose_deal(request, deal_id: int, payload: DealCloseIn, response: HttpResponse):
    return _close(request, deal_id, payload, response, "lost")


@router.post("/deals/{int:deal_id}/reopen", response={200: DealOut, 409: dict},
             summary="Reopen a won or lost deal (If-Match)")
def reopen_deal(request, deal_id: int, payload: DealCloseIn, response: HttpResponse):
    return _close(request, deal_id, payload, response, "reopen")


# --- forecast, targets and exchange rates -------------------------------------------------------------------
@router.get("/forecast", response=ForecastOut, summary="Pipeline, weighted, committed, won and target per period")
def get_forecast(request, period: Literal["month", "quarter"] = "quarter", group: str = "owner"):
    fc = forecast_selector(actor=request.user, kind=period, group=group)

    def cells(items):
        return [{"period_start": p.start, "period": p.label, "pipeline": c.pipeline, "weighted": c.weighted,
                 "committed": c.committed, "won": c.won, "target": c.target, "percent_of_target": c.percent}
                for p, c in zip(fc.periods, items, strict=True)]

    return {"period": fc.kind, "group": fc.group, "currency": fc.currency, "warnings": fc.warnings,
            "rows": [{"key": r.key, "label": r.label, "cells": cells(r.cells)} for r in fc.rows],
            "totals": cells(fc.totals)}


@router.get("/targets", response=list[TargetOut], summary="Sales targets you may see")
def list_targets(request, period_kind: str = "", year: int | None = Query(None, ge=1, le=9999)):
    ensure_can_forecast(request.user)
    qs = SalesTarget.objects.all()
    q = visible_owner_q(request.user)
    if q is not None:
        # Outside "all" visibility: own (or team members') targets and the own team's.
        team = Q(team_id=request.user.team_id) if request.user.team_id else Q(pk__in=[])
        qs = qs.filter(q | team)
    if period_kind:
        qs = qs.filter(period_kind=period_kind)
    if year:
        qs = qs.filter(period_start__year=year)
    return list(qs.order_by("period_start", "id"))


@router.put("/targets", response={200: TargetOut | None, 204: None},
            summary="Set (or with no amount remove) one target (managers: own team; admins: all)")
def put_target(request, payload: TargetIn):
    owner = team = None
    if payload.owner_id is not None:
        owner = User.objects.filter(pk=payload.owner_id).first()
        if owner is None:
            raise ValidationError(_("No such employee."), field="owner_id")
    if payload.team_id is not None:
        team = Team.objects.filter(pk=payload.team_id).first()
        if team is None:
            raise ValidationError(_("No such team."), field="team_id")
    target = target_set(actor=request.user, period_kind=payload.period_kind, period_start_on=payload.period_start,
                        owner=owner, team=team, amount=payload.amount, currency=payload.currency)
    if target is None:
        return 204, None
    return 200, target


@router.get("/exchange-rates", response=list[ExchangeRateOut],
            summary="Exchange rates to the base currency (one unit of currency = rate in base)")
def list_exchange_rates(request, currency: str = ""):
    ensure_staff(request.user)
    qs = ExchangeRate.objects.order_by("currency", "-valid_from")
    return list(qs.filter(currency=currency.upper()) if currency else qs)


@router.put("/exchange-rates", response=ExchangeRateOut, summary="Set the rate of a currency from a day (admins)")
def put_exchange_rate(request, payload: ExchangeRateIn):
    return exchange_rate_set(actor=request.user, currency=payload.currency, rate=payload.rate,
                             valid_from=payload.valid_from)
