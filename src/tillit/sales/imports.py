"""CSV import of products and deals, on the person import's framework (``tillit.people.imports``).

The file rules (delimiters, encodings, header aliases, the rejected-row report with line and column,
savepoint per row, dry run, chunked commits, background jobs) are the person import's; this module
adds two importers that call the sales services, so a row gets exactly the validation of the pages
and the API. Amounts go through ``parse_money`` (``1 234,50`` and ``1234.50`` both work).

Products (``PRODUCT_COLUMNS``)
    sku (required), name (required for a new product), description, category, unit (``pcs``, ``h``,
    ``month`` … or the English label ``piece``, ``hour``), vat_rate (percent), warranty_months,
    price and currency. A price sets the product's price in the *general* price list of that
    currency (the active list without a customer group; created as "General <CUR>" when there is
    none). Without a currency the base currency is used. A product matches an existing one by SKU
    (any case): skipped, or updated with ``update=True``. Only administrators and managers change
    the catalogue, so other importers get every row rejected with that reason.

Deals (``DEAL_COLUMNS``)
    title (required), organization (name, among the organisations the importer can see),
    person_email (a visible person's email), at least one of the two; pipeline and stage (names;
    empty: the first active pipeline and its first open stage), value, currency, expected_close_date
    (``2026-05-31``, ``31.05.2026`` or ``31/05/2026``), owner (username or email), lost_reason (for
    a lost stage), source, external_id. A deal matches an existing visible one by external_id, else
    by the same title on the same organisation/person: skipped, or updated with ``update=True``
    (a changed stage is a move, logged on the timeline like one made on the board).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from tillit.core.access import restrict
from tillit.core.errors import ValidationError
from tillit.core.money import clean_currency
from tillit.core.phones import normalize_email
from tillit.interactions import messages
from tillit.people import messages as people_codes
from tillit.people.imports import (
    CHUNK_SIZE,
    ImportReport,
    Progress,
    _already,
    _Importer,
    _RowRejected,
    _run,
)
from tillit.people.models import Identity, IdentityKind, Person
from tillit.sales import messages as codes
from tillit.sales.models import Deal, LostReason, Pipeline, PriceList, Product, Stage, Unit

PRODUCTS, DEALS = "products", "deals"
PRODUCT_COLUMNS = ("sku", "name", "description", "category", "unit", "vat_rate", "warranty_months", "price",
                   "currency")
DEAL_COLUMNS = ("title", "organization", "person_email", "pipeline", "stage", "value", "currency",
                "expected_close_date", "owner", "lost_reason", "source", "external_id")
# Header spellings people use, on top of the person import's aliases.
SALES_ALIASES = {
    "product_number": "sku", "article": "sku", "item_number": "sku", "vat": "vat_rate", "mva": "vat_rate",
    "moms": "vat_rate", "warranty": "warranty_months", "unit_price": "price", "list_price": "price",
    "amount": "value", "deal_value": "value", "close_date": "expected_close_date", "email": "person_email",
    "person": "person_email", "deal": "title", "name_of_deal": "title", "company": "organization",
    "lifecycle_stage": "stage",  # the person import reads a "stage" header as the lifecycle stage
}
_DATE_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def _sales_columns(values: dict[str, str]) -> dict[str, str]:
    """Apply the sales header aliases on top of what the person import understood."""
    out: dict[str, str] = {}
    for key, value in values.items():
        name = SALES_ALIASES.get(key, key)
        if value and not out.get(name):
            out[name] = value
    return out


def parse_date(text: str, column: str) -> dt.date:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if match := _DATE_DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            pass
    raise _RowRejected(column, messages.message(codes.IMPORT_NOT_A_DATE, value=text))


class _SalesImporter(_Importer):
    aliases = SALES_ALIASES

    def import_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        return self.import_sales_row(_sales_columns(values))

    def import_sales_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        raise NotImplementedError


class _ProductImporter(_SalesImporter):
    kind = PRODUCTS
    known = PRODUCT_COLUMNS + tuple(k for k, v in SALES_ALIASES.items() if v in PRODUCT_COLUMNS)
    required = ("sku",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lists: dict[str, PriceList] = {}

    @staticmethod
    def unit(text: str) -> str:
        for value, label in Unit.choices:
            if text.casefold() in (value.casefold(), str(label).casefold()):
                return value
        aliases = {"pc": "pcs", "piece": "pcs", "pieces": "pcs", "stk": "pcs", "st": "pcs", "hours": "h",
                   "hour": "h", "timer": "h", "days": "day", "months": "month", "years": "year"}
        return aliases.get(text.casefold(), text)  # the service names the allowed units

    @staticmethod
    def months(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise _RowRejected("warranty_months", messages.message(codes.IMPORT_WHOLE_MONTHS)) from None

    def general_list(self, currency: str) -> PriceList:
        """The currency's general (no customer group) active price list, created if there is none."""
        from tillit.sales.services import catalog

        if currency not in self._lists:
            found = (PriceList.objects.filter(currency=currency, customer_group__isnull=True, is_active=True)
                     .order_by(F("valid_from").asc(nulls_first=True), "id").last())
            if found is None:
                name = _("General %(currency)s") % {"currency": currency}
                if PriceList.objects.filter(name__iexact=name).exists():
                    name = f"{name} ({currency})"
                found = catalog.price_list_create(actor=self.actor, name=name, currency=currency)
            self._lists[currency] = found
        return self._lists[currency]

    def row_rolled_back(self) -> None:
        super().row_rolled_back()
        # A price list created in a rejected row's savepoint is gone again.
        self._lists = {c: pl for c, pl in self._lists.items() if PriceList.objects.filter(pk=pl.pk).exists()}

    def import_sales_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        from tillit.sales.services import catalog

        sku = values.get("sku", "")
        if not sku:
            raise _RowRejected("sku", messages.message(people_codes.IMPORT_REQUIRED))
        fields: dict[str, Any] = {
            key: values[key] for key in ("name", "description", "category", "vat_rate") if values.get(key)
        }
        if values.get("unit"):
            fields["unit"] = self.unit(values["unit"])
        if values.get("warranty_months"):
            fields["warranty_months"] = self.months(values["warranty_months"])
        price = values.get("price", "")
        currency = ""
        if price or values.get("currency"):
            try:
                currency = clean_currency(values.get("currency") or settings.TILLIT_BASE_CURRENCY)
            except ValidationError as exc:
                raise _RowRejected("currency", exc.message) from None
        product = Product.objects.filter(sku__iexact=sku.strip()).first()
        if product is not None and not self.update:
            catalog.ensure_catalog_editor(self.actor)
            return "skipped", _already(product.pk, product.name)
        if product is None:
            if not fields.get("name"):
                raise _RowRejected("name", messages.message(codes.IMPORT_PRODUCT_NEEDS_NAME))
            product = catalog.product_create(actor=self.actor, sku=sku, **fields)
            outcome = "created"
        else:
            catalog.product_update(actor=self.actor, product=product, expected_version=None, **fields)
            outcome = "updated"
        if price:
            try:
                catalog.price_set(actor=self.actor, price_list=self.general_list(currency), product=product,
                                  unit_price=price)
            except ValidationError as exc:
                raise _RowRejected("price", exc.message) from None
        return outcome, ""


