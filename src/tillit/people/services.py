"""Every write to persons, organisations, identities, roles and consents.

Rules (the same for pages, the API, imports and ingestion, because they all call these):

- The actor must be an employee (``ensure_staff``) and must have every record they change in their
  owner scope (``ensure_can_change``); a record outside their visibility is ``NotFound``, never a
  hint, and one they only read through a relationship grant (their open deal, case or task with
  the customer) is ``AccessDenied``: read-only.
- Owners: administrators and managers may give a record to any active employee. Anyone else may
  only name an owner whose records they can see anyway: themselves (visibility "own"), a member of
  their own team (visibility "team") or anyone (visibility "all", e.g. service and marketing).
  So a sales rep cannot hand a customer to a colleague; their manager can.
- A new person or organisation without an owner, created by someone who only sees their own
  records (a sales rep), gets that person as owner; created by someone who sees their team's
  records, it gets their team. Owner given and team not given → the owner's team.
- Emails are stored lower-case and validated; phones are normalised to E.164. The first email /
  phone is the primary one, and ``Person.primary_email`` / ``primary_phone`` always mirror the
  primary identity of that kind.
- Updates are compare-and-swap on ``version`` (``save_versioned``): a stale version is a 409.
- Deleting a person or organisation that has interactions is refused: the log is never thinned
  out by a delete (merge duplicates instead; erasure for GDPR is a separate, audited path).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, Team, User, Visibility
from tillit.core.access import can_read, can_see, clean_team, ensure_can_assign_owner, ensure_can_change, ensure_staff
from tillit.core.errors import AccessDenied, Conflict, ValidationError
from tillit.core.phones import normalize_email, normalize_phone
from tillit.core.versioning import save_versioned
from tillit.people import duplicates
from tillit.people.models import (
    Affiliation,
    BuyingRole,
    Consent,
    Identity,
    IdentityKind,
    LawfulBasis,
    LifecycleStage,
    Organization,
    Person,
    ValueTier,
)

PERSON_TEXT_FIELDS = ("first_name", "last_name", "persona", "relationship_category", "city", "street_address",
                      "postal_code")
PERSON_UPDATE_FIELDS = frozenset(
    {
        *PERSON_TEXT_FIELDS, "country", "language", "lifecycle_stage", "owner", "team", "custom_fields",
        "emails", "phones", "organization", "title", "is_decision_maker",
    }
)
ORGANIZATION_TEXT_FIELDS = ("name", "org_number", "domain", "industry", "city", "street_address", "postal_code")
ORGANIZATION_FIELDS = frozenset(
    {*ORGANIZATION_TEXT_FIELDS, "country", "language", "phone", "lifecycle_stage", "owner", "team", "custom_fields"}
)
AFFILIATION_FIELDS = frozenset({"title", "department", "is_decision_maker", "buying_role", "start_date", "end_date"})


# --- validation helpers ---------------------------------------------------------------------
def _text(model, field: str, value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("Expected text."), field=field)
    value = value.strip()
    max_length = model._meta.get_field(field).max_length
    if required and not value:
        raise ValidationError(_("This field is required."), field=field)
    if max_length and len(value) > max_length:
        raise ValidationError(
            _("At most %(n)d characters (this is %(m)d).") % {"n": max_length, "m": len(value)}, field=field
        )
    return value


def _country(value: Any) -> str:
    value = (value or "").strip().upper()
    if value and (len(value) != 2 or not value.isalpha()):
        raise ValidationError(_("Use a two-letter country code such as NO, SE or DK."), field="country")
    return value


def _language(value: Any) -> str:
    value = (value or "").strip()
    codes = [code for code, _name in settings.LANGUAGES]
    if value and value not in codes:
        raise ValidationError(_("Unknown language “%(value)s”; use one of: %(choices)s (or leave it empty).")
                              % {"value": value, "choices": ", ".join(codes)}, field="language")
    return value


def _stage(value: Any) -> str:
    if value not in LifecycleStage.values:
        raise ValidationError(
            _("Unknown lifecycle stage “%(value)s”; use one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(LifecycleStage.values)},
            field="lifecycle_stage",
        )
    return value


def _custom_fields(value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(_("Custom fields must be an object of names and values."), field="custom_fields")
    return dict(value)


def clean_email(raw: str, *, field: str = "emails") -> str:
    """Lower-case, validated email; ``ValidationError(field=...)`` if it is not an email address."""
    email = normalize_email(raw if isinstance(raw, str) else "")
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationError(_("“%(value)s” is not a valid email address.") % {"value": raw}, field=field) from None
    if len(email) > Identity._meta.get_field("value").max_length:
        raise ValidationError(_("This email address is too long."), field=field)
    return email


def clean_phone(raw: str, *, field: str = "phones") -> str:
    """E.164 phone number; ``ValidationError(field=...)`` if it cannot be read as one."""
    phone = normalize_phone(raw if isinstance(raw, str) else "")
    if phone is None:
        raise ValidationError(
            _("“%(value)s” is not a phone number we can read; include the country code, e.g. +47 912 34 567.")
            % {"value": raw},
            field=field,
        )
    return phone


def _unique_cleaned(values: Iterable[str] | None, cleaner, field: str) -> list[tuple[str, str]]:
    """``[(raw, normalised)]`` without blanks and without repeats (first one wins)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    seen: dict[str, str] = {}
    for raw in values:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        norm = cleaner(raw, field=field)
        seen.setdefault(norm, raw.strip())
    return [(raw, norm) for norm, raw in seen.items()]




