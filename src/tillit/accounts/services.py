import datetime as dt
import ipaddress
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import ApiToken, CompanyProfile, User
from tillit.accounts.scopes import ALL_SCOPES, AREAS, allows
from tillit.accounts.selectors import company_profile
from tillit.core.errors import AccessDenied, AddressNotAllowed, MissingScope, NotFound, TokenExpired, ValidationError
from tillit.core.proxies import parse_address


def _clean_scopes(scopes) -> list[str]:
    chosen = list(dict.fromkeys(scopes))
    unknown = [scope for scope in chosen if scope not in ALL_SCOPES]
    if unknown:
        raise ValidationError(
            _("Not a scope: %(scopes)s. Scopes are area:read or area:write, areas: %(areas)s.")
            % {"scopes": ", ".join(map(str, unknown)), "areas": ", ".join(AREAS)},
            field="scopes",
        )
    if not chosen:
        raise ValidationError(_("Choose at least one scope: what may this token read or change?"), field="scopes")
    return [scope for scope in ALL_SCOPES if scope in chosen]  # one canonical order


def _clean_addresses(addresses) -> list[str]:
    cleaned = []
    for entry in addresses:
        entry = str(entry).strip()
        if not entry:
            continue
        try:
            cleaned.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ValidationError(
                _("“%(entry)s” is not an IP address or network (like 192.0.2.10 or 10.0.0.0/8).") % {"entry": entry},
                field="allowed_addresses",
            ) from None
    return list(dict.fromkeys(cleaned))


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes=ALL_SCOPES, expires_at: dt.datetime | None = None, allowed_addresses=(),
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the token row and the key, which is never stored. The scopes narrow
    what the token may do (by default everything its user may do); the user's access still decides what answers."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name so you can recognise it later."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must be in the future."), field="expires_at")
    key = "tlt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:12], key_hash=ApiToken.hash_key(key), scopes=_clean_scopes(scopes),
        expires_at=expires_at, allowed_addresses=_clean_addresses(allowed_addresses),
    )
    return token, key


def _address_allowed(token: ApiToken, address: str | None) -> bool:
    if not token.allowed_addresses:
        return True
    ip = parse_address(address or "")
    return ip is not None and any(ip in ipaddress.ip_network(net) for net in token.allowed_addresses)


def api_token_authenticate(*, key: str, scope: str | None = None, address: str | None = None) -> User | None:
    """The user a key acts for (see ``api_token_check``)."""
    token = api_token_check(key=key, scope=scope, address=address)
    return token.user if token else None


def api_token_check(*, key: str, scope: str | None = None, address: str | None = None) -> ApiToken | None:
    """The token of a key (with its user), or None for an unknown, revoked or disabled one (401). An expired token
    raises TokenExpired (401), a call from an address the token does not allow AddressNotAllowed (403) and an operation
    needing a ``scope`` the token lacks MissingScope (403), each saying why."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key or ""), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenExpired(_("This token expired on %(date)s; create a new one on the API tokens page.")
                           % {"date": token.expires_at.date().isoformat()})
    if not _address_allowed(token, address):
        raise AddressNotAllowed(_("This token may not be used from %(address)s.") % {"address": address or "?"})
    if scope is not None and not allows(token.scopes, scope):
        raise MissingScope(_("This token lacks the scope %(scope)s that this operation needs.") % {"scope": scope},
                           errors=[{"field": "scope", "reason": scope}])
    ip = str(parse_address(address or "") or "") or None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60 or ip != token.last_used_ip:
        # Throttled so a busy integration does not write on every request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    return token


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


COMPANY_FIELDS = frozenset({
    "name", "street_address", "postal_code", "city", "country", "org_number", "vat_number", "phone", "email",
    "website", "bank_account", "iban", "bic",
})
LOGO_TYPES = {"PNG": "png", "JPEG": "jpg"}  # what the PDF can embed
LOGO_MAX_BYTES = 2 * 1024 * 1024


def _clean_logo(upload) -> str:
    """The file extension of an acceptable logo (PNG or JPEG, at most 2 MB), else a ValidationError."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo may be at most 2 MB."), field="logo")
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        kind = None
    upload.seek(0)
    if kind not in LOGO_TYPES:
        raise ValidationError(_("Upload the logo as a PNG or JPEG image."), field="logo")
    return LOGO_TYPES[kind]


@transaction.atomic
def company_profile_update(*, actor: User, logo=None, remove_logo: bool = False, **fields) -> CompanyProfile:
    """Change the company's details (administrators only); ``logo`` is an uploaded PNG or JPEG file."""
    if not (actor.is_superuser or actor.role == "admin"):
        raise AccessDenied(_("Only administrators can change the company's details."))
    unknown = sorted(set(fields) - COMPANY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field “%(name)s”.") % {"name": unknown[0]}, field=unknown[0])
    profile = company_profile()
    for name, value in fields.items():
        value = (value or "").strip()
        limit = CompanyProfile._meta.get_field(name).max_length
        if limit and len(value) > limit:
            raise ValidationError(_("At most %(n)d characters.") % {"n": limit}, field=name)
        setattr(profile, name, value)
    old_logo = profile.logo.name if profile.logo else ""
    if logo is not None:
        extension = _clean_logo(logo)
        profile.logo.save(f"logo.{extension}", logo, save=False)
    elif remove_logo:
        profile.logo = ""
    profile.save()
    if old_logo and old_logo != (profile.logo.name if profile.logo else ""):
        # The replaced file goes only once the new row is committed.
        storage, name = profile.logo.storage, old_logo
        transaction.on_commit(lambda: storage.delete(name))
    return profile
