"""Mail out: agents' replies (threaded so the customer's answer joins the case) and notices to employees.

A reply carries our own ``Message-ID`` (stored on the case message), ``In-Reply-To`` and
``References`` pointing at the customer's last message, the case number in the subject
(``Re: … [C-2026-00042]``) and ``Reply-To`` the inbound address, so whatever the customer's mail
program keeps, ``inbound`` finds the case again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from tillit.service.models import Case, CaseMessage

_RE_PREFIX = re.compile(r"^\s*((re|sv|aw|vs|fw|fwd|antw)\s*:\s*)+", re.IGNORECASE)
_CASE_TAG = re.compile(r"\s*\[C-\d{4}-\d+\]\s*")


def message_domain() -> str:
    """The domain of our Message-IDs: the inbound address's, else the base URL's host."""
    address = parseaddr(settings.TILLIT_INBOUND_EMAIL)[1]
    if "@" in address and "." in address.rsplit("@", 1)[1]:
        return address.rsplit("@", 1)[1]
    return urlsplit(getattr(settings, "TILLIT_BASE_URL", "") or "http://tillit.local").hostname or "tillit.local"


def new_message_id() -> str:
    """A fresh Message-ID without angle brackets (stored that way; headers add them)."""
    return make_msgid(idstring="case", domain=message_domain()).strip("<>")


def from_address() -> str:
    return settings.DEFAULT_FROM_EMAIL


def reply_subject(case: Case) -> str:
    base = _CASE_TAG.sub(" ", _RE_PREFIX.sub("", case.subject)).strip() or case.subject
    return f"Re: {base} [{case.number}]"


def references_for(last: CaseMessage | None) -> str:
    if last is None or not last.message_id:
        return ""
    ids = [*last.references.split(), f"<{last.message_id}>"]
    return " ".join(ids[-20:])  # keep the header short; the last ones are what threading needs


def case_url(case: Case) -> str:
    base = (getattr(settings, "TILLIT_BASE_URL", "") or "").rstrip("/")
    return f"{base}{reverse('service:case', args=[case.pk])}"


def build_reply(message: CaseMessage) -> EmailMessage:
    headers = {"Message-ID": f"<{message.message_id}>"}
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = message.references
    return EmailMessage(
        subject=message.subject, body=message.body, from_email=message.from_email or from_address(),
        to=[message.to_email], reply_to=[settings.TILLIT_INBOUND_EMAIL], headers=headers,
    )


def send_reply(message: CaseMessage) -> bool:
    """Send a stored reply; a failure is kept on the message (shown on the case), never raised at the agent."""
    try:
        build_reply(message).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 — any transport error: record it, the reply itself is saved
        error = f"{type(exc).__name__}: {exc}"[:300]
        CaseMessage.objects.filter(pk=message.pk).update(send_error=error)
        message.send_error = error
        return False
    if message.send_error:
        CaseMessage.objects.filter(pk=message.pk).update(send_error="")
        message.send_error = ""
    return True


def send_notice(case: Case, *, recipients: Sequence, subject: str, body: str) -> int:
    addresses = [u.email for u in recipients if getattr(u, "email", "")]
    if not addresses:
        return 0
    text = f"{body}\n\n{case.number} {case.subject}\n{case_url(case)}\n"
    subject = " ".join(subject.split())[:200]
    sent = 0
    for address in addresses:
        try:
            sent += EmailMessage(subject=f"{subject} [{case.number}]", body=text, to=[address]).send()
        except Exception:  # noqa: BLE001, S112 — a notice that cannot go out must not stop the escalation
            continue
    return sent
