from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.accounts import services
from tillit.accounts.forms import CompanyProfileForm, PreferencesForm, TokenForm
from tillit.accounts.scopes import AREAS, LEVELS
from tillit.accounts.selectors import company_profile
from tillit.core.errors import DomainError


def preferences(request):
    user = request.user
    initial = {
        "language": user.language or translation.get_language(),
        "time_zone": user.time_zone or settings.TIME_ZONE,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.user_preferences_update(user=user, **form.cleaned_data)
        translation.activate(user.language)
        messages.success(request, _("Your preferences are saved."))
        response = redirect("accounts:preferences")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
        return response
    return render(request, "accounts/preferences.html", {"form": form})


def tokens(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(user=request.user, **form.service_fields())
            form = TokenForm()
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    chosen = set(form["scopes"].value() or []) if form.is_bound else set()
    matrix = [
        {"area": area, "label": label,
         "levels": [{"scope": f"{area}:{level}", "label": level_label, "checked": f"{area}:{level}" in chosen}
                    for level, level_label in LEVELS.items()]}
        for area, label in AREAS.items()
    ]
    rows = request.user.api_tokens.all()
    return render(request, "accounts/tokens.html", {
        "form": form, "tokens": rows, "new_key": new_key, "matrix": matrix, "now": timezone.now(),
    })


@require_POST
def token_revoke(request, token_id: int):
    try:
        services.api_token_revoke(user=request.user, token_id=token_id)
        messages.success(request, _("The token is revoked; requests using it are refused from now on."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:tokens")


def company(request):
    """The company's details for quotes (administrators)."""
    if not (request.user.is_superuser or request.user.role == "admin"):
        raise PermissionDenied(_("Only administrators can change the company's details."))
    profile = company_profile()
    initial = {name: getattr(profile, name) for name in services.COMPANY_FIELDS}
    form = CompanyProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_profile_update(actor=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The company's details are saved."))
            return redirect("accounts:company")
    return render(request, "accounts/company.html", {"form": form, "profile": profile})


@login_not_required
def company_logo(request):
    """The logo file (public: it is on every quote and on the customer's accept page)."""
    profile = company_profile()
    if not profile.logo:
        raise Http404(_("No logo."))
    try:
        return FileResponse(profile.logo.open("rb"))
    except FileNotFoundError:
        raise Http404(_("No logo.")) from None
