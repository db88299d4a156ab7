"""Record-level access: who may see and change which customer records.

Every selector and service that touches people, organisations or interactions goes through
these functions, so pages, the API and exports cannot disagree.

Two levels for customers (persons and organisations):

- **owner scope** (``visibility_q``, ``can_see``): the record's owner, their team for team visibility,
  everyone for "all". Within it, an employee may change the record's fields.
- **relationship grants** (``register_relationship_grant``): an employee who works with a customer —
  owns an open deal, is assigned an open case or an open task with them — may *read* that customer
  (the card, the lists, the API, the export, the look-up) without owning it. The modules that know
  these relationships (sales, service, tasks) register a grant at start-up; this floor never imports
  them. ``party_visibility_q`` combines the owner scope and every grant in one filter (subqueries,
  one SQL statement); ``can_read`` answers for one record; ``ensure_can_change`` refuses a reader
  who only has a grant (403, read-only) and hides the record from anyone else (404).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, Team, User, Visibility
from tillit.core.errors import AccessDenied, NotFound, ValidationError


def visibility_q(user, *, owner_field: str = "owner", team_field: str = "team") -> Q | None:
    """The filter for records ``user`` may see; ``None`` means everything."""
    scope = user.effective_visibility if user.is_authenticated else Visibility.NONE
    if not user.is_authenticated or not user.is_staff_role:
        scope = Visibility.NONE
    if scope == Visibility.ALL:
        return None
    if scope == Visibility.TEAM and user.team_id:
        return Q(**{f"{owner_field}_id": user.pk}) | Q(**{f"{team_field}_id": user.team_id})
    if scope in (Visibility.OWN, Visibility.TEAM):
        return Q(**{f"{owner_field}_id": user.pk})
    return Q(pk__in=[])


def restrict(qs: QuerySet, user, **fields) -> QuerySet:
    q = visibility_q(user, **fields)
    return qs if q is None else qs.filter(q)


def can_see(user, record) -> bool:
    """Whether ``user`` may see ``record`` (a Person or an Organization) without a query."""
    if not user.is_authenticated or not user.is_staff_role:
        return False
    scope = user.effective_visibility
    if scope == Visibility.ALL:
        return True
    if record.owner_id == user.pk:
        return True
    return scope == Visibility.TEAM and user.team_id is not None and record.team_id == user.team_id


def ensure_can_see(user, record) -> None:
    # Not found rather than forbidden: an outsider learns nothing about which records exist.
    if not can_see(user, record):
        raise NotFound(_("No such %(record)s.") % {"record": record._meta.verbose_name})


# --- relationship grants ---------------------------------------------------------------------
PARTY_KINDS = ("person", "organization")


@dataclass(frozen=True)
class RelationshipGrant:
    """Customers an employee may read because they work with them.

    ``parties(user, kind)`` returns a queryset of the ids (``values(...)``) of the persons
    (``kind="person"``) or organisations (``kind="organization"``) ``user`` is linked to, or ``None``
    for none. It is used as a subquery, so it must not be evaluated; it must not depend on what the
    user may read (no grant built from another grant).
    """

    name: str
    parties: Callable[[Any, str], QuerySet | None]


_GRANTS: dict[str, RelationshipGrant] = {}


def register_relationship_grant(grant: RelationshipGrant) -> None:
    """Called by a module's ``AppConfig.ready``; registering the same name again replaces it."""
    _GRANTS[grant.name] = grant


def relationship_grants() -> list[RelationshipGrant]:
    return list(_GRANTS.values())


def granted_party_ids(user, kind: str) -> list[QuerySet]:
    """The grants' id subqueries of ``kind`` for ``user`` (unevaluated)."""
    if kind not in PARTY_KINDS:
        raise ValueError(kind)
    if not user.is_authenticated or not user.is_staff_role:
        return []
    return [sub for grant in _GRANTS.values() if (sub := grant.parties(user, kind)) is not None]


