"""The import page's upload form and the column descriptions it shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.people.imports import MAX_BYTES, ORGANIZATIONS, PERSONS

PERSON_COLUMN_HELP = [
    ("first_name", _("First name")),
    ("last_name", _("Last name")),
    ("email", _("Email; several separated by | (the first is the primary one)")),
    ("phone", _("Phone in any format; without a country code it is read as a local number")),
    ("organization", _("Organisation name; matched in any case, created if new")),
    ("title", _("Title in that organisation")),
    ("lifecycle_stage", _("subscriber, lead, prospect, customer, repeat_customer or former")),
    ("owner", _("Username or email of the employee who owns the relationship")),
    ("persona", _("Persona")),
    ("relationship_category", _("Relationship category")),
    ("city", _("City")),
    ("country", _("Two-letter country code: NO, SE, DK …")),
    ("custom.<name>", _("A custom field called <name>")),
]
ORGANIZATION_COLUMN_HELP = [
    ("name", _("Name (required)")),
    ("org_number", _("Organisation number; matched before the name")),
    ("domain", _("Web domain, e.g. fjordshipping.no")),
    ("industry", _("Industry")),
    ("city", _("City")),
    ("country", _("Two-letter country code")),
    ("phone", _("Switchboard phone")),
    ("owner", _("Username or email of the owner")),
    ("lifecycle_stage", _("Lifecycle stage")),
    ("custom.<name>", _("A custom field called <name>")),
]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(PERSONS, _("People")), (ORGANIZATIONS, _("Organisations"))],
        initial=PERSONS,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Comma, semicolon or tab separated; UTF-8 or Windows-1252 (as Excel saves it). At most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check every row, write nothing"), required=False, initial=True,
    )
    update = forms.BooleanField(
        label=_("Update records that already exist"),
        required=False,
        help_text=_("People are matched by email (else phone), organisations by number or name. "
                    "Without this they are skipped."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it into smaller files."))
        return upload
