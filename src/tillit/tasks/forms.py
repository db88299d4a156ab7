"""Task forms: they parse what was typed; ``tillit.tasks.services`` validates (the API gets the same rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.accounts.models import User
from tillit.core.errors import DomainError
from tillit.tasks.models import Priority
from tillit.tasks.services import assignable_users


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class TaskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    assignee = AssigneeField(label=_("Assigned to"), queryset=User.objects.none(), required=False,
                             empty_label=_("Me"))
    remind_at = forms.DateTimeField(
        label=_("Remind me"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("The assignee gets an email at this time."),
    )
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["assignee"].queryset = assignable_users()

    def add_domain_error(self, exc: DomainError) -> None:
        errors = exc.errors or [{"field": exc.field, "reason": exc.message}]
        for error in errors:
            field = error.get("field")
            self.add_error(field if field in self.fields and field != "version" else None, error["reason"])

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["assignee"] = data.get("assignee") or self.actor  # "Me"
        return data


class QuickTaskForm(forms.Form):
    """The one-line "add task" on the card and the deal page."""

    title = forms.CharField(label=_("New task"), max_length=200)
    due_date = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
    deal = forms.IntegerField(required=False, widget=forms.HiddenInput)
