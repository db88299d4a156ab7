"""Writes to the interaction log. Every way in (UI, API, imports, other apps) comes through here.

``log_interaction`` stores one interaction (the UI's "log a call" and other apps' events);
``log_interactions`` is the batch path for integrations (up to ``settings.TILLIT_BATCH_LIMIT``
items), built for throughput: items are checked in plain Python, people are resolved in a few
set-based queries, and the rows are written with the fastest correct statement the database has.
"""

import gc
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core import events
from tillit.core.access import ensure_can_read, ensure_staff
from tillit.core.errors import ValidationError
from tillit.interactions.cleaning import ITEM_KEYS, clean_id, clean_values
from tillit.interactions.models import Interaction
from tillit.interactions.writers import LOGGED, insert_interactions, logged_data
from tillit.people.models import Organization
from tillit.people.resolution import MissingRecord, PersonRef, persons_resolve, rows_in, visibility_check

# Interaction fields ``log_interaction`` accepts as keyword arguments besides the named ones.
EXTRA_FIELDS = frozenset(
    {
        "subject", "topic", "product", "campaign", "amount", "currency", "satisfaction", "duration_seconds",
        "wait_seconds", "share_watched", "outcome", "text", "source", "external_id", "payload", "partner",
    }
)


def log_interaction(
    *,
    actor,
    channel: str,
    kind: str,
    person=None,
    organization=None,
    occurred_at=None,
    direction: str = "",
    handled_by=None,
    **fields,
) -> Interaction:
    """Store one interaction and return it.

    ``actor`` is the user doing it (``None`` for the system itself, e.g. tracking); the actor must
    be able to see the person and the organisation. ``handled_by`` is the employee who handled it
    (the UI passes the actor). Idempotent on (``source``, ``external_id``): a replay returns the
    stored row. The returned instance carries ``was_created`` (False for a replay).
    Raises ``ValidationError`` naming the field, ``NotFound`` for records the actor may not see.
    """
    unknown = sorted(set(fields) - EXTRA_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    partner = fields.pop("partner", None)
    values = dict(fields, channel=channel, kind=kind, direction=direction, occurred_at=occurred_at)
    values["handled_by_id"] = handled_by.pk if handled_by is not None else None
    values["partner_id"] = partner.pk if partner is not None else None
    cleaned, errors = clean_values(values, timezone.now())
    if person is None and organization is None:
        errors.append({"field": "person", "reason": _("Name a person or an organisation.")})
    if errors:
        raise ValidationError(errors[0]["reason"], field=errors[0]["field"], errors=errors)
    if actor is not None:
        ensure_staff(actor)
        if person is not None:
            ensure_can_read(actor, person)
        if organization is not None:
            ensure_can_read(actor, organization)

    if cleaned["external_id"] is not None:
        existing = _existing(cleaned["source"], cleaned["external_id"])
        if existing is not None:
            return existing
    interaction = Interaction(person=person, organization=organization, **cleaned)
    try:
        with transaction.atomic():
            interaction.save(force_insert=True)
    except IntegrityError:
        # Another request stored the same (source, external_id) a moment ago.
        existing = _existing(cleaned["source"], cleaned["external_id"]) if cleaned["external_id"] else None
        if existing is None:
            raise
        return existing
    interaction.was_created = True
    if events.listening():
        values = {f.attname: getattr(interaction, f.attname) for f in Interaction._meta.concrete_fields}
        events.emit(LOGGED, record=interaction, data=logged_data(interaction.pk, values))
    return interaction


def _existing(source: str, external_id: str) -> Interaction | None:
    existing = Interaction.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        existing.was_created = False
    return existing


# --- the batch path ---------------------------------------------------------------------------
INTERACTION_TABLE = Interaction._meta.db_table
ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"


@dataclass
class BatchResult:
    """The answer to a batch: one entry per item, in order, plus counts.

    Each entry is ``{"index", "status": accepted|duplicate|rejected, "id"?, "errors"?: [{field, reason}]}``;
    ``id`` is the stored interaction (for a duplicate: the one stored earlier).
    """

    items: list[dict]
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    people_created: int = 0

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted, "duplicate": self.duplicate, "rejected": self.rejected,
            "people_created": self.people_created, "items": self.items,
        }


