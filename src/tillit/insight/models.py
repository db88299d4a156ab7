"""Insight: stored model fits and the precomputed value figures per customer (read by the card in one query)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FitStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PartyKind(models.TextChoices):
    PERSON = "person", _("Persons")
    ORGANIZATION = "organization", _("Organisations")


class Fit(models.Model):
    """One BG/NBD + Gamma-Gamma fit with the inputs needed to reproduce it."""

    # Persons and organisations are fitted apart: an order naming both would otherwise count twice.
    kind = models.CharField(_("customers"), max_length=12, choices=PartyKind.choices, default=PartyKind.PERSON)
    status = models.CharField(_("status"), max_length=10, choices=FitStatus.choices, default=FitStatus.QUEUED)
    calibration_end = models.DateField(_("end of calibration"))
    holdout_days = models.PositiveIntegerField(_("hold-out days"))
    horizon_months = models.PositiveSmallIntegerField(_("CLV horizon (months)"), default=12)
    annual_discount = models.DecimalField(_("annual discount rate"), max_digits=5, decimal_places=4, default=0.1)
    base_currency = models.CharField(_("base currency"), max_length=3)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    bgnbd = models.JSONField(_("BG/NBD parameters"), default=dict, blank=True)
    gamma_gamma = models.JSONField(_("Gamma-Gamma parameters"), default=dict, blank=True)
    log_likelihood = models.FloatField(_("log-likelihood"), null=True, blank=True)
    converged = models.BooleanField(_("converged"), default=False)
    # Why the fit failed or what was left out (equal spend, no repeat buyers), in words for the page.
    message = models.TextField(_("message"), blank=True)
    report = models.JSONField(_("validation report"), default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # The fit whose figures the cards show; a new fit that does not converge leaves the old one in use.
    in_use = models.BooleanField(_("in use"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("value model fit")
        verbose_name_plural = _("value model fits")
        constraints = [
            models.UniqueConstraint(fields=["kind", "in_use"], condition=Q(in_use=True), name="fit_one_in_use"),
        ]

    def __str__(self) -> str:
        return f"fit {self.pk} ({self.created_at:%Y-%m-%d})" if self.created_at else f"fit {self.pk}"


class CustomerValue(models.Model):
    """The precomputed figures of one person or one organisation (exactly one of the two)."""

    person = models.OneToOneField(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="insight_value",
    )
    organization = models.OneToOneField(
        "people.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="insight_value",
    )
    fit = models.ForeignKey(Fit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    purchases = models.PositiveIntegerField(_("purchase occasions"), default=0)
    frequency = models.PositiveIntegerField(_("repeat purchases"), default=0)
    first_purchase = models.DateField(_("first purchase"), null=True, blank=True)
    last_purchase = models.DateField(_("last purchase"), null=True, blank=True)
    revenue = models.DecimalField(_("revenue"), max_digits=16, decimal_places=2, default=0)
    spend_per_purchase = models.DecimalField(_("spend per purchase"), max_digits=14, decimal_places=2, default=0)
    expected_purchases_12m = models.FloatField(_("expected purchases, next 12 months"), null=True, blank=True)
    p_alive = models.FloatField(_("probability still a customer"), null=True, blank=True)
    expected_spend = models.DecimalField(
        _("expected spend per purchase"), max_digits=14, decimal_places=2, null=True, blank=True,
    )
    clv = models.DecimalField(_("customer lifetime value"), max_digits=16, decimal_places=2, null=True, blank=True)
    recency_score = models.PositiveSmallIntegerField(_("recency score"), null=True, blank=True)
    frequency_score = models.PositiveSmallIntegerField(_("frequency score"), null=True, blank=True)
    monetary_score = models.PositiveSmallIntegerField(_("monetary score"), null=True, blank=True)
    rfm_class = models.CharField(_("RFM class"), max_length=40, blank=True)
    # Relationship type on the two axes of seed 004 (share of the customer's business, price premium).
    share_of_wallet = models.FloatField(_("share of the customer's business"), null=True, blank=True)
    price_premium = models.FloatField(_("price premium"), null=True, blank=True)
    relationship_type = models.CharField(_("relationship type"), max_length=40, blank=True)
    # Churn risk 0..1 with its level and the reasons as codes + parameters (rendered in the reader's language).
    churn_risk = models.FloatField(_("churn risk"), null=True, blank=True)
    churn_level = models.CharField(_("churn risk level"), max_length=10, blank=True)
    churn_reasons = models.JSONField(_("churn reasons"), default=list, blank=True)
    # Next best offers: [{"product": id, "share": 0.34, "because": id}, …], best first.
    next_offers = models.JSONField(_("next best offers"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        indexes = [
            models.Index(fields=["rfm_class"], name="value_rfm_class"),
            models.Index(fields=["relationship_type"], name="value_relationship_type"),
            models.Index(fields=["churn_level"], name="value_churn_level"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organization__isnull=True)
                | Q(person__isnull=True, organization__isnull=False),
                name="value_one_party",
            ),
        ]

    def __str__(self) -> str:
        party = f"person {self.person_id}" if self.person_id else f"organisation {self.organization_id}"
        return f"value of {party}"


class RfmClass(models.Model):
    """A named RFM class: the first class (by priority) whose score ranges hold for a customer is theirs."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    recency_min = models.PositiveSmallIntegerField(_("recency from"), default=1)
    recency_max = models.PositiveSmallIntegerField(_("recency to"), default=5)
    frequency_min = models.PositiveSmallIntegerField(_("frequency from"), default=1)
    frequency_max = models.PositiveSmallIntegerField(_("frequency to"), default=5)
    monetary_min = models.PositiveSmallIntegerField(_("monetary from"), default=1)
    monetary_max = models.PositiveSmallIntegerField(_("monetary to"), default=5)

    class Meta:
        ordering = ["priority", "key"]
        verbose_name = _("RFM class")
        verbose_name_plural = _("RFM classes")

    def __str__(self) -> str:
        return self.name


