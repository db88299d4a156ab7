"""Customer card: ``tillit.card.selectors.customer_card`` p50/p95 over random persons, the whole
card page (``GET /persons/<id>/``, in-process through Django's middleware and templates), and the
raw "newest 50 interactions of one person" query through the bare driver for comparison.

    python bench/card.py --database sqlite:///var/bench/tillit.sqlite3 --samples 1000
    python bench/card.py --database postgres://postgres@127.0.0.1:5432/tillit_bench --samples 1000

Two samples of persons: *uniform* (any person, like a search result) and *active* (drawn through
random interactions, so people with more history are picked more often — the callers a service
desk actually sees). A warm-up pass over other persons runs first; each sampled person's card is
then built for the first time (their rows may still have to come from disk or the OS cache),
then the page, the raw query, and the card once more (``card_again``: everything cached).
``--profile`` writes a pyinstrument report of 50 pages to bench/results/; ``--queries`` splits a
card's time into database and Python by replaying its statements through the bare driver.

The page also shows the modules' panels (deals, order lines, quotes, tasks, cases, marketing).
``--customer-records`` first gives every 20th person (id divisible by 20) an open deal, an open
task and a case (open for two in three) — once; they are marked ``bench`` — and adds a third sample,
*customers*: persons drawn from those, whose panels have rows to read.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from benchlib import (
    RESULTS_DIR,
    ROOT,
    machine,
    raw_connect,
    save_result,
    say,
    setup_django,
    size_label,
    summary_ms,
    table_counts,
)

NEWEST_50 = ("SELECT * FROM interactions_interaction WHERE person_id = {m} "
             "ORDER BY occurred_at DESC LIMIT 50")


def uniform_people(conn, target, n: int, rng: random.Random) -> list[int]:
    low, high = conn.execute("SELECT MIN(id), MAX(id) FROM people_person").fetchone()
    if target.vendor == "postgresql":
        conn.commit()
    return [rng.randint(low, high) for _ in range(n)]


def active_people(conn, target, n: int, rng: random.Random) -> list[int]:
    low, high = conn.execute("SELECT MIN(id), MAX(id) FROM interactions_interaction").fetchone()
    mark = "?" if target.vendor == "sqlite" else "%s"
    out = []
    while len(out) < n:
        row = conn.execute(f"SELECT person_id FROM interactions_interaction WHERE id >= {mark} "
                           f"ORDER BY id LIMIT 1", [rng.randint(low, high)]).fetchone()
        if row and row[0]:
            out.append(row[0])
    if target.vendor == "postgresql":
        conn.commit()
    return out


RECORDS_EVERY = 20


def add_customer_records(target) -> int:
    """Deals, tasks and cases for every ``RECORDS_EVERY``-th person (once; marked ``bench``)."""
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.db.models import Value
    from django.db.models.functions import Mod
    from django.utils import timezone

    from tillit.accounts.models import User
    from tillit.people.models import Person
    from tillit.sales.models import Deal, Pipeline, Stage, StageOutcome
    from tillit.service.models import Case, CaseStatus
    from tillit.tasks.models import Task

    if Deal.objects.filter(source="bench").exists():
        return Deal.objects.filter(source="bench").count()
    now = timezone.now()
    today = timezone.localdate()
    owner = User.objects.get(username="bench_admin")
    with transaction.atomic():
        pipeline, _ = Pipeline.objects.get_or_create(name="Bench pipeline")
        stage = Stage.objects.filter(pipeline=pipeline, outcome=StageOutcome.OPEN).first() or Stage.objects.create(
            pipeline=pipeline, name="Proposal", outcome=StageOutcome.OPEN)
        people = list(Person.objects.annotate(rest=Mod("id", Value(RECORDS_EVERY))).filter(rest=0)
                      .values_list("id", "owner_id", "team_id"))
        deals, tasks, cases = [], [], []
        for n, (pid, owner_id, team_id) in enumerate(people):
            deals.append(Deal(title=f"Heat pump {pid}", pipeline=pipeline, stage=stage, value=Decimal("45000.00"),
                              person_id=pid, owner_id=owner_id, team_id=team_id, source="bench",
                              expected_close_date=today + dt.timedelta(days=n % 90)))
            tasks.append(Task(title=f"Follow up {pid}", person_id=pid, assignee_id=owner_id or owner.pk,
                              created_by=owner, due_date=today + dt.timedelta(days=n % 30 - 10)))
            cases.append(Case(number=f"B-{pid}", subject=f"Question {pid}", person_id=pid, opened_at=now,
                              status=CaseStatus.OPEN if n % 3 else CaseStatus.CLOSED))
        Deal.objects.bulk_create(deals, batch_size=5000)
        Task.objects.bulk_create(tasks, batch_size=5000)
        Case.objects.bulk_create(cases, batch_size=5000)
    if target.vendor == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            for table in ("sales_deal", "tasks_task", "service_case"):
                cursor.execute(f"ANALYZE {table}")
    return len(deals)


def time_calls(fn, ids: list[int]) -> list[float]:
    samples = []
    for pid in ids:
        started = time.perf_counter()
        fn(pid)
        samples.append(time.perf_counter() - started)
    return samples


def query_breakdown(card, ids: list[int], conn, target) -> dict:
    """Where a card's time goes: every statement the card ran is replayed through the bare driver
    (execute + fetch all rows), so "database" is what the SQL costs and the rest is Python/ORM."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    per_shape: dict[str, list[float]] = {}
    card_s = db_s = 0.0
    statements = 0
    for pid in ids:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            card(pid)
            card_s += time.perf_counter() - started
        for q in ctx.captured_queries:
            started = time.perf_counter()
            conn.execute(q["sql"]).fetchall()
            elapsed = time.perf_counter() - started
            if target.vendor == "postgresql":
                conn.commit()
            db_s += elapsed
            statements += 1
            per_shape.setdefault(re.sub(r"\b\d+\b", "N", q["sql"])[:160], []).append(elapsed)
    n = len(ids)
    rows = sorted(({"sql": k, "count_per_card": round(len(v) / n, 2), "ms_per_card": round(sum(v) * 1000 / n, 3)}
                   for k, v in per_shape.items()), key=lambda r: -r["ms_per_card"])
    out = {"cards": n, "card_ms_mean": round(card_s * 1000 / n, 2), "database_ms_mean": round(db_s * 1000 / n, 2),
           "statements_per_card": round(statements / n, 2), "statements": rows[:12]}
    say(f"  per card (mean of {n} active): {out['card_ms_mean']:.1f} ms, of which the database "
        f"{out['database_ms_mean']:.1f} ms in {out['statements_per_card']:.1f} statements (replayed raw)")
    for r in rows[:10]:
        say(f"    {r['ms_per_card']:>7.2f} ms  ×{r['count_per_card']:<4} {r['sql'][:110]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--queries", action="store_true", help="time every SQL statement of 200 active cards")
    parser.add_argument("--customer-records", action="store_true",
                        help=f"give every {RECORDS_EVERY}th person a deal, a task and a case; sample them too")
    args = parser.parse_args()

    target = setup_django(args.database)
    from django.test import Client

    from tillit.accounts.models import User
    from tillit.card.selectors import customer_card
    from tillit.people.models import Person

    rng = random.Random(args.seed)
    admin = User.objects.get(username="bench_admin")
    conn = raw_connect(target)
    sizes = table_counts(target)
    say(f"{target.label}: {sizes['people_person']:,} persons, {sizes['interactions_interaction']:,} interactions")
    existing = set(Person.objects.values_list("id", flat=True)) if sizes["people_person"] < 50_000 else None

    def valid(ids):
        return [i for i in ids if existing is None or i in existing]

    uniform = valid(uniform_people(conn, target, args.samples + args.warmup, rng))
    active = valid(active_people(conn, target, args.samples, rng))
    warm, uniform = uniform[: args.warmup], uniform[args.warmup:]
    samples = [("uniform", uniform), ("active", active)]
    if args.customer_records:
        say(f"  customer records: {add_customer_records(target):,} persons have a deal, a task and a case")
        samples.append(("customers", valid([p - p % RECORDS_EVERY or RECORDS_EVERY for p in
                                            uniform_people(conn, target, args.samples, rng)])))

    def card(pid):
        return customer_card(actor=admin, person_id=pid)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)

    def page(pid):
        response = client.get(f"/persons/{pid}/")
        if response.status_code != 200:
            raise SystemExit(f"/persons/{pid}/ answered {response.status_code}")

    mark = "?" if target.vendor == "sqlite" else "%s"
    raw_sql = NEWEST_50.format(m=mark)

    def raw(pid):
        conn.execute(raw_sql, [pid]).fetchall()
        if target.vendor == "postgresql":
            conn.commit()

    for fn in (card, page, raw):
        time_calls(fn, warm)
    result = {"machine": machine(target), "size": sizes, "samples": len(uniform),
              "command": " ".join(["python", "bench/card.py", *sys.argv[1:]])}
    for name, ids in samples:
        counts = []
        for pid in ids[:200]:
            counts.append(conn.execute(f"SELECT COUNT(*) FROM interactions_interaction WHERE person_id = {mark}",
                                       [pid]).fetchone()[0])
        if target.vendor == "postgresql":
            conn.commit()
        counts.sort()
        result[name] = {
            "interactions_per_person_median": counts[len(counts) // 2] if counts else 0,
            "interactions_per_person_max": counts[-1] if counts else 0,
            "card": summary_ms(time_calls(card, ids)),
            "page": summary_ms(time_calls(page, ids)),
            "raw_newest_50": summary_ms(time_calls(raw, ids)),
            # The same persons again: their rows are now in the database's cache.
            "card_again": summary_ms(time_calls(card, ids)),
        }
        r = result[name]
        say(f"  {name:>7} persons (median {r['interactions_per_person_median']} interactions, "
            f"max {r['interactions_per_person_max']}):")
        for key in ("card", "page", "raw_newest_50", "card_again"):
            s = r[key]
            say(f"    {key:<14} p50 {s['p50_ms']:>7.2f} ms   p95 {s['p95_ms']:>7.2f} ms   p99 {s['p99_ms']:>7.2f} ms")
    say("  target: card p95 ≤ 25 ms")

    if args.queries:
        result["queries"] = query_breakdown(card, active[:200], conn, target)

    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for pid in active[:50]:
            page(pid)
        profiler.stop()
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"card-profile-{target.vendor}-{size_label(sizes['people_person'])}.txt"
        out.write_text(profiler.output_text(unicode=True, color=False))
        result["profile"] = str(out.relative_to(ROOT))
        say(f"profile: {out}")
    say(f"results: {save_result('card', target, result)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
