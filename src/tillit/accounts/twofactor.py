"""Two-factor sign-in with django-otp: a TOTP authenticator app plus ten single-use recovery codes.

A user has two-factor once a TOTP device is *confirmed* (they typed a code from the app). Setting up makes an
unconfirmed device; confirming it creates the recovery codes, shown once. Verification accepts a TOTP code or
one recovery code (which is then used up).
"""

from __future__ import annotations

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tillit.core.errors import ValidationError

RECOVERY_CODES = 10


def has_two_factor(user) -> bool:
    return user.two_factor_enabled


def pending_device(user) -> TOTPDevice:
    """The unconfirmed authenticator being set up (made on first call, the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def qr_svg_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_for_typing(device: TOTPDevice) -> str:
    """The base32 key in groups of four, for apps without a camera."""
    import base64

    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def confirm_setup(*, user, code: str) -> list[str]:
    """Confirm the pending authenticator with a code from the app; returns the new recovery codes (shown once)."""
    device = pending_device(user)
    if not device.verify_token(_digits(code)):
        raise ValidationError(_("That code does not match. Check the time on your phone and try the newest code."),
                              field="code")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # a re-setup replaces the old app
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    user.two_factor_enabled = True
    user.save(update_fields=["two_factor_enabled"])
    return new_recovery_codes(user=user)


@transaction.atomic
def new_recovery_codes(*, user) -> list[str]:
    """Replace the recovery codes (the old ones stop working)."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify(request, *, code: str) -> bool:
    """Check a code from the app or a recovery code; on success mark the session as verified."""
    code = (code or "").strip()
    for device in devices_for_user(request.user, confirmed=True):
        token = _digits(code) if isinstance(device, TOTPDevice) else code.replace(" ", "").lower()
        if token and device.verify_token(token):
            otp_login(request, device)
            return True
    return False


@transaction.atomic
def disable(*, user) -> None:
    """The user turns two-factor off (only where the role does not require it)."""
    if user.requires_two_factor:
        raise ValidationError(_("Your role must sign in with two factors; it cannot be turned off."), field="code")
    reset(user=user)


@transaction.atomic
def reset(*, user) -> None:
    """Remove the authenticator and the recovery codes (an administrator's help for a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    user.two_factor_enabled = False
    user.save(update_fields=["two_factor_enabled"])


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())
