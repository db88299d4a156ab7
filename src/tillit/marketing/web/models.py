"""Campaigns, and anonymous website visitors whose events join a person when they identify."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tillit.core.models import VersionedModel
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
