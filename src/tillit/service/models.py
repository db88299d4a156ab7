"""Service: cases, queues, email in and out, SLA clocks, escalation, CSAT and NPS surveys.

A case is one customer matter (an inquiry, a complaint, a return …) that arrived over any channel.
Its thread (``CaseMessage``) holds what the customer wrote, the agents' replies, internal notes
and handovers, so whoever takes the case over sees the whole history.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tillit.core.models import TimeStampedModel, VersionedModel
from tillit.interactions import messages
from tillit.interactions.models import Channel


class CaseKind(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")
    RETURN = "return", _("Return")
    QUESTION = "question", _("Question")
    SUGGESTION = "suggestion", _("Improvement suggestion")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.WAITING)


class CasePriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# Higher is more urgent; used to sort the inbox.
PRIORITY_RANK = {CasePriority.LOW: 0, CasePriority.NORMAL: 1, CasePriority.HIGH: 2, CasePriority.URGENT: 3}


class AssignmentMode(models.TextChoices):
    MANUAL = "manual", _("Manual (agents take cases)")
    ROUND_ROBIN = "round_robin", _("Round-robin among members")


class Queue(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    email = models.EmailField(
        _("inbound address"), blank=True,
        help_text=_("Mail sent to this address lands in this queue (optional)."),
    )
    assignment_mode = models.CharField(
        _("assignment"), max_length=12, choices=AssignmentMode.choices, default=AssignmentMode.MANUAL
    )
    is_default = models.BooleanField(
        _("default queue"), default=False, help_text=_("Cases no rule routes elsewhere land here.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Round-robin pointer: the member who got the last case. Updated under a row lock.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="QueueMember", related_name="service_queues", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class QueueMember(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_memberships")
    # An absent agent stays a member but gets no round-robin cases.
    is_available = models.BooleanField(_("takes new cases"), default=True)

    class Meta:
        ordering = ["queue", "user_id"]
        verbose_name = _("queue member")
        verbose_name_plural = _("queue members")
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="queue_member_unique")]

    def __str__(self) -> str:
        return f"{self.queue_id}:{self.user_id}"


class AssignmentRule(TimeStampedModel):
    """Routes a new case: the first active rule (by position) whose conditions all match wins."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    kind = models.CharField(_("case kind"), max_length=12, choices=CaseKind.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, blank=True)
    keyword = models.CharField(
        _("keyword in subject"), max_length=100, blank=True, help_text=_("Case-insensitive; matches part of a word.")
    )
    organization = models.ForeignKey(
        "people.Organization", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )
    queue = models.ForeignKey(
        Queue, verbose_name=_("to queue"), null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to agent"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(queue__isnull=False) | Q(assignee__isnull=False), name="assignment_rule_has_target"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseCounter(models.Model):
    """The last case number handed out per year (row-locked, so numbers never repeat)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(VersionedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=CaseKind.choices, default=CaseKind.INQUIRY)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=CasePriority.choices, default=CasePriority.NORMAL
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    organization = models.ForeignKey(
        "people.Organization", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="cases",
    )
    # Where replies go: the sender's address of the customer's last message (or the person's email).
    customer_email = models.CharField(_("customer's email"), max_length=254, blank=True)
    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    opened_at = models.DateTimeField(_("opened"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["status", "assignee"], name="case_status_assignee"),
            models.Index(fields=["status", "queue"], name="case_status_queue"),
            models.Index(fields=["person", "status"], name="case_person_status"),
            models.Index(
                fields=["organization", "status"], name="case_org_status", condition=Q(organization__isnull=False)
            ),
            models.Index(fields=["opened_at"], name="case_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class MessageKind(models.TextChoices):
    CUSTOMER = "customer", _("From the customer")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    HANDOVER = "handover", _("Handover")
    EVENT = "event", _("Event")


class CaseMessage(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.EMAIL)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    to_email = models.CharField(_("to"), max_length=1000, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # Plain text only: HTML mail is converted on the way in and never rendered.
    body = models.TextField(_("text"), blank=True)
    # RFC 5322 Message-ID without angle brackets; threads replies and makes ingest idempotent.
    message_id = models.CharField(max_length=250, null=True, blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    occurred_at = models.DateTimeField(_("at"))
    # Events and handovers: {"from_assignee": …, "to_queue": …, "status": …}
    data = models.JSONField(default=dict, blank=True)
    send_error = models.CharField(_("send error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        indexes = [models.Index(fields=["case", "occurred_at"], name="case_message_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], name="case_message_unique_message_id", condition=Q(message_id__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"

    # What a reader sees: an event Tillit wrote in the reader's language (plus the agent's note as typed),
    # else the stored text — older rows and every human-written message (interactions.messages).
    @property
    def body_display(self) -> str:
        data = self.data if isinstance(self.data, dict) else {}
        text = messages.render(messages.of(data, "body"))
        if not text:
            return self.body
        note = messages.render(messages.of(data, "note"), data.get("note") or "")
        return f"{text}\n\n{note}" if note else text


class Attachment(models.Model):
    message = models.ForeignKey(CaseMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="service/attachments/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class InboundStatus(models.TextChoices):
    NEW_CASE = "new_case", _("Opened a case")
    JOINED = "joined", _("Joined a case")
    DUPLICATE = "duplicate", _("Duplicate")
    REJECTED = "rejected", _("Rejected")
    # The mailto: half of a campaign email's List-Unsubscribe (RFC 8058): no case is opened.
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribe request")


class InboundEmail(models.Model):
    """Every message that came in, with its outcome; the raw bytes of rejected ones are kept for inspection."""

    received_at = models.DateTimeField(_("received"))
    message_id = models.CharField(max_length=250, blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(_("result"), max_length=12, choices=InboundStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    source = models.CharField(_("came in via"), max_length=60, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    raw = models.FileField(_("raw message"), upload_to="service/inbound/%Y/%m/", blank=True)
    # SHA-256 of the raw bytes of a rejected message: the same message again is a duplicate, not a second copy.
    raw_sha256 = models.CharField(max_length=64, blank=True, default="")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound email")
        indexes = [models.Index(fields=["status", "-received_at"], name="inbound_status_time")]
        constraints = [
            models.UniqueConstraint(fields=["raw_sha256"], name="inbound_rejected_once",
                                    condition=models.Q(status="rejected") & ~models.Q(raw_sha256="")),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.message_id}"


from tillit.service.models_sla import *  # noqa: E402,F401,F403 — SLA, calendars and surveys live there