def _default_owner_team(actor: User, owner: User | None, team: Team | None) -> tuple[User | None, Team | None]:
    if owner is None and team is None:
        scope = actor.effective_visibility
        if scope == Visibility.OWN or actor.role == Role.SALES:
            owner = actor
        elif scope == Visibility.TEAM and actor.team_id:
            team = actor.team
    if owner is not None and team is None:
        team = owner.team
    return owner, team


def _ensure_visible(actor: User, record) -> None:
    ensure_staff(actor)
    ensure_can_change(actor, record)


def _ensure_still_visible(actor: User, record) -> None:
    """Only administrators and managers may hand a record to someone so that they lose sight of it."""
    if not can_see(actor, record) and not (actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER)):
        raise AccessDenied(_("You would lose access to this record; ask a manager to hand it over."), field="owner")


def _reject_unknown(fields: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name in fields:
        if name not in allowed:
            raise ValidationError(_("Unknown field “%(name)s”.") % {"name": name}, field=name)


# --- identities -----------------------------------------------------------------------------
def _normalize_identity(kind: str, value: str, system: str) -> tuple[str, str, str]:
    """``(value, normalized, system)`` for an identity, or ``ValidationError`` naming the field."""
    if kind not in IdentityKind.values:
        raise ValidationError(
            _("Unknown identity kind “%(kind)s”; use one of: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(IdentityKind.values)},
            field="kind",
        )
    value = (value or "").strip() if isinstance(value, str) else ""
    system = (system or "").strip() if isinstance(system, str) else ""
    if not value:
        raise ValidationError(_("This field is required."), field="value")
    if len(value) > Identity._meta.get_field("value").max_length:
        raise ValidationError(_("This value is too long."), field="value")
    if len(system) > Identity._meta.get_field("system").max_length:
        raise ValidationError(_("This value is too long."), field="system")
    if kind == IdentityKind.EMAIL:
        return value, clean_email(value, field="value"), ""
    if kind == IdentityKind.PHONE:
        return value, clean_phone(value, field="value"), ""
    if not system:
        raise ValidationError(
            _("Name the network (e.g. linkedin) or source system (e.g. erp) this belongs to."), field="system"
        )
    if kind == IdentityKind.SOCIAL:
        system = system.lower()
        handle = value.lstrip("@").lower()
        return value, f"{system}:{handle}", system
    return value, value, system  # external ids are compared exactly


def _sync_primary(person: Person, kind: str) -> bool:
    """Make exactly one identity of ``kind`` primary and mirror it on the person. Returns "changed"."""
    if kind not in (IdentityKind.EMAIL, IdentityKind.PHONE):
        return False
    rows = list(Identity.objects.filter(person=person, kind=kind).order_by("-is_primary", "id"))
    primary = rows[0] if rows else None
    if primary is not None and not primary.is_primary:
        Identity.objects.filter(pk=primary.pk).update(is_primary=True)
    extra = [r.pk for r in rows[1:] if r.is_primary]
    if extra:
        Identity.objects.filter(pk__in=extra).update(is_primary=False)
    attr = "primary_email" if kind == IdentityKind.EMAIL else "primary_phone"
    value = primary.normalized if primary is not None else ""
    if getattr(person, attr) != value:
        setattr(person, attr, value)
        return True
    return False


def _add_identity(person: Person, *, kind: str, value: str, system: str = "", label: str = "",
                  is_primary: bool = False) -> Identity:
    raw, normalized, system = _normalize_identity(kind, value, system)
    label = (label or "").strip()[: Identity._meta.get_field("label").max_length]
    identity = Identity.objects.filter(person=person, kind=kind, system=system, normalized=normalized).first()
    if identity is None:
        identity = Identity.objects.create(
            person=person, kind=kind, system=system, value=raw, normalized=normalized, label=label,
        )
    if is_primary and kind in (IdentityKind.EMAIL, IdentityKind.PHONE):
        Identity.objects.filter(person=person, kind=kind, is_primary=True).exclude(pk=identity.pk).update(
            is_primary=False
        )
        if not identity.is_primary:
            Identity.objects.filter(pk=identity.pk).update(is_primary=True)
            identity.is_primary = True
    return identity


def _save_primary_fields(person: Person) -> None:
    person.save(update_fields=["primary_email", "primary_phone", "updated_at"])


@transaction.atomic
def identity_add(*, actor: User, person: Person, kind: str, value: str, system: str = "", label: str = "",
                 is_primary: bool = False) -> Identity:
    """Add an email, phone, social handle or external id to ``person``.

    Idempotent: adding one the person already has returns the existing row (made primary if asked).
    The first email/phone a person gets becomes the primary one.
    """
    _ensure_visible(actor, person)
    identity = _add_identity(person, kind=kind, value=value, system=system, label=label, is_primary=is_primary)
    if _sync_primary(person, kind):
        _save_primary_fields(person)
    identity.refresh_from_db(fields=["is_primary"])
    return identity


@transaction.atomic
def identity_remove(*, actor: User, identity: Identity) -> None:
    """Remove an identity; if it was the primary email/phone the next one becomes primary."""
    person = identity.person
    _ensure_visible(actor, person)
    kind = identity.kind
    identity.delete()
    if _sync_primary(person, kind):
        _save_primary_fields(person)


def _replace_contact_identities(person: Person, kind: str, cleaned: list[tuple[str, str]]) -> bool:
    """Make the person's emails (or phones) exactly ``cleaned``, in order, the first one primary.
    Answers whether anything changed (another address, another primary)."""
    rows = list(Identity.objects.filter(person=person, kind=kind))
    existing = {i.normalized: i for i in rows}
    wanted = [norm for _raw, norm in cleaned]
    primary = next((i.normalized for i in rows if i.is_primary), None)
    differs = set(existing) != set(wanted) or (bool(wanted) and primary != wanted[0])
    Identity.objects.filter(person=person, kind=kind).exclude(normalized__in=wanted).delete()
    for position, (raw, norm) in enumerate(cleaned):
        is_primary = position == 0
        row = existing.get(norm)
        if row is None:
            Identity.objects.create(person=person, kind=kind, value=raw, normalized=norm, is_primary=is_primary)
        elif row.is_primary != is_primary:
            Identity.objects.filter(pk=row.pk).update(is_primary=is_primary)
    _sync_primary(person, kind)
    return differs


# --- persons --------------------------------------------------------------------------------
@transaction.atomic
def person_create(
    *,
    actor: User,
    first_name: str = "",
    last_name: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    lifecycle_stage: str = LifecycleStage.LEAD,
    owner: User | None = None,
    team: Team | None = None,
    persona: str = "",
    relationship_category: str = "",
    city: str = "",
    street_address: str = "",
    postal_code: str = "",
    country: str = "",
    language: str = "",
    custom_fields: dict | None = None,
    organization: Organization | None = None,
    title: str = "",
    is_decision_maker: bool = False,
    social_handles: Sequence[Mapping[str, str]] = (),
    external_ids: Sequence[Mapping[str, str]] = (),
    warn_duplicates: bool = False,
) -> Person:
    """Create a person with their emails, phones and (optionally) a role in an organisation.

    ``social_handles`` are ``{"system": "linkedin", "value": "ola"}`` and ``external_ids``
    ``{"system": "erp", "id": "C-1"}`` (``value`` is accepted for ``id`` too).

    ``warn_duplicates`` (the person form and the API, until the user confirms): refuse with
    ``LikelyDuplicateError`` when visible persons probably are this one (the Duplicates page's rules,
    ``duplicates.likely_duplicate_persons``). Imports and ingestion resolve and merge on their own and
    leave it off.
    """
    ensure_staff(actor)
    values = {f: _text(Person, f, v) for f, v in zip(
        PERSON_TEXT_FIELDS, (first_name, last_name, persona, relationship_category, city, street_address, postal_code),
        strict=True
    )}
    clean_emails = _unique_cleaned(emails, clean_email, "emails")
    clean_phones = _unique_cleaned(phones, clean_phone, "phones")
    if not (values["first_name"] or values["last_name"] or clean_emails or clean_phones):
        raise ValidationError(_("Give at least a name, an email address or a phone number."), field="first_name")
    owner, team = _default_owner_team(actor, ensure_can_assign_owner(actor, owner), clean_team(team))
    if organization is not None:
        _ensure_visible(actor, organization)
    if warn_duplicates:
        _refuse_likely_duplicate(duplicates.likely_duplicate_persons(
            actor=actor, first_name=values["first_name"], last_name=values["last_name"],
            emails=[n for _r, n in clean_emails], phones=[n for _r, n in clean_phones], organization=organization,
        ))
    person = Person.objects.create(
        **values,
        lifecycle_stage=_stage(lifecycle_stage),
        owner=owner,
        team=team,
        country=_country(country),
        language=_language(language),
        custom_fields=_custom_fields(custom_fields),
        primary_email=clean_emails[0][1] if clean_emails else "",
        primary_phone=clean_phones[0][1] if clean_phones else "",
    )
    _ensure_still_visible(actor, person)
    Identity.objects.bulk_create(
        [
            Identity(person=person, kind=kind, value=raw, normalized=norm, is_primary=i == 0)
            for kind, cleaned in ((IdentityKind.EMAIL, clean_emails), (IdentityKind.PHONE, clean_phones))
            for i, (raw, norm) in enumerate(cleaned)
        ]
    )
    for item in social_handles or ():
        _add_identity(person, kind=IdentityKind.SOCIAL, value=_item(item, "value", "handle"),
                      system=_item(item, "system", "network"))
    for item in external_ids or ():
        _add_identity(person, kind=IdentityKind.EXTERNAL, value=_item(item, "id", "value"),
                      system=_item(item, "system"))
    if organization is not None:
        _affiliation_create(person=person, organization=organization, title=title,
                            is_decision_maker=is_decision_maker)
    return person


_DUPLICATE_FIELDS = {"email": "emails", "phone": "phones", "name": "name", "org_number": "org_number",
                     "domain": "domain"}


def _refuse_likely_duplicate(candidates: list) -> None:
    if not candidates:
        return
    kind = candidates[0].kind
    errors = [
        {"field": "first_name" if reason == "name" and kind == "person" else _DUPLICATE_FIELDS[reason],
         "reason": text}
        for c in candidates for reason, text in zip(c.reasons, c.explanations, strict=False)
    ]
    seen, unique = set(), []
    for error in errors:
        if (error["field"], error["reason"]) not in seen:
            seen.add((error["field"], error["reason"]))
            unique.append(error)
    error = duplicates.LikelyDuplicateError(
        _("This probably exists already: %(names)s. Open it instead, or confirm that this is another one.")
        % {"names": ", ".join(c.name for c in candidates)},
        candidates=candidates,
    )
    error.errors = unique
    raise error


def _item(item: Mapping[str, Any], *keys: str) -> str:
    if not isinstance(item, Mapping):
        raise ValidationError(_("Expected an object."), field=keys[0])
    for key in keys:
        if item.get(key) not in (None, ""):
            return str(item[key])
    return ""


def person_main_affiliation(person: Person) -> Affiliation | None:
    """The role shown in lists and edited in the person form: the newest open-ended current role."""
    today = timezone.localdate()
    return (
        Affiliation.objects.filter(person=person)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("organization")
        .order_by(*main_affiliation_order())
        .first()
    )


def main_affiliation_order() -> tuple:
    """Open-ended roles first, then the newest. Shared with the list annotation in selectors."""
    return (F("end_date").desc(nulls_first=True), "-id")


@transaction.atomic
def person_update(*, actor: User, person: Person, expected_version: int | None, **fields) -> Person:
    """Change a person's fields; ``emails`` / ``phones`` replace the whole list (first = primary).

    ``organization`` (with ``title`` and ``is_decision_maker``) edits the person's main current
    role: the same organisation updates that role; another one ends it today and starts a new
    role; ``None`` ends it. Roles are never deleted here, so the history stays.
    """
    _ensure_visible(actor, person)
    _reject_unknown(fields, PERSON_UPDATE_FIELDS)
    changed: list[str] = []

    def put(name: str, value: Any) -> None:
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)

    for name in PERSON_TEXT_FIELDS:
        if name in fields:
            put(name, _text(Person, name, fields[name]))
    if "country" in fields:
        put("country", _country(fields["country"]))
    if "language" in fields:
        put("language", _language(fields["language"]))
    if "lifecycle_stage" in fields:
        put("lifecycle_stage", _stage(fields["lifecycle_stage"]))
    if "custom_fields" in fields:
        put("custom_fields", _custom_fields(fields["custom_fields"]))
    if "owner" in fields:
        owner = fields["owner"]
        if (owner.pk if owner else None) != person.owner_id:
            ensure_can_assign_owner(actor, owner)
            put("owner", owner)
            if "team" not in fields and owner is not None:
                put("team", owner.team)
    if "team" in fields:
        team = clean_team(fields["team"])
        if (team.pk if team else None) != person.team_id:
            put("team", team)
    if "emails" in fields:
        cleaned = _unique_cleaned(fields["emails"], clean_email, "emails")
        if _replace_contact_identities(person, IdentityKind.EMAIL, cleaned):
            changed.append("emails")
    if "phones" in fields:
        cleaned = _unique_cleaned(fields["phones"], clean_phone, "phones")
        if _replace_contact_identities(person, IdentityKind.PHONE, cleaned):
            changed.append("phones")
    if not (person.first_name or person.last_name or person.primary_email or person.primary_phone):
        raise ValidationError(_("Give at least a name, an email address or a phone number."), field="first_name")
    _ensure_still_visible(actor, person)
    if {"organization", "title", "is_decision_maker"} & fields.keys():
        _update_main_role(actor, person, fields)
    # Always compare-and-swap, even with nothing changed: a stale form must not look saved.
    update_fields = sorted({*changed, "primary_email", "primary_phone"} - {"emails", "phones"})
    save_versioned(person, expected_version=expected_version, update_fields=update_fields, actor=actor,
                   changed=changed)
    return person


def _update_main_role(actor: User, person: Person, fields: Mapping[str, Any]) -> None:
    main = person_main_affiliation(person)
    organization = fields.get("organization", main.organization if main else None)
    title = fields.get("title", main.title if main else "")
    decision = bool(fields.get("is_decision_maker", main.is_decision_maker if main else False))
    if main is not None and organization is not None and main.organization_id == organization.pk:
        title = _text(Affiliation, "title", title)
        if (main.title, main.is_decision_maker) != (title, decision):
            main.title, main.is_decision_maker = title, decision
            save_versioned(main, expected_version=None, update_fields=["title", "is_decision_maker"])
        return
    today = timezone.localdate()
    if organization is not None:
        _ensure_visible(actor, organization)
    if main is not None:
        main.end_date = today
        save_versioned(main, expected_version=None, update_fields=["end_date"])
    if organization is not None:
        _affiliation_create(person=person, organization=organization, title=title, is_decision_maker=decision,
                            start_date=today if main is not None else None)


def _interaction_count(party: Person | Organization) -> int:
    # Through the log's reverse relation: people sits below interactions and does not import it.
    return party.interactions.count()


@transaction.atomic
def person_delete(*, actor: User, person: Person) -> None:
    """Delete a person with no interactions (a mistaken entry). With interactions: merge instead."""
    _ensure_visible(actor, person)
    if n := _interaction_count(person):
        raise Conflict(
            _("%(name)s has %(n)d interactions; merge the person into another instead of deleting.")
            % {"name": person.full_name, "n": n}
        )
    person.delete()


# --- organisations --------------------------------------------------------------------------
def _organization_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ORGANIZATION_TEXT_FIELDS:
        if name in fields:
            values[name] = _text(Organization, name, fields[name], required=name == "name")
    if "domain" in values:
        values["domain"] = _domain(values["domain"])
    if "country" in fields:
        values["country"] = _country(fields["country"])
    if "language" in fields:
        values["language"] = _language(fields["language"])
    if "phone" in fields:
        values["phone"] = clean_phone(fields["phone"], field="phone") if (fields["phone"] or "").strip() else ""
    if "lifecycle_stage" in fields:
        values["lifecycle_stage"] = _stage(fields["lifecycle_stage"])
    if "custom_fields" in fields:
        values["custom_fields"] = _custom_fields(fields["custom_fields"])
    if "team" in fields:
        values["team"] = clean_team(fields["team"])
    return values


def _domain(value: str) -> str:
    value = value.lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    value = value.removeprefix("www.").split("/")[0]
    if value and ("." not in value or " " in value):
        raise ValidationError(_("Give a web domain such as example.no."), field="domain")
    return value


@transaction.atomic
def organization_create(*, actor: User, name: str, warn_duplicates: bool = False, **fields) -> Organization:
    """Create an organisation. ``warn_duplicates`` as for ``person_create``: visible organisations with
    the same number or web domain, or a very similar name, refuse it with ``LikelyDuplicateError``."""
    ensure_staff(actor)
    _reject_unknown(fields, ORGANIZATION_FIELDS - {"name"})
    values = _organization_values({"name": name, **fields})
    owner = ensure_can_assign_owner(actor, fields.get("owner"))
    owner, team = _default_owner_team(actor, owner, values.pop("team", None))
    if warn_duplicates:
        _refuse_likely_duplicate(duplicates.likely_duplicate_organizations(
            actor=actor, name=values["name"], org_number=values.get("org_number", ""),
            domain=values.get("domain", ""),
        ))
    organization = Organization.objects.create(**values, owner=owner, team=team)
    _ensure_still_visible(actor, organization)
    return organization


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, expected_version: int | None,
                        **fields) -> Organization:
    _ensure_visible(actor, organization)
    _reject_unknown(fields, ORGANIZATION_FIELDS)
    values = _organization_values(fields)
    if "owner" in fields:
        owner = fields["owner"]
        if (owner.pk if owner else None) != organization.owner_id:
            values["owner"] = ensure_can_assign_owner(actor, owner)
            if "team" not in fields and owner is not None:
                values["team"] = owner.team
    changed = []
    for name, value in values.items():
        if getattr(organization, name) != value:
            setattr(organization, name, value)
            changed.append(name)
    _ensure_still_visible(actor, organization)
    save_versioned(organization, expected_version=expected_version, update_fields=changed, actor=actor)
    return organization


