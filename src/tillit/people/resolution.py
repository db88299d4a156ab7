"""Resolving many person references at once: the people side of batch ingestion.

An incoming interaction may name its person by id, email, phone (any format) or an external id in
a source system. ``persons_resolve`` turns up to thousands of such references into person ids with
a handful of set-based queries (never one per reference), and creates the people it does not know
as leads, in bulk, with their identities (the first email/phone primary, mirrored on the person).

Rules:

- The first reference that matches decides, in this order: id, external id, email, phone. A match
  the actor may not see is an error for that reference (never a silent new duplicate).
- If several people share an email/phone, a visible one is preferred, the oldest first.
- References that match nobody become new leads. References to the same unknown email, phone or
  external id (also across items, transitively) become one new lead.
- New leads get an owner and team as ``person_create`` would give them (a sales rep owns what they
  create; someone who sees their team's records gives it to their team).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Visibility
from tillit.core.access import can_see
from tillit.core.errors import ValidationError
from tillit.people.models import Identity, IdentityKind, LifecycleStage, Person
from tillit.people.services import _default_owner_team, clean_email, clean_phone

CHUNK = 2000  # parameters per IN (...) query; well below SQLite's and PostgreSQL's limits


class MissingRecord(dict):
    """An item error meaning "no such record (that you may see)": the single-item API answers 404."""


@dataclass(slots=True)
class PersonRef:
    """What an item says about its person (raw, as received)."""

    person_id: int | None = None
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
    source: str | None = None
    first_name: str = ""
    last_name: str = ""


@dataclass
class Resolution:
    person_ids: list[int | None]
    errors: dict[int, list[dict]] = field(default_factory=dict)
    created: int = 0


class Owned:
    __slots__ = ("owner_id", "team_id")

    def __init__(self, owner_id, team_id):
        self.owner_id = owner_id
        self.team_id = team_id


def rows_in(sql: str, values: Iterable, params: Sequence = ()) -> list[tuple]:
    """Run ``sql`` (with one ``IN ({marks})`` for the list) over ``values``; all rows.

    Raw SQL on purpose: the ORM prepares each of thousands of ``__in`` values one by one, which
    costs more than the query itself on the batch path. On PostgreSQL the list is one array
    parameter (``= ANY(%s)``): a query text with thousands of placeholders is slow to bind.
    """
    ordered = sorted(set(values))
    out: list[tuple] = []
    if not ordered:
        return out
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.replace(" IN ({marks})", " = ANY(%s)"), [*params, ordered])
            return cursor.fetchall()
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            cursor.execute(sql.format(marks=", ".join(["%s"] * len(chunk))), [*params, *chunk])
            out.extend(cursor.fetchall())
    return out


PERSON_TABLE = Person._meta.db_table
IDENTITY_TABLE = Identity._meta.db_table


def visibility_check(actor):
    """A fast ``visible(record_id, owner_id, team_id) -> bool`` for many rows (``can_see`` per owner/team pair)."""
    if actor.is_authenticated and actor.is_staff_role and actor.effective_visibility == Visibility.ALL:
        return lambda _pk, _owner_id, _team_id: True
    seen: dict[tuple, bool] = {}

    def visible(_pk, owner_id, team_id) -> bool:
        key = (owner_id, team_id)
        answer = seen.get(key)
        if answer is None:
            answer = seen[key] = can_see(actor, Owned(owner_id, team_id))
        return answer

    return visible


def _identity_matches(kind: str, keys: set[str]) -> dict[tuple[str, str], list[tuple[int, int | None, int | None]]]:
    """``{(system, normalized): [(person_id, owner_id, team_id), …]}`` oldest person first."""
    found: dict[tuple[str, str], list] = {}
    sql = (
        f'SELECT i."system", i."normalized", p."id", p."owner_id", p."team_id" FROM "{IDENTITY_TABLE}" i '
        f'JOIN "{PERSON_TABLE}" p ON p."id" = i."person_id" WHERE i."kind" = %s AND i."normalized" IN ({{marks}})'
    )
    for system, normalized, person_id, owner_id, team_id in rows_in(sql, keys, [kind]):
        found.setdefault((system, normalized), []).append((person_id, owner_id, team_id))
    for candidates in found.values():
        candidates.sort()
    return found


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, key):
        parent = self.parent
        root = parent.setdefault(key, key)
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


# Integrations name the same people again and again (callers, newsletter readers): parsing a phone
# number costs ~20 µs, so the answers are kept for the process (a few MB at most).
@lru_cache(maxsize=100_000)
def _email_key(raw: str) -> str | None:
    try:
        return clean_email(raw, field="person_email")
    except ValidationError:
        return None


_PHONE_PUNCTUATION = str.maketrans("", "", " -./()\u00a0")


def _phone_key(raw: str, region: str) -> str | None:
    # "+47 912 34 567", "+47-912-34567" and "+4791234567" parse alike (phonenumbers reads the digits and a
    # leading "+"), so they share one cache entry; anything else (letters, extensions) is parsed as given.
    bare = raw.translate(_PHONE_PUNCTUATION)
    if bare.isdigit() or (bare[:1] == "+" and bare[1:].isdigit()):
        raw = bare
    return _parse_phone(raw, region)


@lru_cache(maxsize=100_000)
def _parse_phone(raw: str, region: str) -> str | None:
    try:
        return clean_phone(raw, field="person_phone")
    except ValidationError:
        return None


def _normalise(refs: Sequence[PersonRef | int | None], errors: dict[int, list[dict]]):
    """Clean every reference once per distinct raw value; errors name the item's field."""
    region = settings.TILLIT_PHONE_REGION
    normalised: list[tuple | None] = []
    for index, ref in enumerate(refs):
        if ref is None:
            normalised.append(None)
            continue
        if isinstance(ref, int):
            normalised.append((ref, None, None, None))
            continue
        problems = []
        email = phone = external = None
        if ref.email:
            email = _email_key(ref.email)
            if email is None:
                problems.append({"field": "person_email", "reason": _("Not a valid email address.")})
        if ref.phone:
            phone = _phone_key(ref.phone, region)
            if phone is None:
                problems.append(
                    {"field": "person_phone", "reason": _("Not a phone number we can read; include the country code.")}
                )
        if ref.external_id:
            system = (ref.source or "").strip()
            value = ref.external_id.strip()
            if not system:
                problems.append({"field": "person_source", "reason": _("Name the system the external id is from.")})
            elif len(value) > 254 or len(system) > 60:
                problems.append({"field": "person_external_id", "reason": _("Too long.")})
            else:
                external = (system, value)
        if problems:
            errors[index] = problems
            normalised.append(None)
        else:
            normalised.append((ref.person_id, external, email, phone))
    return normalised


