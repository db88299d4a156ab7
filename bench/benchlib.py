"""Shared plumbing for the benchmarks: point Tillit at a database, raw driver connections,
bulk writers (sqlite3 ``executemany`` / psycopg ``COPY``), percentiles and machine facts.

``--database`` takes ``sqlite:///path/to/dir/tillit.sqlite3`` (relative) or
``sqlite:////abs/dir/tillit.sqlite3`` — the benchmarks then run Tillit with
``TILLIT_DATA_DIR=dir`` so the production SQLite settings (WAL, synchronous=NORMAL, IMMEDIATE
transactions) apply — or ``postgres://user@host:port/dbname`` (used as ``DATABASE_URL``; the
database is created if it does not exist).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SQLITE_NAME = "tillit.sqlite3"


@dataclass
class Target:
    url: str
    vendor: str  # "sqlite" | "postgresql"
    path: Path | None = None  # SQLite file
    dsn: str = ""  # PostgreSQL conninfo

    @property
    def label(self) -> str:
        return "SQLite" if self.vendor == "sqlite" else "PostgreSQL"


def parse_database(url: str) -> Target:
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):]).resolve()
        if path.name != SQLITE_NAME:
            raise SystemExit(f"Tillit keeps its SQLite database as <data dir>/{SQLITE_NAME}; "
                             f"use sqlite:///<dir>/{SQLITE_NAME} (got {path.name}).")
        return Target(url=url, vendor="sqlite", path=path)
    if url.startswith(("postgres://", "postgresql://")):
        return Target(url=url, vendor="postgresql", dsn="postgresql://" + url.split("://", 1)[1])
    raise SystemExit(f"--database must be sqlite:///…/{SQLITE_NAME} or postgres://…, not {url!r}")


def ensure_pg_database(target: Target) -> None:
    import psycopg

    base, _, name = target.dsn.rpartition("/")
    name = name.split("?")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database: str) -> Target:
    """Configure Tillit's settings for ``database`` (before Django is imported) and set Django up."""
    target = parse_database(database)
    if target.vendor == "sqlite":
        target.path.parent.mkdir(parents=True, exist_ok=True)
        os.environ.pop("DATABASE_URL", None)
        os.environ["TILLIT_DATA_DIR"] = str(target.path.parent)
    else:
        ensure_pg_database(target)
        os.environ["DATABASE_URL"] = target.url
        os.environ.setdefault("TILLIT_DATA_DIR", str(ROOT / "var" / "bench-pg"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tillit.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    return target


def raw_connect(target: Target, *, bulk: bool = False):
    """A raw driver connection. ``bulk`` relaxes durability for the data generator only."""
    if target.vendor == "sqlite":
        conn = sqlite3.connect(target.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'OFF' if bulk else 'NORMAL'}")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB
        conn.execute("PRAGMA temp_store=MEMORY")
        return conn
    import psycopg

    return psycopg.connect(target.dsn)


def db_version(target: Target) -> str:
    if target.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    conn = raw_connect(target)
    try:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    finally:
        conn.close()


# --- bulk writing ---------------------------------------------------------------------------
class BulkWriter:
    """Append rows to one table through the raw driver, in one big transaction per ``write``."""

    def __init__(self, conn, target: Target, table: str, columns: tuple[str, ...]):
        self.conn, self.target, self.table, self.columns = conn, target, table, columns
        cols = ", ".join(f'"{c}"' for c in columns)
        if target.vendor == "sqlite":
            marks = ", ".join("?" * len(columns))
            self.sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
        else:
            self.sql = f'COPY "{table}" ({cols}) FROM STDIN'

    def write(self, rows) -> None:
        if self.target.vendor == "sqlite":
            self.conn.execute("BEGIN")
            self.conn.executemany(self.sql, rows)
            self.conn.execute("COMMIT")
        else:
            with self.conn.cursor() as cur, cur.copy(self.sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
            self.conn.commit()


def model_columns(model, provided: tuple[str, ...], now_text: str) -> tuple[tuple[str, ...], tuple]:
    """The columns of ``model`` not in ``provided`` with the constant value each gets (its default,
    NULL, or "now" for auto timestamps), so a writer can append them to every row."""
    from django.db import models as m

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in provided or field.primary_key and field.attname == "id" and "id" not in provided:
            continue
        if isinstance(field, m.DateTimeField) and (field.auto_now or field.auto_now_add):
            value = now_text
        elif field.has_default():
            value = field.get_default()
            if isinstance(field, m.JSONField):
                value = json.dumps(value)
        elif field.null:
            value = None
        elif isinstance(field, m.CharField | m.TextField):
            value = ""
        else:
            raise SystemExit(f"{model.__name__}.{field.name}: no value and no default — update the generator")
        columns.append(field.column)
        values.append(value)
    return tuple(columns), tuple(values)


def time_text(target: Target, moment: dt.datetime) -> str:
    """A UTC time as the database's text form (Django stores naive UTC text on SQLite)."""
    text = moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return text if target.vendor == "sqlite" else text + "+00"


def indexes_of(conn, target: Target, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the secondary indexes of ``table`` that can be dropped and rebuilt."""
    if target.vendor == "sqlite":
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                            "AND sql IS NOT NULL", [table]).fetchall()
        return [(n, s) for n, s in rows]
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [table]).fetchall()
    conn.commit()
    return [(n, s) for n, s in rows]


def drop_indexes(conn, target: Target, indexes: list[tuple[str, str]]) -> None:
    for name, _ in indexes:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    if target.vendor == "postgresql":
        conn.commit()


def create_indexes(conn, target: Target, indexes: list[tuple[str, str]]) -> None:
    if target.vendor == "postgresql":
        conn.execute("SET maintenance_work_mem = '1GB'")
    for _, sql in indexes:
        conn.execute(sql)
        if target.vendor == "postgresql":
            conn.commit()


# --- measuring -------------------------------------------------------------------------------
def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(samples_s: list[float]) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3), "mean_ms": round(statistics.fmean(ms), 3) if ms else None,
        "max_ms": round(max(ms), 3) if ms else None,
    }


def machine(target: Target) -> dict:
    mem_gb = None
    cpu = platform.processor()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "ram_gb": mem_gb,
        "cpu": cpu, "python": platform.python_version(), "database": db_version(target),
        "git": _git_revision(),
    }


def _git_revision() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip()
    except OSError:
        return ""


def table_counts(target: Target) -> dict:
    conn = raw_connect(target)
    try:
        out = {}
        for table in ("people_person", "people_organization", "people_identity", "interactions_interaction"):
            out[table] = int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        return out
    finally:
        conn.close()


def size_label(persons: int) -> str:
    """Results are filed by size class: 100k, 1M, 2M … (the ingest runs add a few persons)."""
    if persons >= 950_000:
        return f"{round(persons / 1_000_000)}M"
    return f"{max(1, round(persons / 100_000)) * 100}k"


def save_result(name: str, target: Target, result: dict) -> Path:
    """bench/results/<name>-<sqlite|postgresql>-<size>.json, size from the persons in the database."""
    RESULTS_DIR.mkdir(exist_ok=True)
    size = size_label(result.get("size", {}).get("people_person", 0))
    path = RESULTS_DIR / f"{name}-{target.vendor}-{size}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def say(*parts) -> None:
    print(*parts, flush=True)
