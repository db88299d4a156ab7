"""Segment evaluation: a behavioural segment over the whole generated log, through Tillit and as raw SQL.

The segment (``--topic`` "Heat pumps" by default)::

    content_read about <topic> at least 2 times in the last 90 days
    AND lifecycle stage customer
    AND NOT email_opened in the last 30 days

is compiled by ``tillit.marketing.segments.segment_members`` into one SQL query. Each run evaluates
it twice, in alternating order: **tillit** (the queryset: compile the rules, run the query, fetch
every member id — what a campaign send does) and **raw** (the very same SQL text and parameters,
compiled before the clock starts, through the bare driver). Also timed: ``count()`` through Tillit,
and the ``EXPLAIN`` of the query (PostgreSQL: ``EXPLAIN (ANALYZE, BUFFERS)``; SQLite: ``EXPLAIN
QUERY PLAN``) is stored with the results, with whether the behaviour subqueries use the
``interaction_person_time`` index.

    .venv/bin/python bench/segment.py --database postgres://postgres@127.0.0.1:5432/tillit_bench --runs 7
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchlib import machine, raw_connect, save_result, say, setup_django, summary_ms, table_counts


def rules_for(topic: str) -> dict:
    return {"all": [
        {"did": True, "kind": "content_read", "topic": topic, "at_least": 2, "days": 90},
        {"attr": "lifecycle_stage", "op": "in", "value": ["customer"]},
        {"not": {"did": True, "kind": "email_opened", "days": 30}},
    ]}


def explain(conn, target, sql: str, params) -> str:
    if target.vendor == "sqlite":
        rows = conn.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        return "\n".join(str(r[-1]) for r in rows)
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
    conn.commit()
    return "\n".join(r[0] for r in rows)


def try_index(conn, sql: str, params, columns: str, runs: int, random_page_cost: float | None = None) -> dict:
    """The raw query with one more index on the log. The index is committed (an index built in a
    rolled-back transaction may be invisible to that very transaction: ``indcheckxmin``) and dropped
    again at the end — run it on a benchmark database only."""
    conn.execute("SET maintenance_work_mem = '1GB'")
    if random_page_cost:
        conn.execute(f"SET random_page_cost = {float(random_page_cost)}")
    started = time.perf_counter()
    conn.execute(f"CREATE INDEX bench_segment_extra ON interactions_interaction ({columns})")
    conn.execute("ANALYZE interactions_interaction")
    conn.commit()
    built = time.perf_counter() - started
    try:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            conn.execute(sql, params).fetchall()
            conn.commit()
            samples.append(time.perf_counter() - started)
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall())
        conn.commit()
    finally:
        conn.rollback()
        conn.execute("DROP INDEX IF EXISTS bench_segment_extra")
        conn.execute("RESET random_page_cost")
        conn.commit()
    stats = summary_ms(samples)
    say(f"  with an index on ({columns}): built in {built:.1f} s; raw p50 {stats['p50_ms']:.1f} ms "
        f"p95 {stats['p95_ms']:.1f} ms; uses it: {'bench_segment_extra' in plan}")
    return {"columns": columns, "random_page_cost": random_page_cost, "build_s": round(built, 1), "raw": stats,
            "plan": plan}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--topic", default="Heat pumps")
    parser.add_argument("--try-index", default="", metavar="COLUMNS",
                        help='PostgreSQL: also time the raw query with an extra index on the log, e.g. '
                             '"kind, occurred_at" (built, measured, dropped: use a benchmark database)')
    parser.add_argument("--random-page-cost", type=float, default=None,
                        help="with --try-index: the planner's random_page_cost inside that transaction (SSD: 1.1)")
    args = parser.parse_args()

    target = setup_django(args.database)
    from django.db import connection
    from django.utils import timezone

    from tillit.marketing.models import Segment
    from tillit.marketing.segments import segment_members

    sizes = table_counts(target)
    say(f"{target.label}: {sizes['people_person']:,} persons, {sizes['interactions_interaction']:,} interactions")
    segment = Segment(name="bench", rules=rules_for(args.topic))
    now = timezone.now()
    conn = raw_connect(target)
    if target.vendor == "postgresql":
        conn.execute("SET jit = off")  # as Tillit's own connections (settings.py)
        conn.commit()

    def tillit_ids() -> list[int]:
        return list(segment_members(segment, now=now).values_list("pk", flat=True))

    qs = segment_members(segment, now=now).values_list("pk", flat=True)
    sql, params = qs.query.sql_with_params()
    # The backend's own conversion of times (Django stores naive UTC text on SQLite).
    params = tuple(connection.ops.adapt_datetimefield_value(p) if hasattr(p, "tzinfo") else p for p in params)
    raw_sql = sql.replace("%s", "?") if target.vendor == "sqlite" else sql

    def raw_ids() -> list[int]:
        rows = conn.execute(raw_sql, params).fetchall()
        if target.vendor == "postgresql":
            conn.commit()
        return [r[0] for r in rows]

    plan = explain(conn, target, raw_sql, params)
    uses_index = "interaction_person_time" in plan
    say(plan)
    say(f"behaviour subqueries use interaction_person_time: {uses_index}")

    first = tillit_ids()  # warm the cache once for both
    assert sorted(first) == sorted(raw_ids()), "Tillit and the raw SQL disagree"
    timings = {"tillit": [], "raw": [], "count": []}
    for run in range(args.runs):
        order = ("tillit", "raw") if run % 2 == 0 else ("raw", "tillit")
        for name in order:
            started = time.perf_counter()
            (tillit_ids if name == "tillit" else raw_ids)()
            timings[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        segment_members(segment, now=now).count()
        timings["count"].append(time.perf_counter() - started)

    extra = None
    if args.try_index and target.vendor == "postgresql":
        extra = try_index(conn, raw_sql, params, args.try_index, args.runs, args.random_page_cost)

    result = {
        "extra_index": extra,
        "machine": machine(target), "size": sizes, "rules": segment.rules, "members": len(first),
        "tillit": summary_ms(timings["tillit"]), "raw": summary_ms(timings["raw"]),
        "count": summary_ms(timings["count"]),
        "ratio_p50": round(summary_ms(timings["tillit"])["p50_ms"] / summary_ms(timings["raw"])["p50_ms"], 3),
        "uses_interaction_person_time": uses_index, "plan": plan, "sql": sql,
        "command": " ".join(["python", "bench/segment.py", *sys.argv[1:]]),
    }
    for name in ("tillit", "raw", "count"):
        s = result[name]
        say(f"  {name:<7} p50 {s['p50_ms']:9.1f} ms   p95 {s['p95_ms']:9.1f} ms   ({s['n']} runs)")
    say(f"  members {len(first):,}; tillit / raw (p50) = {result['ratio_p50']}")
    say("  target: ≤ 2 s at 20 M interactions on PostgreSQL")
    say(f"results: {save_result('segment', target, result)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