class _DealImporter(_SalesImporter):
    kind = DEALS
    known = DEAL_COLUMNS + tuple(k for k, v in SALES_ALIASES.items() if v in DEAL_COLUMNS)
    required = ("title",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pipelines: dict[str, Pipeline | None] = {}
        self._stages: dict[tuple[int, str], Stage | None] = {}
        self._persons: dict[str, Person | None] = {}

    def pipeline(self, name: str) -> Pipeline:
        key = name.casefold()
        if key not in self._pipelines:
            self._pipelines[key] = (Pipeline.objects.annotate(lname=Lower("name")).filter(lname=name.lower())
                                    .first())
        found = self._pipelines[key]
        if found is None:
            names = ", ".join(Pipeline.objects.filter(is_active=True).values_list("name", flat=True))
            raise _RowRejected("pipeline", messages.message(codes.IMPORT_NO_PIPELINE, value=name, names=names or "—"))
        return found

    def stage_named(self, pipeline: Pipeline | None, name: str) -> Stage:
        if pipeline is None:
            pipeline = Pipeline.objects.filter(is_active=True).first()
            if pipeline is None:
                raise _RowRejected("pipeline", messages.message(codes.IMPORT_NO_ACTIVE_PIPELINE))
        key = (pipeline.pk, name.casefold())
        if key not in self._stages:
            self._stages[key] = pipeline.stages.annotate(lname=Lower("name")).filter(lname=name.lower()).first()
        found = self._stages[key]
        if found is None:
            names = ", ".join(pipeline.stages.order_by("position").values_list("name", flat=True))
            raise _RowRejected("stage", messages.message(codes.IMPORT_NO_STAGE, value=name, pipeline=pipeline.name,
                                                         names=names))
        return found

    def person(self, email: str) -> Person:
        key = normalize_email(email)
        if key not in self._persons:
            visible = restrict(Person.objects.all(), self.actor)
            self._persons[key] = visible.filter(
                pk__in=Identity.objects.filter(kind=IdentityKind.EMAIL, normalized=key).values("person_id")
            ).order_by("id").first()
        found = self._persons[key]
        if found is None:
            raise _RowRejected("person_email", messages.message(codes.IMPORT_NO_PERSON, value=email))
        return found

    @staticmethod
    def lost_reason(name: str) -> LostReason:
        found = LostReason.objects.filter(name__iexact=name.strip()).first()
        if found is None:
            raise _RowRejected("lost_reason", messages.message(codes.IMPORT_NO_LOST_REASON, value=name))
        return found

    def existing(self, values: dict[str, str], person, organization) -> Deal | None:
        visible = restrict(Deal.objects.all(), self.actor)
        if values.get("external_id"):
            return visible.filter(external_id=values["external_id"]).first()
        party = Q(organization=organization) if organization is not None else Q(person=person)
        return visible.filter(party, title__iexact=values["title"]).order_by("id").first()

    def import_sales_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        from tillit.sales.services import deals

        if not values.get("title"):
            raise _RowRejected("title", messages.message(people_codes.IMPORT_REQUIRED))
        organization = None
        if values.get("organization"):
            organization = self.organization(values["organization"])
            if organization is None:
                raise _RowRejected("organization", messages.message(codes.IMPORT_NO_ORGANIZATION,
                                                                    value=values["organization"]))
        person = self.person(values["person_email"]) if values.get("person_email") else None
        if person is None and organization is None:
            raise _RowRejected("organization", messages.message(codes.IMPORT_NO_PARTY))
        fields: dict[str, Any] = {}
        pipeline = self.pipeline(values["pipeline"]) if values.get("pipeline") else None
        if values.get("stage"):
            fields["stage"] = self.stage_named(pipeline, values["stage"])
        elif pipeline is not None:
            fields["pipeline"] = pipeline
        for key in ("value", "currency", "source"):
            if values.get(key):
                fields[key] = values[key]
        if values.get("expected_close_date"):
            fields["expected_close_date"] = parse_date(values["expected_close_date"], "expected_close_date")
        if values.get("owner"):
            fields["owner"] = self.user(values["owner"])
        if values.get("lost_reason"):
            fields["lost_reason"] = self.lost_reason(values["lost_reason"])
        deal = self.existing(values, person, organization)
        if deal is not None and not self.update:
            return "skipped", _already(deal.pk, deal.title)
        if deal is None:
            deals.deal_create(actor=self.actor, title=values["title"], person=person, organization=organization,
                              external_id=values.get("external_id") or None, **fields)
            return "created", ""
        if person is not None:
            fields["person"] = person
        if organization is not None:
            fields["organization"] = organization
        deals.deal_update(self.actor, deal, None, **fields)
        return "updated", ""


def import_products(*, actor, file, dry_run: bool, update: bool = False, progress: Progress | None = None,
                    checkpoint=None, chunk_size: int = CHUNK_SIZE) -> ImportReport:
    """Import products (and their general prices) from a CSV file; see the module docstring."""
    from tillit.sales.services.catalog import ensure_catalog_editor

    ensure_catalog_editor(actor)  # once for the file, not once per row
    report = ImportReport(kind=PRODUCTS, dry_run=dry_run, update=update)
    return _run(_ProductImporter(actor=actor, update=update, report=report), file, dry_run, progress, checkpoint,
                chunk_size)


def import_deals(*, actor, file, dry_run: bool, update: bool = False, progress: Progress | None = None,
                 checkpoint=None, chunk_size: int = CHUNK_SIZE) -> ImportReport:
    """Import deals from a CSV file; see the module docstring."""
    report = ImportReport(kind=DEALS, dry_run=dry_run, update=update)
    return _run(_DealImporter(actor=actor, update=update, report=report), file, dry_run, progress, checkpoint,
                chunk_size)


SAMPLES = {
    PRODUCTS: [
        ["sku", "name", "description", "category", "unit", "vat_rate", "warranty_months", "price", "currency"],
        ["NV-AW-9", "Nordlys Luft/vann 9 kW", "Air-to-water heat pump, 9 kW", "Heat pumps", "pcs", "25", "60",
         "89 900,00", "NOK"],
        ["NV-AW-9", "Nordlys Luft/vann 9 kW", "", "", "", "", "", "79 500,00", "SEK"],
        ["NV-INST", "Installation", "Installation by a certified installer", "Services", "h", "25", "", "950",
         "NOK"],
    ],
    DEALS: [
        ["title", "organization", "person_email", "pipeline", "stage", "value", "currency", "expected_close_date",
         "owner", "external_id"],
        ["Heat pumps for the office", "Fjord Shipping AS", "", "New business", "Qualified", "450 000,00", "NOK",
         "2026-09-30", "", "CRM-1001"],
        ["Air-to-water for the house", "", "kari@fjordshipping.no", "New business", "Lead", "129 900", "NOK",
         "31.08.2026", "", "CRM-1002"],
    ],
}
