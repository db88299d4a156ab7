"""Relationship types (seed 004, Avery et al. HBR 2014): the estimated category spend per customer,
the named types on the two axes (share of the customer's business, price premium) and their history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tillit.core.money import money_field

PARTY_ONE = Q(person__isnull=False, organization__isnull=True) | Q(person__isnull=True, organization__isnull=False)


class CategorySpend(models.Model):
    """What one customer spends in our category in a year, with everyone (the denominator of share of wallet)."""

    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="category_spend",
    )
    organization = models.OneToOneField(
        "people.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="category_spend",
    )
    amount = money_field(_("estimated spend per year in the category"))
    currency = models.CharField(_("currency"), max_length=3)
    year = models.PositiveSmallIntegerField(_("year of the estimate"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("estimated category spend")
        verbose_name_plural = _("estimated category spend")
        constraints = [
            models.CheckConstraint(condition=PARTY_ONE, name="spend_one_party"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="spend_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class RelationshipType(models.Model):
    """A named region on the two axes: share in [share_min, share_max), premium in [premium_min, premium_max).

    An empty minimum is 0, an empty maximum is open-ended. Exactly one type is the catch-all: it has no
    thresholds and is given to customers whose figures are not known (no spend estimate, no priced lines).
    """

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    playbook = models.TextField(_("playbook"), blank=True)
    share_min = models.FloatField(_("share from"), null=True, blank=True)
    share_max = models.FloatField(_("share below"), null=True, blank=True)
    premium_min = models.FloatField(_("premium from"), null=True, blank=True)
    premium_max = models.FloatField(_("premium below"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    catch_all = models.BooleanField(_("catch-all"), default=False)
    color = models.CharField(_("colour"), max_length=7, default="#2f6f8f")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "key"]
        verbose_name = _("relationship type")
        verbose_name_plural = _("relationship types")
        constraints = [
            models.UniqueConstraint(fields=["catch_all"], condition=Q(catch_all=True), name="reltype_one_catch_all"),
        ]

    def __str__(self) -> str:
        return self.display_name

    # A default name or playbook (``relationship_defaults``) is shown in the reader's language; an edited
    # one is not in the catalogue and comes back as typed.
    @property
    def display_name(self) -> str:
        return gettext(self.name) if self.name else ""

    @property
    def display_playbook(self) -> str:
        return gettext(self.playbook) if self.playbook else ""


class RelationshipChange(models.Model):
    """History: a customer's relationship type changed (from '' on the first assignment)."""

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
    )
    from_type = models.CharField(_("from"), max_length=40, blank=True)
    to_type = models.CharField(_("to"), max_length=40, blank=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("relationship type change")
        verbose_name_plural = _("relationship type changes")
        indexes = [
            models.Index(fields=["person", "-changed_at"], name="relchange_person"),
            models.Index(fields=["organization", "-changed_at"], name="relchange_org"),
        ]

    def __str__(self) -> str:
        return f"{self.from_type or '–'} → {self.to_type or '–'}"
