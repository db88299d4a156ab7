"""CSV import of persons and organisations: the CLI (``tillit import``) and the import page call this.

The file
    The first line names the columns (case and spaces do not matter, ``E-mail`` = ``email``).
    The delimiter is ``,``, ``;`` (what Nordic Excel writes) or a tab, detected from the first
    line (Excel's ``sep=;`` line is understood too). The encoding is UTF-8 with or without a
    byte-order mark, UTF-16 with one, or else Windows-1252 / Latin-1 (older Excel). Cells are
    trimmed; empty cells mean "no value". Columns Tillit does not know are reported once and
    ignored. Blank lines are skipped.

Persons (``PERSON_COLUMNS``)
    first_name, last_name, email, phone, organization, title, lifecycle_stage, owner, persona,
    relationship_category, city, country and ``custom.<name>`` for custom fields. ``email`` and
    ``phone`` may hold several values separated by ``|`` (the first is the primary one).
    ``owner`` is a username or an email address of an employee. ``lifecycle_stage`` is a value
    (``customer``) or its English label (``Repeat customer``). ``organization`` is matched by name
    (case-insensitive) among the organisations the importer can see, or created; ``title`` is
    the person's title there.

Organisations (``ORGANIZATION_COLUMNS``)
    name, org_number, domain, industry, city, country, phone, owner, lifecycle_stage and
    ``custom.<name>``.

Existing records (the rule)
    A person row is the same person as an existing one when one of its emails is already a
    visible person's email; with no email, when one of its phones is. An organisation row
    matches by organisation number, else by name (case-insensitive). A match is **skipped**
    (reported with the existing record's id) unless ``update=True`` (``--update``): then the
    non-empty cells overwrite the record's fields, new emails/phones are added (none are
    removed), custom fields are merged and a role in a new organisation is added. Records the
    importer cannot see are never matched, so an import tells nobody what exists outside their
    visibility. Rows in the same file are matched against earlier rows too.

Every row goes through the people services (the same validation as the pages and the API) in a
savepoint of its own: a rejected row is reported with its line, column and reason, and the rows
after it carry on. ``dry_run=True`` runs everything in one transaction and rolls it all back. A real
run commits every ``CHUNK_SIZE`` rows, so other writers (on SQLite the whole database has one writer
at a time) wait for one chunk, not for the whole file; ``report.committed_rows`` and
``report.last_committed_line`` say how far the import had got if it stops half-way.

The import page does not import in the request: it stores the file as an ``ImportJob`` and queues
``people.tasks.run_import_job`` (django-tasks); ``run_job`` writes the progress to the cache (outside
the import's transaction, so the page can read it at once) and the report to the job at the end.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Lower, Replace, Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.access import ensure_staff, restrict
from tillit.core.csvsafe import restore as restore_cell
from tillit.core.errors import DomainError, NotFound, ValidationError
from tillit.core.phones import normalize_email, normalize_phone
from tillit.interactions import messages
from tillit.people import messages as codes
from tillit.people import services
from tillit.people.models import (
    Identity,
    IdentityKind,
    ImportJob,
    ImportJobStatus,
    LifecycleStage,
    Organization,
    Person,
)
from tillit.people.selectors import current_affiliations

PERSONS, ORGANIZATIONS = "persons", "organizations"
PERSON_COLUMNS = (
    "first_name", "last_name", "email", "phone", "organization", "title", "lifecycle_stage", "owner", "persona",
    "relationship_category", "city", "country",
)
ORGANIZATION_COLUMNS = (
    "name", "org_number", "domain", "industry", "city", "country", "phone", "owner", "lifecycle_stage",
)
ALIASES = {
    "e_mail": "email", "mail": "email", "epost": "email", "e_post": "email", "emails": "email",
    "telephone": "phone", "tel": "phone", "mobile": "phone", "telefon": "phone", "phones": "phone",
    "firstname": "first_name", "given_name": "first_name", "lastname": "last_name", "surname": "last_name",
    "family_name": "last_name", "organisation": "organization", "company": "organization",
    "stage": "lifecycle_stage", "organisation_number": "org_number", "organization_number": "org_number",
    "orgnr": "org_number", "org_nr": "org_number", "website": "domain",
}
# Service error fields → the column to blame.
FIELD_TO_COLUMN = {"emails": "email", "phones": "phone", "custom_fields": "custom", "organization": "organization"}
CUSTOM_PREFIX = "custom."
MULTI_SPLIT = re.compile(r"\s*\|\s*")
MAX_BYTES = 20 * 1024 * 1024
CHUNK_SIZE = 200  # rows per committed transaction in a real (not dry) run

Progress = Callable[[int, int], None]
logger = logging.getLogger(__name__)


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (empty, not CSV, no known columns)."""


