import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from tillit.core.models import TimeStampedModel, VersionedModel
from tillit.core.search import SearchKeyed, SearchKeyQuerySet


class LifecycleStage(models.TextChoices):
    SUBSCRIBER = "subscriber", _("Subscriber")
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    REPEAT_CUSTOMER = "repeat_customer", _("Repeat customer")
    FORMER = "former", _("Former customer")


class ValueTier(models.TextChoices):
    """How much the customer is worth to the company (filled by the insight module; SLAs use it)."""

    TOP = "top", _("Top")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Organization(SearchKeyed, VersionedModel):
    # Folded into ``search_key`` (tillit.core.search): what the organisation list's search looks in.
    SEARCH_FIELDS = ("name", "org_number", "domain", "city")

    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=40, blank=True)
    domain = models.CharField(_("web domain"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code, e.g. NO"))
    # Quotes and other documents to the customer are written in it; blank = the company's default.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="owned_organizations",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="organizations",
    )
    value_tier = models.CharField(_("value tier"), max_length=6, choices=ValueTier.choices, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    objects = SearchKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(Lower("name"), name="org_name_lower"),
            models.Index(fields=["owner"], name="org_owner"),
            models.Index(fields=["team"], name="org_team"),
            models.Index(fields=["search_key"], name="org_search_key"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(SearchKeyed, VersionedModel):
    # Folded into ``search_key`` (tillit.core.search): what the person search looks in besides
    # the phone and the current organisations' names.
    SEARCH_FIELDS = ("first_name", "last_name", "primary_email")

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.LEAD,
        db_index=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="owned_persons",
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="persons",
    )
    persona = models.CharField(_("persona"), max_length=100, blank=True)
    relationship_category = models.CharField(_("relationship category"), max_length=100, blank=True)
    value_tier = models.CharField(_("value tier"), max_length=6, choices=ValueTier.choices, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    # Blank = the organisation's language, then the company's default (``customer_language``).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Denormalised for list pages and search: the primary email/phone in normalised form.
    primary_email = models.CharField(_("email"), max_length=254, blank=True)
    primary_phone = models.CharField(_("phone"), max_length=32, blank=True)

    objects = SearchKeyQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="person_name_lower"),
            models.Index(fields=["owner", "lifecycle_stage"], name="person_owner_stage"),
            models.Index(fields=["team"], name="person_team"),
            models.Index(fields=["primary_email"], name="person_primary_email"),
            models.Index(fields=["search_key"], name="person_search_key"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.primary_email or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    SOCIAL = "social", _("Social handle")
    EXTERNAL = "external", _("External id")


class Identity(TimeStampedModel):
    """One way to recognise a person: an email, a phone, a social handle or another system's id.

    ``value`` is what was given; ``normalized`` is the look-up key (lower-case email, E.164 phone,
    ``network:handle``, the external id). ``system`` names the network or source system.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=10, choices=IdentityKind.choices)
    system = models.CharField(_("system"), max_length=60, blank=True)
    value = models.CharField(_("value"), max_length=254)
    normalized = models.CharField(max_length=254)
    is_primary = models.BooleanField(_("primary"), default=False)
    label = models.CharField(_("label"), max_length=40, blank=True, help_text=_("work, home, mobile …"))

    class Meta:
        ordering = ["kind", "-is_primary", "id"]
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        indexes = [models.Index(fields=["kind", "normalized", "system"], name="identity_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "system", "normalized"], name="identity_once_per_person"),
        ]

    def __str__(self) -> str:
        return self.value


class BuyingRole(models.TextChoices):
    NONE = "", _("—")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    ECONOMIC_BUYER = "economic_buyer", _("Economic buyer")
    INFLUENCER = "influencer", _("Influencer")
    CHAMPION = "champion", _("Champion")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Affiliation(VersionedModel):
    """A person's role in an organisation over a period of time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="affiliations")
    title = models.CharField(_("title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BuyingRole.choices, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["end_date", "-start_date", "id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        indexes = [models.Index(fields=["organization", "end_date"], name="affiliation_org")]

    def __str__(self) -> str:
        return f"{self.person} – {self.title or '?'} @ {self.organization}"

    @property
    def is_current(self) -> bool:
        from django.utils import timezone

        return self.end_date is None or self.end_date >= timezone.localdate()


class LawfulBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    VITAL_INTERESTS = "vital_interests", _("Vital interests")
    PUBLIC_TASK = "public_task", _("Public task")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class Consent(TimeStampedModel):
    """A consent record (GDPR): what for, on which basis, given when, withdrawn when, from where."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=60, help_text=_("e.g. newsletter, marketing_email, profiling"))
    lawful_basis = models.CharField(_("lawful basis"), max_length=30, choices=LawfulBasis.choices)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        ordering = ["purpose", "-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.purpose} ({self.lawful_basis})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class MergeRecord(models.Model):
    """Kept forever: which person was merged into which, by whom, and what the loser looked like."""

    survivor = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges")
    merged_person_id = models.BigIntegerField()
    merged_snapshot = models.JSONField()
    moved_counts = models.JSONField(default=dict)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge record")
        verbose_name_plural = _("merge records")

    def __str__(self) -> str:
        return f"#{self.merged_person_id} → #{self.survivor_id}"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """A CSV import uploaded on the import page and run by the background worker (``people.tasks``).

    The file is kept as bytes in the row (at most 20 MB): the web process and the worker then need
    nothing in common but the database — no shared disk when workers run on other machines — and the
    file is written in the same transaction as the job and deleted with it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    kind = models.CharField(_("kind"), max_length=20)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    data = models.BinaryField(_("file"), editable=False)
    dry_run = models.BooleanField(_("dry run"), default=True)
    update = models.BooleanField(_("update existing"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    # Names the job's progress in the cache; unique across databases that share a data folder.
    token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    report = models.JSONField(_("report"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING)


def customer_language(person: Person | None = None, organization: Organization | None = None) -> str:
    """The language to write to a customer in: the person's, else the organisation's, else the company's
    default (``settings.LANGUAGE_CODE``)."""
    for record in (person, organization):
        if record is not None and record.language:
            return record.language
    return settings.LANGUAGE_CODE
