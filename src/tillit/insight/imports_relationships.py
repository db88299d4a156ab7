"""CSV import of the estimated category spend, on the person import's framework (``tillit.people.imports``).

The file rules (delimiters, encodings, header aliases, the rejected-row report with line and column,
savepoint per row, dry run, chunked commits) are the person import's; each row calls
``category_spend_upsert``, so a row gets exactly the validation of the page and the API.

Columns (``SPEND_COLUMNS``): amount (required; ``1 234,50`` or ``1234.50``), currency (empty: the base
currency), year, and the customer: organization (name, among those the importer can see), org_number, or
email (a visible person's email). A customer that already has an estimate is skipped unless "update"
is ticked; then the estimate is replaced.
"""

from __future__ import annotations

import csv
import io

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.core.access import restrict_parties
from tillit.core.phones import normalize_email
from tillit.insight.models import CategorySpend
from tillit.people.imports import CHUNK_SIZE, ImportReport, Progress, _Importer, _RowRejected, _run
from tillit.people.models import Identity, IdentityKind, Organization, Person

SPEND = "category_spend"
SPEND_COLUMNS = ("organization", "org_number", "email", "amount", "currency", "year")
SPEND_ALIASES = {"person_email": "email", "estimated_spend": "amount", "spend": "amount", "category_spend": "amount",
                 "yearly_spend": "amount", "wallet": "amount"}
COLUMN_HELP = [
    ("organization", gettext_lazy("Organisation name (one you can see)")),
    ("org_number", gettext_lazy("Organisation number; matched before the name")),
    ("email", gettext_lazy("A person's email, for a person's estimate; an organisation or a person is required")),
    ("amount", gettext_lazy("Estimated yearly spend in the category, with every supplier, e.g. 250 000,00 "
                            "(required)")),
    ("currency", gettext_lazy("NOK, SEK, DKK, EUR …; empty: the base currency")),
    ("year", gettext_lazy("The year the estimate is for, e.g. 2026 (optional)")),
]


class SpendReport(ImportReport):
    @property
    def kind_label(self) -> str:
        return _("estimated category spend")


class _SpendImporter(_Importer):
    kind = SPEND
    known = SPEND_COLUMNS + tuple(SPEND_ALIASES)
    required = ("amount",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._persons: dict[str, Person | None] = {}

    def person(self, email: str) -> Person:
        key = normalize_email(email)
        if key not in self._persons:
            self._persons[key] = restrict_parties(Person.objects.all(), self.actor).filter(
                pk__in=Identity.objects.filter(kind=IdentityKind.EMAIL, normalized=key).values("person_id")
            ).order_by("id").first()
        if self._persons[key] is None:
            raise _RowRejected("email", _("No person with the email “%(value)s” that you can see.") % {"value": email})
        return self._persons[key]

    def company(self, values: dict[str, str]) -> Organization | None:
        if values.get("org_number"):
            digits = "".join(c for c in values["org_number"] if c.isalnum())
            found = restrict_parties(Organization.objects.all(), self.actor).filter(org_number__in={
                values["org_number"].strip(), digits}).order_by("id").first()
            if found is None:
                raise _RowRejected("org_number", _("No organisation with the number “%(value)s” that you can see.")
                                   % {"value": values["org_number"]})
            return found
        if values.get("organization"):
            found = (restrict_parties(Organization.objects.all(), self.actor).annotate(lname=Lower("name"))
                     .filter(lname=values["organization"].strip().lower()).order_by("id").first())
            if found is None:
                raise _RowRejected("organization", _("No organisation called “%(value)s” that you can see.")
                                   % {"value": values["organization"]})
            return found
        return None

    def import_row(self, values: dict[str, str]) -> tuple[str, str]:
        from tillit.insight.relationships import category_spend_upsert

        values = {SPEND_ALIASES.get(k, k): v for k, v in values.items() if v}
        if not values.get("amount"):
            raise _RowRejected("amount", _("This field is required."))
        organization = self.company(values)
        person = self.person(values["email"]) if values.get("email") and organization is None else None
        if person is None and organization is None:
            raise _RowRejected("organization", _("Name an organisation or a person's email."))
        year = None
        if values.get("year"):
            try:
                year = int(values["year"].strip())
            except ValueError:
                raise _RowRejected("year", _("A year such as 2026.")) from None
        lookup = {"person": person} if person is not None else {"organization": organization}
        exists = CategorySpend.objects.filter(**lookup).exists()
        if exists and not self.update:
            return "skipped", _("Already has an estimate: %(name)s") % {"name": person or organization}
        category_spend_upsert(actor=self.actor, **lookup, amount=values["amount"],
                              currency=values.get("currency", ""), year=year, source="import")
        return ("updated" if exists else "created"), ""


def import_category_spend(*, actor, file, dry_run: bool, update: bool = False, progress: Progress | None = None,
                          checkpoint=None, chunk_size: int = CHUNK_SIZE) -> ImportReport:
    """Import estimated category spend from a CSV file; see the module docstring."""
    report = SpendReport(kind=SPEND, dry_run=dry_run, update=update)
    return _run(_SpendImporter(actor=actor, update=update, report=report), file, dry_run, progress, checkpoint,
                chunk_size)


def sample_csv() -> str:
    rows = [["organization", "org_number", "email", "amount", "currency", "year"],
            ["Fjord Shipping AS", "", "", "450 000,00", "NOK", "2026"],
            ["", "556123-4567", "", "1 200 000", "SEK", "2026"],
            ["", "", "kari@fjordshipping.no", "85 000", "", ""]]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()
