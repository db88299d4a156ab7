"""Forms for the service pages. They parse; the services validate (the API gets the same rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.core.errors import DomainError
from tillit.interactions.models import Channel
from tillit.people.forms import OrganizationField, organization_label
from tillit.people.models import Person
from tillit.service import selectors
from tillit.service.models import (
    AssignmentMode,
    AssignmentRule,
    CaseKind,
    CasePriority,
    CaseStatus,
    Queue,
)


class DomainErrorsMixin:
    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class CaseForm(DomainErrorsMixin, forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    person = forms.ModelChoiceField(label=_("Customer"), queryset=Person.objects.none(), required=False,
                                    widget=forms.HiddenInput)
    customer_email = forms.EmailField(label=_("Customer's email"), required=False,
                                      help_text=_("Replies go here. A new address becomes a lead."))
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, initial=CaseKind.INQUIRY)
    channel = forms.ChoiceField(label=_("Came in by"), initial=Channel.PHONE,
                                choices=[(c, label) for c, label in Channel.choices if c != Channel.INTERNAL])
    priority = forms.ChoiceField(label=_("Priority"), choices=CasePriority.choices, initial=CasePriority.NORMAL)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.filter(is_active=True), required=False,
                                   empty_label=_("By the assignment rules"))
    assignee = AgentChoiceField(label=_("Assign to"), queryset=selectors.service_agents(), required=False,
                                empty_label=_("Nobody yet"))
    body = forms.CharField(label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 6}),
                           required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people if people is not None else Person.objects.none()

    def clean(self):
        data = super().clean()
        if not data.get("person") and not data.get("customer_email"):
            self.add_error("customer_email", _("Give the customer's email (or start from their card)."))
        return data


class ReplyForm(DomainErrorsMixin, forms.Form):
    body = forms.CharField(label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 6}))
    status = forms.ChoiceField(label=_("Then"), required=False, choices=[
        ("", _("Keep the case open")), (CaseStatus.WAITING, _("Wait for the customer")),
        (CaseStatus.RESOLVED, _("Resolve the case"))])
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(DomainErrorsMixin, forms.Form):
    body = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(DomainErrorsMixin, forms.Form):
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.filter(is_active=True), required=False,
                                   empty_label=_("Keep the queue"))
    assignee = AgentChoiceField(label=_("Agent"), queryset=selectors.service_agents(), required=False,
                                empty_label=_("Nobody (back to the queue)"))
    note = forms.CharField(label=_("Handover note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the next agent needs to know."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class PriorityForm(DomainErrorsMixin, forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=CasePriority.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(DomainErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[c for c in CaseStatus.choices if c[0] != CaseStatus.NEW])
    note = forms.CharField(label=_("Note"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class QueueForm(DomainErrorsMixin, forms.ModelForm):
    members = AgentChoiceField(label=_("Members"), queryset=selectors.agents(), required=False,
                               widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Queue
        fields = ["name", "description", "email", "assignment_mode", "is_default", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"] = forms.ModelMultipleChoiceField(
            label=_("Members"), queryset=selectors.agents(), required=False, widget=forms.CheckboxSelectMultiple)
        self.fields["assignment_mode"].choices = AssignmentMode.choices
        if self.instance.pk:
            self.initial["members"] = [m.user_id for m in self.instance.memberships.all()]

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "members"}


class RuleForm(DomainErrorsMixin, forms.ModelForm):
    # Typed with suggestions (people:organization_options), not a dropdown of every organisation;
    # resolves only to an organisation the actor may see.
    organization = OrganizationField(
        label=_("Organisation"), required=False,
        widget=forms.TextInput(attrs={"list": "organization-options", "autocomplete": "off",
                                      "placeholder": _("Any organisation")}))

    class Meta:
        model = AssignmentRule
        fields = ["name", "position", "is_active", "kind", "channel", "keyword", "organization", "queue",
                  "assignee"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].actor = actor
        if self.instance.pk and not self.is_bound:
            self.initial["organization"] = organization_label(self.instance.organization)
        self.fields["assignee"].queryset = selectors.service_agents()
        self.fields["queue"].queryset = Queue.objects.filter(is_active=True)
        self.fields["kind"].choices = [("", _("Any kind")), *CaseKind.choices]
        self.fields["channel"].choices = [("", _("Any channel")), *Channel.choices]
        self.fields["queue"].empty_label = _("No queue (agent only)")
        self.fields["assignee"].empty_label = _("Nobody (the queue decides)")

    def _post_clean(self):
        # The service validates (the model's check constraint would only say "constraint failed").
        pass


class SupportForm(forms.Form):
    """The public web form at /support/."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email"))
    kind = forms.ChoiceField(label=_("What is it about?"), choices=CaseKind.choices, initial=CaseKind.QUESTION)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 7}), max_length=10_000)
    # Honeypot: hidden from people by CSS; bots fill every field.
    website = forms.CharField(label=_("Leave this empty"), required=False)
