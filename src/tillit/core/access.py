"""Record-level access: who may see and change which customer records.

Every selector and service that touches people, organisations or interactions goes through
these functions, so pages, the API and exports cannot disagree.
"""

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