@transaction.atomic
def organization_delete(*, actor: User, organization: Organization) -> None:
    """Delete an organisation with no interactions; its roles go with it, its people stay."""
    _ensure_visible(actor, organization)
    if n := _interaction_count(organization):
        raise Conflict(
            _("%(name)s has %(n)d interactions and cannot be deleted.") % {"name": organization.name, "n": n}
        )
    organization.delete()


# --- roles (affiliations) -------------------------------------------------------------------
def _affiliation_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ("title", "department"):
        if name in fields:
            values[name] = _text(Affiliation, name, fields[name])
    if "is_decision_maker" in fields:
        values["is_decision_maker"] = bool(fields["is_decision_maker"])
    if "buying_role" in fields:
        role = fields["buying_role"] or ""
        if role not in BuyingRole.values:
            raise ValidationError(
                _("Unknown buying role “%(value)s”; use one of: %(choices)s.")
                % {"value": role, "choices": ", ".join(v for v in BuyingRole.values if v)},
                field="buying_role",
            )
        values["buying_role"] = role
    for name in ("start_date", "end_date"):
        if name in fields:
            values[name] = _date(fields[name], name)
    return values


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("Use a date like 2025-01-31."), field=field) from None


def _check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationError(_("The role cannot end before it starts."), field="end_date")


