"""Mail in: a raw RFC 822 message opens a case or joins one.

``ingest_email(raw, source=…)`` is the one way in (the inbound webhook, ``tillit mail ingest``):

- The sender is matched to a person by email identity (the oldest first), else a new lead is made.
- Threading: a stored Message-ID named in ``In-Reply-To`` / ``References``, else a case reference
  ``[C-2026-00042]`` in the subject when the sender is that case's customer; else a new case.
  A closed case is not reopened by mail: the message opens a new case that names the old one.
- Only text is kept: ``text/plain`` is preferred, HTML is converted to text (scripts and styles
  dropped) and never rendered. Control characters are removed; undecodable charsets fall back to
  a lossy UTF-8/Latin-1 decode (noted on the result) rather than a lost message.
- Attachments are stored as files; one over ``MAX_ATTACHMENT_BYTES`` is left out and said so in the
  thread, a message over ``MAX_MESSAGE_BYTES`` is rejected.
- Idempotent by Message-ID (a message without one gets a digest of its bytes as its id).
- Every message gets an ``InboundEmail`` row with its result; the raw bytes of a rejected message
  (and of one that lost an attachment) are kept there for inspection. A rejected message is kept once:
  the same bytes (SHA-256) or Message-ID again is answered as a duplicate of that record, with no new row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from email import message_from_bytes, policy
from email.message import EmailMessage as MailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.errors import DomainError
from tillit.core.phones import normalize_email
from tillit.interactions.models import Channel
from tillit.people.models import Identity, IdentityKind, Person
from tillit.service import services
from tillit.service.models import Attachment, Case, CaseMessage, CaseStatus, InboundEmail, InboundStatus, Queue

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_BODY_CHARS = 100_000
CASE_REF = re.compile(r"\[(C-\d{4}-\d{1,9})\]")
MSGID = re.compile(r"<([^<>\s]{1,250})>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL_OK = re.compile(r"^[^@\s<>()\[\]\\,;:\"]+@[^@\s<>()\[\]\\,;:\"]+\.[^@\s<>()\[\]\\,;:\"]+$")


@dataclasses.dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclasses.dataclass
class ParsedMail:
    message_id: str = ""
    from_email: str = ""
    from_name: str = ""
    to: str = ""
    subject: str = ""
    date: object = None
    in_reply_to: list[str] = dataclasses.field(default_factory=list)
    references: list[str] = dataclasses.field(default_factory=list)
    text: str = ""
    attachments: list[ParsedAttachment] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    automatic: bool = False  # an auto-reply (out of office …): joins its case without reopening it


@dataclasses.dataclass
class IngestResult:
    status: str
    reason: str = ""
    case: Case | None = None
    message: CaseMessage | None = None
    inbound: InboundEmail | None = None
    notes: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return {"status": self.status, "reason": self.reason, "case_id": self.case.pk if self.case else None,
                "case_number": self.case.number if self.case else None, "notes": self.notes,
                "inbound_id": self.inbound.pk if self.inbound else None}


class Rejected(Exception):
    pass


# --- text ----------------------------------------------------------------------------------------
class _TextOfHtml(HTMLParser):
    """HTML → plain text: keeps visible text and line breaks, drops scripts, styles and everything else."""

    SKIP = {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}
    BREAK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BREAK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_text(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()[:MAX_BODY_CHARS]


def one_line(value: str, limit: int = 300) -> str:
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())[:limit]


def _part_text(part, notes: list[str]) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError, ValueError):
        payload = part.get_payload(decode=True) or b""
        notes.append(_("The text had an unknown or broken character set; it was decoded as well as possible."))
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("latin-1")


def _header(msg, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 — a header the parser cannot even read counts as missing
        return ""
    return "" if value is None else str(value)


def _own_addresses() -> set[str]:
    return {normalize_email(parseaddr(a)[1]) for a in (settings.TILLIT_INBOUND_EMAIL, settings.DEFAULT_FROM_EMAIL)}


def _is_automatic(msg) -> bool:
    auto = _header(msg, "Auto-Submitted").strip().lower()
    precedence = _header(msg, "Precedence").strip().lower()
    return (auto not in ("", "no") or precedence in ("auto_reply", "bulk", "junk")
            or bool(_header(msg, "X-Autoreply") or _header(msg, "X-Autorespond")))


def _ids(value: str) -> list[str]:
    return MSGID.findall(value or "")[:50]


def parse_message(raw: bytes) -> ParsedMail:
    """Parse raw bytes; raises ``Rejected`` with a reason the operator can act on."""
    if not raw or not raw.strip():
        raise Rejected(_("The message is empty."))
    try:
        msg: MailMessage = message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # noqa: BLE001 — the stdlib parser is lenient; anything else is a broken message
        raise Rejected(_("The message could not be parsed: %(error)s") % {"error": exc}) from None
    parsed = ParsedMail()
    name, address = parseaddr(_header(msg, "From"))
    address = normalize_email(address)
    if not address:
        raise Rejected(_("The message has no sender (From)."))
    if not _EMAIL_OK.match(address) or len(address) > 254:
        raise Rejected(_("The sender address %(address)s is not valid.") % {"address": one_line(address, 100)})
    if address in _own_addresses():
        raise Rejected(_("The message comes from Tillit's own address %(address)s (a mail loop).") % {
            "address": address})
    parsed.from_email, parsed.from_name = address, one_line(name, 200)
    parsed.automatic = _is_automatic(msg)
    parsed.subject = one_line(_header(msg, "Subject")) or _("(no subject)")
    parsed.to = one_line(", ".join(a for _n, a in getaddresses([_header(msg, "To"), _header(msg, "Cc")]) if a), 1000)
    ids = _ids(_header(msg, "Message-ID"))
    parsed.message_id = ids[0] if ids else "sha256-" + hashlib.sha256(raw).hexdigest()[:40] + "@tillit.invalid"
    parsed.in_reply_to = _ids(_header(msg, "In-Reply-To"))
    parsed.references = _ids(_header(msg, "References"))
    try:
        date = parsedate_to_datetime(_header(msg, "Date"))
        parsed.date = date if date and date.tzinfo else None
    except (TypeError, ValueError, IndexError):
        parsed.date = None

    plain, html = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and disposition != "inline") or not ctype.startswith("text/"):
            if ctype.startswith("multipart/"):
                continue
            data = part.get_payload(decode=True) or b""
            parsed.attachments.append(ParsedAttachment(
                filename=one_line(filename or _("attachment"), 200).replace("/", "_").replace("\\", "_"),
                content_type=one_line(ctype, 100), data=data))
        elif ctype == "text/plain":
            plain.append(_part_text(part, parsed.notes))
        elif ctype == "text/html":
            html.append(_part_text(part, parsed.notes))
    text = "\n\n".join(p for p in plain if p.strip()) or "\n\n".join(html_to_text(h) for h in html)
    parsed.text = clean_text(text)
    return parsed


# --- matching ------------------------------------------------------------------------------------
def find_person(email: str) -> Person | None:
    identity = (Identity.objects.filter(kind=IdentityKind.EMAIL, normalized=normalize_email(email))
                .select_related("person").order_by("person_id").first())
    return identity.person if identity else None


def person_for_sender(email: str, name: str = "") -> Person:
    """The person with this email, or a new lead (made by the system, owned by no one)."""
    person = find_person(email)
    if person is not None:
        return person
    from tillit.people.services import person_create

    first, _sep, last = name.partition(" ")
    return person_create(actor=services.system_actor(), first_name=first[:100], last_name=last[:100], emails=[email])


def find_case(parsed: ParsedMail) -> Case | None:
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if ids:
        found = (CaseMessage.objects.filter(message_id__in=ids).select_related("case")
                 .order_by("-occurred_at").first())
        if found is not None:
            return found.case
    ref = CASE_REF.search(parsed.subject)
    if ref:
        case = Case.objects.filter(number=ref.group(1)).first()
        # A case number is easy to guess; by subject alone only the case's own customer joins it.
        if case is not None and _is_the_customer(case, parsed.from_email):
            return case
    return None


def _is_the_customer(case: Case, email: str) -> bool:
    if normalize_email(case.customer_email) == email:
        return True
    return case.person_id is not None and Identity.objects.filter(
        person_id=case.person_id, kind=IdentityKind.EMAIL, normalized=email).exists()


# --- ingest --------------------------------------------------------------------------------------
def _record(raw: bytes, *, status: str, reason: str = "", parsed: ParsedMail | None = None, source: str,
            case: Case | None = None, keep_raw: bool = False, now=None, message_id: str = "",
            digest: str = "") -> InboundEmail:
    row = InboundEmail(
        received_at=now or timezone.now(), status=status, reason=reason[:300], source=source[:60], size=len(raw),
        message_id=(parsed.message_id if parsed else message_id)[:250],
        from_email=(parsed.from_email if parsed else "")[:254], subject=(parsed.subject if parsed else "")[:300],
        case=case, raw_sha256=digest,
    )
    if keep_raw:
        stamp = (now or timezone.now()).strftime("%Y%m%dT%H%M%S")
        row.raw.save(f"{stamp}-{hashlib.sha256(raw).hexdigest()[:16]}.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if row.raw:
            row.raw.delete(save=False)  # no orphaned copy of a message another worker just kept
        raise
    return row


def _message_id_of(raw: bytes) -> str:
    """The Message-ID of a message too broken to parse, if its headers still name one."""
    try:
        ids = _ids(str(BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:256 * 1024]).get("Message-ID", "")))
    except Exception:  # noqa: BLE001 — an unreadable header block has no id
        return ""
    return ids[0] if ids else ""


def _earlier_rejection(digest: str, message_id: str) -> InboundEmail | None:
    same = Q(raw_sha256=digest)
    if message_id:
        same |= Q(message_id=message_id)
    return InboundEmail.objects.filter(same, status=InboundStatus.REJECTED).order_by("received_at", "pk").first()


def _reject(raw: bytes, reason: str, *, parsed: ParsedMail | None = None, source: str, now) -> IngestResult:
    """Keep a rejected message once: the same bytes or Message-ID again is a duplicate of the first record."""
    digest = hashlib.sha256(raw).hexdigest()
    message_id = parsed.message_id if parsed else _message_id_of(raw)
    earlier = _earlier_rejection(digest, message_id)
    if earlier is None:
        try:
            row = _record(raw, status=InboundStatus.REJECTED, reason=reason, parsed=parsed, source=source,
                          keep_raw=True, now=now, message_id=message_id, digest=digest)
        except IntegrityError:  # the same bytes were rejected by another worker a moment ago
            earlier = _earlier_rejection(digest, message_id)
        else:
            return IngestResult(InboundStatus.REJECTED, reason, inbound=row)
    return IngestResult(InboundStatus.DUPLICATE, _("Already received."), inbound=earlier)


def _queue_for(parsed: ParsedMail) -> Queue | None:
    """A queue whose own inbound address the message was sent to."""
    addresses = [a.strip().lower() for a in parsed.to.split(",") if a.strip()]
    if not addresses:
        return None
    return Queue.objects.filter(is_active=True, email__in=addresses).first()


def ingest_email(raw: bytes, *, source: str = "webhook", now=None) -> IngestResult:
    """Open or join a case from one raw message; never raises for a bad message (see the module docstring)."""
    now = now or timezone.now()
    if len(raw) > MAX_MESSAGE_BYTES:
        reason = _("The message is %(size)d MB; the limit is %(limit)d MB.") % {
            "size": len(raw) // (1024 * 1024), "limit": MAX_MESSAGE_BYTES // (1024 * 1024)}
        return _reject(raw, reason, source=source, now=now)
    try:
        parsed = parse_message(raw)
    except Rejected as exc:
        return _reject(raw, str(exc), source=source, now=now)

    from tillit.marketing.email.tracking import unsubscribe_from_mail

    if unsubscribe_from_mail(parsed.subject, now=now) is not None:
        reason = _("An unsubscribe request for a campaign email; the sender gets no more of those mailings.")
        row = _record(raw, status=InboundStatus.UNSUBSCRIBED, reason=reason, parsed=parsed, source=source, now=now)
        return IngestResult(InboundStatus.UNSUBSCRIBED, reason, inbound=row)

    existing = CaseMessage.objects.filter(message_id=parsed.message_id).select_related("case").first()
    if existing is not None:
        row = _record(raw, status=InboundStatus.DUPLICATE, reason=_("Already received."), parsed=parsed,
                      source=source, case=existing.case, now=now)
        return IngestResult(InboundStatus.DUPLICATE, _("Already received."), case=existing.case, inbound=row)

    kept, notes = [], list(parsed.notes)
    for attachment in parsed.attachments:
        if len(attachment.data) > MAX_ATTACHMENT_BYTES:
            notes.append(_("The attachment %(name)s (%(size)d MB) is over the %(limit)d MB limit and was not "
                           "kept on the case; the raw message is kept.") % {
                "name": attachment.filename, "size": len(attachment.data) // (1024 * 1024),
                "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)})
        else:
            kept.append(attachment)
    body = parsed.text or _("(no text)")
    if notes:
        body = body + "\n\n— " + "\n— ".join(notes)
    try:
        with transaction.atomic():
            result = _store(parsed, body=body, attachments=kept, now=now)
    except IntegrityError:
        # The same message arrived twice at once; the other one stored it.
        existing = CaseMessage.objects.filter(message_id=parsed.message_id).select_related("case").first()
        row = _record(raw, status=InboundStatus.DUPLICATE, reason=_("Already received."), parsed=parsed,
                      source=source, case=existing.case if existing else None, now=now)
        return IngestResult(InboundStatus.DUPLICATE, _("Already received."),
                            case=existing.case if existing else None, inbound=row)
    except DomainError as exc:
        return _reject(raw, exc.message, parsed=parsed, source=source, now=now)
    status, case, message = result
    lost_something = len(kept) < len(parsed.attachments)
    result_row = _record(raw, status=status, reason="; ".join(notes), parsed=parsed, source=source, case=case,
                         keep_raw=lost_something, now=now)
    return IngestResult(status, "; ".join(notes), case=case, message=message, inbound=result_row, notes=notes)


def _store(parsed: ParsedMail, *, body: str, attachments: list[ParsedAttachment], now):
    case = find_case(parsed)
    headers = {"subject": parsed.subject, "from_email": parsed.from_email, "to_email": parsed.to,
               "message_id": parsed.message_id, "in_reply_to": parsed.in_reply_to[0] if parsed.in_reply_to else "",
               "references": " ".join(f"<{i}>" for i in parsed.references)}
    if case is not None and case.status != CaseStatus.CLOSED:
        message = services.case_add_customer_message(case=case, body=body, channel=Channel.EMAIL, now=now,
                                                     automatic=parsed.automatic, **headers)
        status, case = InboundStatus.JOINED, message.case
    else:
        if case is not None:
            body = _("(Follows up on the closed case %(number)s.)") % {"number": case.number} + "\n\n" + body
        person = person_for_sender(parsed.from_email, parsed.from_name)
        subject = CASE_REF.sub("", parsed.subject).strip() or parsed.subject
        case = services.case_create(actor=None, subject=subject, body=body, channel=Channel.EMAIL, person=person,
                                    customer_email=parsed.from_email, queue=_queue_for(parsed), now=now,
                                    **{k: v for k, v in headers.items() if k != "subject"})
        message = case.messages.get(message_id=parsed.message_id)
        status = InboundStatus.NEW_CASE
    for attachment in attachments:
        item = Attachment(message=message, filename=attachment.filename, content_type=attachment.content_type,
                          size=len(attachment.data))
        item.file.save(attachment.filename or "attachment", ContentFile(attachment.data), save=False)
        item.save()
    return status, case, message
