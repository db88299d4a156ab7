"""The merge page's form: which record to keep and, per differing field, whose value."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.people.merge import MergeField, MergePreview


class MergeForm(forms.Form):
    """Fields: ``keep`` (a person id), ``choice_<n>`` per differing field (a person id) and the
    versions both persons had when the page was shown (a stale page gets a conflict, not a merge)."""

    version_a = forms.IntegerField(widget=forms.HiddenInput)
    version_b = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, preview: MergePreview, **kwargs):
        super().__init__(*args, **kwargs)
        self.preview = preview
        a, b = preview.survivor, preview.other
        self.fields["version_a"].initial = a.version
        self.fields["version_b"].initial = b.version
        self.fields["keep"] = forms.TypedChoiceField(
            label=_("Record to keep"),
            choices=[(a.pk, a.full_name), (b.pk, b.full_name)],
            coerce=int,
            initial=a.pk,
            widget=forms.RadioSelect,
        )
        self.choice_fields: list[tuple[MergeField, str]] = []
        for i, merge_field in enumerate(preview.differing_fields):
            name = f"choice_{i}"
            self.fields[name] = forms.TypedChoiceField(
                label=merge_field.label,
                choices=[(a.pk, merge_field.survivor_display or "—"), (b.pk, merge_field.other_display or "—")],
                coerce=int,
                empty_value=None,
                required=False,  # not chosen: the default rule (see tillit.people.merge)
                initial=a.pk if merge_field.default_choice == "survivor" else b.pk,
                widget=forms.RadioSelect,
            )
            self.choice_fields.append((merge_field, name))

    @property
    def rows(self) -> list[tuple[MergeField, forms.BoundField | None]]:
        """Every field with a value, in order; differing ones with their radio buttons."""
        names = {id(mf): name for mf, name in self.choice_fields}
        return [
            (mf, self[names[id(mf)]] if id(mf) in names else None)
            for mf in self.preview.fields
            if id(mf) in names or mf.survivor_display
        ]

    def merge_arguments(self) -> dict:
        """Keyword arguments for ``person_merge`` (apart from the actor)."""
        a, b = self.preview.survivor, self.preview.other
        survivor, other = (a, b) if self.cleaned_data["keep"] == a.pk else (b, a)
        return {
            "survivor": survivor,
            "other": other,
            "field_choices": {
                mf.name: self.cleaned_data[name] for mf, name in self.choice_fields if self.cleaned_data[name]
            },
            "expected_versions": {a.pk: self.cleaned_data["version_a"], b.pk: self.cleaned_data["version_b"]},
        }