@dataclass
class RowProblem:
    line: int
    column: str
    reason: str  # in the language of whoever ran the import
    # The same reason as a system message (code + params) when Tillit wrote it; rendered per reader.
    message: dict | None = None

    @property
    def reason_display(self) -> str:
        return messages.render(self.message, self.reason)

    @classmethod
    def of(cls, line: int, column: str, reason: str | Mapping[str, Any]) -> RowProblem:
        """A problem from a text (a service's error) or a system message (the importer's own reasons)."""
        if isinstance(reason, Mapping):
            return cls(line, column, messages.render(reason), dict(reason))
        return cls(line, column, reason)


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    update: bool
    encoding: str = ""
    delimiter: str = ""
    total: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    organizations_created: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    skipped_rows: list[RowProblem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    # Rows whose outcome is committed (a dry run commits nothing), and the last line among them.
    committed_rows: int = 0
    last_committed_line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for key in ("rejected", "skipped_rows"):
            values[key] = [RowProblem(**p) for p in values.get(key, [])]
        return cls(**values)

    @property
    def rejected_count(self) -> int:
        return len({p.line for p in self.rejected})

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def kind_label(self) -> str:
        return {PERSONS: _("people"), ORGANIZATIONS: _("organisations"), "products": _("products"),
                "deals": _("deals")}.get(self.kind, self.kind)

    @property
    def delimiter_name(self) -> str:
        return {",": _("comma"), ";": _("semicolon"), "\t": _("tab")}.get(self.delimiter, self.delimiter)


# --- reading the file -----------------------------------------------------------------------
def _read_bytes(file: Any) -> bytes:
    if isinstance(file, bytes):
        return file
    if isinstance(file, (str, Path)):
        return Path(file).read_bytes()
    if hasattr(file, "chunks"):  # a Django UploadedFile
        return b"".join(file.chunks())
    data = file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _check_looks_like_csv(data: bytes) -> None:
    if not data.strip():
        raise ImportFileError(_("The file is empty."), field="file")
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _("This is an Excel workbook or another zip file, not CSV. In Excel choose File → Save as → "
              "“CSV UTF-8” and import that file."),
            field="file",
        )
    head = data[:4096]
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if head.startswith(b"%PDF") or (b"\x00" in head and not utf16):
        raise ImportFileError(_("This is not a CSV text file."), field="file")


def _column_name(header: str) -> str:
    text = header.strip().strip("\ufeff")
    if text.casefold().startswith(CUSTOM_PREFIX):
        return CUSTOM_PREFIX + text[len(CUSTOM_PREFIX):].strip()
    key = re.sub(r"[\s\-]+", "_", text.casefold())
    return ALIASES.get(key, key)


def _detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class _Parsed:
    columns: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str
    delimiter: str


