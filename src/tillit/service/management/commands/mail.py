"""``tillit mail ingest <path>``: feed a Maildir or an mbox (or one .eml file) into the service inbox.

Each message goes through ``tillit.service.inbound.ingest_email`` exactly as the inbound webhook's
would: it opens a case, joins one, is a duplicate (safe to run twice) or is rejected with a reason
(the raw message is kept for inspection). Prints the counts and every rejection.
"""

import mailbox
from collections import Counter
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tillit.service.inbound import ingest_email
from tillit.service.models import InboundStatus


def _date(raw: bytes) -> float:
    try:
        when = parsedate_to_datetime(BytesHeaderParser().parsebytes(raw).get("Date", ""))
        return when.timestamp() if when else 0.0
    except (TypeError, ValueError, IndexError):
        return 0.0


def _messages(path: Path):
    """(label, raw bytes) for every message in a Maildir, an mbox or a single message file."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise CommandError(f"{path} is a directory but not a Maildir (no cur/ or new/).")
        box = mailbox.Maildir(path, factory=None, create=False)
        # Oldest first by the Date header, so a thread's answers come after the message that opens it.
        for _when, key in sorted((_date(box.get_bytes(key)), key) for key in box.iterkeys()):
            yield key, box.get_bytes(key)
    elif path.is_file():
        head = path.read_bytes()[:5]
        if head == b"From ":
            box = mailbox.mbox(path, factory=None, create=False)
            for index, key in enumerate(box.iterkeys(), start=1):
                yield f"#{index}", box.get_bytes(key, from_=False)
        else:
            yield path.name, path.read_bytes()
    else:
        raise CommandError(f"No such file or directory: {path}")


class Command(BaseCommand):
    help = "Mail for the service inbox: `ingest <path>` reads a Maildir, an mbox or one .eml file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ingest = sub.add_parser("ingest", help="Open or join cases from every message at <path>.")
        ingest.add_argument("path", type=Path)

    def handle(self, *args, action: str, path: Path, **options):
        counts: Counter = Counter()
        rejected: list[str] = []
        for label, raw in _messages(path):
            result = ingest_email(raw, source=f"mail ingest {path.name}"[:60])
            counts[result.status] += 1
            if result.status == InboundStatus.REJECTED:
                rejected.append(f"  {label}: {result.reason}")
        self.stdout.write(
            f"new cases: {counts[InboundStatus.NEW_CASE]}, joined: {counts[InboundStatus.JOINED]}, "
            f"duplicates: {counts[InboundStatus.DUPLICATE]}, rejected: {counts[InboundStatus.REJECTED]}"
        )
        for line in rejected:
            self.stdout.write(line)
        if rejected:
            self.stdout.write("Rejected messages are kept whole; see /service/inbound/?status=rejected")
