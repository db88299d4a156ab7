"""The import page's upload form and the column descriptions it shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tillit.people.imports import DEALS, MAX_BYTES, ORGANIZATIONS, PERSONS, PRODUCTS

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
PRODUCT_COLUMN_HELP = [
    ("sku", _("SKU (required); matched in any case")),
    ("name", _("Name (required for a new product)")),
    ("description", _("Description")),
    ("category", _("Category")),
    ("unit", _("pcs, h, day, month, year, kg, m, l or kWh")),
    ("vat_rate", _("VAT rate in percent, e.g. 25 or 12,5")),
    ("warranty_months", _("Warranty in whole months")),
    ("price", _("Price in the general price list of the currency, e.g. 1 234,50")),
    ("currency", _("NOK, SEK, DKK, EUR …; empty: the base currency")),
]
DEAL_COLUMN_HELP = [
    ("title", _("Title (required)")),
    ("organization", _("Organisation name (one you can see)")),
    ("person_email", _("The person's email; an organisation or a person is required")),
    ("pipeline", _("Pipeline name; empty: the first pipeline")),
    ("stage", _("Stage name in that pipeline; empty: its first stage")),
    ("value", _("Value, e.g. 129 900,00")),
    ("currency", _("NOK, SEK, DKK, EUR …")),
    ("expected_close_date", _("2026-05-31 or 31.05.2026")),
    ("owner", _("Username or email of the owner")),
    ("lost_reason", _("For a lost stage: the lost reason's name")),
    ("external_id", _("Your system's id; matched before the title")),
]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(PERSONS, _("People")), (ORGANIZATIONS, _("Organisations")), (PRODUCTS, _("Products")),
                 (DEALS, _("Deals"))],
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
        help_text=_("People are matched by email (else phone), organisations by number or name, products by "
                    "SKU, deals by external id or title. Without this they are skipped."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB; split it into smaller files."))
        return upload