def parse(file: Any) -> _Parsed:
    """Header columns (canonical names) and ``(line number, cells)`` for every non-blank row."""
    data = _read_bytes(file)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 20 MB; split it into smaller files."), field="file")
    _check_looks_like_csv(data)
    text, encoding = decode(data)
    lines = text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and not lines[skip].strip():
        skip += 1
    first = lines[skip] if skip < len(lines) else ""
    if first.strip().casefold().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]
        skip += 1
    else:
        delimiter = _detect_delimiter(first)
    reader = csv.reader(io.StringIO("".join(lines[skip:])), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    last = 0
    try:
        for cells in reader:
            line = skip + last + 1
            last = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            cells = [restore_cell(c) for c in cells]  # an exported "'=…" cell comes back as it was
            if header is None:
                header = cells
                continue
            rows.append((line, cells))
    except csv.Error as exc:
        raise ImportFileError(
            _("Line %(line)d cannot be read as CSV: %(reason)s.") % {"line": skip + last + 1, "reason": exc},
            field="file",
        ) from None
    if header is None:
        raise ImportFileError(_("The file is empty."), field="file")
    return _Parsed([_column_name(h) for h in header], rows, encoding, delimiter)


# --- importing ------------------------------------------------------------------------------
def _bare_number(text: str) -> str:
    """An organisation number without spaces, dots and dashes: ``923 456 789`` = ``923456789``."""
    return re.sub(r"[\s.\-]+", "", text).upper()


def _already(pk: int, name: str) -> dict:
    return messages.message(codes.IMPORT_ALREADY, id=pk, name=name)


class _RowRejected(Exception):
    """``reason``: a system message (the importer's own reasons) or a text (a service's error message)."""

    def __init__(self, column: str, reason: str | Mapping[str, Any]):
        super().__init__(reason)
        self.column, self.reason = column, reason


class _Importer:
    kind: str
    known: tuple[str, ...]
    required: tuple[str, ...]

    def __init__(self, *, actor: User, update: bool, report: ImportReport):
        self.actor, self.update, self.report = actor, update, report
        self._users: dict[str, User] | None = None
        self._organizations: dict[str, Organization | None] = {}
        self.created_in_row: list[str] = []  # organisation cache keys to forget if the row is rolled back

    # Helpers shared by both kinds.
    def user(self, text: str) -> User:
        if self._users is None:
            self._users = {}
            for user in User.objects.filter(is_active=True).order_by("-id"):
                self._users[user.username.casefold()] = user
                if user.email:
                    self._users[user.email.casefold()] = user
        found = self._users.get(text.casefold())
        if found is None:
            raise _RowRejected("owner", messages.message(codes.IMPORT_NO_EMPLOYEE, value=text))
        return found

    def organization(self, name: str) -> Organization | None:
        key = name.casefold()
        if key not in self._organizations:
            self._organizations[key] = (
                restrict(Organization.objects.all(), self.actor)
                .annotate(lname=Lower("name"))
                .filter(lname=name.lower())
                .order_by("id")
                .first()
            )
        return self._organizations[key]

    def remember_organization(self, organization: Organization) -> None:
        key = organization.name.casefold()
        self._organizations[key] = organization
        self.created_in_row.append(key)

    def row_rolled_back(self) -> None:
        """A rejected row's savepoint was rolled back: organisations it created are gone."""
        for key in self.created_in_row:
            self._organizations.pop(key, None)

    @staticmethod
    def stage(text: str) -> str:
        for value, label in LifecycleStage.choices:
            if text.casefold() in (value, str(label).casefold(), value.replace("_", " ")):
                return value
        return text  # the service names the allowed values

    @staticmethod
    def custom(values: dict[str, str]) -> dict[str, str]:
        return {k[len(CUSTOM_PREFIX):]: v for k, v in values.items() if k.startswith(CUSTOM_PREFIX) and v}

    def prepare(self, rows: list[dict[str, str]]) -> None:
        """Bulk look-ups before the rows are imported one by one."""

    def import_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        raise NotImplementedError


class _PersonImporter(_Importer):
    kind = PERSONS
    known = PERSON_COLUMNS
    required = ("first_name", "last_name", "email", "phone")

    def prepare(self, rows: list[dict[str, str]]) -> None:
        """Look up every email and phone in the file at once (in chunks), instead of per row."""
        wanted: dict[str, set[str]] = {IdentityKind.EMAIL: set(), IdentityKind.PHONE: set()}
        for values in rows:
            emails, phones = self.contacts(values)
            wanted[IdentityKind.EMAIL].update(emails)
            wanted[IdentityKind.PHONE].update(phones)
        self.known: dict[tuple[str, str], int] = {}
        visible = restrict(Person.objects.all(), self.actor).values("pk")
        for kind, keys in wanted.items():
            ordered = sorted(keys)
            for start in range(0, len(ordered), 500):
                matches = Identity.objects.filter(
                    kind=kind, normalized__in=ordered[start:start + 500], person__in=visible
                ).values_list("normalized", "person_id")
                for normalized, person_id in matches:
                    key = (kind, normalized)
                    self.known[key] = min(person_id, self.known.get(key, person_id))

    @staticmethod
    def contacts(values: dict[str, str]) -> tuple[list[str], list[str]]:
        """The row's emails and phones in normalised form (unreadable phones left out)."""
        emails = [normalize_email(v) for v in MULTI_SPLIT.split(values.get("email", "")) if v]
        phones = [normalize_phone(v) for v in MULTI_SPLIT.split(values.get("phone", "")) if v]
        return emails, [p for p in phones if p]

    def existing(self, values: dict[str, str]) -> Person | None:
        emails, phones = self.contacts(values)
        for kind, keys in ((IdentityKind.EMAIL, emails), (IdentityKind.PHONE, phones)):
            for key in keys:
                if (person_id := self.known.get((kind, key))) is not None:
                    return restrict(Person.objects.all(), self.actor).filter(pk=person_id).first()
        return None

    def remember(self, person: Person, values: dict[str, str]) -> None:
        emails, phones = self.contacts(values)
        for kind, keys in ((IdentityKind.EMAIL, emails), (IdentityKind.PHONE, phones)):
            for key in keys:
                self.known.setdefault((kind, key), person.pk)

    def import_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        emails = [v for v in MULTI_SPLIT.split(values.get("email", "")) if v]
        phones = [v for v in MULTI_SPLIT.split(values.get("phone", "")) if v]
        fields: dict[str, Any] = {
            name: values[name]
            for name in ("first_name", "last_name", "persona", "relationship_category", "city", "country")
            if values.get(name)
        }
        if values.get("lifecycle_stage"):
            fields["lifecycle_stage"] = self.stage(values["lifecycle_stage"])
        if values.get("owner"):
            fields["owner"] = self.user(values["owner"])
        custom = self.custom(values)
        org_name, title = values.get("organization", ""), values.get("title", "")
        person = self.existing(values)
        if person is not None and not self.update:
            return "skipped", _already(person.pk, person.full_name)
        organization = self.organization_for(org_name) if org_name else None
        if person is None:
            person = services.person_create(
                actor=self.actor, emails=emails, phones=phones, custom_fields=custom or None,
                organization=organization, title=title, **fields,
            )
            self.remember(person, values)
            return "created", ""
        if custom:
            fields["custom_fields"] = {**person.custom_fields, **custom}
        person = services.person_update(actor=self.actor, person=person, expected_version=None, **fields)
        for kind, items in ((IdentityKind.EMAIL, emails), (IdentityKind.PHONE, phones)):
            for item in items:
                try:
                    services.identity_add(actor=self.actor, person=person, kind=kind, value=item)
                except DomainError as exc:
                    raise _RowRejected("email" if kind == IdentityKind.EMAIL else "phone", exc.message) from None
        if organization is not None and not current_affiliations().filter(
            person=person, organization=organization
        ).exists():
            services.affiliation_create(actor=self.actor, person=person, organization=organization, title=title)
        self.remember(person, values)
        return "updated", ""

    def organization_for(self, name: str) -> Organization:
        organization = self.organization(name)
        if organization is None:
            try:
                organization = services.organization_create(actor=self.actor, name=name)
            except DomainError as exc:
                raise _RowRejected("organization", exc.message) from None
            self.remember_organization(organization)
            self.report.organizations_created += 1
        return organization


class _OrganizationImporter(_Importer):
    kind = ORGANIZATIONS
    known = ORGANIZATION_COLUMNS
    required = ("name",)

    def existing(self, name: str, org_number: str) -> Organization | None:
        number = _bare_number(org_number)
        if number:
            bare = Upper(F("org_number"))
            for char in " .-":
                bare = Replace(bare, Value(char), Value(""))
            match = (
                restrict(Organization.objects.all(), self.actor)
                .exclude(org_number="")
                .annotate(bare_number=bare)
                .filter(bare_number=number)
                .order_by("id")
                .first()
            )
            if match is not None:
                return match
        return self.organization(name) if name else None

    def import_row(self, values: dict[str, str]) -> tuple[str, str | dict]:
        name = values.get("name", "")
        if not name:
            raise _RowRejected("name", messages.message(codes.IMPORT_REQUIRED))
        fields: dict[str, Any] = {
            key: values[key]
            for key in ("org_number", "domain", "industry", "city", "country", "phone")
            if values.get(key)
        }
        if values.get("lifecycle_stage"):
            fields["lifecycle_stage"] = self.stage(values["lifecycle_stage"])
        if values.get("owner"):
            fields["owner"] = self.user(values["owner"])
        custom = self.custom(values)
        organization = self.existing(name, values.get("org_number", ""))
        if organization is not None and not self.update:
            return "skipped", _already(organization.pk, organization.name)
        if organization is None:
            organization = services.organization_create(
                actor=self.actor, name=name, custom_fields=custom or {}, **fields
            )
            self.remember_organization(organization)
            return "created", ""
        if custom:
            fields["custom_fields"] = {**organization.custom_fields, **custom}
        services.organization_update(
            actor=self.actor, organization=organization, expected_version=None, name=name, **fields
        )
        return "updated", ""


def _rows(parsed: _Parsed) -> Iterator[tuple[int, dict[str, str] | RowProblem]]:
    width = len(parsed.columns)
    for line, cells in parsed.rows:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            yield line, RowProblem.of(line, "", messages.message(
                codes.IMPORT_TOO_MANY_CELLS, n=len(cells), m=width, d=parsed.delimiter))
            continue
        values: dict[str, str] = {}
        for name, cell in zip(parsed.columns, cells, strict=False):
            cell = cell.strip()
            if cell and not values.get(name):
                values[name] = cell
        yield line, values


def _check_columns(importer: _Importer, parsed: _Parsed) -> None:
    if not set(importer.known).intersection(importer.required).intersection(parsed.columns):
        raise ImportFileError(
            _("The first line must name the columns, and none of them is one Tillit needs (%(needed)s). "
              "Download the sample file to see the columns.") % {"needed": ", ".join(importer.required)},
            field="file",
        )


def _run(importer: _Importer, file: Any, dry_run: bool, progress: Progress | None,
         checkpoint: Callable[[ImportReport], None] | None = None, chunk_size: int = CHUNK_SIZE) -> ImportReport:
    ensure_staff(importer.actor)
    report = importer.report
    parsed = parse(file)
    report.encoding, report.delimiter, report.total = parsed.encoding, parsed.delimiter, len(parsed.rows)
    known = set(importer.known)
    seen: set[str] = set()
    for name in parsed.columns:
        if name and name not in known and not name.startswith(CUSTOM_PREFIX) and name not in seen:
            report.unknown_columns.append(name)
        seen.add(name)
    _check_columns(importer, parsed)
    rows = list(_rows(parsed))
    if progress is not None:
        progress(0, report.total)

    def step(done: int, line: int, values: dict[str, str] | RowProblem) -> None:
        if isinstance(values, RowProblem):
            report.rejected.append(values)
        else:
            _import_one(importer, report, line, values)
        if progress is not None:
            progress(done, report.total)

    valid = [values for _line, values in rows if not isinstance(values, RowProblem)]
    if dry_run:
        with transaction.atomic():
            importer.prepare(valid)
            for done, (line, values) in enumerate(rows, start=1):
                step(done, line, values)
            transaction.set_rollback(True)
        return report
    importer.prepare(valid)
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start:start + chunk_size]
        with transaction.atomic():
            for done, (line, values) in enumerate(chunk, start=start + 1):
                step(done, line, values)
        report.committed_rows = start + len(chunk)
        report.last_committed_line = chunk[-1][0]
        if checkpoint is not None:
            checkpoint(report)
    return report