def party_visibility_q(user, kind: str, *, field: str = "") -> Q | None:
    """The filter for the persons or organisations (``kind``) ``user`` may read: owner scope or a grant.

    ``field`` is the path from the filtered model to the party ("" for the party itself, "person" on
    a case or an affiliation). ``None`` means everything.
    """
    prefix = f"{field}__" if field else ""
    q = visibility_q(user, owner_field=f"{prefix}owner", team_field=f"{prefix}team")
    if q is None:
        return None
    for ids in granted_party_ids(user, kind):
        q |= Q(**{f"{field or 'pk'}__in": ids})
    return q


def assigned_q(user, *, field: str = "assignee") -> Q:
    """Records assigned to ``user`` or, for team visibility, to a member of their team (for grants)."""
    q = Q(**{f"{field}_id": user.pk})
    if user.effective_visibility == Visibility.TEAM and user.team_id:
        q |= Q(**{f"{field}__team_id": user.team_id})
    return q


def _party_kind(model) -> str:
    kind = model._meta.model_name
    if kind not in PARTY_KINDS:
        raise ValueError(f"{model._meta.label} is not a person or an organisation")
    return kind


def restrict_parties(qs: QuerySet, user, *, field: str = "", kind: str | None = None) -> QuerySet:
    """``qs`` (persons or organisations, or records naming one by ``field``) narrowed to what ``user`` may read."""
    q = party_visibility_q(user, kind or _party_kind(qs.model), field=field)
    return qs if q is None else qs.filter(q)


def can_read(user, record) -> bool:
    """Whether ``user`` may read the person or organisation ``record``: owner scope (no query) or a
    relationship grant (one query)."""
    if can_see(user, record):
        return True
    subqueries = granted_party_ids(user, _party_kind(type(record)))
    if not subqueries or record.pk is None:
        return False
    q = Q()
    for ids in subqueries:
        q |= Q(pk__in=ids)
    return type(record)._default_manager.filter(q, pk=record.pk).exists()


def ensure_can_read(user, record) -> None:
    if not can_read(user, record):
        raise NotFound(_("No such %(record)s.") % {"record": record._meta.verbose_name})


def ensure_can_change(user, record) -> None:
    """Changing a customer's own fields needs the owner scope. A reader through a relationship grant
    is told it is read-only (403); anyone else gets 404, as if the record did not exist."""
    if can_see(user, record):
        return
    if can_read(user, record):
        raise AccessDenied(_("You can see this %(record)s because you work with them, but only its owner (or "
                             "their team) can change it.") % {"record": record._meta.verbose_name})
    raise NotFound(_("No such %(record)s.") % {"record": record._meta.verbose_name})


def ensure_staff(user) -> None:
    if not user.is_authenticated or not user.is_staff_role:
        raise AccessDenied(_("Only employees can do this."))


def ensure_can_assign_owner(actor, owner: Any) -> User | None:
    """``owner`` if ``actor`` may make them the owner of a record (a person, an organisation, a deal):
    themselves always; anyone as admin or manager; a colleague they can see the records of otherwise."""
    if owner is None:
        return None
    if not isinstance(owner, User):
        raise ValidationError(_("Choose an employee as owner."), field="owner")
    if not owner.is_active or not owner.is_staff_role:
        raise ValidationError(_("The owner must be an active employee."), field="owner")
    if owner.pk == actor.pk or actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER):
        return owner
    scope = actor.effective_visibility
    if scope == Visibility.ALL or (scope == Visibility.TEAM and actor.team_id and owner.team_id == actor.team_id):
        return owner
    raise AccessDenied(_("You can only make yourself the owner; ask a manager to hand it over."), field="owner")


def clean_team(team: Any) -> Team | None:
    if team is not None and not isinstance(team, Team):
        raise ValidationError(_("Choose a team."), field="team")
    return team
