"""Forms for the person and organisation pages.

Forms only parse what was typed; the services validate and normalise (the API gets the very
same rules), and the views turn a ``DomainError`` into an error on the named field.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tillit.accounts.models import Team, User
from tillit.core.errors import DomainError
from tillit.people import selectors, services
from tillit.people.models import LifecycleStage, Organization, Person

_SPLIT = re.compile(r"[\n,;]+")


def split_lines(text: str) -> list[str]:
    """Emails / phones typed one per line (or separated by commas or semicolons)."""
    return [part.strip() for part in _SPLIT.split(text or "") if part.strip()]



def language_choices() -> list[tuple[str, str]]:
    return [("", _("— the company's default —")), *settings.LANGUAGES]

class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class OrganizationField(forms.CharField):
    """An organisation picked by typing its name; the datalist offers ``Name (#id)``.

    Resolves to an organisation the actor may see: by ``#id`` when given, else by exact name.
    """

    id_pattern = re.compile(r"\(#(\d+)\)\s*$")

    def __init__(self, *args, actor: User | None = None, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        visible = selectors.visible_organizations(actor=self.actor)
        if match := self.id_pattern.search(text):
            org = visible.filter(pk=int(match.group(1))).first()
        else:
            matches = list(visible.filter(name__iexact=text)[:2])
            if len(matches) > 1:
                raise forms.ValidationError(_("Several organisations have this name; pick one from the list."))
            org = matches[0] if matches else None
        if org is None:
            raise forms.ValidationError(
                _("No organisation called “%(name)s”. Pick one from the list or create it first."),
                params={"name": text},
            )
        return org


def organization_label(org: Organization | None) -> str:
    return f"{org.name} (#{org.pk})" if org else ""


def owner_queryset(actor: User, current_owner_id: int | None):
    """Owners the actor may choose, plus the current owner so an edit can leave it as it is."""
    qs = selectors.assignable_owners(actor=actor)
    if current_owner_id:
        qs = qs | User.objects.filter(pk=current_owner_id)
    return qs.distinct()


def owner_team_fields(form: forms.Form) -> dict:
    """The cleaned data for the service; a new owner without a new team brings their own team."""
    data = dict(form.cleaned_data)
    data.pop("version", None)
    data.pop("allow_duplicate", None)
    if form.initial and "owner" in form.changed_data and "team" not in form.changed_data:
        data.pop("team", None)
    return data


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def add_domain_error(self, exc: DomainError) -> None:
        """Put a service error on the field it names (or on the form when no such field)."""
        errors = exc.errors or [{"field": exc.field, "reason": exc.message}]
        for error in errors:
            field = error.get("field")
            self.add_error(field if field in self.fields and field != "version" else None, error["reason"])


class DuplicateCheckedForm(VersionedForm):
    """A new record is checked for likely duplicates; the "Create anyway" button (shown with the list
    of them) posts ``allow_duplicate``. An edit has no such field."""

    allow_duplicate = forms.BooleanField(label=_("Create anyway"), required=False)


class PersonForm(DuplicateCheckedForm):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    emails = forms.CharField(
        label=_("Emails"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; the first is the primary email."),
    )
    phones = forms.CharField(
        label=_("Phones"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, any format (+47 912 34 567, 91234567); the first is the primary phone."),
    )
    organization = OrganizationField(
        label=_("Organisation"), required=False,
        widget=forms.TextInput(attrs={"list": "organization-options", "autocomplete": "off"}),
        help_text=_("Start typing to pick one."),
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    is_decision_maker = forms.BooleanField(label=_("Decision maker"), required=False)
    lifecycle_stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=LifecycleStage.choices,
                                        initial=LifecycleStage.LEAD)
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False,
                             empty_label=_("— nobody —"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False,
                                  empty_label=_("— the owner's team —"))
    persona = forms.CharField(label=_("Persona"), max_length=100, required=False)
    relationship_category = forms.CharField(label=_("Relationship category"), max_length=100, required=False)
    street_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False,
                              help_text=_("Two letters, e.g. NO, SE, DK."))
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices,
                                 help_text=_("Quotes to this person are written in it."))

    def __init__(self, *args, actor: User, person: Person | None = None, **kwargs):
        if person is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(person)
        super().__init__(*args, **kwargs)
        self.fields["organization"].actor = actor
        self.fields["owner"].queryset = owner_queryset(actor, person.owner_id if person else None)
        if person is None:
            del self.fields["version"]
            self.fields["owner"].empty_label = _("— me, or my team —")
        else:
            del self.fields["allow_duplicate"]
            self.fields["version"].required = True

    @staticmethod
    def initial_for(person: Person) -> dict:
        identities = selectors.person_identities(person=person)
        role = services.person_main_affiliation(person)
        return {
            "first_name": person.first_name, "last_name": person.last_name,
            "emails": "\n".join(i.value for i in identities["email"]),
            "phones": "\n".join(i.value for i in identities["phone"]),
            "organization": organization_label(role.organization if role else None),
            "title": role.title if role else "", "is_decision_maker": role.is_decision_maker if role else False,
            "lifecycle_stage": person.lifecycle_stage, "owner": person.owner_id, "team": person.team_id,
            "persona": person.persona, "relationship_category": person.relationship_category,
            "street_address": person.street_address, "postal_code": person.postal_code,
            "city": person.city, "country": person.country, "language": person.language,
            "version": person.version,
        }

    def _check_each(self, name: str, cleaner) -> str:
        """Report every bad line at once (the service checks again; the rule lives there)."""
        text = self.cleaned_data.get(name, "")
        problems = []
        for line in split_lines(text):
            try:
                cleaner(line, field=name)
            except DomainError as exc:
                problems.append(exc.message)
        if problems:
            raise forms.ValidationError(problems)
        return text

    def clean_emails(self) -> str:
        return self._check_each("emails", services.clean_email)

    def clean_phones(self) -> str:
        return self._check_each("phones", services.clean_phone)

    def service_fields(self) -> dict:
        data = owner_team_fields(self)
        data["emails"] = split_lines(data["emails"])
        data["phones"] = split_lines(data["phones"])
        return data


class OrganizationForm(DuplicateCheckedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    org_number = forms.CharField(label=_("Organisation number"), max_length=40, required=False)
    domain = forms.CharField(label=_("Web domain"), max_length=200, required=False,
                             help_text=_("e.g. fjordkraft.no"))
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    street_address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country"), max_length=2, required=False,
                              help_text=_("Two letters, e.g. NO, SE, DK."))
    language = forms.ChoiceField(label=_("Language"), required=False, choices=language_choices,
                                 help_text=_("Quotes to this organisation and its people are written in it."))
    lifecycle_stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=LifecycleStage.choices,
                                        initial=LifecycleStage.LEAD)
    owner = OwnerChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False,
                             empty_label=_("— nobody —"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False,
                                  empty_label=_("— the owner's team —"))

    def __init__(self, *args, actor: User, organization: Organization | None = None, **kwargs):
        if organization is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(organization, name) for name in (
                    "name", "org_number", "domain", "industry", "phone", "street_address", "postal_code", "city",
                    "country", "language",
                    "lifecycle_stage", "version",
                )},
                "owner": organization.owner_id, "team": organization.team_id,
            }
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_queryset(actor, organization.owner_id if organization else None)
        if organization is None:
            del self.fields["version"]
            self.fields["owner"].empty_label = _("— me, or my team —")
        else:
            del self.fields["allow_duplicate"]
            self.fields["version"].required = True

    def service_fields(self) -> dict:
        return owner_team_fields(self)
