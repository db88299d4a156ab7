"""Writing per-customer figures onto ``CustomerValue`` in chunks, set-based (no row-by-row ``save``).

``write_figures`` takes ``{(kind, party_id): {field: value}}`` with kind ``"person"`` or
``"organization"``: missing rows are created (``computed_at`` = now); existing rows are updated on
PostgreSQL by a ``COPY`` into a temporary table and one ``UPDATE … FROM`` (a hash join; up to 2,000 rows
by ``WITH v(...) AS (VALUES …) UPDATE … FROM v``), on SQLite by one prepared ``UPDATE … WHERE id = ?``
run with ``executemany`` (in-process: a statement per row costs no round trip). Given the current
figures, only rows that change are written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from tillit.insight.models import CustomerValue

CHUNK = 2000
PERSON, ORGANIZATION = "person", "organization"
Key = tuple[str, int]


def existing_rows() -> dict[Key, int]:
    """``{(kind, party id): CustomerValue id}`` for every row (one streamed query)."""
    out: dict[Key, int] = {}
    for pk, person_id, organization_id in CustomerValue.objects.values_list("pk", "person_id", "organization_id") \
            .iterator(chunk_size=20000):
        out[(PERSON, person_id) if person_id else (ORGANIZATION, organization_id)] = pk
    return out


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def current_rows(fields: list[str]) -> dict[Key, tuple[int, tuple]]:
    """``{(kind, party id): (row id, (field values…))}`` for every row (one streamed query)."""
    out: dict[Key, tuple[int, tuple]] = {}
    for row in CustomerValue.objects.values_list("pk", "person_id", "organization_id", *fields) \
            .iterator(chunk_size=20000):
        out[(PERSON, row[1]) if row[1] else (ORGANIZATION, row[2])] = (row[0], row[3:])
    return out


def write_figures(values: Mapping[Key, Mapping[str, Any]], fields: list[str], *, now=None,
                  existing: dict[Key, int] | None = None, current: dict[Key, tuple[int, tuple]] | None = None,
                  empty: Mapping[str, Any] | None = None,
                  compare: Callable[[Mapping[str, Any]], tuple] | None = None) -> int:
    """Write ``fields`` of every key in ``values``; returns how many rows were created.

    With ``current`` (from ``current_rows(fields)``) only rows whose figures change are written, and rows
    not in ``values`` get ``empty`` — a nightly rerun then writes the changes, not every row. ``compare``
    turns new figures into the form ``current`` holds them in (e.g. JSON as text).
    """
    now = now or timezone.now()
    if current is not None:
        existing = {key: pk for key, (pk, _old) in current.items()}
        changed: dict[Key, Mapping[str, Any]] = {}
        for key, (_pk, old) in current.items():
            new = values.get(key, empty)
            if new is not None and (compare(new) if compare else tuple(new[f] for f in fields)) != tuple(old):
                changed[key] = new
        changed.update({key: v for key, v in values.items() if key not in current})
        values = changed
    existing = existing_rows() if existing is None else existing
    missing = [key for key in values if key not in existing]
    for chunk in _chunks(missing):
        CustomerValue.objects.bulk_create([
            CustomerValue(**{f"{kind}_id": party_id}, computed_at=now,
                          **{f: values[(kind, party_id)][f] for f in fields})
            for kind, party_id in chunk
        ])
    updates = [(existing[key], values[key]) for key in values if key in existing]
    model_fields = [CustomerValue._meta.get_field(f) for f in fields]
    if connection.vendor == "postgresql" and len(updates) > CHUNK:
        _update_by_copy(updates, model_fields, now)
        return len(missing)
    for chunk in _chunks(updates):
        _update_chunk(chunk, model_fields, now)
    return len(missing)


def _update_by_copy(rows: list[tuple[int, Mapping[str, Any]]], fields: list[models.Field], now) -> None:
    """PostgreSQL, many rows: COPY them into a temporary table and update with one hash join."""
    table = CustomerValue._meta.db_table
    q = connection.ops.quote_name
    columns = ", ".join(f"{q(f.column)} {f.db_type(connection)}" for f in fields)
    sets = ", ".join(f"{q(f.column)} = v.{q(f.column)}" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE insight_figures_in (id integer, {columns})")
        with cursor.cursor.copy(
                f"COPY insight_figures_in (id, {', '.join(q(f.column) for f in fields)}) FROM STDIN") as copy:
            for pk, figures in rows:
                copy.write_row((pk, *(_prep(f, figures[f.name]) for f in fields)))
        cursor.execute(f"UPDATE {q(table)} SET {sets}, {q('computed_at')} = %s FROM insight_figures_in v "
                       f"WHERE {q(table)}.{q('id')} = v.id", [now])
        cursor.execute("DROP TABLE insight_figures_in")


def _prep(field: models.Field, value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def _update_chunk(rows: list[tuple[int, Mapping[str, Any]]], fields: list[models.Field], now) -> None:
    table = CustomerValue._meta.db_table
    q = connection.ops.quote_name
    stamp = connection.ops.adapt_datetimefield_value(now)
    if connection.vendor == "sqlite":
        # SQLite: one prepared statement run per row is faster than a large VALUES join.
        sets = ", ".join(f"{q(f.column)} = %s" for f in fields)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {q(table)} SET {sets}, {q('computed_at')} = %s WHERE {q('id')} = %s",
                               [[*(_prep(f, figures[f.name]) for f in fields), stamp, pk] for pk, figures in rows])
        return
    casts = [f"CAST(%s AS {f.db_type(connection)})" for f in fields]
    row_sql = "(CAST(%s AS integer), " + ", ".join(casts) + ", CAST(%s AS " + \
        CustomerValue._meta.get_field("computed_at").db_type(connection) + "))"
    params: list[Any] = []
    for pk, figures in rows:
        params.append(pk)
        params.extend(_prep(f, figures[f.name]) for f in fields)
        params.append(stamp)
    columns = ["id"] + [f.column for f in fields] + ["computed_at"]
    sets = ", ".join(f"{q(c)} = v.{q(c)}" for c in columns[1:])
    sql = (f"WITH v({', '.join(q(c) for c in columns)}) AS (VALUES {', '.join([row_sql] * len(rows))}) "
           f"UPDATE {q(table)} SET {sets} FROM v WHERE {q(table)}.{q('id')} = v.{q('id')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