def _pick(candidates, visible) -> tuple[int | None, bool]:
    """The person a reference points at: ``(id, True)``, ``(None, False)`` if none is visible."""
    for person_id, owner_id, team_id in candidates:
        if visible(person_id, owner_id, team_id):
            return person_id, True
    return None, False


@transaction.atomic
def persons_resolve(*, actor, refs: Sequence[PersonRef | int | None], create_missing: bool = True) -> Resolution:
    """Resolve ``refs`` to person ids; see the module docstring.

    A reference is a ``PersonRef``, a plain person id (``int``), or ``None`` (no person for that item).

    Returns the ids in the same order (``None`` where there was no reference or an error) and the
    errors per index as ``[{"field", "reason"}]``. The caller checked that ``actor`` is an employee.
    """
    errors: dict[int, list[dict]] = {}
    normalised = _normalise(refs, errors)

    ids: set[int] = set()
    externals: set[str] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    for ref in normalised:
        if ref is None:
            continue
        person_id, external, email, phone = ref
        if person_id is not None:
            ids.add(person_id)
        if external is not None:
            externals.add(external[1])
        if email is not None:
            emails.add(email)
        if phone is not None:
            phones.add(phone)

    sql = f'SELECT "id", "owner_id", "team_id" FROM "{PERSON_TABLE}" WHERE "id" IN ({{marks}})'
    by_id = {row[0]: row for row in rows_in(sql, ids)} if ids else {}
    by_external = _identity_matches(IdentityKind.EXTERNAL, externals) if externals else {}
    by_email = _identity_matches(IdentityKind.EMAIL, emails) if emails else {}
    by_phone = _identity_matches(IdentityKind.PHONE, phones) if phones else {}

    visible = visibility_check(actor)

    invisible = _("This person is in records you may not see.")
    person_ids: list[int | None] = [None] * len(refs)
    missing: list[tuple[int, tuple]] = []
    for index, ref in enumerate(normalised):
        if ref is None:
            continue
        person_id, external, email, phone = ref
        if person_id is not None:
            row = by_id.get(person_id)
            if row is None or not visible(*row):
                errors[index] = [MissingRecord(field="person_id", reason=_("No such person."))]
            else:
                person_ids[index] = person_id
            continue
        for field_name, candidates in (
            ("person_external_id", by_external.get(external) if external else None),
            ("person_email", by_email.get(("", email)) if email else None),
            ("person_phone", by_phone.get(("", phone)) if phone else None),
        ):
            if candidates:
                chosen, ok = _pick(candidates, visible)
                if ok:
                    person_ids[index] = chosen
                else:
                    errors[index] = [MissingRecord(field=field_name, reason=invisible)]
                break
        else:
            missing.append((index, ref))

    created = 0
    if missing and create_missing:
        created = _create_leads(actor, refs, missing, person_ids)
    return Resolution(person_ids=person_ids, errors=errors, created=created)


