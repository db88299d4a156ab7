"""Mail in: parsing, sender matching, threading, idempotency and hostile mail."""

from email.message import EmailMessage

import pytest

from tillit.interactions.models import Interaction
from tillit.people.models import Person
from tillit.service import inbound
from tillit.service.models import Attachment, Case, CaseMessage, CaseStatus, InboundEmail, InboundStatus

pytestmark = pytest.mark.django_db


def mail(*, sender="Kari Bråthen <kari@fjord.no>", subject="The heat pump is noisy", body="It hums all night.",
         message_id="<m1@fjord.no>", html=None, headers=None, attachments=()):
    msg = EmailMessage()
    if sender is not None:
        msg["From"] = sender
    msg["To"] = "support@tillit.example"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def test_a_message_from_a_known_customer_opens_a_case_on_their_card(customers):
    result = inbound.ingest_email(mail(), source="test")

    assert result.status == InboundStatus.NEW_CASE
    case = result.case
    assert case.person == customers["kari"]
    assert case.number.startswith("C-") and case.subject == "The heat pump is noisy"
    assert case.customer_email == "kari@fjord.no"
    assert case.messages.get().body == "It hums all night."
    logged = Interaction.objects.get(person=customers["kari"])
    assert logged.kind == "email_received" and logged.payload["case"] == case.pk


def test_an_unknown_sender_becomes_a_lead(db):
    result = inbound.ingest_email(mail(sender="Per Hansen <per@nowhere.no>"))
    person = result.case.person
    assert (person.first_name, person.last_name, person.primary_email) == ("Per", "Hansen", "per@nowhere.no")
    assert person.lifecycle_stage == "lead"


def test_the_same_message_twice_is_a_duplicate(customers):
    first = inbound.ingest_email(mail())
    second = inbound.ingest_email(mail())
    assert second.status == InboundStatus.DUPLICATE and second.case == first.case
    assert Case.objects.count() == 1 and CaseMessage.objects.count() == 1


def test_a_message_without_message_id_is_still_idempotent(customers):
    raw = mail(message_id=None)
    assert inbound.ingest_email(raw).status == InboundStatus.NEW_CASE
    assert inbound.ingest_email(raw).status == InboundStatus.DUPLICATE


def test_an_answer_joins_its_case_by_in_reply_to(customers):
    case = inbound.ingest_email(mail()).case
    answer = mail(subject="Re: something else", message_id="<m2@fjord.no>", headers={"In-Reply-To": "<m1@fjord.no>"})
    result = inbound.ingest_email(answer)
    assert result.status == InboundStatus.JOINED and result.case == case
    assert case.messages.count() == 2


def test_an_answer_joins_its_case_by_the_reference_in_the_subject(customers):
    case = inbound.ingest_email(mail()).case
    result = inbound.ingest_email(mail(subject=f"Re: noise [{case.number}]", message_id="<m3@x>"))
    assert result.status == InboundStatus.JOINED and result.case == case


def test_an_answer_reopens_a_resolved_case_and_a_closed_case_gets_a_new_one(customers, actors):
    from tillit.service import services

    case = inbound.ingest_email(mail()).case
    services.case_set_status(actor=actors["service"], case=case, status=CaseStatus.RESOLVED)
    joined = inbound.ingest_email(mail(subject=f"Re: [{case.number}]", message_id="<m4@x>")).case
    assert joined.pk == case.pk and joined.status == CaseStatus.OPEN
    services.case_set_status(actor=actors["service"], case=joined, status=CaseStatus.CLOSED)
    result = inbound.ingest_email(mail(subject=f"Re: [{case.number}]", message_id="<m5@x>"))
    assert result.status == InboundStatus.NEW_CASE and result.case.pk != case.pk
    assert case.number in result.case.messages.get().body


def test_html_only_mail_is_stored_as_text_without_scripts(customers):
    html = ("<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
            "<body><p>Hello <b>there</b></p><img src=x onerror=alert(1)><p>Line two</p></body></html>")
    msg = EmailMessage()
    msg["From"], msg["Subject"], msg["Message-ID"] = "kari@fjord.no", "HTML", "<h1@x>"
    msg.set_content(html, subtype="html")
    body = inbound.ingest_email(msg.as_bytes()).case.messages.get().body
    assert "Hello there" in body and "Line two" in body
    assert "alert" not in body and "<" not in body and "color" not in body


