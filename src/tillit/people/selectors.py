"""Reads of persons and organisations, always filtered by what the actor may see."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import can_read, ensure_can_change, ensure_staff, restrict_parties
from tillit.core.errors import NotFound
from tillit.core.phones import looks_like_email, normalize_email, normalize_phone
from tillit.core.search import search_words
from tillit.people.models import Affiliation, Consent, Identity, IdentityKind, LifecycleStage, Organization, Person
from tillit.people.services import main_affiliation_order

_PHONEISH = re.compile(r"^[\d\s+().\-/]+$")


def current_affiliations() -> QuerySet[Affiliation]:
    today = timezone.localdate()
    return Affiliation.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


def _phone_q(q: str) -> Q | None:
    """Persons with this phone, whatever the formatting: ``+47 912 34 567``, ``91234567``, ``0047-…``.

    A whole number is looked up in the identity index; a fragment ("34 567") scans primary phones.
    """
    if not _PHONEISH.match(q):
        return None
    digits = re.sub(r"\D", "", q)
    if len(digits) < 5:
        return None
    phone = normalize_phone(q)
    if phone and len(digits) >= 8:
        return Q(pk__in=_identity_owners(IdentityKind.PHONE, phone))
    return Q(primary_phone__contains=digits)


def _identity_owners(kind: str, normalized: str) -> QuerySet:
    return Identity.objects.filter(kind=kind, normalized=normalized).values("person_id")


def _email_q(q: str) -> Q:
    email = normalize_email(q)
    try:
        validate_email(email)
    except DjangoValidationError:
        return Q(primary_email__startswith=email)  # still being typed
    return Q(pk__in=_identity_owners(IdentityKind.EMAIL, email))


def _person_search(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    q = " ".join(q.split())
    if not q:
        return qs
    if looks_like_email(q):
        return qs.filter(_email_q(q))
    phone = _phone_q(q)
    if phone is not None:
        return qs.filter(phone)
    # Every word must match the first name, last name, email or a current organisation's name —
    # accent- and case-insensitively: the folded word in the folded ``search_key`` (tillit.core.search).
    for word in search_words(q):
        # Not correlated: the database finds the organisations' people once, not once per person.
        at_org = current_affiliations().filter(organization__search_key__contains=word).values("person_id")
        qs = qs.filter(Q(search_key__contains=word) | Q(pk__in=at_org))
    return qs


def person_list(*, actor: User, q: str = "", lifecycle_stage: str = "", owner_id: int | None = None,
                organization_id: int | None = None) -> QuerySet[Person]:
    """Persons the actor may read (owner scope or a relationship grant), searched and filtered, with
    owner and team joined.

    Each row carries ``current_roles`` (prefetched for the rows fetched only, current first), so
    ``current_roles.0`` is the main role shown in lists. Not an annotation on purpose: a subquery in
    the select list is evaluated for every row an OFFSET skips, which made deep pages slow.
    """
    ensure_staff(actor)
    qs = restrict_parties(Person.objects.all(), actor)
    qs = _person_search(qs, q or "")
    if lifecycle_stage:
        if lifecycle_stage not in LifecycleStage.values:
            return qs.none()
        qs = qs.filter(lifecycle_stage=lifecycle_stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if organization_id:
        qs = qs.filter(pk__in=current_affiliations().filter(organization_id=organization_id).values("person_id"))
    roles = current_affiliations().select_related("organization").order_by(*main_affiliation_order())
    return (
        qs.select_related("owner", "team")
        .prefetch_related(Prefetch("affiliations", queryset=roles, to_attr="current_roles"))
        .order_by(Lower("last_name"), Lower("first_name"), "id")  # matches the person_name_lower index
    )


def person_get(*, actor: User, person_id: int, for_change: bool = False) -> Person:
    """One person the actor may read (with owner and team), or ``NotFound``.

    ``for_change``: the actor must also be allowed to change it (``AccessDenied`` for a reader through
    a relationship grant). The services check that again on every write.
    """
    ensure_staff(actor)
    person = restrict_parties(Person.objects.select_related("owner", "team"), actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No such person."))
    if for_change:
        ensure_can_change(actor, person)
    return person


def person_identities(*, person: Person) -> dict[str, list[Identity]]:
    """The person's identities grouped by kind (primary first). The caller has already got the person."""
    grouped: dict[str, list[Identity]] = {kind: [] for kind in IdentityKind.values}
    for identity in person.identities.all():
        grouped[identity.kind].append(identity)
    return grouped


