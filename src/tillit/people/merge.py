"""Merging two persons who are really one: everything moves to the survivor, nothing is lost.

``person_merge`` runs in one transaction with both persons locked:

- Every row in any app that points at the other person through a ``ForeignKey`` /
  ``OneToOneField`` / ``ManyToManyField`` moves to the survivor. The relations are found by
  walking ``Person._meta.related_objects``, so tables that later apps add (deals, cases, segment
  memberships …) move too without touching this module.
- A row that cannot move because the survivor already has the same one (a unique constraint:
  the same email identity, the same segment membership …) is an exact duplicate: it is dropped,
  and a copy is kept in the merge record's snapshot. Roles in the same organisation with the
  same title, department and period are treated the same way (the decision-maker flag and
  buying role are carried over).
- Field values: ``field_choices`` maps a field name (or ``custom.<name>``) to the id of the
  person whose value to keep. Without a choice the survivor's value is kept, and an empty one is
  filled from the other person (the lifecycle stage takes the further-advanced of the two).
- ``primary_email`` / ``primary_phone`` are recomputed; the survivor's version is bumped.
- A ``MergeRecord`` keeps a JSON snapshot of the merged person (with identities, roles and
  consents as they were) and the moved counts; a note "Merged with …" goes on the survivor's
  timeline; the other person is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tillit.accounts.models import User
from tillit.core.access import ensure_can_change, ensure_staff
from tillit.core.errors import Conflict, NotFound, ValidationError
from tillit.core.versioning import save_versioned
from tillit.people.models import Affiliation, Identity, IdentityKind, LifecycleStage, MergeRecord, Person

# Fields the user chooses between on the merge page, in display order.
MERGEABLE_FIELDS = (
    "first_name", "last_name", "lifecycle_stage", "owner", "team", "persona", "relationship_category", "city",
    "country",
)
STAGE_ORDER = {value: i for i, value in enumerate(LifecycleStage.values)}
MERGE_NOTE_SOURCE = "tillit.merge"
# A merge is not a contact with the customer: it is logged on the internal channel.
MERGE_NOTE_CHANNEL = "internal"

# What the merge page calls the relations it shows; other apps' relations use their verbose name.
RELATION_LABELS = {
    "interactions": gettext_lazy("Interactions"),
    "identities": gettext_lazy("Emails, phones and other identities"),
    "affiliations": gettext_lazy("Roles in organisations"),
    "consents": gettext_lazy("Consents"),
    "merges": gettext_lazy("Earlier merges"),
}


# --- reading: what a merge would do ---------------------------------------------------------
@dataclass
class MergeField:
    name: str
    label: str
    survivor_value: Any
    other_value: Any
    survivor_display: str
    other_display: str
    default_choice: str  # "survivor" or "other"

    @property
    def differs(self) -> bool:
        return self.survivor_value != self.other_value


@dataclass
class MergePreview:
    survivor: Person
    other: Person
    fields: list[MergeField]
    # (accessor, label, survivor's count, other's count) per relation; the other's rows move.
    relations: list[tuple[str, str, int, int]] = field(default_factory=list)
    duplicate_identities: int = 0
    shared_identities: set[str] = field(default_factory=set)  # normalised values both persons have

    @property
    def differing_fields(self) -> list[MergeField]:
        return [f for f in self.fields if f.differs]

    @property
    def moving(self) -> list[tuple[str, str, int]]:
        """(accessor, label, count) of the other's rows that move (exact duplicate identities left out)."""
        return [
            (accessor, label, n - self.duplicate_identities if accessor == "identities" else n)
            for accessor, label, _s, n in self.relations
            if n and (accessor != "identities" or n > self.duplicate_identities)
        ]

    @property
    def persons(self) -> tuple[Person, Person]:
        return self.survivor, self.other

    @property
    def directions(self) -> list[tuple[Person, Person, list[str]]]:
        """For each choice of record to keep: (kept, deleted, ["3 interactions", "1 consent", …])."""
        out = []
        for keep, gone, index in ((self.survivor, self.other, 3), (self.other, self.survivor, 2)):
            counts = {
                row[0]: row[index] - (self.duplicate_identities if row[0] == "identities" else 0)
                for row in self.relations
            }
            out.append((keep, gone, describe_counts(counts)))
        return out