def test_a_bad_charset_is_decoded_as_well_as_possible(customers):
    raw = (b"From: kari@fjord.no\r\nSubject: Charset\r\nMessage-ID: <c1@x>\r\n"
           b"Content-Type: text/plain; charset=klingon-8\r\n\r\nBl\xe5b\xe6r og r\xf8d\r\n")
    result = inbound.ingest_email(raw)
    assert result.status == InboundStatus.NEW_CASE
    assert "Blåbær og rød" in result.case.messages.get().body
    assert result.notes  # says the text was decoded as well as possible


def test_mail_without_a_sender_is_rejected_and_kept(db):
    raw = b"Subject: who am I\r\nMessage-ID: <n1@x>\r\n\r\nhello\r\n"
    result = inbound.ingest_email(raw)
    assert result.status == InboundStatus.REJECTED and "sender" in result.reason
    row = InboundEmail.objects.get()
    assert row.raw.read() == raw
    assert Case.objects.count() == 0


def test_header_injection_in_the_subject_stays_one_line(customers):
    raw = (b"From: kari@fjord.no\r\nSubject: =?utf-8?q?Hi=0D=0ABcc:_evil@x.com?=\r\nMessage-ID: <i1@x>\r\n\r\nhi\r\n")
    case = inbound.ingest_email(raw).case
    assert "\n" not in case.subject and "\r" not in case.subject


def test_attachments_are_stored_and_a_huge_one_is_left_out_with_a_note(customers, settings, monkeypatch):
    monkeypatch.setattr(inbound, "MAX_ATTACHMENT_BYTES", 1000)
    raw = mail(attachments=[("receipt.pdf", b"%PDF-1.4 small"), ("../../etc/passwd", b"x" * 2000)])
    result = inbound.ingest_email(raw)
    assert result.status == InboundStatus.NEW_CASE
    kept = Attachment.objects.get()
    assert kept.filename == "receipt.pdf" and kept.file.read() == b"%PDF-1.4 small"
    body = result.case.messages.get().body
    assert "over the" in body and "passwd" in body
    assert InboundEmail.objects.get().raw.read() == raw  # nothing lost


def test_a_message_over_the_size_limit_is_rejected_and_kept(db, monkeypatch):
    monkeypatch.setattr(inbound, "MAX_MESSAGE_BYTES", 100)
    result = inbound.ingest_email(mail(body="x" * 500))
    assert result.status == InboundStatus.REJECTED and "limit" in result.reason
    assert InboundEmail.objects.get().raw.size > 100


def test_an_invalid_sender_address_is_rejected(db):
    result = inbound.ingest_email(mail(sender="not an address"))
    assert result.status == InboundStatus.REJECTED
    assert Person.objects.count() == 0


def test_an_out_of_office_reply_joins_without_reopening(customers, actors):
    from tillit.service import services

    case = inbound.ingest_email(mail()).case
    services.case_set_status(actor=actors["service"], case=case, status=CaseStatus.WAITING)
    result = inbound.ingest_email(mail(subject=f"Away: [{case.number}]", message_id="<ooo@x>",
                                       headers={"Auto-Submitted": "auto-replied"}))
    assert result.status == InboundStatus.JOINED
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING


def test_mail_from_our_own_address_is_a_loop_and_rejected(db):
    result = inbound.ingest_email(mail(sender="Support <support@tillit.example>"))
    assert result.status == InboundStatus.REJECTED and "loop" in result.reason
    assert Case.objects.count() == 0


def test_a_stranger_cannot_join_a_case_by_guessing_its_number(customers):
    case = inbound.ingest_email(mail()).case
    result = inbound.ingest_email(mail(sender="mallory@evil.example", subject=f"Re: [{case.number}] pay here",
                                       message_id="<evil@x>"))
    assert result.status == InboundStatus.NEW_CASE and result.case.pk != case.pk
    assert case.messages.count() == 1
