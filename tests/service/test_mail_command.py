"""``tillit mail ingest`` on a Maildir and an mbox made in a tmp dir."""

import mailbox
from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tillit.service.models import Case, InboundEmail

pytestmark = pytest.mark.django_db


def message(n, *, subject="Help", in_reply_to=None, sender="kari@fjord.no"):
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["Subject"] = subject
    msg["Message-ID"] = f"<n{n}@fjord.no>"
    msg["Date"] = f"Mon, 02 Mar 2026 09:0{n}:00 +0100"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(f"message {n}")
    return msg


def run(path):
    out = StringIO()
    call_command("mail", "ingest", str(path), stdout=out)
    return out.getvalue()


def test_ingest_a_maildir_twice(tmp_path, customers):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(message(3, in_reply_to="<n1@fjord.no>"))  # stored first, sent last
    box.add(message(1))
    box.add(message(2, subject="Other"))
    box.add(message(4, sender=None))
    out = run(tmp_path / "Maildir")
    assert "new cases: 2, joined: 1, duplicates: 0, rejected: 1" in out and "no sender" in out
    assert Case.objects.get(subject="Help").messages.count() == 2
    again = run(tmp_path / "Maildir")
    # The rejected message is a duplicate of its first record too: no second row, no second raw copy.
    assert "new cases: 0, joined: 0, duplicates: 4, rejected: 0" in again and "no sender" not in again
    [rejected] = InboundEmail.objects.filter(status="rejected")
    assert len(list((tmp_path / "media" / "service" / "inbound").rglob("*.eml"))) == 1
    assert rejected.raw_sha256 and rejected.message_id == "n4@fjord.no"


def test_ingest_an_mbox(tmp_path, customers):
    path = tmp_path / "support.mbox"
    box = mailbox.mbox(path, create=True)
    box.add(message(1))
    box.add(message(2, in_reply_to="<n1@fjord.no>"))
    box.add(message(3, subject="Something new"))
    box.flush()
    out = run(path)
    assert "new cases: 2, joined: 1, duplicates: 0, rejected: 0" in out
    assert Case.objects.get(subject="Help").messages.count() == 2


def test_ingest_a_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "nope")
    (tmp_path / "plain").mkdir()
    with pytest.raises(CommandError, match="not a Maildir"):
        run(tmp_path / "plain")
