"""CLV fits from the log: validation report, scores on every customer, the fit in use, and bad input."""

import datetime as dt
import math

import pytest
from django.db.models import Q

from tillit.core.errors import AccessDenied, ValidationError
from tillit.insight import fits
from tillit.insight.models import CustomerValue, Fit, FitStatus

from .purchases import TODAY, buy, person, simulated_log

pytestmark = pytest.mark.django_db
D = dt.timedelta
START = TODAY - D(730)


@pytest.fixture
def log():
    return simulated_log(600, start=START, end=TODAY)


def _fit(actor, **inputs):
    inputs = {"calibration_end": TODAY - D(180), "holdout_days": 180, **inputs}
    fit = fits.fit_create(actor=actor, run=False, **inputs)
    fits.run_fit(fit.pk, today=TODAY)
    fit.refresh_from_db()
    return fit


def test_fit_scores_every_customer_and_reports_the_holdout(actors, log, time_machine=None):
    fit = _fit(actors["manager_north"])
    assert fit.status == FitStatus.DONE and fit.converged and fit.in_use, fit.message
    assert set(fit.bgnbd) == {"r", "alpha", "a", "b"} and fit.log_likelihood < 0
    report = fit.report
    assert [row["label"] for row in report["by_purchases"]] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(row["customers"] for row in report["by_purchases"]) == fit.customers
    assert report["actual_total"] == sum(row["actual"] for row in report["by_purchases"])
    # The model predicts the hold-out of simulated BG/NBD customers well in total.
    assert report["predicted_total"] == pytest.approx(report["actual_total"], rel=0.25)
    curve = report["cumulative"]
    assert curve and curve[-1]["holdout"] and curve[0]["actual"] <= curve[-1]["actual"]
    values = CustomerValue.objects.filter(person__in=log)
    assert values.count() == len(log) and not values.filter(Q(clv__isnull=True) | Q(p_alive__isnull=True)).exists()
    for v in values[:50]:
        assert 0 <= v.p_alive <= 1 and v.clv >= 0 and math.isfinite(v.expected_purchases_12m)
        assert v.fit_id == fit.pk


def test_a_later_fit_replaces_the_one_in_use_and_a_failed_one_does_not(actors, log):
    first = _fit(actors["admin"])
    second = _fit(actors["admin"], horizon_months=24)
    first.refresh_from_db()
    assert second.in_use and not first.in_use
    clv_before = dict(CustomerValue.objects.values_list("person_id", "clv"))
    # A failing fit (all purchases before calibration are in an unknown currency now) keeps the old one.
    buy(person(), TODAY - D(400), "10", "XYZ")
    third = Fit.objects.create(calibration_end=TODAY - D(180), holdout_days=180, base_currency="NOK")
    fits.run_fit(third.pk, today=TODAY)
    third.refresh_from_db()
    second.refresh_from_db()
    assert third.status == FitStatus.FAILED and not third.in_use and "XYZ" in third.message
    assert second.in_use
    assert dict(CustomerValue.objects.filter(person__in=log).values_list("person_id", "clv")) == \
        {k: v for k, v in clv_before.items() if k in {p.pk for p in log}}


def test_no_convergence_keeps_the_last_good_fit_and_says_why(actors, log, monkeypatch):
    good = _fit(actors["admin"])
    from tillit.insight import clv

    real = clv.fit_bgnbd

    def stopped(*args, **kwargs):
        result = real(*args, **kwargs, max_iterations=1)
        return clv.Fit(result.params, result.log_likelihood, False,
                       "The optimiser stopped before converging: too many iterations.", 1)

    monkeypatch.setattr(clv, "fit_bgnbd", stopped)
    bad = _fit(actors["admin"])
    good.refresh_from_db()
    assert bad.status == FitStatus.FAILED and not bad.in_use and good.in_use
    assert "did not converge" in bad.message and "too many iterations" in bad.message


@pytest.mark.parametrize(("inputs", "field"), [
    ({"calibration_end": TODAY + D(1)}, "calibration_end"),
    ({"holdout_days": 0}, "holdout_days"),
    ({"holdout_days": 400}, "holdout_days"),
    ({"annual_discount": "1.5"}, "annual_discount"),
    ({"horizon_months": 0}, "horizon_months"),
    ({"kind": "robots"}, "kind"),
    ({"calibration_end": "yesterday"}, "calibration_end"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(actors, inputs, field):
    buy(person(), TODAY - D(300), "10")
    buy(person(), TODAY - D(1), "10")
    with pytest.raises(ValidationError) as exc:
        fits.fit_create(actor=actors["admin"], run=False, **{"calibration_end": TODAY - D(180),
                                                            "holdout_days": 170, **inputs})
    assert exc.value.field == field
    assert not Fit.objects.exists()


@pytest.mark.parametrize(("amount", "currency", "field"), [("-5", "NOK", "amount"), ("5", "XYZ", "currency")])
def test_bad_purchases_are_refused_naming_the_field(actors, amount, currency, field):
    buy(person(), TODAY - D(300), amount, currency)
    buy(person(), TODAY - D(1), "10")
    with pytest.raises(ValidationError) as exc:
        fits.fit_create(actor=actors["admin"], run=False, calibration_end=TODAY - D(180), holdout_days=170)
    assert exc.value.field == field and not Fit.objects.exists()


def test_no_purchases_yet_says_so(actors):
    with pytest.raises(ValidationError, match="No purchases yet"):
        fits.fit_create(actor=actors["admin"], run=False, calibration_end=TODAY - D(180), holdout_days=10)


def test_no_repeat_buyers_is_a_clear_message_and_never_nan(actors):
    for i in range(5):
        buy(person(f"P{i}"), TODAY - D(300 + i), "10")
    buy(person(), TODAY - D(2), "10")
    fit = _fit(actors["admin"], holdout_days=170)
    assert fit.status == FitStatus.FAILED and "more than once" in fit.message
    assert not CustomerValue.objects.filter(clv__isnull=False).exists()


def test_equal_spend_still_scores_with_the_average(actors):
    rows = [person(f"P{i}") for i in range(30)]
    for i, p in enumerate(rows):
        for j in range(i % 5 + 1):
            buy(p, TODAY - D(400 - 70 * j - i), "250")
    fit = _fit(actors["admin"])
    assert fit.in_use, fit.message
    assert "spends the same" in fit.message
    assert {v for v in CustomerValue.objects.values_list("expected_spend", flat=True)} == {250}


def test_only_managers_and_admins_start_and_read_fits(actors):
    buy(person(), TODAY - D(1), "10")
    for name in ("rep_north", "service", "marketing", "partner", "customer"):
        with pytest.raises(AccessDenied):
            fits.fit_list(actor=actors[name])
        with pytest.raises(AccessDenied):
            fits.fit_create(actor=actors[name], run=False, calibration_end=TODAY - D(20), holdout_days=10)
    assert fits.fit_list(actor=actors["manager_north"]) == []
