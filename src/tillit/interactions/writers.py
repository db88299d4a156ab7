"""The fastest correct way each database has to append many interactions.

``insert_interactions(rows)`` stores cleaned rows (dicts from ``cleaning.clean_values`` plus
``person_id`` / ``organization_id``) and returns their ids in order. The ids are allocated up
front, so the caller can answer per item without reading the rows back:

- SQLite: inside the batch's transaction (``BEGIN IMMEDIATE`` — settings.py — so no other writer
  can interleave) the next ids follow the table's high-water mark; one ``executemany``.
- PostgreSQL: ids drawn from the table's sequence in one query, rows streamed with ``COPY``.
- Anything else: ``bulk_create``.

The caller has already removed (source, external_id) pairs that exist. If another writer stores
one of them between that check and this insert, the unique constraint raises ``IntegrityError``
and the caller retries (the statement runs inside a savepoint).
"""

from datetime import UTC
from operator import itemgetter

from django.db import connection
from django.utils import timezone
from pydantic_core import to_json

from tillit.core import events
from tillit.interactions.models import Interaction

# Columns taken as they are, then the ones each database wants converted.
PLAIN = (
    "channel", "kind", "direction", "person_id", "organization_id", "handled_by_id", "partner_id", "subject",
    "topic", "product", "campaign", "currency", "satisfaction", "duration_seconds", "wait_seconds", "share_watched",
    "outcome", "text", "source", "external_id",
)
COLUMNS = ("id", *PLAIN, "occurred_at", "amount", "payload", "created_at")
TABLE = Interaction._meta.db_table
_plain = itemgetter(*PLAIN)


def insert_interactions(rows: list[dict]) -> list[int]:
    if not rows:
        return []
    vendor = connection.vendor
    if vendor == "sqlite":
        ids = _sqlite(rows)
    elif vendor == "postgresql":
        ids = _postgresql(rows)
    else:
        ids = [obj.pk for obj in Interaction.objects.bulk_create([Interaction(**row) for row in rows],
                                                                 batch_size=1000)]
    if events.listening():  # one list per batch: rules evaluate it set-based
        events.emit_many(events.new_event(LOGGED, record=(LABEL, pk), data=logged_data(pk, row))
                         for pk, row in zip(ids, rows, strict=True))
    return ids


LOGGED = "interaction.logged"
LABEL = Interaction._meta.label_lower
EVENT_FIELDS = ("person_id", "organization_id", "channel", "kind", "direction", "topic", "product", "campaign",
                "currency", "satisfaction", "source", "external_id", "handled_by_id", "partner_id")


def logged_data(pk: int, row: dict) -> dict:
    """What ``interaction.logged`` carries: the row's facts, without free text or payload."""
    data = {name: row.get(name) for name in EVENT_FIELDS}
    data["id"] = pk
    data["amount"] = None if row.get("amount") is None else str(row["amount"])
    data["occurred_at"] = row["occurred_at"].isoformat()
    return data


def _sqlite_time(value) -> str:
    """Django's SQLite form: naive UTC, ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (the ``+00:00`` cut off)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ")[:-6]


def _insert_sql() -> str:
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    return f'INSERT INTO "{TABLE}" ({columns}) VALUES ({", ".join(["%s"] * len(COLUMNS))})'  # noqa: S608


def _sqlite(rows: list[dict]) -> list[int]:
    created_at = _sqlite_time(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{TABLE}"')  # noqa: S608 - our own table name
        high = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [TABLE])
        seq = cursor.fetchone()
        first = max(high, seq[0] if seq else 0) + 1
        params = [
            (
                pk, *_plain(r), _sqlite_time(r["occurred_at"]),
                None if r["amount"] is None else str(r["amount"]),
                to_json(r["payload"]).decode() if r["payload"] else "{}", created_at,
            )
            for pk, r in enumerate(rows, first)
        ]
        cursor.executemany(_insert_sql(), params)
    return list(range(first, first + len(rows)))


def _postgresql(rows: list[dict]) -> list[int]:
    created_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [TABLE, len(rows)]
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(f'"{c}"' for c in COLUMNS)
        # ``copy`` is psycopg's own; the wrapper turns its errors into Django's (IntegrityError …).
        with connection.wrap_database_errors, cursor.copy(f'COPY "{TABLE}" ({columns}) FROM STDIN') as copy:
            write = copy.write_row
            for pk, r in zip(ids, rows, strict=True):
                payload = r["payload"]
                write((pk, *_plain(r), r["occurred_at"], r["amount"], to_json(payload).decode() if payload else "{}",
                       created_at))
    return ids
