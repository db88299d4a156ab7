"""What each index of the interaction log costs a raw insert: 10,000 rows through the bare driver
with all indexes, without each one in turn, and without any secondary index — every variant in a
transaction that is rolled back (the index drop too), so the database is left as it was.

    python bench/index_cost.py --database sqlite:///var/bench/tillit.sqlite3
    python bench/index_cost.py --database postgres://postgres@127.0.0.1:5432/tillit_bench

Times the inserts only (``executemany`` / ``COPY``), not the commit, so the numbers are
comparable with each other rather than with ``ingest.py``'s committed rows/s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from benchlib import indexes_of, machine, raw_connect, save_result, say, setup_django, table_counts
from generate import INTERACTION_COLUMNS


def rows(n: int, high_person: int, run: str, sqlite: bool) -> list[tuple]:
    rng = random.Random(5)
    suffix = "" if sqlite else "+00"
    return [("web", "page_view", "in", f"2026-11-{rng.randint(1, 22):02d} {rng.randint(7, 22):02d}:00:00{suffix}",
             rng.randint(1, high_person), None, None, None, "Heat pumps", "Heat pumps", "", None, "", None, None,
             None, None, "", "", "bench-index", f"{run}-{i}", '{"url": "/heat-pumps/"}', f"2026-11-23 10:00:00{suffix}")
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    target = setup_django(args.database)
    sqlite = target.vendor == "sqlite"
    conn = raw_connect(target)
    table = "interactions_interaction"
    indexes = indexes_of(conn, target, table)
    high = conn.execute("SELECT MAX(id) FROM people_person").fetchone()[0]
    if not sqlite:
        conn.commit()
    cols = ", ".join(f'"{c}"' for c in (*INTERACTION_COLUMNS, "created_at"))
    insert = (f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * 23)})' if sqlite
              else f'COPY "{table}" ({cols}) FROM STDIN')
    variants = [("all indexes", [])] + [(f"without {name}", [name]) for name, _ in indexes]
    variants.append(("no secondary index", [name for name, _ in indexes]))
    result = {"machine": machine(target), "size": table_counts(target), "rows": args.rows, "variants": {}}

    def attempt(drop: list[str], tag: str) -> float:
        data = rows(args.rows, high, tag, sqlite)
        if sqlite:
            conn.execute("BEGIN IMMEDIATE")
        for name in drop:
            conn.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        if sqlite:
            conn.executemany(insert, data)
        else:
            with conn.cursor() as cur, cur.copy(insert) as copy:
                for row in data:
                    copy.write_row(row)
        elapsed = time.perf_counter() - started
        conn.execute("ROLLBACK") if sqlite else conn.rollback()
        return args.rows / elapsed

    attempt([], "warm-up")
    rates: dict[str, list[float]] = {label: [] for label, _ in variants}
    # Round-robin over the variants, so drift on a shared machine touches all of them alike.
    for n in range(args.repeat):
        for label, drop in variants:
            rates[label].append(attempt(drop, f"{time.time():.0f}-{n}"))
    for label, _ in variants:
        median = statistics.median(rates[label])
        result["variants"][label] = round(median)
        say(f"  {label:<45} {median:>9,.0f} rows/s (median of {args.repeat})")
    say(f"results: {save_result('index-cost', target, result)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
