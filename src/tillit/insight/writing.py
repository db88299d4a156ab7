"""Bulk writes of precomputed figures into CustomerValue (one row per person or organisation).

Other insight figures (relationship type, churn, offers, persona) live on the same rows, so every
writer upserts only its own columns: ``INSERT … ON CONFLICT (person_id | organization_id) DO UPDATE``
in chunks, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tillit.insight.models import CustomerValue

CHUNK = 2000


def upsert_values(kind: str, rows: Iterable[dict], fields: Sequence[str]) -> int:
    """Write ``fields`` of each row (``{"party": id, field: value, …}``) for persons or organisations."""
    column = "person_id" if kind == "person" else "organization_id"
    # Foreign keys are given as ids ("fit": 3): build the rows with the column names.
    attnames = [(CustomerValue._meta.get_field(f).attname, f) for f in fields]
    written = 0
    batch: list[CustomerValue] = []
    for row in rows:
        values = {attname: row[f] for attname, f in attnames}
        batch.append(CustomerValue(**{column: row["party"]}, **values))
        if len(batch) >= CHUNK:
            written += _flush(batch, kind, fields)
            batch = []
    if batch:
        written += _flush(batch, kind, fields)
    return written


def _flush(batch: list[CustomerValue], kind: str, fields: Sequence[str]) -> int:
    CustomerValue.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=[kind], update_fields=list(fields), batch_size=CHUNK,
    )
    return len(batch)