def _affiliation_create(*, person: Person, organization: Organization, **fields) -> Affiliation:
    values = _affiliation_values(fields)
    _check_period(values.get("start_date"), values.get("end_date"))
    return Affiliation.objects.create(person=person, organization=organization, **values)


@transaction.atomic
def affiliation_create(*, actor: User, person: Person, organization: Organization, title: str = "",
                       department: str = "", is_decision_maker: bool = False, buying_role: str = "",
                       start_date=None, end_date=None) -> Affiliation:
    """Give ``person`` a role in ``organization``; the actor must see both."""
    _ensure_visible(actor, person)
    if not isinstance(organization, Organization):
        raise ValidationError(_("Choose an organisation."), field="organization")
    if not can_read(actor, organization):
        raise ValidationError(_("No such organisation."), field="organization")
    return _affiliation_create(
        person=person, organization=organization, title=title, department=department,
        is_decision_maker=is_decision_maker, buying_role=buying_role, start_date=start_date, end_date=end_date,
    )


@transaction.atomic
def affiliation_update(*, actor: User, affiliation: Affiliation, expected_version: int | None,
                       **fields) -> Affiliation:
    _ensure_visible(actor, affiliation.person)
    _reject_unknown(fields, AFFILIATION_FIELDS)
    values = _affiliation_values(fields)
    _check_period(values.get("start_date", affiliation.start_date), values.get("end_date", affiliation.end_date))
    for name, value in values.items():
        setattr(affiliation, name, value)
    save_versioned(affiliation, expected_version=expected_version, update_fields=sorted(values))
    return affiliation


