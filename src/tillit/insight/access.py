"""Who may use the insight pages and API: managers and administrators.

The figures are company-wide (every customer, every sale), so they are not for a sales rep who sees
only their own customers; a customer's own figures reach staff through the card, which keeps the
card's access rules.
"""

from django.utils.translation import gettext as _

from tillit.accounts.models import Role
from tillit.core.access import ensure_staff
from tillit.core.errors import AccessDenied

INSIGHT_ROLES = frozenset({Role.ADMIN, Role.MANAGER})


def can_use_insight(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_superuser or getattr(user, "role", None) in INSIGHT_ROLES)


def ensure_insight(user) -> None:
    ensure_staff(user)
    if not can_use_insight(user):
        raise AccessDenied(_("Only managers and administrators work with customer value models."))
