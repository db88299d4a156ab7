"""Batch ingest: the service path (``log_interactions``, what the batch API calls) against the raw
database driver inserting the same rows, in the same run, batch by batch (alternating which goes
first), on a database already filled by ``generate.py``.

    python bench/ingest.py --database sqlite:///var/bench/tillit.sqlite3 --batches 20
    python bench/ingest.py --database postgres://postgres@127.0.0.1:5432/tillit_bench --batches 20 --http

- service: a list of 10,000 item dicts (as the API hands them over after JSON parsing) →
  ``log_interactions(actor=admin, items=…)`` → committed rows and a per-item answer. People are
  named the way integrations name them: 50 % by id, 30 % by email, 15 % by phone in a human format,
  5 % by ERP id; 0.5 % are unknown emails (new leads). Every item has a unique (source, external_id).
- raw: the same rows, already resolved to person ids and turned into tuples before the clock
  starts, written by the bare driver: sqlite3 ``executemany`` in WAL with synchronous=NORMAL, one
  transaction per batch; psycopg ``COPY`` with one commit per batch. This is the ceiling.
- http (``--http``): the same batches as JSON POSTed to ``/api/v1/interactions/batch`` on a real
  server (``tillit serve`` = waitress) on localhost with an API token; fewer batches (``--http-batches``).
- ``--profile``: one extra service batch under pyinstrument; the report goes to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
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
    table_counts,
)
from generate import INTERACTION_COLUMNS, PREFIX, TEMPLATES, ensure_staff, human_format

BATCH_PATH = "/api/v1/interactions/batch"


def sample_people(conn, target, n: int, rng: random.Random) -> list[tuple]:
    """(id, email, national phone or "", country, erp id or "") of ``n`` random persons."""
    high = conn.execute("SELECT MAX(id) FROM people_person").fetchone()[0]
    ids = sorted({rng.randint(1, high) for _ in range(n * 2)})[: n * 2]
    mark = "?" if target.vendor == "sqlite" else "%s"
    people = []
    for lo in range(0, len(ids), 1000):
        chunk = ids[lo:lo + 1000]
        marks = ", ".join([mark] * len(chunk))
        people += conn.execute(
            f"SELECT p.id, p.primary_email, p.primary_phone, p.country, "
            f"(SELECT normalized FROM people_identity i WHERE i.person_id = p.id AND i.kind = 'external' LIMIT 1) "
            f"FROM people_person p WHERE p.id IN ({marks})", chunk).fetchall()
    if target.vendor == "postgresql":
        conn.commit()
    rng.shuffle(people)
    return people[:n]


class Batches:
    """Item dicts for the service and the very same rows as tuples for the raw driver."""

    def __init__(self, people: list[tuple], rng: random.Random, run: str, users: list[int], sqlite: bool):
        self.people, self.rng, self.run, self.users = people, rng, run, users
        self.suffix = "" if sqlite else "+00"  # naive UTC text on SQLite (as Django stores it)
        self.with_erp = [p for p in people if p[4]]
        self.with_phone = [p for p in people if p[2]]
        self.seq = 0

    def make(self, size: int, source: str) -> tuple[list[dict], list[tuple]]:
        rng, items, rows = self.rng, [], []
        now = datetime.now(UTC).replace(microsecond=0)
        created = now.strftime("%Y-%m-%d %H:%M:%S") + self.suffix
        for _ in range(size):
            t = rng.choices(TEMPLATES, weights=[t[0] for t in TEMPLATES])[0]
            (_, channel, kind, direction, subjects, topics, price, dur, wait, share, sat, outcomes, texts, src,
             payloads, _ext, role) = t
            self.seq += 1
            occurred = now - timedelta(seconds=rng.randrange(0, 30 * 86400))
            person = rng.choice(self.people)
            item = {
                "channel": channel, "kind": kind, "direction": direction, "occurred_at": occurred.isoformat(),
                "subject": rng.choice(subjects), "topic": rng.choice(topics), "outcome": rng.choice(outcomes),
                "text": rng.choice(texts), "source": source, "external_id": f"{self.run}-{self.seq}",
                "payload": json.loads(rng.choice(payloads)),
            }
            if price:
                item["amount"] = f"{price * (0.5 + rng.random()):.2f}"
                item["currency"] = {"NO": "NOK", "SE": "SEK", "DK": "DKK"}.get(person[3], "NOK")
            if dur:
                item["duration_seconds"] = rng.randrange(*dur)
            if wait:
                item["wait_seconds"] = rng.randrange(*wait)
            if share:
                item["share_watched"] = round(rng.random(), 2)
            if sat:
                item["satisfaction"] = rng.randint(1, 5)
            if role:
                item["handled_by_id"] = rng.choice(self.users)
            roll = rng.random()
            if roll < 0.5:
                item["person_id"] = person[0]
            elif roll < 0.8:
                item["person_email"] = person[1].upper() if rng.random() < 0.1 else person[1]
            elif roll < 0.95 and self.with_phone:
                person = rng.choice(self.with_phone)
                national = person[2][len(PREFIX.get(person[3], "+47")):]
                style = rng.choice((0, 1, 3)) if person[3] != "NO" else rng.randrange(5)
                item["person_phone"] = human_format(person[3], national, style)
            elif roll < 0.995 and self.with_erp:
                person = rng.choice(self.with_erp)
                item["person_external_id"], item["person_source"] = person[4], "erp"
            else:
                item["person_email"] = f"new.lead.{self.run}.{self.seq}@bench.example"
                item["person_first_name"] = "New"
            items.append(item)
            rows.append(self.row(item, person[0], occurred.strftime("%Y-%m-%d %H:%M:%S") + self.suffix, created))
        return items, rows

    @staticmethod
    def row(item: dict, person_id: int, occurred: str, created: str) -> tuple:
        get = item.get
        payload = item["payload"]
        return (
            item["channel"], item["kind"], item["direction"], occurred, person_id, None,
            get("handled_by_id"), None, item["subject"], item["topic"], "", get("amount"), get("currency", ""),
            get("satisfaction"), get("duration_seconds"), get("wait_seconds"), get("share_watched"), item["outcome"],
            item["text"], item["source"], item["external_id"], json.dumps(payload) if payload else "{}", created,
        )


class RawWriter:
    def __init__(self, target):
        self.target = target
        self.conn = raw_connect(target)  # WAL + synchronous=NORMAL on SQLite, like Tillit itself
        cols = ", ".join(f'"{c}"' for c in (*INTERACTION_COLUMNS, "created_at"))
        if target.vendor == "sqlite":
            self.sql = f'INSERT INTO interactions_interaction ({cols}) VALUES ({", ".join("?" * 23)})'
        else:
            self.sql = f"COPY interactions_interaction ({cols}) FROM STDIN"

    def write(self, rows: list[tuple]) -> float:
        started = time.perf_counter()
        if self.target.vendor == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(self.sql, rows)
            self.conn.execute("COMMIT")
        else:
            with self.conn.cursor() as cur, cur.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row(row)
            self.conn.commit()
        return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``tillit serve`` (waitress) in a subprocess, on the bench database."""

    def __init__(self):
        self.port = free_port()
        env = dict(os.environ)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from tillit.cli import main; main()", "serve", "--no-demo", "--port",
             str(self.port), "--threads", "4"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 900  # ``tillit serve`` migrates first, which may take a while on a big log
        while time.time() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.3)
        self.proc.kill()
        raise SystemExit(f"the server did not start: {self.proc.stderr.read()[-2000:].decode(errors='replace')}")

    def post(self, path: str, body: bytes, token: str) -> tuple[int, bytes]:
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request("POST", path, body=body, headers={"Authorization": f"Bearer {token}",
                                                         "Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--batches", type=int, default=20, help="batches per path (default 20)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=20_000, help="random existing persons the items name")
    parser.add_argument("--http", action="store_true", help="also POST batches to a real server")
    parser.add_argument("--http-batches", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one service batch with pyinstrument")
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()

    target = setup_django(args.database)
    from django.db import connection

    from tillit.accounts.models import User
    from tillit.interactions.services import log_interactions

    staff = ensure_staff()
    admin = User.objects.get(username="bench_admin")
    rng = random.Random(args.seed)
    run = f"{int(time.time()):x}"
    raw = RawWriter(target)
    people = sample_people(raw.conn, target, args.people, rng)
    batches = Batches(people, rng, run, staff["all"], sqlite=target.vendor == "sqlite")
    sizes = table_counts(target)
    say(f"{target.label}: {sizes['people_person']:,} persons, {sizes['interactions_interaction']:,} interactions; "
        f"{args.batches} batches of {args.batch_size:,} per path")

    # Warm up both paths (imports, caches, prepared statements) outside the measurement.
    items, rows = batches.make(200, "bench-svc")
    log_interactions(actor=admin, items=items)
    raw.write(batches.make(200, "bench-raw")[1])

    service_s = raw_s = 0.0
    accepted = raw_rows = 0
    per_batch = []
    for b in range(args.batches):
        items, _ = batches.make(args.batch_size, "bench-svc")
        _, rows = batches.make(args.batch_size, "bench-raw")
        order = ("raw", "service") if b % 2 == 0 else ("service", "raw")
        timing = {}
        for path in order:
            if path == "raw":
                timing["raw"] = raw.write(rows)
            else:
                started = time.perf_counter()
                result = log_interactions(actor=admin, items=items)
                timing["service"] = time.perf_counter() - started
                if result.rejected:
                    bad = next(i for i in result.items if i["status"] == "rejected")
                    raise SystemExit(f"{result.rejected} items rejected, e.g. {bad}")
                accepted += result.accepted
        service_s += timing["service"]
        raw_s += timing["raw"]
        raw_rows += len(rows)
        per_batch.append({"service_rows_s": round(len(items) / timing["service"]),
                          "raw_rows_s": round(len(rows) / timing["raw"])})
        say(f"  batch {b + 1:>3}: service {len(items) / timing['service']:>9,.0f} rows/s   "
            f"raw {len(rows) / timing['raw']:>9,.0f} rows/s")
    connection.close()

    service_rate = accepted / service_s
    raw_rate = raw_rows / raw_s
    result = {
        "machine": machine(target), "size": sizes, "batches": args.batches, "batch_size": args.batch_size,
        "service_rows_per_s": round(service_rate), "raw_rows_per_s": round(raw_rate),
        "ratio": round(service_rate / raw_rate, 3), "per_batch": per_batch,
        "command": " ".join(["python", "bench/ingest.py", *sys.argv[1:]]),
    }
    say(f"\nservice path: {service_rate:,.0f} rows/s   raw driver: {raw_rate:,.0f} rows/s   "
        f"ratio {service_rate / raw_rate:.2f} (target ≥ 20,000 rows/s and ≥ 0.5)")

    if args.profile:
        from pyinstrument import Profiler

        items, _ = batches.make(args.batch_size, "bench-svc")
        profiler = Profiler(interval=0.0005)
        profiler.start()
        log_interactions(actor=admin, items=items)
        profiler.stop()
        RESULTS_DIR.mkdir(exist_ok=True)
        out = RESULTS_DIR / f"ingest-profile-{target.vendor}-{size_label(sizes['people_person'])}.txt"
        out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
        say(f"profile: {out}")
        result["profile"] = str(out.relative_to(ROOT))

    if args.http:
        try:
            result["http"] = http_bench(args, batches, admin, target)
        except SystemExit as failure:
            say(f"HTTP part failed: {failure}")
            result["http"] = {"error": str(failure)[-500:]}
    path = save_result("ingest", target, result)
    say(f"results: {path}")


def http_bench(args, batches: Batches, admin, target) -> dict:
    from tillit.accounts.services import api_token_create

    _, token = api_token_create(user=admin, name=f"bench {datetime.now(UTC):%Y-%m-%d %H:%M:%S}")
    server = Server()
    size = args.batch_size
    try:
        while True:
            bodies = [json.dumps({"items": batches.make(size, "bench-http")[0]}).encode()
                      for _ in range(args.http_batches + 1)]
            status, data = server.post(BATCH_PATH, bodies[0], token)  # warm-up
            if status == 200:
                break
            if status in (400, 413) and size > 1000:
                # Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB by default) refuses big bodies.
                say(f"HTTP {status} for a {len(bodies[0]):,}-byte batch of {size:,}; retrying with {size // 2:,}")
                size //= 2
                continue
            raise SystemExit(f"HTTP {status}: {data[:500]!r}")
        total = 0.0
        for body in bodies[1:]:
            started = time.perf_counter()
            status, data = server.post(BATCH_PATH, body, token)
            total += time.perf_counter() - started
            answer = json.loads(data)
            if status != 200 or answer.get("rejected"):
                raise SystemExit(f"HTTP {status}: {data[:500]!r}")
        rate = args.http_batches * size / total
        say(f"HTTP API ({BATCH_PATH}, waitress, JSON): {rate:,.0f} rows/s over {args.http_batches} batches "
            f"of {size:,}")
        return {"rows_per_s": round(rate), "batches": args.http_batches, "batch_size": size, "path": BATCH_PATH,
                "body_bytes": len(bodies[1])}
    finally:
        server.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