class ClassChange(models.Model):
    """History: a customer's RFM class changed from one to another."""

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "people.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
    )
    from_class = models.CharField(_("from"), max_length=40, blank=True)
    to_class = models.CharField(_("to"), max_length=40, blank=True)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-changed_at"], name="classchange_person"),
            models.Index(fields=["organization", "-changed_at"], name="classchange_org"),
        ]

    def __str__(self) -> str:
        return f"{self.from_class or '–'} → {self.to_class or '–'}"


class TierBasis(models.TextChoices):
    CLV = "clv", _("Customer lifetime value")
    RFM = "rfm", _("RFM score (recency + frequency + monetary)")


class TierMode(models.TextChoices):
    SHARE = "share", _("Share of customers (top %)")
    AMOUNT = "amount", _("Amount (at least)")


class TierSettings(models.Model):
    """The cut-offs of the value tiers (one row). Platinum/gold/silver/bronze feed people's value_tier.

    ``share``: platinum are the top ``platinum`` % of customers, gold the top ``gold`` % (without the
    platinum ones), silver the top ``silver`` %, bronze the rest. ``amount``: at least ``platinum``
    (CLV in the base currency, or the RFM score sum 3–15) is platinum, and so on downwards.
    """

    basis = models.CharField(_("tiers from"), max_length=6, choices=TierBasis.choices, default=TierBasis.CLV)
    mode = models.CharField(_("cut-offs as"), max_length=6, choices=TierMode.choices, default=TierMode.SHARE)
    platinum = models.DecimalField(_("platinum"), max_digits=14, decimal_places=2, default=5)
    gold = models.DecimalField(_("gold"), max_digits=14, decimal_places=2, default=20)
    silver = models.DecimalField(_("silver"), max_digits=14, decimal_places=2, default=50)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("value tier settings")
        verbose_name_plural = _("value tier settings")

    def __str__(self) -> str:
        return f"tiers from {self.basis} ({self.mode})"


class RunKind(models.TextChoices):
    RFM = "rfm", _("RFM classes and value tiers")


class Run(models.Model):
    """One recomputation started by hand or by the nightly schedule (its progress for the page)."""

    kind = models.CharField(_("kind"), max_length=10, choices=RunKind.choices, default=RunKind.RFM)
    status = models.CharField(_("status"), max_length=10, choices=FitStatus.choices, default=FitStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.TextField(_("message"), blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    changes = models.PositiveIntegerField(_("class changes"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("insight run")
        verbose_name_plural = _("insight runs")

    def __str__(self) -> str:
        return f"run {self.pk} ({self.kind}, {self.status})"
# Relationship types live in their own module (``tillit.insight.models_relationships``); imported here so
# Django registers them with the app.
from tillit.insight.models_personas import Persona, PersonaOverride  # noqa: E402, F401  (the app's models)
from tillit.insight.models_relationships import CategorySpend, RelationshipChange, RelationshipType  # noqa: E402, F401

