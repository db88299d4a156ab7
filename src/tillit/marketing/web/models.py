"""Campaigns, and anonymous website visitors whose events join a person when they identify."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tillit.core.models import TimeStampedModel, VersionedModel
from tillit.core.money import money_field


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    FINISHED = "finished", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    # The campaign's code: utm_campaign on links and `Interaction.campaign` on every touch it makes.
    code = models.SlugField(_("code"), max_length=100, unique=True)
    channel = models.CharField(_("channel"), max_length=12, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    goal = models.TextField(_("goal"), blank=True)
    budget = money_field(_("budget"))
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    segments = models.ManyToManyField(
        "marketing.Segment", blank=True, related_name="campaigns", verbose_name=_("segments")
    )
    static_lists = models.ManyToManyField(
        "marketing.StaticList", blank=True, related_name="campaigns", verbose_name=_("static lists")
    )
    # What the campaign taught: kept with it for the next one (seed 002).
    learnings = models.TextField(_("what we learned"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="campaigns",
    )

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


# --- website tracking -------------------------------------------------------------------------
class TrackingSite(TimeStampedModel):
    """A website that carries the tracking script: its public key and the origins allowed to send."""

    name = models.CharField(_("name"), max_length=200)
    # Public (it is in the page's HTML); it only names the site, it grants nothing else.
    key = models.CharField(_("key"), max_length=40, unique=True)
    allowed_origins = models.TextField(
        _("allowed origins"), blank=True,
        help_text=_("One per line, e.g. https://www.example.com. Only pages from these origins may send events."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # A form post with an unknown email address creates a lead (the point of most website forms).
    create_leads = models.BooleanField(_("create leads from forms"), default=True)
    # Malformed or over-limit events the collector dropped (the script never sees an error).
    dropped_events = models.PositiveBigIntegerField(_("dropped events"), default=0)
    accepted_events = models.PositiveBigIntegerField(_("accepted events"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tracking site")
        verbose_name_plural = _("tracking sites")

    def __str__(self) -> str:
        return self.name

    @property
    def origins(self) -> list[str]:
        return [line.strip().rstrip("/").lower() for line in self.allowed_origins.splitlines() if line.strip()]


class Visitor(models.Model):
    """An anonymous browser (the script's id in first-party storage), joined to a person once identified."""

    site = models.ForeignKey(TrackingSite, on_delete=models.CASCADE, related_name="visitors")
    visitor_id = models.CharField(max_length=64)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="web_visitors",
    )
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    identified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("website visitor")
        verbose_name_plural = _("website visitors")
        constraints = [models.UniqueConstraint(fields=["site", "visitor_id"], name="visitor_once_per_site")]
        indexes = [models.Index(fields=["person"], name="visitor_person", condition=models.Q(person__isnull=False))]

    def __str__(self) -> str:
        return self.visitor_id


class WebEvent(models.Model):
    """An anonymous visitor's event. On identification it becomes an interaction and is removed here."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="events")
    # The script's id for the event: the interaction's ``external_id`` later (idempotent joins).
    event_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    url = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=200, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    content_type = models.CharField(max_length=60, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    scroll_depth = models.PositiveSmallIntegerField(null=True, blank=True)
    share_watched = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("website event")
        verbose_name_plural = _("website events")
        constraints = [models.UniqueConstraint(fields=["visitor", "event_id"], name="web_event_once")]
        indexes = [
            models.Index(fields=["occurred_at"], name="web_event_time"),
            models.Index(fields=["utm_campaign"], name="web_event_campaign", condition=~models.Q(utm_campaign="")),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.url}"