def log_interactions(*, actor, items: list[dict]) -> BatchResult:
    """Store a batch of interactions (at most ``settings.TILLIT_BATCH_LIMIT``) for integrations.

    Every item is a dict of interaction values (see ``tillit.interactions.cleaning``) plus its
    party: ``person_id``, ``person_email``, ``person_phone`` or ``person_external_id`` (with
    ``person_source``, default: the item's ``source``), optionally ``person_first_name`` /
    ``person_last_name`` for new leads, and/or ``organization_id``. Unknown people become leads.

    Valid items are stored even when others are rejected; the valid part is written in one
    transaction (all or nothing). Idempotent on (source, external_id): items already stored,
    and later items repeating an earlier item's pair, are answered ``duplicate``.
    """
    ensure_staff(actor)
    with _gc_paused():
        return _log_interactions(actor, items)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a batch builds its ~100,000 short-lived objects.

    They hold no reference cycles, yet each generation-0 threshold crossed triggers a collection
    (about a tenth of the batch's Python time). Reference counting still frees everything; the
    collector is switched back on afterwards if it was on (never left off, whatever threads do).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _log_interactions(actor, items) -> BatchResult:
    limit = settings.TILLIT_BATCH_LIMIT
    if not isinstance(items, list):
        raise ValidationError(_("Send a list of interactions."), field="items")
    if len(items) > limit:
        raise ValidationError(
            _("At most %(limit)d interactions per batch (this one has %(n)d); split it.")
            % {"limit": limit, "n": len(items)},
            field="items",
        )
    now = timezone.now()
    answers: list[dict] = [{"index": index} for index in range(len(items))]
    rows: list[dict | None] = [None] * len(items)
    refs: list[PersonRef | int | None] = [None] * len(items)
    for index, item in enumerate(items):
        row, ref, errors = _clean_item(item, now)
        if errors:
            answers[index].update(status=REJECTED, errors=errors)
            continue
        rows[index] = row
        refs[index] = ref

    result = BatchResult(items=answers)
    # Optimistic first: most batches are new, so the unique constraint is the duplicate check and
    # no look-up is spent on it. If it fires (a replay, or a concurrent writer with the same pairs),
    # everything rolls back and the batch is written again after looking up what is stored.
    for attempt in range(4):
        try:
            with transaction.atomic():
                _store(actor, rows, refs, answers, result, look_up_stored=attempt > 0)
            break
        except IntegrityError:
            if attempt == 3:
                raise
    for answer in answers:
        status = answer["status"]
        if status == ACCEPTED:
            result.accepted += 1
        elif status == DUPLICATE:
            result.duplicate += 1
        else:
            result.rejected += 1
    return result


def _clean_item(item, now) -> tuple[dict | None, PersonRef | int | None, list[dict]]:
    """One pass over an item: ``(row, person reference, errors)``; the reference is an id or a ``PersonRef``."""
    if not isinstance(item, dict):
        return None, None, [{"field": "", "reason": _("Each item must be an object.")}]
    row, errors = clean_values(item, now)
    if not ITEM_KEYS.issuperset(item):
        errors.extend({"field": key, "reason": _("Unknown field.")} for key in item if key not in ITEM_KEYS)
    get = item.get
    organization_id = get("organization_id")
    if organization_id is not None:
        organization_id = clean_id(organization_id, "organization_id", errors)
    person_id = get("person_id")
    if person_id is not None:
        person_id = clean_id(person_id, "person_id", errors)
    email, phone, external = get("person_email"), get("person_phone"), get("person_external_id")
    ref = person_id
    if email or phone or external:
        if isinstance(external, int) and not isinstance(external, bool):
            external = str(external)
        for key, value in (("person_email", email), ("person_phone", phone), ("person_external_id", external),
                           ("person_source", get("person_source")), ("person_first_name", get("person_first_name")),
                           ("person_last_name", get("person_last_name"))):
            if value is not None and not isinstance(value, str):
                errors.append({"field": key, "reason": _("Must be text.")})
        if person_id is None:
            ref = PersonRef(
                email=email or None, phone=phone or None, external_id=external or None,
                source=get("person_source") or row["source"],
                first_name=get("person_first_name") or "", last_name=get("person_last_name") or "",
            )
    elif person_id is None and organization_id is None:
        errors.append({
            "field": "person",
            "reason": _("Name a person (person_id, person_email, person_phone or person_external_id) "
                        "or an organisation (organization_id)."),
        })
    if errors:
        return None, None, errors
    row["organization_id"] = organization_id
    row["person_id"] = person_id
    return row, ref, errors


def _store(actor, rows: list[dict | None], refs: list, answers: list[dict], result: BatchResult, *,
           look_up_stored: bool) -> None:
    """Inside the batch's transaction: drop duplicates, resolve parties, insert, answer.

    Runs again from the start if a concurrent writer got in between (see ``log_interactions``), so
    it first forgets anything a rolled-back attempt wrote into the answers.
    """
    for index, row in enumerate(rows):
        if row is not None and len(answers[index]) > 1:
            answers[index].clear()
            answers[index]["index"] = index
    # Duplicates inside the batch (first one wins) and against what is stored.
    first_of: dict[tuple[str, str], int] = {}
    later: dict[int, int] = {}  # index -> index of the first item with the same pair
    for index, row in enumerate(rows):
        if row is not None and row["external_id"] is not None:
            key = (row["source"], row["external_id"])
            earlier = first_of.setdefault(key, index)
            if earlier != index:
                later[index] = earlier
    stored = existing_external_ids(first_of.keys()) if first_of and look_up_stored else {}
    pending = []  # indexes still to be written
    for index, row in enumerate(rows):
        if row is None:
            continue
        if index in later:
            continue
        if row["external_id"] is not None:
            existing = stored.get((row["source"], row["external_id"]))
            if existing is not None:
                answers[index].update(status=DUPLICATE, id=existing)
                continue
        pending.append(index)

    resolution = persons_resolve(actor=actor, refs=[refs[i] for i in pending])
    result.people_created = resolution.created
    errors_by_index = {pending[pos]: errs for pos, errs in resolution.errors.items()}
    _check_records(actor, [rows[i] for i in pending], pending, errors_by_index)
    to_write: list[int] = []
    for pos, index in enumerate(pending):
        errs = errors_by_index.get(index)
        if errs:
            answers[index].update(status=REJECTED, errors=errs)
            continue
        if refs[index] is not None:
            rows[index]["person_id"] = resolution.person_ids[pos]
        to_write.append(index)

    ids = insert_interactions([rows[i] for i in to_write])
    for index, pk in zip(to_write, ids, strict=True):
        answers[index].update(status=ACCEPTED, id=pk)
    for index, earlier in later.items():
        first = answers[earlier]
        if "id" in first:
            answers[index].update(status=DUPLICATE, id=first["id"])
        else:
            answers[index].update(status=REJECTED, errors=first.get("errors", []))


def existing_external_ids(pairs) -> dict[tuple[str, str], int]:
    """``{(source, external_id): id}`` for the pairs already stored: one probe of the unique index each."""
    by_source: dict[str, list[str]] = {}
    for source, external_id in pairs:
        by_source.setdefault(source, []).append(external_id)
    found: dict[tuple[str, str], int] = {}
    if connection.vendor == "postgresql":
        # A correlated look-up per key: always the unique index, whatever the planner's statistics say
        # (an IN list over a freshly loaded table can be planned as a scan of every row of the source).
        sql = (
            f'SELECT k.v, (SELECT t."id" FROM "{INTERACTION_TABLE}" t WHERE t."source" = %s AND t."external_id" = k.v '
            f'AND t."external_id" IS NOT NULL) FROM unnest(%s::text[]) AS k(v)'
        )
        with connection.cursor() as cursor:
            for source, external_ids in by_source.items():
                cursor.execute(sql, [source, external_ids])
                found.update(((source, external_id), pk) for external_id, pk in cursor.fetchall() if pk is not None)
        return found
    sql = (
        f'SELECT "external_id", "id" FROM "{INTERACTION_TABLE}" '
        f'WHERE "source" = %s AND "external_id" IS NOT NULL AND "external_id" IN ({{marks}})'
    )
    for source, external_ids in by_source.items():
        for external_id, pk in rows_in(sql, external_ids, [source]):
            found[(source, external_id)] = pk
    return found


def _check_records(actor, rows: list[dict], indexes: list[int], errors: dict[int, list[dict]]) -> None:
    """Organisations must be visible to the actor; partners and handlers must exist (set-based)."""
    org_ids = {row["organization_id"] for row in rows if row["organization_id"]}
    partner_ids = {row["partner_id"] for row in rows if row["partner_id"]}
    user_ids = {row["handled_by_id"] for row in rows if row["handled_by_id"]}
    org_table, user_table = Organization._meta.db_table, User._meta.db_table
    visible_orgs = set()
    if org_ids:
        sql = f'SELECT "id", "owner_id", "team_id" FROM "{org_table}" WHERE "id" IN ({{marks}})'
        visible = visibility_check(actor)
        visible_orgs = {pk for pk, owner_id, team_id in rows_in(sql, org_ids) if visible(pk, owner_id, team_id)}
    partners = {r[0] for r in rows_in(f'SELECT "id" FROM "{org_table}" WHERE "id" IN ({{marks}})', partner_ids)}
    users = {r[0] for r in rows_in(f'SELECT "id" FROM "{user_table}" WHERE "id" IN ({{marks}})', user_ids)}
    for index, row in zip(indexes, rows, strict=True):
        problems = []
        if row["organization_id"] and row["organization_id"] not in visible_orgs:
            problems.append(MissingRecord(field="organization_id", reason=_("No such organisation.")))
        if row["partner_id"] and row["partner_id"] not in partners:
            problems.append({"field": "partner_id", "reason": _("No such partner organisation.")})
        if row["handled_by_id"] and row["handled_by_id"] not in users:
            problems.append({"field": "handled_by_id", "reason": _("No such user.")})
        if problems:
            errors.setdefault(index, []).extend(problems)

