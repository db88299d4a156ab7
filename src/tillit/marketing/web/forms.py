"""Forms for campaign and tracking-site pages: they parse; the services validate (same rules as the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.accounts.models import STAFF_ROLES, User
from tillit.core.errors import DomainError
from tillit.interactions.models import Channel
from tillit.marketing.models import Segment, StaticList
from tillit.marketing.web.models import CampaignStatus


class _DomainErrors:
    def add_domain_error(self, exc: DomainError) -> None:
        errors = exc.errors or [{"field": exc.field, "reason": exc.message}]
        for error in errors:
            field = error.get("field")
            self.add_error(field if field in self.fields and field != "version" else None, error["reason"])


class CampaignForm(_DomainErrors, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"), max_length=100, required=False,
        help_text=_("utm_campaign on links and the campaign on every touch; made from the name when empty."),
    )
    channel = forms.ChoiceField(label=_("Main channel"), required=False,
                                choices=[("", "—"), *[(c, label) for c, label in Channel.choices if c != "internal"]])
    status = forms.ChoiceField(label=_("Status"), choices=CampaignStatus.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), required=False, queryset=User.objects.none())
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    budget = forms.CharField(label=_("Budget"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False, initial="NOK")
    goal = forms.CharField(label=_("Goal"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    segments = forms.ModelMultipleChoiceField(label=_("Segments"), required=False, queryset=Segment.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    static_lists = forms.ModelMultipleChoiceField(label=_("Static lists"), required=False,
                                                  queryset=StaticList.objects.none(),
                                                  widget=forms.CheckboxSelectMultiple)
    learnings = forms.CharField(label=_("What we learned"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, campaign=None, **kwargs):
        if campaign is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "version": campaign.version, "name": campaign.name, "code": campaign.code,
                "channel": campaign.channel, "status": campaign.status, "owner": campaign.owner_id,
                "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
                "budget": f"{campaign.budget:.2f}" if campaign.budget else "", "currency": campaign.currency,
                "goal": campaign.goal, "learnings": campaign.learnings,
                "segments": list(campaign.segments.values_list("pk", flat=True)),
                "static_lists": list(campaign.static_lists.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        self.fields["segments"].queryset = Segment.objects.order_by("name")
        self.fields["static_lists"].queryset = StaticList.objects.order_by("name")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["budget"] = (data.get("budget") or "").replace(" ", "").replace("\u00a0", "") or None
        data["currency"] = (data.get("currency") or "NOK").upper()
        data["segments"] = list(data["segments"])
        data["static_lists"] = list(data["static_lists"])
        return data


class LearningsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    learnings = forms.CharField(label=_("What we learned"), required=False, widget=forms.Textarea(attrs={"rows": 5}))


class TrackingSiteForm(_DomainErrors, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    allowed_origins = forms.CharField(
        label=_("Allowed origins"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. https://www.example.com. Empty: any site may send (only while testing)."),
    )
    create_leads = forms.BooleanField(label=_("Create a lead when a form is sent with an unknown email"),
                                      required=False, initial=True)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
