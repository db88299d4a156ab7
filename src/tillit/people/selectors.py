"""Reads of persons and organisations, always filtered by what the actor may see."""

from __future__ import annotations

import re

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tillit.accounts.models import User
from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import NotFound
from tillit.core.phones import looks_like_email, normalize_email, normalize_phone
from tillit.people.models import Affiliation, Identity, IdentityKind, LifecycleStage, Organization, Person
from tillit.people.services import main_affiliation_order

_PHONEISH = re.compile(r"^[\d\s+().\-/]+$")


def current_affiliations() -> QuerySet[Affiliation]:
    today = timezone.localdate()
    return Affiliation.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


def _main_role(field: str) -> Subquery:
    return Subquery(
        current_affiliations().filter(person=OuterRef("pk")).order_by(*main_affiliation_order()).values(field)[:1]
    )


def _phone_q(q: str) -> Q | None:
    """Persons with this phone, whatever the formatting: ``+47 912 34 567``, ``91234567``, ``0047-…``."""
    if not _PHONEISH.match(q):
        return None
    digits = re.sub(r"\D", "", q)
    if len(digits) < 5:
        return None
    cond = Q()
    phone = normalize_phone(q)
    if phone:
        cond |= Q(primary_phone=phone) | Exists(
            Identity.objects.filter(person=OuterRef("pk"), kind=IdentityKind.PHONE, normalized=phone)
        )
    # A fragment ("34 567") still finds the primary phone it is part of.
    cond |= Q(primary_phone__contains=digits)
    return cond


def _email_q(q: str) -> Q:
    email = normalize_email(q)
    return Q(primary_email__icontains=email) | Exists(
        Identity.objects.filter(person=OuterRef("pk"), kind=IdentityKind.EMAIL, normalized=email)
    )


def _person_search(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    q = " ".join(q.split())
    if not q:
        return qs
    if looks_like_email(q):
        return qs.filter(_email_q(q))
    phone = _phone_q(q)
    if phone is not None:
        return qs.filter(phone)
    # Every word must match the first name, last name, email or a current organisation's name.
    for word in q.split(" "):
        org = Exists(current_affiliations().filter(person=OuterRef("pk"), organization__name__icontains=word))
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(primary_email__icontains=word) | org
        )
    return qs


def person_list(*, actor: User, q: str = "", lifecycle_stage: str = "", owner_id: int | None = None,
                organization_id: int | None = None) -> QuerySet[Person]:
    """Persons the actor may see, searched and filtered, with owner, team and main role in one query.

    Each row carries ``organization_name``, ``organization_id_current`` and ``title``.
    """
    ensure_staff(actor)
    qs = restrict(Person.objects.all(), actor)
    qs = _person_search(qs, q or "")
    if lifecycle_stage:
        if lifecycle_stage not in LifecycleStage.values:
            return qs.none()
        qs = qs.filter(lifecycle_stage=lifecycle_stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if organization_id:
        qs = qs.filter(Exists(current_affiliations().filter(person=OuterRef("pk"), organization_id=organization_id)))
    return qs.select_related("owner", "team").annotate(
        organization_name=_main_role("organization__name"),
        organization_id_current=_main_role("organization_id"),
        title=_main_role("title"),
    ).order_by("last_name", "first_name", "id")


def person_get(*, actor: User, person_id: int) -> Person:
    """One person the actor may see (with owner and team), or ``NotFound``."""
    ensure_staff(actor)
    person = restrict(Person.objects.select_related("owner", "team"), actor).filter(pk=person_id).first()
    if person is None:
        raise NotFound("No such person.")
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
    visible = restrict(Person.objects.all(), actor).values("pk")
    affiliation = (
        Affiliation.objects.select_related("person", "organization")
        .filter(pk=affiliation_id, person__in=visible)
        .first()
    )
    if affiliation is None:
        raise NotFound("No such role.")
    return affiliation


def organization_list(*, actor: User, q: str = "", owner_id: int | None = None) -> QuerySet[Organization]:
    """Organisations the actor may see, with ``people_count`` (current roles)."""
    ensure_staff(actor)
    qs = restrict(Organization.objects.all(), actor)
    for word in " ".join((q or "").split()).split(" "):
        if word:
            qs = qs.filter(
                Q(name__icontains=word) | Q(org_number__icontains=word) | Q(domain__icontains=word)
                | Q(city__icontains=word)
            )
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    people = (
        current_affiliations().filter(organization=OuterRef("pk")).order_by()
        .values("organization").annotate(n=Count("person", distinct=True)).values("n")
    )
    return qs.select_related("owner", "team").annotate(people_count=Subquery(people)).order_by("name", "id")


def organization_get(*, actor: User, organization_id: int) -> Organization:
    ensure_staff(actor)
    organization = (
        restrict(Organization.objects.select_related("owner", "team"), actor).filter(pk=organization_id).first()
    )
    if organization is None:
        raise NotFound("No such organisation.")
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
    return restrict(Organization.objects.all(), actor).order_by("name")
