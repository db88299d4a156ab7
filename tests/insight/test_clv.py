"""The fits recover known parameters from simulated customers and refuse data that cannot identify them."""

import numpy as np
import pytest

from tillit.insight import clv

BGNBD = {"r": 1.0, "alpha": 30.0, "a": 1.5, "b": 3.0}
GAMMA_GAMMA = {"p": 2.0, "q": 6.0, "v": 10.0}


def test_bgnbd_recovers_simulated_parameters_within_five_percent():
    T = np.random.default_rng(1).uniform(730, 1460, 20_000)
    x, t_x = clv.simulate_bgnbd(**BGNBD, T=T, seed=1)
    fit = clv.fit_bgnbd(x, t_x, T)
    assert fit.converged, fit.message
    for name, true in BGNBD.items():
        assert fit.params[name] == pytest.approx(true, rel=0.05), name


def test_gamma_gamma_recovers_simulated_parameters_within_five_percent():
    x = 1 + np.random.default_rng(1).poisson(2, 20_000)
    m = clv.simulate_gamma_gamma(**GAMMA_GAMMA, x=x, seed=1)
    fit = clv.fit_gamma_gamma(x, m)
    assert fit.converged, fit.message
    for name, true in GAMMA_GAMMA.items():
        assert fit.params[name] == pytest.approx(true, rel=0.05), name


def test_predictions_are_finite_and_sensible():
    T = np.random.default_rng(2).uniform(365, 730, 5_000)
    x, t_x = clv.simulate_bgnbd(**BGNBD, T=T, seed=2)
    params = clv.fit_bgnbd(x, t_x, T).params
    alive = clv.p_alive(params, x, t_x, T)
    expected = clv.expected_purchases(params, 365, x, t_x, T)
    assert np.all((alive >= 0) & (alive <= 1)) and np.all(np.isfinite(expected))
    # Never bought again: certainly "alive" by the model's assumption; bought recently and often: more expected.
    assert alive[x == 0].min() == 1.0
    assert expected[x >= 5].mean() > expected[x == 0].mean()
    spend = clv.expected_spend(None, x, np.full_like(x, 100.0), fallback=100.0)
    value = clv.clv(params, spend, x, t_x, T, months=12, annual_discount=0.1)
    assert np.all(value >= 0) and value.sum() < (expected * spend).sum()  # discounting lowers the value


@pytest.mark.parametrize(
    ("x", "t_x", "T", "words"),
    [
        ([0, 0, 0], [0, 0, 0], [10, 20, 30], "No customer bought more than once"),
        ([3], [5], [10], "At least two customers"),
    ],
)
def test_degenerate_purchase_data_is_refused_in_words(x, t_x, T, words):
    with pytest.raises(clv.DegenerateData, match=words):
        clv.fit_bgnbd(x, t_x, T)


def test_equal_spend_is_refused_in_words():
    with pytest.raises(clv.DegenerateData, match="spends the same"):
        clv.fit_gamma_gamma([1, 2, 3], [50.0, 50.0, 50.0])