@transaction.atomic
def affiliation_end(*, actor: User, affiliation: Affiliation, end_date: dt.date | None = None) -> Affiliation:
    """End a role (today unless told otherwise); the role stays in the person's history."""
    _ensure_visible(actor, affiliation.person)
    end = _date(end_date, "end_date") or timezone.localdate()
    _check_period(affiliation.start_date, end)
    affiliation.end_date = end
    save_versioned(affiliation, expected_version=None, update_fields=["end_date"])
    return affiliation


@transaction.atomic
def affiliation_delete(*, actor: User, affiliation: Affiliation) -> None:
    """Delete a role entered by mistake (to record that someone left, end it instead)."""
    _ensure_visible(actor, affiliation.person)
    affiliation.delete()


# --- consents -------------------------------------------------------------------------------
@transaction.atomic
def consent_record(*, actor: User | None, person: Person, purpose: str, lawful_basis: str, given_at=None,
                   source: str = "") -> Consent:
    """Record a consent. ``actor=None`` is the person themselves, through a signed link (the email
    preference page)."""
    if actor is not None:
        _ensure_visible(actor, person)
    purpose = _text(Consent, "purpose", purpose, required=True).lower().replace(" ", "_")
    if lawful_basis not in LawfulBasis.values:
        raise ValidationError(
            _("Unknown lawful basis “%(value)s”; use one of: %(choices)s.")
            % {"value": lawful_basis, "choices": ", ".join(LawfulBasis.values)},
            field="lawful_basis",
        )
    if given_at is not None and not isinstance(given_at, dt.datetime):
        raise ValidationError(_("Give a date and time."), field="given_at")
    if given_at is not None and timezone.is_naive(given_at):
        given_at = timezone.make_aware(given_at)
    return Consent.objects.create(
        person=person, purpose=purpose, lawful_basis=lawful_basis, given_at=given_at or timezone.now(),
        source=_text(Consent, "source", source),
    )