def _import_one(importer: _Importer, report: ImportReport, line: int, values: dict[str, str]) -> None:
    organizations_before = report.organizations_created
    importer.created_in_row = []
    try:
        with transaction.atomic():
            outcome, reason = importer.import_row(values)
    except _RowRejected as exc:
        problem = RowProblem.of(line, exc.column, exc.reason)
    except DomainError as exc:
        column = FIELD_TO_COLUMN.get(exc.field or "", exc.field or "")
        problem = RowProblem(line, column, exc.message)
    except DatabaseError as exc:  # a safety net: the services validate first
        problem = RowProblem.of(line, "", messages.message(codes.IMPORT_DATABASE_REFUSED, error=str(exc)))
    else:
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
        else:
            report.skipped += 1
            report.skipped_rows.append(RowProblem.of(line, "", reason))
        return
    report.rejected.append(problem)
    report.organizations_created = organizations_before
    importer.row_rolled_back()


def import_persons(*, actor: User, file: BinaryIO | bytes | str | Path, dry_run: bool, update: bool = False,
                   progress: Progress | None = None, checkpoint: Callable[[ImportReport], None] | None = None,
                   chunk_size: int = CHUNK_SIZE) -> ImportReport:
    """Import persons from a CSV file (see the module docstring). ``ImportFileError`` if unreadable.

    ``progress(done, total)`` is called for every row; ``checkpoint(report)`` after every committed chunk.
    """
    report = ImportReport(kind=PERSONS, dry_run=dry_run, update=update)
    importer = _PersonImporter(actor=actor, update=update, report=report)
    return _run(importer, file, dry_run, progress, checkpoint, chunk_size)


