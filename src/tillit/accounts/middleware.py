import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation

from tillit.accounts.twofactor import has_two_factor

# Paths with their own authentication (API tokens) or none at all (health check, static files).
PUBLIC_PREFIXES = ("/api/", "/health", "/static/", "/i18n/")


class UserPreferencesMiddleware:
    """Activate the signed-in user's language and time zone for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Login everywhere but the public prefixes; staff pages only for staff roles.

    Partner and customer accounts get their own portals later; they never see staff pages.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(PUBLIC_PREFIXES) or not getattr(view_func, "login_required", True):
            if request.path_info.startswith("/api/") and not two_factor_done(request):
                request.user = AnonymousUser()  # half signed in: the API's session login does not count either
            return None
        response = super().process_view(request, view_func, view_args, view_kwargs)
        if response is not None:
            return response
        user = request.user
        if not two_factor_done(request) and not getattr(view_func, "two_factor_step", False):
            step = "accounts:two_factor_verify" if has_two_factor(user) else "accounts:two_factor_setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        if user.is_authenticated and not user.is_staff_role:
            raise PermissionDenied("Staff pages are for employees.")
        return None


def two_factor_done(request) -> bool:
    """Whether a signed-in user has passed two-factor or needs none (no authenticator and a role that does not
    require one: no query at all)."""
    user = request.user
    if not user.is_authenticated or not (user.two_factor_enabled or user.requires_two_factor):
        return True
    return user.is_verified()
