"""Forms for registering an order directly and for changing its status and deliveries."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.people.forms import OrganizationField
from tillit.sales.models import DeliveryStatus, OrderStatus, Product

LINE_ROWS = 5  # rows shown at first; "More lines" adds LINE_ROWS at a time
MAX_LINE_ROWS = 200


class OrderRegisterForm(forms.Form):
    organization = OrganizationField(label=_("Organisation"), max_length=250, required=False,
                                     widget=forms.TextInput(attrs={"list": "organization-options",
                                                                   "autocomplete": "off"}))
    person_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="NOK")
    order_date = forms.DateField(label=_("Order date"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Empty: today."))
    external_id = forms.CharField(label=_("External id"), max_length=200, required=False,
                                  help_text=_("The order number in your ERP, if any."))

    line_rows_count = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, actor=None, rows: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].actor = actor
        if rows is None:
            source = self.data if self.is_bound else self.initial
            try:
                rows = int(source.get("line_rows_count") or LINE_ROWS)
            except (TypeError, ValueError):
                rows = LINE_ROWS
        self.rows = max(LINE_ROWS, min(rows, MAX_LINE_ROWS))
        self.initial["line_rows_count"] = self.rows
        products = Product.objects.filter(is_active=True).order_by("name")
        for i in range(self.rows):
            self.fields[f"line{i}_product"] = forms.ModelChoiceField(
                label=_("Product"), queryset=products, required=False, empty_label=_("— free text —"))
            self.fields[f"line{i}_description"] = forms.CharField(label=_("Description"), max_length=300,
                                                                  required=False)
            self.fields[f"line{i}_quantity"] = forms.CharField(label=_("Qty"), max_length=20, required=False)
            self.fields[f"line{i}_unit_price"] = forms.CharField(label=_("Unit price"), max_length=30, required=False)

    def line_rows(self):
        return [[self[f"line{i}_{f}"] for f in ("product", "description", "quantity", "unit_price")]
                for i in range(self.rows)]

    def lines(self) -> list[dict]:
        rows = []
        for i in range(self.rows):
            row = {f: self.cleaned_data.get(f"line{i}_{f}") for f in ("product", "description", "quantity",
                                                                      "unit_price")}
            if any(v not in (None, "") for v in row.values()):
                rows.append(row)
        return rows


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(choices=OrderStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class LineDeliveryForm(forms.Form):
    delivery_status = forms.ChoiceField(label=_("Delivery"), choices=DeliveryStatus.choices)
    delivered_on = forms.DateField(label=_("Delivered"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
