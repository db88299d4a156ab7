"""BG/NBD and Gamma-Gamma: maximum-likelihood fits and per-customer predictions (pure NumPy/SciPy).

Inputs are the classic summary per customer, with time in days:
``x`` repeat purchase occasions (same-day purchases are one occasion), ``t_x`` the age of the last
purchase measured from the first, ``T`` the age of the customer at the end of calibration, and for
Gamma-Gamma ``m`` the mean spend of the repeat occasions. Fader, Hardie & Lee (2005) "Counting your
customers the easy way"; Fader & Hardie (2013) "The Gamma-Gamma model of monetary value".

Nothing here touches the database: the service hands arrays in and stores what comes out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

# A tiny ridge on the log-parameters keeps the optimiser away from infinite values on flat
# likelihoods (lifetimes does the same with its penalizer); it is far below the 5 % tolerance.
PENALTY = 1e-6


class DegenerateData(ValueError):
    """The data cannot identify the model (said in words; never a NaN on a card)."""


@dataclass(frozen=True)
class Fit:
    params: dict[str, float]
    log_likelihood: float
    converged: bool
    message: str
    iterations: int


def _check_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    if len(x) < 2:
        raise DegenerateData("At least two customers are needed to fit the purchase model.")
    if not np.any(x > 0):
        raise DegenerateData("No customer bought more than once in the calibration period; "
                             "repeat purchases are needed to learn how often customers come back.")
    if np.any(T <= 0):
        raise DegenerateData("Every customer must have had some time to buy again (T > 0).")


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood for params (r, alpha, a, b)."""
    r, alpha, a, b = params
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore"):
        ln_a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def fit_bgnbd(x, t_x, T, *, max_iterations: int = 500) -> Fit:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    _check_bgnbd(x, t_x, T)
    # Aggregate identical (x, t_x, T) rows: the likelihood only needs each distinct row once, weighted.
    whole = all(np.array_equal(v, np.floor(v)) and v.min() >= 0 and v.max() < 2**20 for v in (x, t_x, T))
    if whole:
        # Whole days (what the SQL summary gives): one int64 key per row sorts far faster than rows.
        keys, weights = np.unique((x.astype(np.int64) << 40) | (t_x.astype(np.int64) << 20) | T.astype(np.int64),
                                  return_counts=True)
        xs, txs, Ts = ((keys >> 40).astype(float), ((keys >> 20) & 0xFFFFF).astype(float),
                       (keys & 0xFFFFF).astype(float))
    else:
        rows, weights = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
        xs, txs, Ts = (np.ascontiguousarray(rows[:, k]) for k in range(3))
    # Special functions of x are computed once per distinct x (a few hundred values) and looked up:
    # they were most of the time of each pass.
    ux, ix = np.unique(xs, return_inverse=True)
    n = weights.sum()
    scale = max(float(T.mean()), 1.0)  # start alpha near the time scale of the data

    repeat = xs > 0

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        # The value and its analytic gradient in one pass: a numerical gradient costs five passes.
        r, alpha, a, b = np.exp(log_params)
        rx = r + xs
        ln_aT, ln_atx = np.log(alpha + Ts), np.log(alpha + txs)
        a3 = -rx * ln_aT
        with np.errstate(divide="ignore"):
            a4 = np.where(repeat, np.log(a) - np.log(np.maximum(b + xs - 1, 1e-300)) - rx * ln_atx, -np.inf)
        top = np.logaddexp(a3, a4)
        w3, w4 = np.exp(a3 - top), np.exp(a4 - top)
        ll = ((gammaln(r + ux) + gammaln(b + ux) - gammaln(a + b + ux))[ix] - gammaln(r) + r * np.log(alpha)
              + gammaln(a + b) - gammaln(b) + top)
        d_ab_x = (digamma(a + b) - digamma(a + b + ux))[ix]
        grads = np.stack([
            (digamma(r + ux)[ix] - digamma(r) + np.log(alpha) - w3 * ln_aT - w4 * ln_atx) * r,
            (r / alpha - w3 * rx / (alpha + Ts) - w4 * rx / (alpha + txs)) * alpha,
            (d_ab_x + w4 / a) * a,
            (d_ab_x + digamma(b + ux)[ix] - digamma(b)
             - np.where(repeat, w4 / np.maximum(b + xs - 1, 1e-300), 0)) * b,
        ])
        value = -(weights @ ll) / n + PENALTY * (log_params @ log_params)
        return value, -(grads @ weights) / n + 2 * PENALTY * log_params

    start = np.log([1.0, scale / 4, 1.0, 1.0])
    result = minimize(negative, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iterations})
    params = np.exp(result.x)
    ll = float(weights @ bgnbd_log_likelihood(params, xs, txs, Ts))
    converged = bool(result.success and np.isfinite(ll))
    return Fit(dict(zip(("r", "alpha", "a", "b"), map(float, params), strict=True)), ll, converged,
               _words(result, ll), int(result.nit))


