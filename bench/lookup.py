"""Screen-pop lookup: ``tillit.card.selectors.lookup`` p50/p95 for phones typed in mixed formats
(``+47 912 34 567``, ``91234567``, ``0047-91234567``, ``+4791234567`` …) and emails in any case,
checking every answer names the right person.

    python bench/lookup.py --database sqlite:///var/bench/tillit.sqlite3 --samples 2000
    python bench/lookup.py --database postgres://postgres@127.0.0.1:5432/tillit_bench --samples 2000

Numbers outside Norway are typed with their country code (a bare national number is read in the
default region, NO, as a caller-id system would do). Also times the raw identity query through
the bare driver for comparison.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from benchlib import machine, raw_connect, save_result, say, setup_django, summary_ms, table_counts
from generate import PREFIX, human_format


def sample_identities(conn, target, n: int, rng: random.Random) -> list[tuple]:
    """(person_id, kind, normalized, country) of ``n`` random phone and email identities."""
    low, high = conn.execute("SELECT MIN(id), MAX(id) FROM people_identity").fetchone()
    mark = "?" if target.vendor == "sqlite" else "%s"
    out = []
    while len(out) < n:
        row = conn.execute(
            f"SELECT i.person_id, i.kind, i.normalized, p.country FROM people_identity i "
            f"JOIN people_person p ON p.id = i.person_id WHERE i.id >= {mark} AND i.kind IN ('phone', 'email') "
            f"ORDER BY i.id LIMIT 1", [rng.randint(low, high)]).fetchone()
        if row:
            out.append(row)
    if target.vendor == "postgresql":
        conn.commit()
    return out


def typed(rng: random.Random, kind: str, normalized: str, country: str) -> tuple[str, str]:
    """How a person at the desk (or a caller-id system) would type this identity, and the style's name."""
    if kind == "email":
        style = rng.choice(("lower", "upper", "title"))
        return {"lower": normalized, "upper": normalized.upper(), "title": normalized.title()}[style], f"email {style}"
    national = normalized[len(PREFIX.get(country, "+47")):]
    styles = (0, 1, 2, 3, 4) if country == "NO" else (0, 1, 3)
    style = rng.choice(styles)
    names = {0: "+E.164", 1: "+CC spaced", 2: "national", 3: "00CC-", 4: "spaced pairs"}
    return human_format(country, national, style), f"phone {names[style]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    target = setup_django(args.database)
    from tillit.accounts.models import User
    from tillit.card.selectors import lookup

    rng = random.Random(args.seed)
    admin = User.objects.get(username="bench_admin")
    conn = raw_connect(target)
    sizes = table_counts(target)
    say(f"{target.label}: {sizes['people_person']:,} persons, {sizes['people_identity']:,} identities")
    picks = sample_identities(conn, target, args.samples + args.warmup, rng)
    queries = [(pid, *typed(rng, kind, normalized, country)) for pid, kind, normalized, country in picks]
    warm, queries = queries[: args.warmup], queries[args.warmup:]
    for _, q, _ in warm:
        lookup(actor=admin, q=q)

    samples, by_style, misses = [], {}, []
    for pid, q, style in queries:
        started = time.perf_counter()
        found = lookup(actor=admin, q=q)
        elapsed = time.perf_counter() - started
        samples.append(elapsed)
        by_style.setdefault(style, []).append(elapsed)
        if pid not in {p.pk for p in found}:
            misses.append(q)

    mark = "?" if target.vendor == "sqlite" else "%s"
    raw_sql = (f"SELECT p.* FROM people_person p JOIN people_identity i ON i.person_id = p.id "
               f"WHERE i.kind = {mark} AND i.normalized = {mark} LIMIT 50")
    raw_samples = []
    for _pid, kind, normalized, _country in picks[args.warmup:]:
        started = time.perf_counter()
        conn.execute(raw_sql, [kind, normalized]).fetchall()
        if target.vendor == "postgresql":
            conn.commit()
        raw_samples.append(time.perf_counter() - started)

    result = {
        "machine": machine(target), "size": sizes, "lookup": summary_ms(samples),
        "by_style": {k: summary_ms(v) for k, v in sorted(by_style.items())},
        "raw_identity_query": summary_ms(raw_samples), "misses": len(misses), "miss_examples": misses[:10],
        "command": " ".join(["python", "bench/lookup.py", *sys.argv[1:]]),
    }
    s = result["lookup"]
    say(f"  lookup        p50 {s['p50_ms']:.2f} ms   p95 {s['p95_ms']:.2f} ms   p99 {s['p99_ms']:.2f} ms "
        f"({len(samples)} lookups, {len(misses)} wrong)")
    for style, stats in result["by_style"].items():
        say(f"    {style:<20} n {stats['n']:>5}   p50 {stats['p50_ms']:.2f} ms   p95 {stats['p95_ms']:.2f} ms")
    r = result["raw_identity_query"]
    say(f"  raw identity query p50 {r['p50_ms']:.2f} ms   p95 {r['p95_ms']:.2f} ms")
    say("  target: lookup p95 ≤ 10 ms")
    say(f"results: {save_result('lookup', target, result)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
