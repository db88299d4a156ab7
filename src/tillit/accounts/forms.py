import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from tillit.accounts.models import TIME_ZONE_CHOICES
from tillit.accounts.scopes import ALL_SCOPES

# The zones Tillit's users mostly live in, offered first; every other zone follows grouped by region.
COMMON_TIME_ZONES = ("Europe/Oslo", "Europe/Stockholm", "Europe/Copenhagen", "Europe/Helsinki", "Atlantic/Reykjavik",
                     "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore")


def _city(zone: str) -> str:
    return zone.split("/", 1)[1].replace("_", " ").replace("/", " / ")


def time_zone_choices() -> list:
    """Common zones first, then one group per region ("Europe", "America", …) with the city names."""
    valid = {zone for zone, _label in TIME_ZONE_CHOICES}
    common = [(zone, f"{_city(zone)} ({zone.split('/')[0]})") for zone in COMMON_TIME_ZONES if zone in valid]
    regions: dict[str, list] = {}
    for zone, _label in TIME_ZONE_CHOICES:
        if zone not in COMMON_TIME_ZONES:
            regions.setdefault(zone.split("/")[0], []).append((zone, _city(zone)))
    return [(_("Common"), common), *regions.items()]


class PreferencesForm(forms.Form):
    # Each language in its own name, so someone who picked the wrong one can find their way back.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[(code, get_language_info(code)["name_local"].capitalize()) for code, _name in settings.LANGUAGES],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, help_text=_("What will use it, e.g. “ERP sync”."))
    # Rendered as a matrix of areas × read/write by the template; write includes read.
    scopes = forms.MultipleChoiceField(
        label=_("What may it do?"), choices=[(scope, scope) for scope in ALL_SCOPES], required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_through = forms.DateField(
        label=_("Valid through"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: the token stops working after this day."),
    )
    allowed_addresses = forms.CharField(
        label=_("Allowed addresses"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: IP addresses or networks it may be used from, one per line (e.g. 10.0.0.0/8)."),
    )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        expires_at = None
        if data.get("valid_through"):
            # Through the whole chosen day in the user's time zone.
            next_day = data["valid_through"] + dt.timedelta(days=1)
            expires_at = timezone.make_aware(dt.datetime.combine(next_day, dt.time.min))
        return {
            "name": data["name"], "scopes": data.get("scopes") or [], "expires_at": expires_at,
            "allowed_addresses": (data.get("allowed_addresses") or "").split(),
        }


class CompanyProfileForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200, required=False)
    org_number = forms.CharField(label=_("Organisation number"), max_length=40, required=False)
    vat_number = forms.CharField(label=_("VAT number"), max_length=40, required=False)
    street_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    bank_account = forms.CharField(label=_("Bank account"), max_length=40, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=40, required=False)
    bic = forms.CharField(label=_("BIC / SWIFT"), max_length=20, required=False)
    logo = forms.FileField(label=_("Logo"), required=False,
                           help_text=_("PNG or JPEG, at most 2 MB; printed at the top of each quote."))
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)
