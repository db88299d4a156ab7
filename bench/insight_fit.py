"""CLV fit benchmark: BG/NBD + Gamma-Gamma from the log, timed per step, and the fit alone at scale.

    # a log of simulated BG/NBD customers (persons + purchases + filler interactions), then the timed fit
    python bench/insight_fit.py --database sqlite:///var/bench-insight/tillit.sqlite3 --generate \
        --customers 100000 --log 20000000
    python bench/insight_fit.py --database postgres://postgres@127.0.0.1:5432/tillit_insight --generate ...
    # the fit alone on synthetic arrays (no database), in its own process so its peak memory is its own
    python bench/insight_fit.py --fit-only 1000000

Timing split of a fit from the log: **sql** (the per-customer summary and the purchases per day, both
one GROUP BY each), **fit** (BG/NBD and Gamma-Gamma maximum likelihood), **report** (the hold-out
validation), **scoring** (expected purchases, P(alive), expected spend and CLV for every customer) and
**writing** (the upsert into CustomerValue). ``lifetimes`` (a bench-only dependency; put it on
``--lifetimes-path``, e.g. ``pip install --target /tmp/lt-lib lifetimes``) fits the same arrays in the
same run and the ratio is reported. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
TRUE = {"r": 0.8, "alpha": 60.0, "a": 0.8, "b": 2.5}
SPEND = {"p": 4.0, "q": 5.0, "v": 400.0}
DAYS = 730


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def simulate(n: int, seed: int = 1):
    """(births, purchase day lists as flat arrays) of n BG/NBD customers over DAYS days."""
    from tillit.insight import clv

    rng = np.random.default_rng(seed)
    births = rng.integers(0, DAYS - 30, n)
    T = (DAYS - births).astype(float)
    x, t_x = clv.simulate_bgnbd(**TRUE, T=T, seed=seed)
    return rng, births, x.astype(int), t_x, T


def fit_only(n: int, lifetimes_path: str | None) -> dict:
    from tillit.insight import clv

    started = time.perf_counter()
    _rng, _births, x, t_x, T = simulate(n)
    # Whole days, as the SQL summary gives them.
    t_x, T = np.floor(t_x), np.floor(T)
    m = clv.simulate_gamma_gamma(**SPEND, x=np.maximum(x, 1), seed=2)
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    bg = clv.fit_bgnbd(x, t_x, T)
    gg = clv.fit_gamma_gamma(x, m)
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    spend = clv.expected_spend(gg.params, x, m, fallback=float(m.mean()))
    clv.clv(bg.params, spend, x, t_x, T, months=12, annual_discount=0.1)
    clv.p_alive(bg.params, x, t_x, T)
    scoring_s = time.perf_counter() - started
    out = {"customers": n, "simulate_s": round(simulated, 2), "fit_s": round(fit_s, 2),
           "scoring_s": round(scoring_s, 2), "bgnbd": {k: round(v, 4) for k, v in bg.params.items()},
           "true": TRUE, "converged": bg.converged and gg.converged, "peak_rss_mb": peak_mb()}
    out["lifetimes"] = lifetimes_fit(x, t_x, T, m, lifetimes_path, fit_s)
    return out


def lifetimes_fit(x, t_x, T, m, path: str | None, ours_s: float) -> dict:
    if not path:
        return {"skipped": "no --lifetimes-path"}
    sys.path.append(path)  # after the project's own numpy/scipy
    try:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        return {"error": f"lifetimes does not import: {exc}"}
    import pandas as pd

    started = time.perf_counter()
    try:
        bg = BetaGeoFitter(penalizer_coef=0.0)
        bg.fit(pd.Series(x), pd.Series(t_x), pd.Series(T))
        keep = x > 0
        GammaGammaFitter(penalizer_coef=0.0).fit(pd.Series(x[keep]), pd.Series(m[keep]))
    except Exception as exc:  # noqa: BLE001
        return {"error": f"lifetimes failed: {exc}"}
    seconds = time.perf_counter() - started
    return {"fit_s": round(seconds, 2), "ratio_lifetimes_over_ours": round(seconds / ours_s, 1),
            "params": {k: round(float(v), 4) for k, v in bg.params_.items()}}


# --- the log --------------------------------------------------------------------------------------------

def generate(target, customers: int, log: int, seed: int) -> dict:
    from benchlib import BulkWriter, create_indexes, drop_indexes, indexes_of, model_columns, raw_connect, say

    from tillit.interactions.models import Interaction
    from tillit.people.models import Person

    conn = raw_connect(target, bulk=True)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start_day = now.date() - dt.timedelta(days=DAYS)
    sqlite = target.vendor == "sqlite"
    suffix = "" if sqlite else "+00"
    now_text = now.strftime("%Y-%m-%d %H:%M:%S") + suffix
    started = time.perf_counter()
    first_id = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM people_person").fetchone()[0]) + 1
    if not sqlite:
        conn.commit()
    cols, consts = model_columns(Person, ("id", "first_name", "last_name"), now_text)
    writer = BulkWriter(conn, target, "people_person", ("id", "first_name", "last_name", *cols))
    ids = np.arange(first_id, first_id + customers)
    for lo in range(0, customers, 100_000):
        writer.write([(int(i), "Bench", f"Customer {i}", *consts) for i in ids[lo:lo + 100_000]])
    rng, births, x, t_x, _T = simulate(customers, seed)
    # Purchase days: the first at birth, the last at t_x, the others uniform in between.
    counts = x + 1
    owner = np.repeat(np.arange(customers), counts)
    offsets = rng.random(int(counts.sum()))
    pos = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    offsets[pos == 0] = 0.0
    last = pos == np.repeat(counts - 1, counts)
    offsets[last & (pos > 0)] = 1.0
    days = births[owner] + np.floor(offsets * np.floor(t_x[owner])).astype(int)
    nu = rng.gamma(SPEND["q"], 1 / SPEND["v"], customers)
    amounts = rng.gamma(SPEND["p"], 1 / nu[owner])
    purchases = len(owner)
    filler = max(0, log - purchases)
    say(f"  {customers:,} persons, {purchases:,} purchases, {filler:,} other interactions")
    provided = ("channel", "kind", "occurred_at", "person_id", "amount", "currency")
    cols, consts = model_columns(Interaction, provided, now_text)
    table = Interaction._meta.db_table
    indexes = indexes_of(conn, target, table)
    drop_indexes(conn, target, indexes)
    writer = BulkWriter(conn, target, table, (*provided, *cols))
    day_texts = [(start_day + dt.timedelta(days=d)).isoformat() for d in range(DAYS + 1)]
    hours = [f" {h:02d}:{m:02d}:00{suffix}" for h in range(24) for m in (0, 30)]
    chunk = 500_000
    person_ids = ids.tolist()
    for lo in range(0, purchases, chunk):
        hi = min(purchases, lo + chunk)
        hrs = rng.integers(0, len(hours), hi - lo).tolist()
        writer.write([("web", "order", day_texts[d] + hours[h], person_ids[o], f"{a:.2f}", "NOK", *consts)
                      for d, o, a, h in zip(days[lo:hi].tolist(), owner[lo:hi].tolist(), amounts[lo:hi].tolist(),
                                            hrs, strict=True)])
    for lo in range(0, filler, chunk):
        n = min(chunk, filler - lo)
        who = rng.integers(0, customers, n).tolist()
        when = rng.integers(0, DAYS, n).tolist()
        hrs = rng.integers(0, len(hours), n).tolist()
        writer.write([("web", "page_view", day_texts[d] + hours[h], person_ids[o], None, "", *consts)
                      for o, d, h in zip(who, when, hrs, strict=True)])
        say(f"  other interactions: {lo + n:,}/{filler:,}")
    create_indexes(conn, target, indexes)
    if sqlite:
        conn.execute("ANALYZE")
    else:
        conn.commit()
        conn.autocommit = True
        conn.execute(f'VACUUM (ANALYZE) "{table}"')
        conn.execute("VACUUM (ANALYZE) people_person")
    conn.close()
    return {"persons": customers, "purchases": purchases, "log_rows": purchases + filler,
            "generate_s": round(time.perf_counter() - started, 1)}


def fit_from_log(lifetimes_path: str | None) -> dict:
    from django.db import connection

    from tillit.insight import fits
    from tillit.insight.models import Fit
    from tillit.insight.summary import last_purchase_day, purchase_summary
    from tillit.insight.writing import upsert_values

    today = last_purchase_day()
    fit = Fit(pk=None, calibration_end=today - dt.timedelta(days=180), holdout_days=180, base_currency="NOK")
    fit.save()
    timings = {}
    started = time.perf_counter()
    summary = purchase_summary("person", end=today + dt.timedelta(days=1), calibration_end=fit.calibration_end,
                               holdout_days=fit.holdout_days)
    timings["sql_summary"] = time.perf_counter() - started
    started = time.perf_counter()
    daily = fits.occasions_per_day("person", start=None, end=fit.calibration_end + dt.timedelta(days=180))
    timings["sql_per_day"] = time.perf_counter() - started
    t = fits.Timings()
    result = fits.fit_summary(summary, fit, daily=daily, timings=t)
    timings["fit"], timings["report"] = t.fit, t.report
    started = time.perf_counter()
    rows = fits.score(summary, result["bgnbd"], result["gamma_gamma"], months=12, annual_discount=0.1,
                      fit_id=fit.pk)
    timings["scoring"] = time.perf_counter() - started
    started = time.perf_counter()
    from django.db import transaction

    with transaction.atomic():
        upsert_values("person", rows, fits.SCORE_FIELDS)
    timings["writing"] = time.perf_counter() - started
    total = sum(timings.values())
    x, t_x, T, m, _hold = summary.calibration()
    out = {"customers": len(summary), "in_calibration": int(len(x)), "vendor": connection.vendor,
           "timings_s": {k: round(v, 2) for k, v in timings.items()}, "total_s": round(total, 2),
           "total_without_writing_s": round(total - timings["writing"], 2),
           "bgnbd": {k: round(v, 4) for k, v in result["bgnbd"].items()}, "true": TRUE,
           "converged": result["converged"], "holdout_actual": result["report"]["actual_total"],
           "holdout_predicted": round(result["report"]["predicted_total"], 1), "peak_rss_mb": peak_mb()}
    out["lifetimes"] = lifetimes_fit(x, t_x, T, m, lifetimes_path, t.fit)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="sqlite:///dir/tillit.sqlite3 or postgres://…")
    parser.add_argument("--generate", action="store_true", help="add simulated customers and their log first")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--log", type=int, default=2_000_000, help="interactions in the log (purchases + others)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fit-only", type=int, default=0, metavar="N", help="fit N synthetic customers, no DB")
    parser.add_argument("--lifetimes-path", default="", help="a folder holding the lifetimes package")
    args = parser.parse_args()
    if args.fit_only:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
        result = {"fit_only": fit_only(args.fit_only, args.lifetimes_path or None)}
        print(json.dumps(result, indent=2))
        return
    from benchlib import machine, save_result, say, setup_django

    target = setup_django(args.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = {"machine": machine(target)}
    if args.generate:
        say("Generating …")
        result["generated"] = generate(target, args.customers, args.log, args.seed)
    say("Fitting …")
    result["fit_from_log"] = fit_from_log(args.lifetimes_path or None)
    from benchlib import table_counts

    result["size"] = table_counts(target)
    path = save_result("insight-fit", target, result)
    print(json.dumps(result, indent=2, default=str))
    say(f"saved {path}")


if __name__ == "__main__":
    main()
