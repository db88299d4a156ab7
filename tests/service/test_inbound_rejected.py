"""The rejected-message log is idempotent: the same bytes or Message-ID again is a duplicate of one record."""

import hashlib

import pytest
from django.db import IntegrityError

from tillit.service import inbound
from tillit.service.models import InboundEmail, InboundStatus

pytestmark = pytest.mark.django_db

NO_SENDER = b"Subject: who am I\r\nMessage-ID: <n1@x>\r\n\r\nhello\r\n"


def kept_files(settings) -> list:
    return list((settings.MEDIA_ROOT / "service" / "inbound").rglob("*.eml"))


def test_the_same_rejected_bytes_twice_are_one_record(settings):
    first = inbound.ingest_email(NO_SENDER)
    again = inbound.ingest_email(NO_SENDER, source="mail ingest Maildir")
    assert first.status == InboundStatus.REJECTED
    assert again.status == InboundStatus.DUPLICATE and again.inbound == first.inbound and again.case is None
    row = InboundEmail.objects.get()
    assert row.raw_sha256 == hashlib.sha256(NO_SENDER).hexdigest() and row.message_id == "n1@x"
    assert len(kept_files(settings)) == 1


def test_the_same_message_id_redelivered_with_other_headers_is_a_duplicate(settings):
    inbound.ingest_email(NO_SENDER)
    redelivered = b"Received: from mx2 by mx1; Sat, 28 Nov 2026 10:00:00 +0100\r\n" + NO_SENDER
    assert inbound.ingest_email(redelivered).status == InboundStatus.DUPLICATE
    assert InboundEmail.objects.count() == 1 and len(kept_files(settings)) == 1


def test_rejections_after_parsing_are_idempotent_too(settings):
    loop = (b"From: Support <support@tillit.example>\r\nSubject: Re: hi\r\nMessage-ID: <loop@x>\r\n\r\nhi\r\n")
    statuses = [inbound.ingest_email(loop).status for _ in range(3)]
    assert statuses == [InboundStatus.REJECTED, InboundStatus.DUPLICATE, InboundStatus.DUPLICATE]
    assert InboundEmail.objects.filter(status=InboundStatus.REJECTED).count() == 1


def test_different_rejected_messages_are_each_kept(settings):
    other = b"Subject: someone else\r\n\r\nno id, no sender\r\n"
    assert inbound.ingest_email(NO_SENDER).status == InboundStatus.REJECTED
    assert inbound.ingest_email(other).status == InboundStatus.REJECTED
    assert inbound.ingest_email(other).status == InboundStatus.DUPLICATE  # by its bytes: it has no Message-ID
    assert InboundEmail.objects.count() == 2 and len(kept_files(settings)) == 2


def test_a_rejection_racing_another_worker_keeps_one_copy(settings, monkeypatch):
    # Another worker stores the same message between our look-up and our insert.
    inbound.ingest_email(NO_SENDER)
    looked_up = []
    real = inbound._earlier_rejection

    def not_yet_there(digest, message_id):
        looked_up.append(digest)
        return None if len(looked_up) == 1 else real(digest, message_id)

    monkeypatch.setattr(inbound, "_earlier_rejection", not_yet_there)
    result = inbound.ingest_email(NO_SENDER)
    assert result.status == InboundStatus.DUPLICATE and result.inbound is not None
    assert InboundEmail.objects.count() == 1 and len(kept_files(settings)) == 1


def test_the_database_keeps_one_rejection_per_hash(settings):
    InboundEmail.objects.create(received_at="2026-11-28T10:00Z", status="rejected", raw_sha256="a" * 64)
    InboundEmail.objects.create(received_at="2026-11-28T10:00Z", status="duplicate", raw_sha256="a" * 64)
    with pytest.raises(IntegrityError):
        InboundEmail.objects.create(received_at="2026-11-28T10:01Z", status="rejected", raw_sha256="a" * 64)
