"""Forms for deals, pipelines, lost reasons and targets.

Forms only parse what was typed; the services validate (the API gets the same rules) and the views
put a ``DomainError`` on the field it names.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tillit.accounts.models import User
from tillit.people import selectors as people_selectors
from tillit.people.forms import OrganizationField, OwnerChoiceField, VersionedForm, organization_label, owner_queryset
from tillit.people.models import Person
from tillit.sales.models import LostReason, Pipeline, Product, Stage, StageOutcome


class PersonField(forms.CharField):
    """A person picked by typing; the datalist offers ``Name (#id)``. Only persons the actor may see."""

    id_pattern = re.compile(r"\(#(\d+)\)\s*$")

    def __init__(self, *args, actor: User | None = None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        visible = people_selectors.person_list(actor=self.actor)
        match = self.id_pattern.search(text)
        person = visible.filter(pk=int(match.group(1))).first() if match else None
        if person is None:
            raise forms.ValidationError(
                _("No person “%(name)s” that you can see. Pick one from the list."), params={"name": text}
            )
        return person


def plain(amount) -> str:
    """``Decimal('152490.0000')`` → ``152490`` for an input (never ``1.5249E+5``)."""
    return f"{amount.normalize():f}" if amount is not None else ""


def person_label(person: Person | None) -> str:
    return f"{person.full_name} (#{person.pk})" if person else ""


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Stage) -> str:
        return f"{obj.pipeline.name} · {obj.name} ({obj.probability} %)"


def stage_choices(qs) -> list:
    """Stages grouped by pipeline for a ``<select>`` with ``<optgroup>``s."""
    groups: dict[str, list] = {}
    for stage in qs:
        groups.setdefault(stage.pipeline.name, []).append((stage.pk, f"{stage.name} ({stage.probability} %)"))
    return [("", "—"), *groups.items()]


class DealForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    person = PersonField(label=_("Person"), required=False,
                         widget=forms.TextInput(attrs={"list": "person-options", "autocomplete": "off",
                                                       "placeholder": _("Type a name, email or phone…")}))
    organization = OrganizationField(label=_("Organisation"), required=False,
                                     widget=forms.TextInput(attrs={"list": "organization-options",
                                                                   "autocomplete": "off",
                                                                   "placeholder": _("Type a name…")}))
    value = forms.CharField(label=_("Value"), required=False,
                            help_text=_("Leave empty to use the total of the products below."),
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.TILLIT_BASE_CURRENCY,
                               widget=forms.TextInput(attrs={"size": 4}))
    expected_close_date = forms.DateField(label=_("Expected close date"), required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    stage = StageChoiceField(label=_("Pipeline and stage"), queryset=Stage.objects.none())
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor: User, deal=None, **kwargs):
        if deal is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": deal.title, "person": person_label(deal.person),
                "organization": organization_label(deal.organization), "value": plain(deal.value),
                "currency": deal.currency, "expected_close_date": deal.expected_close_date, "stage": deal.stage_id,
                "owner": deal.owner_id, "description": deal.description, "version": deal.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["person"].actor = actor
        self.fields["organization"].actor = actor
        stages = Stage.objects.select_related("pipeline").filter(pipeline__is_active=True)
        if deal is not None:
            stages = stages | Stage.objects.select_related("pipeline").filter(pipeline=deal.pipeline_id)
            # A closed deal changes stage with won/lost/reopen, not in the form.
            if deal.stage.outcome != StageOutcome.OPEN:
                stages = Stage.objects.select_related("pipeline").filter(pk=deal.stage_id)
        else:
            stages = stages.filter(outcome=StageOutcome.OPEN)
        stages = stages.distinct().order_by("pipeline__position", "pipeline__name", "position", "id")
        self.fields["stage"].queryset = stages
        self.fields["stage"].choices = stage_choices(stages)
        self.fields["owner"].queryset = owner_queryset(actor, deal.owner_id if deal else None)
        if deal is None and not self.is_bound:
            self.initial.setdefault("owner", actor.pk)
            first = next((s for s in stages), None)
            if first is not None:
                self.initial.setdefault("stage", first.pk)

    def clean(self):
        data = super().clean()
        if not data.get("person") and not data.get("organization") and not self.errors.get("person") \
                and not self.errors.get("organization"):
            self.add_error("person", _("Name a person or an organisation (or both)."))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("value") in ("", None):
            data["value"] = None
        return data


class DealProductForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none(), required=False)
    quantity = forms.CharField(label=_("Quantity"), required=False, widget=forms.TextInput(
        attrs={"inputmode": "decimal", "size": 6}))
    unit_price = forms.CharField(label=_("Unit price"), required=False, widget=forms.TextInput(
        attrs={"inputmode": "decimal", "size": 10}))

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products if products is not None else Product.objects.filter(
            is_active=True)


DealProductFormSet = forms.formset_factory(DealProductForm, extra=2, max_num=50)


def product_rows(formset) -> list[dict]:
    rows = []
    for form in formset:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("product"):
            rows.append({"product": data["product"], "quantity": data.get("quantity") or "1",
                         "unit_price": data.get("unit_price") or "0"})
    return rows


class LostForm(VersionedForm):
    lost_reason = forms.ModelChoiceField(label=_("Why was it lost?"), queryset=LostReason.objects.none(),
                                         empty_label=_("Choose a reason…"))
    lost_note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lost_reason"].queryset = LostReason.objects.filter(is_active=True)


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    is_active = forms.BooleanField(label=_("Active (shown on the board and in new deals)"), required=False,
                                   initial=True)
    seed = forms.BooleanField(label=_("Start with the standard stages"), required=False, initial=True)


class StageRowForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Stage"), max_length=100, required=False)
    probability = forms.IntegerField(label=_("Win probability (%)"), min_value=0, max_value=100, required=False,
                                     widget=forms.NumberInput(attrs={"style": "width:5rem"}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=StageOutcome.choices, initial=StageOutcome.OPEN)
    is_committed = forms.BooleanField(label=_("Committed"), required=False)
    delete = forms.BooleanField(label=_("Delete"), required=False)


StageRowFormSet = forms.formset_factory(StageRowForm, extra=2, max_num=40)


def stage_rows_initial(pipeline: Pipeline) -> list[dict]:
    return [
        {"id": s.pk, "name": s.name, "probability": s.probability, "outcome": s.outcome,
         "is_committed": s.is_committed}
        for s in pipeline.stages.all()
    ]


def stage_rows(formset) -> list[dict]:
    """The stage list for ``pipeline_update``: rows in order, blank new rows and deleted rows left out."""
    rows = []
    for form in formset:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("delete") or (not data.get("id") and not (data.get("name") or "").strip()):
            continue
        row = {k: data.get(k) for k in ("name", "probability", "outcome", "is_committed")}
        row["probability"] = row["probability"] if row["probability"] is not None else 0
        if data.get("id"):
            row["id"] = data["id"]
        rows.append(row)
    return rows


class LostReasonForm(forms.Form):
    name = forms.CharField(label=_("New lost reason"), max_length=100)