def import_organizations(*, actor: User, file: BinaryIO | bytes | str | Path, dry_run: bool, update: bool = False,
                         progress: Progress | None = None, checkpoint: Callable[[ImportReport], None] | None = None,
                         chunk_size: int = CHUNK_SIZE) -> ImportReport:
    """Import organisations from a CSV file (see the module docstring). ``ImportFileError`` if unreadable."""
    report = ImportReport(kind=ORGANIZATIONS, dry_run=dry_run, update=update)
    importer = _OrganizationImporter(actor=actor, update=update, report=report)
    return _run(importer, file, dry_run, progress, checkpoint, chunk_size)


def import_products(**kwargs) -> ImportReport:
    """Products and their general prices (``tillit.sales.imports``; imported late: it builds on this module)."""
    from tillit.sales.imports import import_products as run

    return run(**kwargs)


def import_deals(**kwargs) -> ImportReport:
    """Deals (``tillit.sales.imports``)."""
    from tillit.sales.imports import import_deals as run

    return run(**kwargs)


PRODUCTS, DEALS = "products", "deals"
IMPORTERS = {PERSONS: import_persons, ORGANIZATIONS: import_organizations, PRODUCTS: import_products,
             DEALS: import_deals}


def importer_class(kind: str) -> type[_Importer]:
    if kind in (PRODUCTS, DEALS):
        from tillit.sales.imports import _DealImporter, _ProductImporter

        return _ProductImporter if kind == PRODUCTS else _DealImporter
    return _PersonImporter if kind == PERSONS else _OrganizationImporter