def _relations() -> list[models.ForeignObjectRel]:
    """Every relation from another model (or an M2M through table) to Person."""
    return list(Person._meta.related_objects)


def _relation_label(rel: models.ForeignObjectRel) -> str:
    accessor = rel.get_accessor_name()
    return str(RELATION_LABELS.get(accessor, rel.related_model._meta.verbose_name_plural)).capitalize()


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "lifecycle_stage":
        return person.get_lifecycle_stage_display()
    if value is None or value == "":
        return ""
    return str(value)


def _raw(person: Person, name: str) -> Any:
    return getattr(person, Person._meta.get_field(name).attname)


def _default_choice(survivor: Person, other: Person, name: str) -> str:
    mine, theirs = _raw(survivor, name), _raw(other, name)
    if name == "lifecycle_stage":
        return "other" if STAGE_ORDER.get(theirs, -1) > STAGE_ORDER.get(mine, -1) else "survivor"
    if name == "team" and survivor.owner_id is None and other.owner_id is not None:
        return "other"  # the team follows the owner unless chosen on its own
    return "other" if mine in (None, "") and theirs not in (None, "") else "survivor"


def merge_preview(*, actor: User, survivor_id: int, other_id: int) -> MergePreview:
    """Both persons side by side with the counts of what would move. NotFound if either is invisible."""
    ensure_staff(actor)
    if survivor_id == other_id:
        raise ValidationError(_("A person cannot be merged with themselves."), field="other")
    relations = _relations()
    counts = {
        f"n_{i}": Coalesce(
            Subquery(
                _related_rows(rel, OuterRef("pk"))
                .order_by()
                .values(_person_field(rel))
                .annotate(c=Count("*"))
                .values("c")[:1]
            ),
            0,
        )
        for i, rel in enumerate(relations)
    }
    persons = {
        p.pk: p
        for p in Person.objects.filter(pk__in=[survivor_id, other_id])
        .select_related("owner", "team")
        .prefetch_related("identities", "affiliations__organization", "consents")
        .annotate(**counts)
    }
    if len(persons) != 2:
        raise NotFound(_("No such person."))
    survivor, other = persons[survivor_id], persons[other_id]
    ensure_can_change(actor, survivor)
    ensure_can_change(actor, other)
    merge_fields = [
        MergeField(
            name=name,
            label=str(Person._meta.get_field(name).verbose_name).capitalize(),
            survivor_value=_raw(survivor, name),
            other_value=_raw(other, name),
            survivor_display=_display(survivor, name),
            other_display=_display(other, name),
            default_choice=_default_choice(survivor, other, name),
        )
        for name in MERGEABLE_FIELDS
    ]
    for key in sorted(set(survivor.custom_fields) | set(other.custom_fields)):
        mine, theirs = survivor.custom_fields.get(key), other.custom_fields.get(key)
        merge_fields.append(
            MergeField(
                name=f"custom.{key}", label=key, survivor_value=mine, other_value=theirs,
                survivor_display="" if mine is None else str(mine), other_display="" if theirs is None else str(theirs),
                default_choice="other" if mine in (None, "") and theirs not in (None, "") else "survivor",
            )
        )
    keys = {(i.kind, i.system, i.normalized) for i in survivor.identities.all()}
    shared = [i for i in other.identities.all() if (i.kind, i.system, i.normalized) in keys]
    return MergePreview(
        survivor=survivor,
        other=other,
        fields=merge_fields,
        relations=[
            (rel.get_accessor_name(), _relation_label(rel), getattr(survivor, f"n_{i}"), getattr(other, f"n_{i}"))
            for i, rel in enumerate(relations)
        ],
        duplicate_identities=len(shared),
        shared_identities={i.normalized for i in shared},
    )


