"""Forms for products, customer groups and price lists. They parse; the catalogue services validate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.people.forms import OrganizationField, VersionedForm
from tillit.sales.models import CustomerGroup, Product, Unit


class ProductForm(VersionedForm):
    sku = forms.CharField(label=_("SKU"), max_length=60, help_text=_("Your article number; unique."))
    name = forms.CharField(label=_("Name"), max_length=200)
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.PIECE)
    vat_rate = forms.CharField(label=_("VAT rate (%)"), initial="25", max_length=10)
    warranty_months = forms.IntegerField(label=_("Warranty (months)"), required=False, min_value=0, max_value=600)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label=_("Active (can be quoted and ordered)"), required=False, initial=True)

    def __init__(self, *args, product: Product | None = None, **kwargs):
        if product is not None and not kwargs.get("data") and not args:
            kwargs["initial"] = {f: getattr(product, f) for f in
                                 ("sku", "name", "category", "unit", "vat_rate", "warranty_months", "description",
                                  "is_active", "version")}
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class CustomerGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GroupMemberForm(forms.Form):
    organization = OrganizationField(label=_("Add an organisation"), max_length=250, required=False,
                                     widget=forms.TextInput(attrs={"list": "organization-options",
                                                                   "autocomplete": "off"}))
    person_email = forms.EmailField(label=_("…or a person, by email"), required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["organization"].actor = actor

    def clean_person_email(self):
        from tillit.people.selectors import person_list

        email = self.cleaned_data.get("person_email")
        if not email:
            return None
        person = person_list(actor=self.actor, q=email).first()
        if person is None:
            raise forms.ValidationError(_("No person you can see has this email."))
        return person

    def clean(self):
        data = super().clean()
        if not data.get("organization") and not data.get("person_email") and not self.errors:
            raise forms.ValidationError(_("Pick an organisation or enter a person's email."))
        return data


class PriceListForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="NOK",
                               help_text=_("Three letters: NOK, SEK, DKK, EUR …"))
    customer_group = forms.ModelChoiceField(
        label=_("Customer group"), queryset=CustomerGroup.objects.order_by("name"), required=False,
        empty_label=_("Everyone (the general list of this currency)"))
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, price_list=None, **kwargs):
        # The view passes ``request.POST or None``: a None first argument is no data either.
        if price_list is not None and not any(a is not None for a in args[:1]) and not kwargs.get("data"):
            kwargs["initial"] = {f: getattr(price_list, f) for f in
                                 ("name", "currency", "customer_group", "valid_from", "valid_until", "is_active",
                                  "version")}
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class PriceForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.filter(is_active=True))
    unit_price = forms.CharField(label=_("Unit price"), max_length=30)
