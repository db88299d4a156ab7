"""Forms of the insight pages; the services validate (the API calls the same services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.insight.models import PartyKind, TierBasis, TierMode

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Customers"), choices=PartyKind.choices, initial=PartyKind.PERSON)
    calibration_end = forms.DateField(
        label=_("End of calibration"), widget=DATE,
        help_text=_("The model learns from purchases up to this day…"))
    holdout_days = forms.IntegerField(
        label=_("Hold-out days"), initial=180,
        help_text=_("…and is checked against the purchases of the days after it."))
    horizon_months = forms.IntegerField(label=_("CLV horizon (months)"), initial=12)
    annual_discount = forms.CharField(
        label=_("Annual discount rate"), initial="0.10", widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("0.10 is 10 % a year: money next year is worth less than money today."))


class TierForm(forms.Form):
    basis = forms.ChoiceField(label=_("Tiers from"), choices=TierBasis.choices)
    mode = forms.ChoiceField(label=_("Cut-offs as"), choices=TierMode.choices)
    platinum = forms.CharField(label=_("Platinum"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    gold = forms.CharField(label=_("Gold"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    silver = forms.CharField(label=_("Silver"), widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                             help_text=_("Bronze is everyone else with the figure."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)



def _score(label):
    return forms.TypedChoiceField(label=label, coerce=int, choices=[(i, str(i)) for i in range(1, 6)])


class RfmClassForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    priority = forms.IntegerField(label=_("Priority"), min_value=0, max_value=32767, initial=100,
                                  help_text=_("The first class, by priority, whose ranges hold is the customer's."))
    recency_min = _score(_("Recency from"))
    recency_max = _score(_("Recency to"))
    frequency_min = _score(_("Frequency from"))
    frequency_max = _score(_("Frequency to"))
    monetary_min = _score(_("Monetary from"))
    monetary_max = _score(_("Monetary to"))