@transaction.atomic
def consent_withdraw(*, actor: User | None, consent: Consent, withdrawn_at=None) -> Consent:
    """Withdraw a consent; withdrawing again keeps the first withdrawal time.

    ``actor=None`` is the person themselves, through a signed link (a campaign email's unsubscribe).
    """
    if actor is not None:
        _ensure_visible(actor, consent.person)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = withdrawn_at or timezone.now()
        if consent.withdrawn_at < consent.given_at:
            raise ValidationError(_("A consent cannot be withdrawn before it was given."), field="withdrawn_at")
        consent.save(update_fields=["withdrawn_at", "updated_at"])
    return consent


# --- value tiers (written by the insight module) -----------------------------------------------------
def value_tiers_set(*, kind: str, tiers: Mapping[int, str], chunk_size: int = 5000) -> int:
    """Set ``value_tier`` for many persons or organisations at once (a system write: the insight module's
    tiers). ``tiers`` is ``{id: tier}`` with ``tier`` one of ``ValueTier`` or ``""``. Only rows whose tier
    changes are written, and their ``version`` moves on so an open form cannot silently undo it.
    Returns the number of rows changed."""
    model = Person if kind == "person" else Organization
    allowed = set(ValueTier.values) | {""}
    by_tier: dict[str, list[int]] = {}
    for pk, tier in tiers.items():
        if tier not in allowed:
            raise ValidationError(_("Unknown value tier."), field="value_tier")
        by_tier.setdefault(tier, []).append(pk)
    changed = 0
    with transaction.atomic():
        for tier, ids in by_tier.items():
            for start in range(0, len(ids), chunk_size):
                changed += (model.objects.filter(pk__in=ids[start:start + chunk_size]).exclude(value_tier=tier)
                            .update(value_tier=tier, version=F("version") + 1))
    return changed


# --- figures other modules derive (personas, value tiers …) ------------------------------------------
DERIVED_PERSON_FIELDS = frozenset({"persona", "relationship_category", "value_tier"})


@transaction.atomic
def persons_set_derived(*, field: str, assignments: Mapping[str, Any]) -> int:
    """Set a derived field on many persons at once: ``{value: queryset of person ids}`` (unevaluated, so each
    value is one ``UPDATE … WHERE id IN (…)`` and nobody is loaded into Python). Rows that already hold the
    value are left alone. A system write: no actor, and the ``version`` stays, since nobody typed it and an
    open edit form must not turn stale because the nightly assignment ran. Returns the rows changed."""
    if field not in DERIVED_PERSON_FIELDS:
        raise ValidationError(_("This field is not derived."), field="field")
    max_length = Person._meta.get_field(field).max_length
    changed = 0
    for value, ids in assignments.items():
        value = str(value or "")[:max_length]
        changed += Person.objects.filter(pk__in=ids).exclude(**{field: value}).update(**{field: value})
    return changed
