"""Sign-in security pages: two-factor set-up and verification, recovery codes, sign out everywhere else,
password change, and the administrators' list of locked-out sign-ins."""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from tillit.accounts import twofactor
from tillit.core.errors import DomainError


def two_factor_step(view):
    """Reachable while signed in with the password only (the middleware sends half-signed-in users here)."""
    view.two_factor_step = True
    return view


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@two_factor_step
def two_factor_setup(request):
    user = request.user
    device = twofactor.pending_device(user)
    error = None
    if request.method == "POST":
        try:
            codes = twofactor.confirm_setup(user=user, code=request.POST.get("code", ""))
        except DomainError as exc:
            error = exc.message
        else:
            device.refresh_from_db()
            otp_login(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)})
    return render(request, "accounts/two_factor_setup.html", {
        "qr": twofactor.qr_svg_data_uri(device), "secret": twofactor.secret_for_typing(device), "error": error,
        "required": user.requires_two_factor, "next": request.GET.get("next", ""),
    })


@two_factor_step
def two_factor_verify(request):
    error = None
    if request.method == "POST":
        if twofactor.verify(request, code=request.POST.get("code", "")):
            left = twofactor.recovery_codes_left(request.user)
            if left <= 3:
                messages.warning(request, _("Only %(count)s recovery codes left; make new ones under Security.")
                                 % {"count": left})
            return redirect(_next(request))
        error = _("That code is not right. Use the newest code from your app, or one of your recovery codes.")
    return render(request, "accounts/two_factor_verify.html", {"error": error, "next": request.GET.get("next", "")})


def security(request):
    """The user's own sign-in security: two-factor, recovery codes, sessions, password."""
    user = request.user
    return render(request, "accounts/security.html", {
        "has_two_factor": twofactor.has_two_factor(user), "required": user.requires_two_factor,
        "codes_left": twofactor.recovery_codes_left(user), "session_hours": settings.SESSION_COOKIE_AGE // 3600,
    })


@require_POST
def recovery_codes_renew(request):
    if not twofactor.has_two_factor(request.user):
        return redirect("accounts:security")
    codes = twofactor.new_recovery_codes(user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("accounts:security")})


@require_POST
def two_factor_disable(request):
    try:
        twofactor.disable(user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:security")


@require_POST
@transaction.atomic
def sign_out_elsewhere(request):
    user = request.user
    user.session_epoch += 1
    user.save(update_fields=["session_epoch"])
    update_session_auth_hash(request, user)  # this browser stays signed in
    messages.success(request, _("Every other session is signed out. API tokens are not affected."))
    return redirect("accounts:security")


def _admin_only(request):
    if not (request.user.is_superuser or request.user.role == "admin"):
        raise PermissionDenied(_("Only administrators can unlock sign-ins."))


def lockouts(request):
    """Usernames and addresses locked out by too many failed sign-ins, newest first."""
    _admin_only(request)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                                            attempt_time__gte=since).order_by("-attempt_time")
    return render(request, "accounts/lockouts.html", {
        "attempts": attempts, "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    })


@require_POST
def lockout_release(request):
    _admin_only(request)
    username, ip = request.POST.get("username") or None, request.POST.get("ip_address") or None
    if username:
        axes_reset(username=username)
    if ip:
        axes_reset(ip=ip)
    messages.success(request, _("Unlocked: %(who)s.") % {"who": ", ".join(filter(None, [username, ip]))})
    return redirect("accounts:lockouts")


@login_not_required
def locked_out(request, credentials=None, *args, **kwargs):
    """The page a locked-out sign-in gets (``AXES_LOCKOUT_CALLABLE``): what happened and what to do, as a 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
