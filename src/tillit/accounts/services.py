import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import ApiToken, User
from tillit.core.errors import NotFound, ValidationError


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the token row and the key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name so you can recognise it later."), field="name")
    key = "tlt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:12], key_hash=ApiToken.hash_key(key))
    return token, key


def api_token_authenticate(*, key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key or ""), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # Throttled so a busy integration does not write on every request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound(_("No such active token."))


@transaction.atomic
def user_preferences_update(*, user: User, language: str, time_zone: str) -> None:
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
