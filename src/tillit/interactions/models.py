"""The interaction log: one append-only row per touchpoint between the company and a customer."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tillit.interactions import messages


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    IVR = "ivr", _("IVR")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    SOCIAL = "social", _("Social media")
    MEETING = "meeting", _("Meeting")
    WEBINAR = "webinar", _("Webinar")
    FAX = "fax", _("Fax")
    KIOSK = "kiosk", _("Kiosk")
    PARTNER = "partner", _("Partner")
    PORTAL = "portal", _("Self-service portal")
    POST = "post", _("Post")
    # Notes and events that are not a contact with the customer (a colleague's note, a merge).
    INTERNAL = "internal", _("Internal")


class Kind(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    CONTENT_READ = "content_read", _("Content read")
    WEBINAR_WATCHED = "webinar_watched", _("Webinar watched")
    VIDEO_WATCHED = "video_watched", _("Video watched")
    FORM_SUBMITTED = "form_submitted", _("Form submitted")
    EMAIL_SENT = "email_sent", _("Email sent")
    EMAIL_RECEIVED = "email_received", _("Email received")
    EMAIL_OPENED = "email_opened", _("Email opened")
    EMAIL_CLICKED = "email_clicked", _("Email clicked")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    CHAT = "chat", _("Chat")
    MESSAGE = "message", _("Message")
    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")
    ORDER = "order", _("Order")
    PAYMENT = "payment", _("Payment")
    SURVEY_ANSWER = "survey_answer", _("Survey answer")
    # Events of records in other modules that the customer would notice (payload names the record).
    DEAL = "deal", _("Deal")
    QUOTE = "quote", _("Quote")
    CASE = "case", _("Case")
    NOTE = "note", _("Note")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")
    INTERNAL = "internal", _("Internal")


class Interaction(models.Model):
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    # No single-column indexes on the foreign keys: the composite and partial indexes in Meta cover
    # every look-up and cascade, and each index left out makes ingestion markedly faster.
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="interactions", db_index=False,
    )
    organization = models.ForeignKey(
        "people.Organization", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="interactions", db_index=False,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="handled_interactions", db_index=False,
    )
    partner = models.ForeignKey(
        "people.Organization", verbose_name=_("partner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="partner_interactions", db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    product = models.CharField(_("product"), max_length=100, blank=True)
    # The marketing campaign it belongs to (a campaign's code, or utm_campaign from the website).
    campaign = models.CharField(_("campaign"), max_length=100, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    satisfaction = models.SmallIntegerField(_("satisfaction"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(_("wait time (s)"), null=True, blank=True)
    share_watched = models.FloatField(_("share watched"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=60, blank=True)
    text = models.TextField(_("text"), blank=True)
    source = models.CharField(_("source"), max_length=60, default="tillit")
    external_id = models.CharField(_("external id"), max_length=200, null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            # The card and the timeline: newest first for one person / one organisation.
            models.Index(fields=["person", "-occurred_at"], name="interaction_person_time"),
            models.Index(
                fields=["organization", "-occurred_at"], name="interaction_org_time",
                condition=Q(organization__isnull=False),
            ),
            models.Index(fields=["occurred_at"], name="interaction_time"),
            # Most rows have no handler or partner (tracking, email events): index only those that do.
            models.Index(fields=["handled_by"], name="interaction_handled_by", condition=Q(handled_by__isnull=False)),
            models.Index(fields=["partner"], name="interaction_partner", condition=Q(partner__isnull=False)),
            # Campaign reports and "opened/clicked campaign X" segments; most rows have no campaign.
            models.Index(fields=["campaign", "kind"], name="interaction_campaign", condition=~Q(campaign="")),
        ]
        constraints = [
            # Idempotent ingestion: replaying a batch cannot create a second row.
            models.UniqueConstraint(
                fields=["source", "external_id"], name="interaction_source_external_id",
                condition=Q(external_id__isnull=False),
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organization__isnull=False),
                name="interaction_has_party",
            ),
            models.CheckConstraint(
                condition=Q(share_watched__isnull=True) | Q(share_watched__gte=0, share_watched__lte=1),
                name="interaction_share_watched_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} via {self.get_channel_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"

    # What a reader sees: a system message in the reader's language, else the stored text (interactions.messages).
    @property
    def subject_display(self) -> str:
        return messages.render(messages.of(self.payload, "subject"), self.subject)

    @property
    def text_display(self) -> str:
        return messages.render(messages.of(self.payload, "text"), self.text)

    @property
    def outcome_display(self) -> str:
        return messages.render(messages.of(self.payload, "outcome"), self.outcome)
