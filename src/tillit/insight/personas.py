"""Personas: define, assign, override (services) and read (selectors).

A persona is a segment rule tree (the marketing rule language, compiled by ``tillit.marketing.segments``)
with a priority. ``personas_recompute`` writes ``Person.persona`` for everyone in SQL: one ``CASE`` over the
personas in priority order, so a person who matches several gets the first; a person who matches none gets
an empty persona. A manual persona (``PersonaOverride``) wins over the rules until it is cleared.
It runs when a persona is saved or deleted, when an override changes, and periodically
(``tillit.insight.tasks_personas``), since the log and the figures the rules read keep changing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import ensure_can_change, restrict
from tillit.core.errors import AccessDenied, NotFound, ValidationError
from tillit.core.versioning import save_versioned
from tillit.insight.models import Persona, PersonaOverride
from tillit.marketing.rules import validate_rules
from tillit.marketing.segments import compile_rules, rules_members
from tillit.marketing.services import can_manage
from tillit.people.models import Person
from tillit.people.services import persons_set_derived

MAX_PRIORITY = 100_000


# --- rules and fields -----------------------------------------------------------------------------
def _uses_persona(node: Any) -> bool:
    if isinstance(node, dict):
        if node.get("attr") == "persona":
            return True
        return any(_uses_persona(v) for v in node.values())
    if isinstance(node, list):
        return any(_uses_persona(v) for v in node)
    return False


def clean_persona_rules(rules: Any) -> dict:
    """Validated rules; a persona may not be defined by personas (the assignment would chase its own tail)."""
    tree = validate_rules(rules)
    if _uses_persona(tree):
        raise ValidationError(_("A persona cannot be defined by the persona field."), field="rules")
    if tree == {"all": []}:
        # An empty rule tree is everyone: as a persona that swallows every lower one, so say so plainly.
        raise ValidationError(_("Add at least one condition: a persona without rules would be everyone."),
                              field="rules")
    return tree


def _name(value: Any, *, exclude_pk: int | None = None) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError(_("Give it a name."), field="name")
    if len(name) > 100:
        raise ValidationError(_("At most 100 characters."), field="name")
    clash = Persona.objects.filter(name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(_("Another persona already has this name."), field="name")
    return name


def _priority(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRIORITY:
        raise ValidationError(_("A whole number from 0 to %(n)d.") % {"n": MAX_PRIORITY}, field="priority")
    return value


def _description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 2000:
        raise ValidationError(_("At most 2000 characters."), field="description")
    return text


def ensure_persona_manager(actor: User) -> None:
    if not can_manage(actor):
        raise AccessDenied(_("Only marketing, managers and administrators can change personas."))


# --- services --------------------------------------------------------------------------------------
@transaction.atomic
def persona_create(*, actor: User, name: str, rules: Any, description: str = "", priority: int = 100) -> Persona:
    ensure_persona_manager(actor)
    persona = Persona(name=_name(name), description=_description(description), priority=_priority(priority),
                      rules=clean_persona_rules(rules), created_by=actor)
    persona.save()
    personas_recompute()
    persona.refresh_from_db(fields=["member_count", "assigned_at"])
    return persona


@transaction.atomic
def persona_update(*, actor: User, persona: Persona, expected_version: int | None, **fields: Any) -> Persona:
    ensure_persona_manager(actor)
    unknown = set(fields) - {"name", "description", "priority", "rules"}
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationError(_("Not a field of a persona."), field=field)
    cleaners = {"name": lambda v: _name(v, exclude_pk=persona.pk), "description": _description,
                "priority": _priority, "rules": clean_persona_rules}
    for field, value in fields.items():
        setattr(persona, field, cleaners[field](value))
    save_versioned(persona, expected_version=expected_version, update_fields=[*fields, "updated_at"])
    personas_recompute()
    persona.refresh_from_db(fields=["member_count", "assigned_at"])
    return persona


@transaction.atomic
def persona_delete(*, actor: User, persona: Persona) -> None:
    """Its members fall to the next persona whose rules they meet; manual choices of it go with it."""
    ensure_persona_manager(actor)
    name = persona.name
    persona.delete()
    # Also when it was the last one (then the recompute leaves everything alone): nobody keeps its name.
    persons_set_derived(field="persona", assignments={"": Person.objects.filter(persona=name).values("pk")})
    personas_recompute()


@transaction.atomic
def persona_override_set(*, actor: User, person: Person, persona: Persona) -> PersonaOverride:
    """Choose a person's persona by hand (whoever may change the person); recorded with who and when."""
    ensure_can_change(actor, person)
    override, _created = PersonaOverride.objects.update_or_create(
        person=person, defaults={"persona": persona, "set_by": actor, "set_at": timezone.now()},
    )
    persons_set_derived(field="persona", assignments={persona.name: Person.objects.filter(pk=person.pk).values("pk")})
    _count_members()
    person.persona = persona.name
    return override


