"""Forms of the quote editor. Numbers stay text here: the quote services parse them (``1 234,50`` too)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.people.forms import VersionedForm
from tillit.sales.models import Product


class QuoteCreateForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_("Leave empty for 30 days from today."))


class QuoteSettingsForm(VersionedForm):
    discount_percent = forms.CharField(label=_("Quote discount (%)"), max_length=10, required=False)
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    recipient_email = forms.CharField(label=_("Send to"), max_length=254, required=False)
    introduction = forms.CharField(label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["discount_percent"] = data["discount_percent"] or "0"
        return data


class LineForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), required=False,
                                     queryset=Product.objects.filter(is_active=True).order_by("name"),
                                     empty_label=_("— free text —"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.CharField(label=_("Qty"), max_length=20, required=False, initial="1")
    unit_price = forms.CharField(label=_("Unit price"), max_length=30, required=False,
                                 help_text=_("Empty: the customer's price list."))
    discount_percent = forms.CharField(label=_("Disc. (%)"), max_length=10, required=False)
    vat_rate = forms.CharField(label=_("VAT (%)"), max_length=10, required=False)

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class LineEditForm(forms.Form):
    description = forms.CharField(max_length=300)
    quantity = forms.CharField(max_length=20)
    unit_price = forms.CharField(max_length=30)
    discount_percent = forms.CharField(max_length=10, required=False)
    vat_rate = forms.CharField(max_length=10)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["discount_percent"] = data["discount_percent"] or "0"
        return data


class SendForm(forms.Form):
    to = forms.CharField(label=_("Send to"), max_length=254, required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), max_length=500, required=False)
