"""``tillit import persons|organizations|products|deals FILE``: CSV import with a progress bar.

The rules (columns, encodings, delimiters, what happens to existing records) are in
``tillit.people.imports``. Exit code 1 when any row was rejected (also in a dry run), so scripts
can stop; the rejected rows are listed with line, column and reason.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tillit.core.errors import DomainError
from tillit.people.imports import DEALS, IMPORTERS, ORGANIZATIONS, PERSONS, PRODUCTS, ImportReport

KIND_ALIASES = {"persons": PERSONS, "people": PERSONS, "organizations": ORGANIZATIONS, "organisations": ORGANIZATIONS,
                "products": PRODUCTS, "deals": DEALS}


class Command(BaseCommand):
    help = (
        "Import persons, organisations, products or deals from a CSV file (comma, semicolon or tab separated; "
        "UTF-8 or Windows-1252). A row whose email (persons), organisation number/name (organisations), SKU "
        "(products) or external id/title (deals) already exists is skipped, or updated with --update. Exit code 1 "
        "if any row is rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KIND_ALIASES), help="persons, organizations, products or deals")
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--update", action="store_true", help="update existing records instead of skipping them")
        parser.add_argument(
            "--user", help="import as this user (username); default: the first administrator. "
            "Owners and visibility rules are applied as for this user."
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, kind, file, dry_run, update, user, no_progress, **options):
        kind = KIND_ALIASES[kind]
        actor = self._actor(user)
        stream = getattr(self.stderr, "_out", sys.stderr)
        quiet = no_progress or options.get("verbosity", 1) == 0
        bars: list[tqdm] = []

        def progress(done: int, total: int) -> None:
            if not bars:  # the first call (done=0) tells how many rows there are
                bars.append(tqdm(total=total, unit=" rows", file=stream, disable=quiet, desc=kind))
            bars[0].update(done - bars[0].n)

        try:
            report = IMPORTERS[kind](actor=actor, file=file, dry_run=dry_run, update=update, progress=progress)
        except FileNotFoundError:
            raise CommandError(f"No such file: {file}") from None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        finally:
            for bar in bars:
                bar.close()
        self._summary(report, file)
        if report.rejected:
            n = report.rejected_count
            raise CommandError(f"{n} row{'s' if n != 1 else ''} rejected.", returncode=1)

    def _actor(self, username: str | None):
        users = get_user_model().objects.filter(is_active=True)
        if username:
            actor = users.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No active user called {username!r}.")
            return actor
        admins = users.filter(is_superuser=True).order_by("id")
        actor = admins.first() or users.filter(role="admin").order_by("id").first()
        if actor is None:
            raise CommandError(
                "No administrator exists; create one (tillit createsuperuser) or name a user with --user."
            )
        return actor

    def _summary(self, report: ImportReport, file: str) -> None:
        out = self.stdout
        mode = " — DRY RUN, nothing was written" if report.dry_run else ""
        out.write(f"{report.kind.capitalize()} from {file} ({report.encoding}, {report.delimiter_name}-separated, "
                  f"{report.total} rows){mode}")
        if report.unknown_columns:
            out.write(self.style.WARNING(f"Unknown columns ignored: {', '.join(report.unknown_columns)}"))
        verb = "would be " if report.dry_run else ""
        out.write(
            f"Created: {report.created}  Updated: {report.updated}  Skipped: {report.skipped}  "
            f"Rejected: {report.rejected_count}" + (f"  ({verb}created organisations: {report.organizations_created})"
                                                    if report.organizations_created else "")
        )
        if report.skipped_rows:
            hint = "" if report.update else " (already in Tillit; --update updates them instead)"
            out.write(f"Skipped rows{hint}:")
            for row in report.skipped_rows:
                out.write(f"  line {row.line}: {row.reason}")
        if report.rejected:
            out.write(self.style.ERROR("Rejected rows:"))
            for row in report.rejected:
                column = f", column {row.column}" if row.column else ""
                out.write(f"  line {row.line}{column}: {row.reason}")
        elif not report.dry_run:
            out.write(self.style.SUCCESS("Done."))