def sample_csv(kind: str) -> str:
    """A small example file for ``kind`` (semicolon-separated, as Nordic Excel writes it)."""
    if kind in (PRODUCTS, DEALS):
        from tillit.sales.imports import SAMPLES

        rows = SAMPLES[kind]
    elif kind == ORGANIZATIONS:
        rows = [
            ["name", "org_number", "domain", "industry", "city", "country", "phone", "owner"],
            ["Fjord Shipping AS", "923 456 789", "fjordshipping.no", "Shipping", "Bergen", "NO", "+47 55 12 34 56", ""],
            ["Ljusdal Trä AB", "556123-4567", "ljusdaltra.se", "Forestry", "Ljusdal", "SE", "+46 651 123 45", ""],
        ]
    else:
        rows = [
            ["first_name", "last_name", "email", "phone", "organization", "title", "lifecycle_stage", "owner",
             "persona", "relationship_category", "city", "country", "custom.newsletter_topic"],
            ["Kari", "Nordmann", "kari@fjordshipping.no", "+47 912 34 567", "Fjord Shipping AS", "CEO", "customer", "",
             "", "", "Bergen", "NO", "heat pumps"],
            ["Øystein", "Ødegård", "oystein@example.no|o.odegard@gmail.com", "912 34 568", "", "", "lead", "", "", "",
             "Tromsø", "NO", ""],
            ["Anna", "Lindqvist", "anna.lindqvist@ljusdaltra.se", "+46 70 123 45 67", "Ljusdal Trä AB", "Inköpschef",
             "prospect", "", "", "", "Ljusdal", "SE", ""],
        ]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()


# --- background jobs (the import page) ------------------------------------------------------
PROGRESS_EVERY_SECONDS = 0.25