# --- writing: the merge ---------------------------------------------------------------------
def _person_field(rel: models.ForeignObjectRel) -> str:
    """The field name on the row model that points at Person (the through model's for M2M)."""
    if rel.many_to_many:
        return _through_person_field(rel).name
    return rel.field.name


def _through_person_field(rel: models.ManyToManyRel) -> models.ForeignKey:
    through = rel.through
    name = rel.field.m2m_reverse_field_name()
    return through._meta.get_field(name)


def _related_rows(rel: models.ForeignObjectRel, person) -> models.QuerySet:
    model = rel.through if rel.many_to_many else rel.related_model
    return model._base_manager.filter(**{_person_field(rel): person})


def _unique_sets(model: type[models.Model], person_field: str) -> list[tuple[tuple[str, ...], Any]]:
    """Unique field sets of ``model`` that include ``person_field``, with their condition (or None)."""
    sets: list[tuple[tuple[str, ...], Any]] = []
    opts = model._meta
    if opts.get_field(person_field).unique:
        sets.append(((person_field,), None))
    for fields in opts.unique_together:
        if person_field in fields:
            sets.append((tuple(fields), None))
    for constraint in opts.total_unique_constraints + [
        c for c in opts.constraints if isinstance(c, models.UniqueConstraint) and c.condition is not None and c.fields
    ]:
        if person_field in constraint.fields:
            sets.append((tuple(constraint.fields), constraint.condition))
    return sets


def _serialize(rows) -> list[dict]:
    out = []
    for row in rows:
        out.append({f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields})
    return out


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _snapshot(person: Person) -> dict:
    return {
        "person": _serialize([person])[0],
        "full_name": person.full_name,
        "identities": _serialize(Identity.objects.filter(person=person).order_by("id")),
        "affiliations": _serialize(Affiliation.objects.filter(person=person).order_by("id")),
        "consents": _serialize(person.consents.order_by("id")),
    }


def _drop_duplicate_roles(survivor: Person, other: Person) -> list[Affiliation]:
    """Drop the other's roles that repeat one of the survivor's; carry their flags over."""
    mine = list(Affiliation.objects.filter(person=survivor))
    dropped = []
    for role in Affiliation.objects.filter(person=other).order_by("id"):
        key = (role.organization_id, role.title.casefold(), role.department.casefold(), role.start_date, role.end_date)
        twin = next(
            (r for r in mine
             if (r.organization_id, r.title.casefold(), r.department.casefold(), r.start_date, r.end_date) == key),
            None,
        )
        if twin is None:
            continue
        changed = []
        if role.is_decision_maker and not twin.is_decision_maker:
            twin.is_decision_maker = True
            changed.append("is_decision_maker")
        if role.buying_role and not twin.buying_role:
            twin.buying_role = role.buying_role
            changed.append("buying_role")
        if changed:
            save_versioned(twin, expected_version=None, update_fields=changed)
        dropped.append(role)
    if dropped:
        Affiliation.objects.filter(pk__in=[r.pk for r in dropped]).delete()
    return dropped


def _move_relation(rel: models.ForeignObjectRel, survivor: Person, other: Person) -> tuple[int, list[dict]]:
    """Point the other's rows of one relation at the survivor; returns (moved, dropped duplicates)."""
    person_field = _person_field(rel)
    model = rel.through if rel.many_to_many else rel.related_model
    rows = _related_rows(rel, other)
    dropped: list[dict] = []
    for fields, condition in _unique_sets(model, person_field):
        twins = _related_rows(rel, survivor).filter(**{f: OuterRef(f) for f in fields if f != person_field})
        candidates = rows
        if condition is not None:
            twins, candidates = twins.filter(condition), rows.filter(condition)
        colliding = list(candidates.filter(Exists(twins)))
        if colliding:
            dropped += _serialize(colliding)
            model._base_manager.filter(pk__in=[r.pk for r in colliding]).delete()
    moved = rows.update(**{person_field: survivor})
    return moved, dropped


