"""CLV fits: start a fit, run it (background job), validate it on the hold-out and score every customer.

A fit reads the log through one SQL summary (``summary.py``), fits BG/NBD to the calibration period
and Gamma-Gamma to the spend of repeat buyers (``clv.py``), compares predicted with actual purchases in
the hold-out, and — only when the purchase model converged — writes every customer's expected
purchases (next 12 months), probability of being alive, expected spend per purchase and CLV (horizon
and discount of the fit, base currency) into ``CustomerValue`` and becomes the fit in use, all in one
transaction. A fit that fails (bad data, no convergence) says why in words and leaves the previous fit
and its scores as they were.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.errors import DomainError, NotFound, ValidationError
from tillit.insight import clv
from tillit.insight.access import ensure_insight
from tillit.insight.models import Fit, FitStatus, PartyKind, TierBasis
from tillit.insight.summary import (
    PURCHASE_KINDS,
    Summary,
    day_number,
    from_day_number,
    known_rates,
    last_purchase_day,
    purchase_summary,
)
from tillit.insight.writing import upsert_values
from tillit.interactions.models import Interaction

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
BUCKETS = 8  # calibration repeat purchases 0, 1, …, 6, 7+
SCORE_FIELDS = ("fit", "expected_purchases_12m", "p_alive", "expected_spend", "clv", "computed_at")
MAX_HORIZON_MONTHS = 120


# --- starting a fit -------------------------------------------------------------------------------

def _date(value, field_name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("A date (YYYY-MM-DD)."), field=field_name) from None


def _int(value, field_name: str, low: int, high: int, words: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(words, field=field_name) from None
    if not low <= number <= high:
        raise ValidationError(words, field=field_name)
    return number


def check_purchases() -> None:
    """Refuse, naming the field, a log with currencies without rates or negative amounts."""
    purchases = Interaction.objects.filter(kind__in=PURCHASE_KINDS, amount__isnull=False)
    rates = known_rates(timezone.localdate())
    missing = sorted(set(purchases.exclude(currency__in=list(rates)).values_list("currency", flat=True).distinct()))
    if missing:
        raise ValidationError(
            _("No exchange rate to %(base)s for %(codes)s: add one under Exchange rates, then compute again.")
            % {"base": settings.TILLIT_BASE_CURRENCY, "codes": ", ".join(missing)}, field="currency")
    if purchases.filter(amount__lt=0).exists():
        raise ValidationError(_("Some purchases have a negative amount; log refunds as their own interactions "
                                "without an amount, or correct the amounts."), field="amount")


def clean_inputs(*, kind, calibration_end, holdout_days, horizon_months=12, annual_discount="0.1",
                 today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    if kind not in PartyKind.values:
        raise ValidationError(_("Persons or organisations."), field="kind")
    calibration_end = _date(calibration_end, "calibration_end")
    holdout_days = _int(holdout_days, "holdout_days", 1, 3650,
                        _("The hold-out needs at least one day (at most 3650)."))
    horizon_months = _int(horizon_months, "horizon_months", 1, MAX_HORIZON_MONTHS,
                          _("A horizon of 1 to 120 months."))
    try:
        discount = Decimal(str(annual_discount).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("A rate such as 0.1 for 10 % a year."), field="annual_discount") from None
    if not discount.is_finite() or not Decimal("0") <= discount < Decimal("1"):
        raise ValidationError(_("A rate from 0 up to (not including) 1, such as 0.1 for 10 % a year."),
                              field="annual_discount")
    last = last_purchase_day()
    if last is None:
        raise ValidationError(_("No purchases yet — log orders to see value."), field="calibration_end")
    if calibration_end >= last:
        raise ValidationError(
            _("The calibration must end before the last purchase in the log (%(day)s), so the hold-out has "
              "purchases to compare with.") % {"day": last.isoformat()}, field="calibration_end")
    if calibration_end + dt.timedelta(days=holdout_days) > today:
        raise ValidationError(_("The hold-out would end after today; its purchases are not known yet."),
                              field="holdout_days")
    return {"kind": kind, "calibration_end": calibration_end, "holdout_days": holdout_days,
            "horizon_months": horizon_months, "annual_discount": discount.quantize(Decimal("0.0001"))}


def fit_create(*, actor, kind: str = PartyKind.PERSON, calibration_end, holdout_days, horizon_months=12,
               annual_discount="0.1", run: bool = True) -> Fit:
    """Queue a fit (the worker runs it). Bad input is refused naming the field; nothing is written then."""
    ensure_insight(actor)
    inputs = clean_inputs(kind=kind, calibration_end=calibration_end, holdout_days=holdout_days,
                          horizon_months=horizon_months, annual_discount=annual_discount)
    check_purchases()
    with transaction.atomic():
        fit = Fit.objects.create(**inputs, base_currency=settings.TILLIT_BASE_CURRENCY, created_by=actor)
        if run:
            from tillit.insight.tasks import run_fit_task

            transaction.on_commit(lambda: run_fit_task.enqueue(fit.pk))
    return fit


def fit_get(*, actor, fit_id: int) -> Fit:
    ensure_insight(actor)
    fit = Fit.objects.filter(pk=fit_id).first()
    if fit is None:
        raise NotFound(_("No such fit."))
    return fit


def fit_list(*, actor, limit: int = 50) -> list[Fit]:
    ensure_insight(actor)
    return list(Fit.objects.defer("report")[:limit])


def fit_in_use(kind: str = PartyKind.PERSON) -> Fit | None:
    return Fit.objects.filter(kind=kind, in_use=True).first()


# --- running a fit ----------------------------------------------------------------------------------

@dataclass
class Timings:
    sql: float = 0.0
    fit: float = 0.0
    report: float = 0.0
    scoring: float = 0.0
    writing: float = 0.0
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"sql": round(self.sql, 3), "fit": round(self.fit, 3), "report": round(self.report, 3),
                "scoring": round(self.scoring, 3), "writing": round(self.writing, 3)}


def _progress(fit: Fit, percent: int) -> None:
    Fit.objects.filter(pk=fit.pk).update(progress=percent)


def _finish(fit: Fit, **fields) -> None:
    fields.setdefault("finished_at", timezone.now())
    for k, v in fields.items():
        setattr(fit, k, v)
    Fit.objects.filter(pk=fit.pk).update(**fields)


def run_fit(fit_id: int, *, today: dt.date | None = None, write: bool = True) -> Timings | None:
    """Run a queued fit (the task's body); a fit not queued any more is left alone. Returns the timings."""
    claimed = Fit.objects.filter(pk=fit_id, status=FitStatus.QUEUED).update(status=FitStatus.RUNNING, progress=1)
    if not claimed:
        return None
    fit = Fit.objects.get(pk=fit_id)
    try:
        return _run(fit, today=today or timezone.localdate(), write=write)
    except DomainError as exc:
        _finish(fit, status=FitStatus.FAILED, converged=False, message=exc.message, progress=100)
    except clv.DegenerateData as exc:
        _finish(fit, status=FitStatus.FAILED, converged=False, message=str(exc), progress=100)
    except Exception as exc:
        logger.exception("Fit %s failed", fit_id)
        _finish(fit, status=FitStatus.FAILED, converged=False, progress=100,
                message=_("The fit stopped with an unexpected error: %(error)s") % {"error": exc})
        raise
    return None


def _run(fit: Fit, *, today: dt.date, write: bool) -> Timings:
    timings = Timings()
    started = time.perf_counter()
    summary = purchase_summary(fit.kind, end=today + dt.timedelta(days=1), calibration_end=fit.calibration_end,
                               holdout_days=fit.holdout_days)
    daily = occasions_per_day(fit.kind, start=None, end=fit.calibration_end + dt.timedelta(days=fit.holdout_days))
    timings.sql = time.perf_counter() - started
    _progress(fit, 30)
    result = fit_summary(summary, fit, daily=daily, timings=timings)
    _progress(fit, 60)
    if not result["converged"]:
        _finish(fit, status=FitStatus.FAILED, converged=False, customers=result["customers"],
                bgnbd=result["bgnbd"], gamma_gamma=result["gamma_gamma"], log_likelihood=result["log_likelihood"],
                report=result["report"], progress=100,
                message=_("The purchase model did not converge, so the fit in use stays: %(why)s")
                % {"why": result["message"]})
        return timings
    started = time.perf_counter()
    rows = score(summary, result["bgnbd"], result["gamma_gamma"], months=fit.horizon_months,
                 annual_discount=float(fit.annual_discount), fit_id=fit.pk)
    timings.scoring = time.perf_counter() - started
    _progress(fit, 80)
    started = time.perf_counter()
    with transaction.atomic():
        if write:
            upsert_values(fit.kind, rows, SCORE_FIELDS)
        Fit.objects.filter(kind=fit.kind, in_use=True).update(in_use=False)
        _finish(fit, status=FitStatus.DONE, converged=True, in_use=True, customers=result["customers"],
                bgnbd=result["bgnbd"], gamma_gamma=result["gamma_gamma"], log_likelihood=result["log_likelihood"],
                report={**result["report"], "scored": len(rows)}, message=result["message"], progress=100)
        from tillit.insight.tiers import apply_tiers, tier_settings

        config = tier_settings()
        if write and config.basis == TierBasis.CLV:
            apply_tiers(config)
    timings.writing = time.perf_counter() - started
    return timings


def occasions_per_day(kind: str, *, start: dt.date | None, end: dt.date) -> dict[int, int]:
    """``{day number: purchase occasions}`` up to and including ``end`` (one query)."""
    from tillit.insight.summary import _day_sql

    column = f"{kind}_id"
    end_at = connection.ops.adapt_datetimefield_value(
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC))
    sql = f"""SELECT day, COUNT(DISTINCT party) FROM (
                SELECT {column} AS party, {_day_sql()} AS day FROM {Interaction._meta.db_table}
                WHERE kind IN (%s, %s) AND amount IS NOT NULL AND {column} IS NOT NULL AND occurred_at < %s
              ) purchases GROUP BY day"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*PURCHASE_KINDS, end_at])
        return {int(d): int(n) for d, n in cursor.fetchall()}


def fit_summary(summary: Summary, fit: Fit, *, daily: dict[int, int] | None = None,
                timings: Timings | None = None) -> dict:
    """Fit both models on the calibration period and build the validation report (no database)."""
    timings = timings or Timings()
    started = time.perf_counter()
    if len(summary) == 0 or not summary.in_calibration.any():
        raise clv.DegenerateData(_("No purchases before the end of the calibration period — log orders to see "
                                   "value, or choose a later calibration end."))
    x, t_x, T, m, holdout = summary.calibration()
    purchase_fit = clv.fit_bgnbd(x, t_x, T)
    notes = [purchase_fit.message]
    spend_params = None
    try:
        spend_fit = clv.fit_gamma_gamma(x, m)
        if spend_fit.converged and spend_fit.params["q"] > 1:
            spend_params = spend_fit.params
        else:
            notes.append(_("The spend model did not settle, so each customer's own average spend is used."))
    except clv.DegenerateData as exc:
        notes.append(str(exc))
    timings.fit = time.perf_counter() - started
    started = time.perf_counter()
    report = validation_report(purchase_fit.params, x, t_x, T, holdout, fit.holdout_days, summary, daily or {})
    timings.report = time.perf_counter() - started
    converged = purchase_fit.converged and bool(np.isfinite(report["predicted_total"]))
    return {"converged": converged, "bgnbd": purchase_fit.params, "gamma_gamma": spend_params or {},
            "log_likelihood": purchase_fit.log_likelihood if np.isfinite(purchase_fit.log_likelihood) else None,
            "customers": int(len(x)), "message": " ".join(n for n in notes if n), "report": report}


def validation_report(params, x, t_x, T, holdout, holdout_days, summary: Summary, daily: dict[int, int]) -> dict:
    predicted = clv.expected_purchases(params, holdout_days, x, t_x, T)
    bucket = np.minimum(x, BUCKETS - 1).astype(int)
    rows = []
    for b in range(BUCKETS):
        sel = bucket == b
        rows.append({"purchases": b, "label": f"{b}+" if b == BUCKETS - 1 else str(b), "customers": int(sel.sum()),
                     "actual": float(holdout[sel].sum()), "predicted": float(predicted[sel].sum())})
    return {"actual_total": float(holdout.sum()), "predicted_total": float(predicted.sum()),
            "by_purchases": rows, "cumulative": cumulative_curve(params, summary, daily)}


def cumulative_curve(params, summary: Summary, daily: dict[int, int], points: int = 40) -> list[dict]:
    """Cumulative repeat purchases over time, actual vs predicted, up to the end of the hold-out.

    Every customer enters the prediction on their first purchase day (E[X(t)] of a new customer), so
    customers acquired during the hold-out count as they do in the actual line.
    """
    if not daily or len(summary) == 0:
        return []
    end = summary.calibration_end + max(0, max(daily) - summary.calibration_end)
    firsts = summary.first[summary.first <= end]
    if len(firsts) == 0:
        return []
    start = int(firsts.min())
    days = np.arange(start, end + 1)
    occ = np.zeros(len(days))
    for d, n in daily.items():
        if start <= d <= end:
            occ[d - start] += n
    first_counts = np.bincount((firsts - start).astype(int), minlength=len(days))[:len(days)]
    actual = np.cumsum(occ - first_counts)
    birth_days, births = np.unique(firsts - start, return_counts=True)
    grid = np.unique(np.linspace(0, len(days) - 1, min(points, len(days))).round().astype(int))
    out = []
    for g in grid:
        ages = g - birth_days
        alive = ages > 0
        expected = 0.0
        if alive.any():
            expected = float((births[alive] * clv.expected_purchases_new(params, ages[alive])).sum())
        out.append({"day": from_day_number(start + g).isoformat(), "actual": float(actual[g]),
                    "predicted": expected if np.isfinite(expected) else 0.0,
                    "holdout": bool(start + g > summary.calibration_end)})
    return out


def _money(values: np.ndarray) -> list[Decimal | None]:
    return [Decimal(repr(float(v))).quantize(CENT, rounding=ROUND_HALF_UP) if np.isfinite(v) else None
            for v in values]


def score(summary: Summary, bgnbd: dict, gamma_gamma: dict, *, months: int, annual_discount: float,
          fit_id: int | None) -> list[dict]:
    """Every customer's figures as rows for ``upsert_values`` (non-finite values become empty, never NaN)."""
    x, t_x, T, m = summary.whole_history()
    fallback = float(m[x > 0].mean()) if np.any(x > 0) else float(m.mean()) if len(m) else 0.0
    expected = clv.expected_purchases(bgnbd, 365.25, x, t_x, T)
    alive = clv.p_alive(bgnbd, x, t_x, T)
    spend = clv.expected_spend(gamma_gamma or None, x, m, fallback=fallback)
    if not gamma_gamma:
        spend = np.where(x > 0, m, fallback)
    value = clv.clv(bgnbd, spend, x, t_x, T, months=months, annual_discount=annual_discount)
    now = timezone.now()
    spend_d, value_d = _money(spend), _money(value)
    return [{"party": int(p), "fit": fit_id, "expected_purchases_12m": float(e) if np.isfinite(e) else None,
             "p_alive": float(a) if np.isfinite(a) else None, "expected_spend": s, "clv": v, "computed_at": now}
            for p, e, a, s, v in zip(summary.party.tolist(), expected, alive, spend_d, value_d, strict=True)]


__all__ = ["day_number", "fit_create", "fit_get", "fit_in_use", "fit_list", "run_fit", "score"]