def check_file(*, kind: str, data: bytes) -> None:
    """Raise ``ImportFileError`` now, while the user is on the form, if the file cannot be imported at all."""
    _check_columns(importer_class(kind), parse(data))  # type: ignore[arg-type]  # only class attributes are read


def import_job_create(*, actor: User, kind: str, file_name: str, data: bytes, dry_run: bool,
                      update: bool = False) -> ImportJob:
    """Store the file as a queued job and queue the task that runs it once the job is committed."""
    from tillit.people.tasks import run_import_job  # the task module imports this one

    ensure_staff(actor)
    if kind not in IMPORTERS:
        raise ValidationError(_("Choose people, organisations, products or deals."), field="kind")
    if kind == PRODUCTS:
        from tillit.sales.services.catalog import ensure_catalog_editor

        ensure_catalog_editor(actor)  # tell on the form, not after the upload ran
    check_file(kind=kind, data=data)
    with transaction.atomic():
        job = ImportJob.objects.create(
            user=actor, kind=kind, file_name=file_name[:255], data=data, dry_run=dry_run, update=update
        )
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def import_job_confirm(*, actor: User, job_id: int) -> ImportJob:
    """After a dry run the user liked: import the same file for real, as a new job."""
    dry = import_job_get(actor=actor, job_id=job_id)
    if not dry.dry_run or dry.status != ImportJobStatus.DONE:
        raise ValidationError(_("Only a finished dry run can be imported from here."), field="job")
    data = bytes(ImportJob.objects.values_list("data", flat=True).get(pk=dry.pk))
    return import_job_create(actor=actor, kind=dry.kind, file_name=dry.file_name, data=data, dry_run=False,
                             update=dry.update)


def _progress_key(job: ImportJob) -> str:
    return f"tillit:import-progress:{job.token}"


def job_progress(job: ImportJob) -> tuple[int, int]:
    """``(rows done, rows in the file)``: live from the cache while the job runs, else from the job."""
    if job.status == ImportJobStatus.RUNNING:
        live = cache.get(_progress_key(job))
        if live is not None:
            return live[0], live[1]
    return job.processed, job.total


def run_job(job_id: int) -> None:
    """Run a queued job (the task's body). A job that is not queued any more is left alone."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    key = _progress_key(job)
    last_write = [0.0]
    partial: list[dict[str, Any]] = []

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - last_write[0] >= PROGRESS_EVERY_SECONDS:
            cache.set(key, (done, total))
            last_write[0] = now

    def checkpoint(report: ImportReport) -> None:
        # Between chunks, outside any transaction: what is already in for good.
        partial[:] = [report.to_dict()]
        ImportJob.objects.filter(pk=job_id).update(processed=report.committed_rows, total=report.total)

    def finish(status: str, **fields: Any) -> None:
        ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)
        cache.delete(key)

    try:
        report = IMPORTERS[job.kind](
            actor=job.user, file=bytes(job.data), dry_run=job.dry_run, update=job.update,
            progress=progress, checkpoint=checkpoint,
        )
    except DomainError as exc:
        finish(ImportJobStatus.FAILED, error=exc.message, report=partial[0] if partial else None)
        return
    except BaseException as exc:
        logger.exception("Import job %s failed", job_id)
        finish(ImportJobStatus.FAILED, error=_("The import stopped with an unexpected error: %(error)s")
               % {"error": exc}, report=partial[0] if partial else None)
        raise
    finish(ImportJobStatus.DONE, report=report.to_dict(), total=report.total, processed=report.total)


def _is_admin(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def import_job_get(*, actor: User, job_id: int) -> ImportJob:
    """The job if the actor started it (administrators see every job); ``NotFound`` otherwise."""
    ensure_staff(actor)
    jobs = ImportJob.objects.select_related("user").defer("data")
    if not _is_admin(actor):
        jobs = jobs.filter(user=actor)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("No such import."))
    return job


def import_job_list(*, actor: User, limit: int = 10) -> QuerySet[ImportJob]:
    """The actor's latest jobs (an administrator's: everybody's), without the files and reports."""
    jobs = ImportJob.objects.select_related("user").defer("data", "report")
    if not _is_admin(actor):
        jobs = jobs.filter(user=actor)
    return jobs.order_by("-created_at", "-id")[:limit]