def _choose_values(survivor: Person, other: Person, field_choices: dict[str, int] | None) -> dict[str, Any]:
    """The survivor's new field values (model attnames and ``custom_fields``)."""
    choices: dict[str, str] = {}
    for name, person_id in (field_choices or {}).items():
        if name not in MERGEABLE_FIELDS and not (
            name.startswith("custom.") and (name[7:] in survivor.custom_fields or name[7:] in other.custom_fields)
        ):
            raise ValidationError(_("Unknown field “%(name)s”.") % {"name": name}, field=name)
        try:
            person_id = int(person_id)
        except (TypeError, ValueError):
            person_id = None
        if person_id not in (survivor.pk, other.pk):
            raise ValidationError(_("Choose the value of one of the two persons."), field=name)
        choices[name] = "survivor" if person_id == survivor.pk else "other"
    if "owner" in choices and "team" not in choices:
        choices["team"] = choices["owner"]
    values: dict[str, Any] = {}
    for name in MERGEABLE_FIELDS:
        pick = choices.get(name) or _default_choice(survivor, other, name)
        values[Person._meta.get_field(name).attname] = _raw(survivor if pick == "survivor" else other, name)
    custom = dict(survivor.custom_fields)
    for key, value in other.custom_fields.items():
        pick = choices.get(f"custom.{key}") or ("other" if custom.get(key) in (None, "") else "survivor")
        if pick == "other":
            custom[key] = value
    values["custom_fields"] = custom
    return values


def _sync_primary_contacts(person: Person) -> None:
    """One primary email and phone (the survivor's own win), mirrored on the person."""
    for kind, attr in ((IdentityKind.EMAIL, "primary_email"), (IdentityKind.PHONE, "primary_phone")):
        rows = list(Identity.objects.filter(person=person, kind=kind).order_by("-is_primary", "id"))
        primary = rows[0] if rows else None
        if primary is not None and not primary.is_primary:
            Identity.objects.filter(pk=primary.pk).update(is_primary=True)
        extra = [r.pk for r in rows[1:] if r.is_primary]
        if extra:
            Identity.objects.filter(pk__in=extra).update(is_primary=False)
        setattr(person, attr, primary.normalized if primary is not None else "")


def describe_counts(counts: dict) -> list[str]:
    """``{"interactions": 5, "consents": 1}`` → ``["5 interactions", "1 consent"]`` (translated)."""
    phrases = {
        "interactions": lambda n: ngettext("%(n)d interaction", "%(n)d interactions", n),
        "identities": lambda n: ngettext("%(n)d email, phone or other id", "%(n)d emails, phones or other ids", n),
        "affiliations": lambda n: ngettext("%(n)d role", "%(n)d roles", n),
        "consents": lambda n: ngettext("%(n)d consent", "%(n)d consents", n),
        "merges": lambda n: ngettext("%(n)d earlier merge", "%(n)d earlier merges", n),
    }
    labels = {rel.get_accessor_name(): _relation_label(rel) for rel in _relations()}
    out = []
    for key, n in sorted(counts.items(), key=lambda item: (list(phrases).index(item[0]) if item[0] in phrases else 9)):
        if not isinstance(n, int) or not n:
            continue
        if key in phrases:
            out.append(phrases[key](n) % {"n": n})
        else:
            out.append(f"{labels.get(key, key)}: {n}")
    return out


def _log_merge_note(actor: User, survivor: Person, other_name: str, other_id: int, counts: dict) -> None:
    from tillit.core import messages
    from tillit.interactions.models import Direction, Kind
    from tillit.interactions.services import log_interaction
    from tillit.people.messages import MERGED_SUBJECT, MERGED_TEXT

    subject = messages.message(MERGED_SUBJECT, name=other_name, id=other_id)
    text = messages.message(MERGED_TEXT, name=other_name, id=other_id, actor=str(actor), counts=counts)
    log_interaction(
        actor=actor,
        channel=MERGE_NOTE_CHANNEL,
        kind=Kind.NOTE,
        person=survivor,
        direction=Direction.INTERNAL,
        handled_by=actor,
        subject=messages.render(subject)[:200], text=messages.render(text), source=MERGE_NOTE_SOURCE,
        payload={"merged_person_id": other_id, "moved_counts": counts, **messages.stored(subject=subject, text=text)},
    )


