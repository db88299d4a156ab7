"""Insight API: CLV fits (start, list, read with the validation report), RFM classes and tier cut-offs,
and "recompute now". Managers and administrators (``tillit.insight.access``); thin over the services.
The per-customer figures are read through ``api_values``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from tillit.core.api import expected_version, set_etag
from tillit.core.errors import NotFound
from tillit.insight import fits, rfm, runs, tiers
from tillit.insight.models import Fit, RfmClass, TierSettings

router = Router(tags=["insight"])


class ValueFitIn(Schema):
    __model__ = Fit  # constraints from the model (tillit.core.api)

    kind: str = Field("person", description="`person` or `organization`: whose purchases are fitted.")
    calibration_end: dt.date = Field(description="The model learns from purchases up to this day.")
    holdout_days: int = Field(description="Days after the calibration used to check the predictions (≥ 1).")
    horizon_months: int = Field(12, description="CLV horizon in months (1–120).")
    annual_discount: Decimal = Field(Decimal("0.1"), description="Annual discount rate, 0 ≤ rate < 1.")


class ValueFitOut(Schema):
    id: int
    kind: str
    status: str = Field(description="queued, running, done or failed.")
    progress: int
    calibration_end: dt.date
    holdout_days: int
    horizon_months: int
    annual_discount: Decimal
    base_currency: str
    customers: int
    bgnbd: dict = Field(description="r, alpha (days), a, b.")
    gamma_gamma: dict = Field(description="p, q, v; empty when each customer's own average spend is used.")
    log_likelihood: float | None
    converged: bool
    in_use: bool
    message: str = Field(description="Why the fit failed, or what was left out, in words.")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class FitBucketOut(Schema):
    purchases: int = Field(description="Repeat purchases in the calibration period (7 means 7 or more).")
    label: str
    customers: int
    actual: float
    predicted: float


class FitCurvePointOut(Schema):
    day: dt.date
    actual: float
    predicted: float
    holdout: bool


class FitReportOut(Schema):
    actual_total: float | None = None
    predicted_total: float | None = None
    by_purchases: list[FitBucketOut] = []
    cumulative: list[FitCurvePointOut] = []
    scored: int | None = None


class ValueFitDetailOut(ValueFitOut):
    report: FitReportOut

    @staticmethod
    def resolve_report(obj):
        return obj.report or {}


@router.post("/insight/fits", response={201: ValueFitOut}, summary="Start a CLV fit (runs in the background)")
def start_fit(request, payload: ValueFitIn):
    return 201, fits.fit_create(actor=request.user, **payload.model_dump())


@router.get("/insight/fits", response=list[ValueFitOut], summary="List fits, newest first (at most 50)")
def list_fits(request):
    return fits.fit_list(actor=request.user)


@router.get("/insight/fits/{fit_id}", response=ValueFitDetailOut, summary="Read a fit and its validation report")
def get_fit(request, fit_id: int):
    return fits.fit_get(actor=request.user, fit_id=fit_id)


# --- RFM classes ---------------------------------------------------------------------------------------

class RfmClassIn(Schema):
    key: str = Field(description="Short unique key (letters, digits, hyphens); stored on each customer.")
    name: str
    priority: int = Field(100, description="Lower comes first: the first class whose ranges hold wins.")
    recency_min: int = 1
    recency_max: int = 5
    frequency_min: int = 1
    frequency_max: int = 5
    monetary_min: int = 1
    monetary_max: int = 5


class RfmClassOut(RfmClassIn):
    id: int


def _class_kwargs(payload: RfmClassIn) -> dict:
    d = payload.model_dump()
    return {"key": d["key"], "name": d["name"], "priority": d["priority"],
            "recency": (d["recency_min"], d["recency_max"]), "frequency": (d["frequency_min"], d["frequency_max"]),
            "monetary": (d["monetary_min"], d["monetary_max"])}


def _class(key: str) -> RfmClass:
    found = RfmClass.objects.filter(key=key).first()
    if found is None:
        raise NotFound(_("No such class."))
    return found


@router.get("/insight/rfm-classes", response=list[RfmClassOut], summary="List RFM classes in priority order")
def list_classes(request):
    return rfm.rfm_class_list(actor=request.user)


@router.post("/insight/rfm-classes", response={201: RfmClassOut}, summary="Add an RFM class")
def create_class(request, payload: RfmClassIn):
    return 201, rfm.rfm_class_save(actor=request.user, **_class_kwargs(payload))


@router.put("/insight/rfm-classes/{key}", response=RfmClassOut, summary="Change an RFM class")
def update_class(request, key: str, payload: RfmClassIn):
    rfm.rfm_class_list(actor=request.user)  # access first: an outsider learns nothing about keys
    return rfm.rfm_class_save(actor=request.user, rfm_class=_class(key), **_class_kwargs(payload))


@router.delete("/insight/rfm-classes/{key}", response={204: None}, summary="Delete an RFM class")
def delete_class(request, key: str):
    rfm.rfm_class_list(actor=request.user)
    rfm.rfm_class_delete(actor=request.user, rfm_class=_class(key))
    return 204, None


# --- tiers and recomputation -------------------------------------------------------------------------

class ValueTierIn(Schema):
    __model__ = TierSettings  # constraints from the model (tillit.core.api)

    basis: str = Field(description="`clv` or `rfm` (the score sum 3–15).")
    mode: str = Field(description="`share` (top % of customers, cumulative) or `amount` (at least).")
    platinum: Decimal
    gold: Decimal
    silver: Decimal
    version: int | None = Field(None, description="The version read (or send If-Match).")


class ValueTierOut(Schema):
    basis: str
    mode: str
    platinum: Decimal
    gold: Decimal
    silver: Decimal
    version: int


@router.get("/insight/tiers", response=ValueTierOut, summary="Read the value tier cut-offs (ETag: the version)")
def get_tiers(request, response: HttpResponse):
    from tillit.insight.access import ensure_insight

    ensure_insight(request.user)
    current = tiers.tier_settings()
    set_etag(response, current)
    return current


@router.put("/insight/tiers", response=ValueTierOut, summary="Change the value tier cut-offs (If-Match)")
def put_tiers(request, payload: ValueTierIn, response: HttpResponse):
    data = payload.model_dump()
    version = expected_version(request, data.pop("version"))
    saved = tiers.tier_settings_update(actor=request.user, expected_version=version, **data)
    set_etag(response, saved)
    return saved


class InsightRunOut(Schema):
    id: int
    status: str
    progress: int
    customers: int
    changes: int
    message: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_progress(obj):
        return runs.run_progress(obj)


@router.post("/insight/recompute", response={202: InsightRunOut},
             summary="Recompute RFM classes (and RFM tiers) now, in the background")
def recompute(request):
    return 202, runs.run_start(actor=request.user)


@router.get("/insight/runs/{run_id}", response=InsightRunOut, summary="Read a recomputation and its progress")
def get_run(request, run_id: int):
    return runs.run_get(actor=request.user, run_id=run_id)