@transaction.atomic
def persona_override_clear(*, actor: User, person: Person) -> None:
    """Back to the rules: the person gets the persona they match now."""
    ensure_can_change(actor, person)
    PersonaOverride.objects.filter(person=person).delete()
    personas_recompute(person_ids=[person.pk])
    person.refresh_from_db(fields=["persona", "version"])


@transaction.atomic
def personas_recompute(*, person_ids: list[int] | None = None, now=None) -> int:
    """Assign every person (or only ``person_ids``) their persona; returns the rows changed.

    No personas defined: nothing is touched (personas typed in before this feature stay). Otherwise the
    rules decide, in ``UPDATE … WHERE id IN (…)`` statements, one per persona and one for "none".
    """
    now = now or timezone.now()
    personas = list(Persona.objects.all())
    if not personas:
        return 0
    people = Person.objects.all() if person_ids is None else Person.objects.filter(pk__in=person_ids)
    overrides = PersonaOverride.objects.all()
    choice = Case(
        *[When(compile_rules(p.rules, now=now, validated=True), then=Value(p.name)) for p in personas],
        default=Value(""), output_field=CharField(),
    )
    automatic = people.exclude(pk__in=overrides.values("person_id")).annotate(_persona=choice)
    assignments = {}
    for p in personas:
        manual = overrides.filter(persona=p).values("person_id")
        assignments[p.name] = people.filter(
            Q(pk__in=automatic.filter(_persona=p.name).values("pk")) | Q(pk__in=manual)
        ).values("pk")
    assignments[""] = automatic.filter(_persona="").values("pk")
    changed = persons_set_derived(field="persona", assignments=assignments)
    _count_members(personas, now=now)
    return changed


def _count_members(personas: list[Persona] | None = None, *, now=None) -> None:
    personas = personas if personas is not None else list(Persona.objects.all())
    counts = dict(Person.objects.filter(persona__in=[p.name for p in personas]).order_by()
                  .values_list("persona").annotate(n=Count("pk")))
    for p in personas:
        p.member_count = counts.get(p.name, 0)
        if now is not None:
            p.assigned_at = now
    Persona.objects.bulk_update(personas, ["member_count", "assigned_at"] if now is not None else ["member_count"])


# --- selectors -------------------------------------------------------------------------------------
def persona_list() -> QuerySet[Persona]:
    """Every persona (names are not secret: everyone sees them on cards); counts as of the last assignment."""
    return Persona.objects.all()


def persona_get(*, persona_id: int, field: str = "") -> Persona:
    """One persona, or ``NotFound`` (``ValidationError`` naming ``field`` when the id came in a body)."""
    persona = Persona.objects.filter(pk=persona_id).first()
    if persona is None:
        if field:
            raise ValidationError(_("No such persona."), field=field)
        raise NotFound(_("No such persona."))
    return persona


def persona_preview(*, actor: User, rules: Any, exclude_pk: int | None = None) -> tuple[int, list[Person]]:
    """How many persons the caller may see meet these rules, and a sample (before priorities)."""
    tree = clean_persona_rules(rules)
    qs = rules_members(tree, actor=actor)
    return qs.count(), list(qs.order_by("last_name", "first_name", "pk")[:8])


def persona_members(*, actor: User, persona: Persona) -> QuerySet[Person]:
    return restrict(Person.objects.filter(persona=persona.name), actor)


def persona_override_get(*, person: Person) -> PersonaOverride | None:
    return PersonaOverride.objects.select_related("persona", "set_by").filter(person=person).first()