@transaction.atomic
def person_merge(
    *,
    actor: User,
    survivor: Person,
    other: Person,
    field_choices: dict[str, int] | None = None,
    expected_versions: dict[int, int] | None = None,
) -> MergeRecord:
    """Merge ``other`` into ``survivor`` (see the module docstring) and return the merge record.

    ``expected_versions`` ({person id: version}) makes the merge fail with ``Conflict`` if either
    person changed since the merge page was shown.
    """
    ensure_staff(actor)
    if survivor.pk == other.pk:
        raise ValidationError(_("A person cannot be merged with themselves."), field="other")
    # Lock both rows (in id order, so two merges cannot deadlock). On PostgreSQL this also makes a
    # concurrent insert pointing at the other person wait, then fail, instead of being lost.
    locked = {
        p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk]).order_by("pk")
    }
    if len(locked) != 2:
        raise NotFound(_("No such person."))
    survivor, other = locked[survivor.pk], locked[other.pk]
    ensure_can_change(actor, survivor)
    ensure_can_change(actor, other)
    for person in (survivor, other):
        expected = (expected_versions or {}).get(person.pk)
        if expected is not None and int(expected) != person.version:
            raise Conflict(
                _("%(name)s was changed by someone else while you compared; look again and merge.")
                % {"name": person.full_name},
                field="version",
            )
    values = _choose_values(survivor, other, field_choices)
    snapshot = _snapshot(other)

    # The survivor's primary email/phone stay primary: the other's lose the flag where it would clash.
    survivor_primary = set(
        Identity.objects.filter(person=survivor, is_primary=True).values_list("kind", flat=True)
    )
    Identity.objects.filter(person=other, kind__in=survivor_primary, is_primary=True).update(is_primary=False)
    dropped: dict[str, list[dict]] = {}
    roles = _drop_duplicate_roles(survivor, other)
    if roles:
        dropped["affiliations"] = _serialize(roles)
    counts: dict[str, Any] = {}
    for rel in _relations():
        accessor = rel.get_accessor_name()
        moved, duplicates = _move_relation(rel, survivor, other)
        counts[accessor] = moved
        if duplicates:
            dropped.setdefault(accessor, []).extend(duplicates)
    for fwd in Person._meta.many_to_many:  # M2M fields declared on Person itself: keep the union
        through, source = fwd.remote_field.through, fwd.m2m_field_name()
        target = fwd.m2m_reverse_field_name()
        have = through._base_manager.filter(**{source: survivor}).values(target)
        rows = through._base_manager.filter(**{source: other})
        rows.filter(**{f"{target}__in": have}).delete()
        counts[fwd.name] = rows.update(**{source: survivor})
    if dropped:
        counts["duplicates_dropped"] = {key: len(rows) for key, rows in dropped.items()}
        snapshot["duplicates_dropped"] = dropped

    for attname, value in values.items():
        setattr(survivor, attname, value)
    _sync_primary_contacts(survivor)
    save_versioned(
        survivor,
        expected_version=survivor.version,
        update_fields=[*MERGEABLE_FIELDS, "custom_fields", "primary_email", "primary_phone"],
    )
    other_id, other_name = other.pk, other.full_name
    # Everything has moved; deleting through the base manager cascades nothing that matters.
    Person._base_manager.filter(pk=other_id).delete()
    record = MergeRecord.objects.create(
        survivor=survivor,
        merged_person_id=other_id,
        merged_snapshot=_jsonable(snapshot),
        moved_counts=counts,
        merged_by=actor,
    )
    _log_merge_note(actor, survivor, other_name, other_id, counts)
    return record