def person_roles(*, person: Person) -> QuerySet[Affiliation]:
    """Every role the person has had, current first."""
    return (
        Affiliation.objects.filter(person=person)
        .select_related("organization")
        .order_by(*main_affiliation_order())
    )


def affiliation_get(*, actor: User, affiliation_id: int) -> Affiliation:
    ensure_staff(actor)
    visible = restrict_parties(Person.objects.all(), actor).values("pk")
    affiliation = (
        Affiliation.objects.select_related("person", "organization")
        .filter(pk=affiliation_id, person__in=visible)
        .first()
    )
    if affiliation is None:
        raise NotFound(_("No such role."))
    return affiliation


def organization_list(*, actor: User, q: str = "", owner_id: int | None = None) -> QuerySet[Organization]:
    """Organisations the actor may read (owner scope or a relationship grant), searched by name, number,
    domain or city (accent- and case-insensitively, in ``search_key``); owner and team joined.

    For head-counts on a page, pass the page's rows to ``with_people_counts``.
    """
    ensure_staff(actor)
    qs = restrict_parties(Organization.objects.all(), actor)
    for word in search_words(q):
        qs = qs.filter(search_key__contains=word)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    return qs.select_related("owner", "team").order_by(Lower("name"), "id")


def with_people_counts(organizations: Iterable[Organization]) -> list[Organization]:
    """Set ``people_count`` (people with a current role) on each organisation, in one query.

    Done per page rather than as an annotation, which the database would compute for every row
    an OFFSET skips as well.
    """
    organizations = list(organizations)
    counts = dict(
        current_affiliations().filter(organization__in=[o.pk for o in organizations]).order_by()
        .values("organization").annotate(n=Count("person", distinct=True)).values_list("organization", "n")
    )
    for org in organizations:
        org.people_count = counts.get(org.pk, 0)
    return organizations


def organization_get(*, actor: User, organization_id: int, for_change: bool = False) -> Organization:
    """One organisation the actor may read, or ``NotFound``; ``for_change`` as for ``person_get``."""
    ensure_staff(actor)
    organization = (
        restrict_parties(Organization.objects.select_related("owner", "team"), actor)
        .filter(pk=organization_id).first()
    )
    if organization is None:
        raise NotFound(_("No such organisation."))
    if for_change:
        ensure_can_change(actor, organization)
    return organization


def assignable_owners(*, actor: User) -> QuerySet[User]:
    """Employees ``actor`` may choose as owner (the same rule the services enforce)."""
    from tillit.accounts.models import STAFF_ROLES, Role, Visibility

    qs = User.objects.filter(is_active=True).filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True))
    if actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER):
        return qs
    scope = actor.effective_visibility
    if scope == Visibility.ALL:
        return qs
    if scope == Visibility.TEAM and actor.team_id:
        return qs.filter(Q(team_id=actor.team_id) | Q(pk=actor.pk))
    return qs.filter(pk=actor.pk)


def owner_choices(*, actor: User) -> QuerySet[User]:
    """Owners worth filtering a list by: those whose records the actor may see."""
    from tillit.accounts.models import STAFF_ROLES, Visibility

    qs = User.objects.filter(is_active=True).filter(Q(role__in=STAFF_ROLES) | Q(is_superuser=True))
    scope = actor.effective_visibility
    if scope == Visibility.ALL:
        return qs
    if scope == Visibility.TEAM and actor.team_id:
        return qs.filter(Q(team_id=actor.team_id) | Q(pk=actor.pk))
    return qs.filter(pk=actor.pk)


def visible_organizations(*, actor: User) -> QuerySet[Organization]:
    ensure_staff(actor)
    return restrict_parties(Organization.objects.all(), actor).order_by(Lower("name"), "id")


def person_consents(*, actor: User, person_id: int) -> list[Consent]:
    """A visible person's consents, active and withdrawn, by purpose and newest first (``NotFound`` otherwise)."""
    person = person_get(actor=actor, person_id=person_id)
    return list(Consent.objects.filter(person=person).order_by("purpose", "-given_at", "-id"))


def consent_get(*, actor: User, consent_id: int) -> Consent:
    """One consent of a person the actor may see, or ``NotFound``."""
    ensure_staff(actor)
    consent = Consent.objects.select_related("person").filter(pk=consent_id).first()
    if consent is None or not can_read(actor, consent.person):
        raise NotFound(_("No such consent."))
    return consent
