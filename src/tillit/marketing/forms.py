"""Forms for the segment and list pages: they only parse; the services validate (same rules as the API)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.core.errors import DomainError


class _DomainErrors:
    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        if field == "rules" or (exc.field or "").startswith("rules"):
            field = "rules"
        self.add_error(field, exc.message)


class RulesField(forms.CharField):
    """The rule tree as JSON text (the editor writes it; people without JavaScript may type it)."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"})

    def clean(self, value):
        text = super().clean(value)
        if not text or not text.strip():
            return {}
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("The rules are not valid JSON (line %(line)d, column %(col)d)."),
                params={"line": exc.lineno, "col": exc.colno},
            ) from None


class SegmentForm(_DomainErrors, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rules = RulesField(label=_("Rules (JSON)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "description", "rules")}


class StaticListForm(_DomainErrors, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_fields(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("name", "description")}


class EmailImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file of email addresses"),
        help_text=_("One address per line, or a CSV file with an “email” column. UTF-8, at most 5 MB."),
    )
