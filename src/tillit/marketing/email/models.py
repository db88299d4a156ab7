"""Mailings (newsletters and campaign emails), one message per recipient, tracked links,
suppressions (unsubscribes, hard bounces) and bounce reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tillit.core.models import TimeStampedModel, VersionedModel


class MailingKind(models.TextChoices):
    NEWSLETTER = "newsletter", _("Newsletter")
    CAMPAIGN = "campaign", _("Campaign email")


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Mailing(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    # utm_campaign and Interaction.campaign when the mailing belongs to no campaign.
    code = models.SlugField(_("code"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MailingKind.choices, default=MailingKind.NEWSLETTER)
    subject = models.CharField(_("subject"), max_length=200)
    preheader = models.CharField(_("preheader"), max_length=200, blank=True)
    # Markdown-like text with {{ placeholders }} from a fixed whitelist (see ``personalise``).
    body = models.TextField(_("body"), blank=True)
    from_name = models.CharField(_("from name"), max_length=100, blank=True)
    from_email = models.EmailField(_("from address"), blank=True)
    purpose = models.CharField(
        _("consent purpose"), max_length=60, default="newsletter",
        help_text=_("Only persons with an active consent for this purpose receive the mailing."),
    )
    segments = models.ManyToManyField(
        "marketing.Segment", blank=True, related_name="mailings", verbose_name=_("segments")
    )
    static_lists = models.ManyToManyField(
        "marketing.StaticList", blank=True, related_name="mailings", verbose_name=_("static lists")
    )
    campaign = models.ForeignKey(
        "marketing_web.Campaign", verbose_name=_("campaign"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="mailings",
    )
    status = models.CharField(_("status"), max_length=10, choices=MailingStatus.choices, default=MailingStatus.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("messages per minute"), default=60)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="mailings",
    )
    # Counters kept by the send service and the tracking endpoints, for lists without aggregation.
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("sent"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    suppressed_count = models.PositiveIntegerField(_("suppressed"), default=0)
    bounced_count = models.PositiveIntegerField(_("bounced"), default=0)
    opened_count = models.PositiveIntegerField(_("opened"), default=0)
    clicked_count = models.PositiveIntegerField(_("clicked"), default=0)
    unsubscribed_count = models.PositiveIntegerField(_("unsubscribed"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        indexes = [models.Index(fields=["status", "scheduled_at"], name="mailing_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def campaign_code(self) -> str:
        return self.campaign.code if self.campaign_id else self.code


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by a worker: never sent again, even if that worker dies before it records the result.
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SUPPRESSED = "suppressed", _("Suppressed")


class MailingMessage(models.Model):
    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="messages")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="mailing_messages")
    email = models.CharField(_("email"), max_length=254)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    open_count = models.PositiveIntegerField(_("opens"), default=0)
    clicked_at = models.DateTimeField(_("first clicked"), null=True, blank=True)
    click_count = models.PositiveIntegerField(_("clicks"), default=0)
    # Clicks right after delivery from a link scanner's address or agent: kept, flagged, not counted.
    scanner_clicks = models.PositiveIntegerField(_("scanner clicks"), default=0)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    bounce_type = models.CharField(_("bounce type"), max_length=4, blank=True)
    bounce_reason = models.CharField(_("bounce reason"), max_length=300, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("mailing message")
        verbose_name_plural = _("mailing messages")
        constraints = [models.UniqueConstraint(fields=["mailing", "person"], name="mailing_message_once")]
        indexes = [
            models.Index(fields=["mailing", "status"], name="mailing_message_status"),
            models.Index(fields=["message_id"], name="mailing_message_mid", condition=~Q(message_id="")),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"


class MailingLink(models.Model):
    """A URL in a mailing's body; clicks go through ``/e/c/<token>`` and only ever to these URLs."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("URL"), max_length=2000)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["mailing", "position"]
        verbose_name = _("tracked link")
        verbose_name_plural = _("tracked links")
        constraints = [models.UniqueConstraint(fields=["mailing", "position"], name="mailing_link_position")]

    def __str__(self) -> str:
        return self.url


class MailingClick(models.Model):
    """The first click of one recipient on one link (a replayed click counts here once)."""

    message = models.ForeignKey(MailingMessage, on_delete=models.CASCADE, related_name="clicks")
    link = models.ForeignKey(MailingLink, on_delete=models.CASCADE, related_name="clicks")
    first_clicked_at = models.DateTimeField(_("first clicked"))
    count = models.PositiveIntegerField(_("clicks"), default=1)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        constraints = [models.UniqueConstraint(fields=["message", "link"], name="mailing_click_once")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.link_id} ×{self.count}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    COMPLAINT = "complaint", _("Complaint")
    MANUAL = "manual", _("Added by staff")


class Suppression(TimeStampedModel):
    """Never send mailings of ``purpose`` (empty: any purpose) to this person or address."""

    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="email_suppressions"
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    purpose = models.CharField(_("purpose"), max_length=60, blank=True, help_text=_("Empty: every mailing."))
    reason = models.CharField(_("reason"), max_length=14, choices=SuppressionReason.choices)
    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.SET_NULL, related_name="suppressions"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        indexes = [
            models.Index(fields=["person", "purpose"], name="suppression_person"),
            models.Index(fields=["email"], name="suppression_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email or self.person_id} {self.purpose or '*'} ({self.reason})"


class BounceType(models.TextChoices):
    HARD = "hard", _("Hard")
    SOFT = "soft", _("Soft")


class Bounce(models.Model):
    message = models.ForeignKey(
        MailingMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="bounces"
    )
    email = models.CharField(_("email"), max_length=254)
    type = models.CharField(_("type"), max_length=4, choices=BounceType.choices)
    status_code = models.CharField(_("status code"), max_length=12, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("bounce")
        verbose_name_plural = _("bounces")
        indexes = [models.Index(fields=["email"], name="bounce_email")]

    def __str__(self) -> str:
        return f"{self.email} {self.type}"