def _create_leads(actor, refs: Sequence[PersonRef | int | None], missing: list[tuple[int, tuple]],
                  person_ids: list[int | None]) -> int:
    """Create one lead per group of connected unknown references; fill in ``person_ids``."""
    groups = _UnionFind()
    for _index, (_pid, external, email, phone) in missing:
        keys = [("x", *external)] if external else []
        keys += [("e", email)] if email else []
        keys += [("p", phone)] if phone else []
        for key in keys[1:]:
            groups.union(keys[0], key)
        groups.find(keys[0])

    owner, team = _default_owner_team(actor, None, None)
    now = timezone.now()
    leads: dict = {}  # root key -> {"person": Person, "identities": [(kind, system, raw, normalized)]}
    for index, (_pid, external, email, phone) in missing:
        ref = refs[index]
        root = groups.find(("x", *external) if external else ("e", email) if email else ("p", phone))
        lead = leads.get(root)
        if lead is None:
            person = Person(
                lifecycle_stage=LifecycleStage.LEAD, owner=owner, team=team, created_at=now, updated_at=now,
                first_name=(ref.first_name or "")[:100], last_name=(ref.last_name or "")[:100],
            )
            lead = leads[root] = {"person": person, "identities": {}, "items": []}
        person = lead["person"]
        if not person.first_name and ref.first_name:
            person.first_name = ref.first_name[:100]
        if not person.last_name and ref.last_name:
            person.last_name = ref.last_name[:100]
        identities = lead["identities"]
        if external:
            identities.setdefault((IdentityKind.EXTERNAL, external[0], external[1]), ref.external_id.strip())
        if email:
            identities.setdefault((IdentityKind.EMAIL, "", email), ref.email.strip())
            if not person.primary_email:
                person.primary_email = email
        if phone:
            identities.setdefault((IdentityKind.PHONE, "", phone), ref.phone.strip())
            if not person.primary_phone:
                person.primary_phone = phone
        lead["items"].append(index)

    people = [lead["person"] for lead in leads.values()]
    Person.objects.bulk_create(people, batch_size=1000)
    rows = []
    for lead in leads.values():
        person = lead["person"]
        for index in lead["items"]:
            person_ids[index] = person.pk
        for (kind, system, normalized), raw in lead["identities"].items():
            is_primary = (kind == IdentityKind.EMAIL and normalized == person.primary_email) or (
                kind == IdentityKind.PHONE and normalized == person.primary_phone
            )
            rows.append(
                Identity(
                    person_id=person.pk, kind=kind, system=system, value=raw[:254], normalized=normalized,
                    is_primary=is_primary, created_at=now, updated_at=now,
                )
            )
    Identity.objects.bulk_create(rows, batch_size=1000)
    return len(people)