def fit_gamma_gamma(x, m, *, max_iterations: int = 500) -> Fit:
    """Gamma-Gamma on repeat buyers only (x > 0): m is their mean spend per repeat occasion."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = x > 0
    x, m = x[keep], m[keep]
    if len(x) < 2:
        raise DegenerateData("At least two repeat buyers are needed to learn how spend per purchase varies.")
    if np.any(m <= 0):
        raise DegenerateData("Spend per purchase must be positive for every repeat buyer.")
    if np.allclose(m, m[0]):
        raise DegenerateData("Every repeat buyer spends the same per purchase; there is no variation "
                             "to learn from, so the average spend is used as it is.")
    n = len(x)

    ln_m, ln_x = np.log(m), np.log(x)
    xm = x * m
    ux, ix = np.unique(x, return_inverse=True)  # special functions once per distinct x

    def negative(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = np.exp(log_params)
        px = p * x
        ln_xmv = np.log(xm + v)
        pu = p * ux
        ll = ((gammaln(pu + q) - gammaln(pu))[ix] - gammaln(q) + q * np.log(v)
              + (px - 1) * ln_m + px * ln_x - (px + q) * ln_xmv)
        psi = digamma(pu + q)[ix]
        grad = np.array([
            (x * (psi - digamma(pu)[ix] + ln_m + ln_x - ln_xmv)).sum() * p,
            (psi - digamma(q) + np.log(v) - ln_xmv).sum() * q,
            (q / v - (px + q) / (xm + v)).sum() * v,
        ])
        return -ll.sum() / n + PENALTY * (log_params @ log_params), -grad / n + 2 * PENALTY * log_params

    start = np.log([1.0, 1.0, float(np.mean(m))])
    result = minimize(negative, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iterations})
    params = np.exp(result.x)
    ll = -float(negative(result.x)[0] - PENALTY * (result.x @ result.x)) * n
    converged = bool(result.success and np.isfinite(ll))
    return Fit(dict(zip(("p", "q", "v"), map(float, params), strict=True)), ll, converged,
               _words(result, ll), int(result.nit))


def _words(result, ll: float) -> str:
    if not np.isfinite(ll):
        return "The log-likelihood is not a finite number; the data do not fit the model."
    if result.success:
        return "Converged."
    return f"The optimiser stopped before converging: {result.message}"


# --- predictions ----------------------------------------------------------------------------


def expected_purchases(params: dict, t: float, x, t_x, T) -> np.ndarray:
    """Expected number of purchase occasions in the next ``t`` days (BG/NBD conditional expectation)."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    z = t / (alpha + T + t)
    first = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                         * hyp2f1(r + x, b + x, a + b + x - 1, z))
    return np.nan_to_num(first * p_alive(params, x, t_x, T), nan=0.0, posinf=0.0)


def p_alive(params: dict, x, t_x, T) -> np.ndarray:
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    ratio = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300) * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + ratio)


def expected_purchases_new(params: dict, t) -> np.ndarray:
    """Expected purchases in (0, t] for a customer just acquired: E[X(t)], used for the hold-out curve."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    t = np.asarray(t, dtype=float)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def expected_spend(params: dict | None, x, m, *, fallback: float) -> np.ndarray:
    """Gamma-Gamma expected spend per purchase; without a fit, the customer's own mean or the fallback."""
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    if params is None:
        return np.where(x > 0, m, fallback)
    p, q, v = params["p"], params["q"], params["v"]
    return (p * (v + x * m)) / (p * x + q - 1)


def clv(params: dict, spend: np.ndarray, x, t_x, T, *, months: int, annual_discount: float) -> np.ndarray:
    """Discounted value of the next ``months`` months: expected purchases per month × spend, discounted monthly."""
    monthly = (1 + annual_discount) ** (1 / 12) - 1
    total = np.zeros(len(np.asarray(x)))
    previous = np.zeros_like(total)
    for month in range(1, months + 1):
        cumulative = expected_purchases(params, month * 30.4375, x, t_x, T)
        total += (cumulative - previous) / (1 + monthly) ** month
        previous = cumulative
    return total * spend


# --- simulation (tests and benchmarks) ------------------------------------------------------------


def simulate_bgnbd(r: float, alpha: float, a: float, b: float, T, *, seed: int):
    """Draw (x, t_x) for customers observed for T days under BG/NBD with the given parameters."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = len(T)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():
        idx = np.flatnonzero(alive)
        now[idx] += rng.exponential(1 / lam[idx])
        bought = now[idx] < T[idx]
        ended = idx[~bought]
        alive[ended] = False
        buyers = idx[bought]
        x[buyers] += 1
        t_x[buyers] = now[buyers]
        # After each purchase the customer drops out with probability p.
        alive[buyers[rng.random(len(buyers)) < p[buyers]]] = False
    return x, t_x


def simulate_gamma_gamma(p: float, q: float, v: float, x, *, seed: int) -> np.ndarray:
    """Mean spend per customer over x transactions: z ~ Gamma(p, ν), ν ~ Gamma(q, v)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=float)
    nu = rng.gamma(q, 1 / v, len(x))
    # The sum of x Gamma(p, ν) draws is Gamma(p x, ν); the mean divides by x.
    return rng.gamma(p * x, 1 / nu) / x


__all__ = ["DegenerateData", "Fit", "clv", "expected_purchases", "expected_purchases_new",
           "expected_spend", "fit_bgnbd", "fit_gamma_gamma", "p_alive", "simulate_bgnbd",
           "simulate_gamma_gamma"]
