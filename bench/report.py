"""Markdown tables from bench/results/*.json (what RESULTS.md quotes).

    python bench/report.py
"""

from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
DBS = (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))


def load(name: str, vendor: str, size: str) -> dict | None:
    path = RESULTS / f"{name}-{vendor}-{size}.json"
    return json.loads(path.read_text()) if path.exists() else None


def sizes() -> list[str]:
    found = {p.stem.rsplit("-", 1)[-1] for p in RESULTS.glob("*-*-*.json")}
    return sorted(found, key=lambda s: float(s[:-1]) * (1000 if s.endswith("M") else 1), reverse=True)


def ok(good: bool) -> str:
    return "✅" if good else "❌"


def again(sample: dict) -> str:
    s = sample.get("card_again")
    return f"{s['p50_ms']:.1f} / {s['p95_ms']:.1f} ms" if s else "–"


def rows(name: str):
    for size in sizes():
        for vendor, label in DBS:
            data = load(name, vendor, size)
            if data:
                n = data["size"]
                yield data, f"{label} | {n['people_person']:,} | {n['interactions_interaction']:,}"


def table(title: str, head: list[str]) -> None:
    print(f"\n{title}\n")
    print("| database | persons | interactions | " + " | ".join(head) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in head) + " |")


def main() -> None:
    table("**Batch ingest** (10,000 per batch; target ≥ 20,000 rows/s and ≥ 0.5 × raw)",
          ["service path rows/s", "raw driver rows/s", "service / raw", "HTTP API rows/s"])
    for d, head in rows("ingest"):
        http = f"{d['http']['rows_per_s']:,}" if d.get("http", {}).get("rows_per_s") else "–"
        print(f"| {head} | {d['service_rows_per_s']:,} {ok(d['service_rows_per_s'] >= 20_000)} | "
              f"{d['raw_rows_per_s']:,} | {d['ratio']:.2f} {ok(d['ratio'] >= 0.5)} | {http} |")

    table("**Customer card** (target p95 ≤ 25 ms)",
          ["card p50 / p95, uniform", "card p50 / p95, active", "same, cached", "page p50 / p95, active",
           "raw newest 50, p95", "mean card = database + Python"])
    for d, head in rows("card"):
        u, a, q = d["uniform"], d["active"], d.get("queries")
        q = q if isinstance(q, dict) else None
        split = (f"{q['card_ms_mean']:.1f} = {q['database_ms_mean']:.1f} + "
                 f"{q['card_ms_mean'] - q['database_ms_mean']:.1f} ms") if q else "–"
        print(f"| {head} | {u['card']['p50_ms']:.1f} / {u['card']['p95_ms']:.1f} ms {ok(u['card']['p95_ms'] <= 25)} | "
              f"{a['card']['p50_ms']:.1f} / {a['card']['p95_ms']:.1f} ms {ok(a['card']['p95_ms'] <= 25)} | "
              f"{again(a)} | "
              f"{a['page']['p50_ms']:.1f} / {a['page']['p95_ms']:.1f} ms | {a['raw_newest_50']['p95_ms']:.2f} ms | "
              f"{split} |")

    table("**Screen-pop lookup** (target p95 ≤ 10 ms)", ["lookup p50 / p95 / p99", "wrong answers",
                                                         "raw identity query p95"])
    for d, head in rows("lookup"):
        s = d["lookup"]
        print(f"| {head} | {s['p50_ms']:.2f} / {s['p95_ms']:.2f} / {s['p99_ms']:.2f} ms {ok(s['p95_ms'] <= 10)} | "
              f"{d['misses']} of {s['n']} | {d['raw_identity_query']['p95_ms']:.2f} ms |")

    table("**Index cost** (10,000 raw inserts, rolled back, not committed)", ["variant", "rows/s"])
    for d, head in rows("index-cost"):
        for variant, rate in d["variants"].items():
            print(f"| {head} | {variant} | {rate:,} |")


if __name__ == "__main__":
    main()
