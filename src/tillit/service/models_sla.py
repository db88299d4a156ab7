"""SLA policies, business calendars, case SLA clocks, breaches and surveys."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tillit.core.models import TimeStampedModel
from tillit.people.models import ValueTier

__all__ = [
    "BusinessCalendar", "Holiday", "SlaPolicy", "CaseSla", "SlaState", "SlaMetric", "SlaBreach",
    "SurveyKind", "Survey", "SurveyRun", "SurveyInvitation",
]

DEFAULT_WEEKLY_HOURS = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def default_weekly_hours() -> dict:
    return {day: [list(pair) for pair in pairs] for day, pairs in DEFAULT_WEEKLY_HOURS.items()}


class BusinessCalendar(TimeStampedModel):
    """Opening hours in a time zone, with a country's public holidays and the company's own closed days."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Oslo")
    # {"mon": [["08:00", "16:00"]], "tue": [...], ...}; several intervals per day allowed, "24:00" = midnight.
    weekly_hours = models.JSONField(_("weekly opening hours"), default=default_weekly_hours)
    country = models.CharField(
        _("public holidays of"), max_length=2, blank=True, help_text=_("ISO country code, e.g. NO, SE, DK.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A company-specific closed day (public holidays come from the country)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_calendar_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(TimeStampedModel):
    """Targets for cases of one priority and customer value tier; blank = any. The most specific wins."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.CharField(_("priority"), max_length=8, blank=True, choices=[
        ("low", _("Low")), ("normal", _("Normal")), ("high", _("High")), ("urgent", _("Urgent")),
    ])
    value_tier = models.CharField(_("value tier"), max_length=6, choices=ValueTier.choices, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies"
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (business minutes)"))
    warn_before_minutes = models.PositiveIntegerField(_("warn before (business minutes)"), default=30)
    notify = models.BooleanField(_("notify assignee and queue members at breach"), default=True)
    reassign_to_queue = models.ForeignKey(
        "service.Queue", verbose_name=_("move to queue at breach"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    reassign_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reassign to agent at breach"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    raise_priority = models.BooleanField(_("raise priority at breach"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "value_tier", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    STOPPED = "stopped", _("Stopped")


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class CaseSla(models.Model):
    """A case's SLA clocks. Targets count business time of the policy's calendar from ``started_at``
    (resolution: ``resolution_started_at``, reset on reopen), pushed back by ``paused_seconds``."""

    case = models.OneToOneField("service.Case", on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="clocks")
    started_at = models.DateTimeField(_("started"))
    resolution_started_at = models.DateTimeField(_("resolution clock started"))
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused (business seconds)"), default=0)
    first_response_met = models.BooleanField(_("first response met"), default=False)
    first_response_breached = models.BooleanField(_("first response breached"), default=False)
    resolution_met = models.BooleanField(_("resolution met"), default=False)
    resolution_breached = models.BooleanField(_("resolution breached"), default=False)
    # Business seconds the case took (reports use them): set when the target is reached.
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The earliest target still running (null when paused or stopped); the inbox sorts by it.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    # When the next target's warning is due (business time before next_due_at).
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    state = models.CharField(_("SLA"), max_length=10, choices=SlaState.choices, default=SlaState.RUNNING)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case SLA")
        verbose_name_plural = _("case SLAs")
        indexes = [
            # The sweep: clocks whose warning or due time has come.
            models.Index(fields=["next_due_at"], name="case_sla_next_due", condition=Q(next_due_at__isnull=False)),
            models.Index(fields=["warn_at"], name="case_sla_warn_at", condition=Q(warn_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.state}"


class SlaBreach(models.Model):
    case = models.ForeignKey("service.Case", on_delete=models.CASCADE, related_name="sla_breaches")
    metric = models.CharField(_("target"), max_length=20, choices=SlaMetric.choices)
    due_at = models.DateTimeField(_("was due"))
    breached_at = models.DateTimeField(_("recorded"))
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # ["notified:3", "queue:2", "priority:high"] — what the escalation did.
    actions = models.JSONField(_("actions taken"), default=list, blank=True)

    class Meta:
        ordering = ["-breached_at", "-id"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            # One breach per case, target and due time: the sweep may run twice.
            models.UniqueConstraint(fields=["case", "metric", "due_at"], name="sla_breach_once"),
        ]
        indexes = [models.Index(fields=["breached_at"], name="sla_breach_time")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.metric} {self.due_at:%Y-%m-%d %H:%M}"


class SurveyKind(models.TextChoices):
    CSAT = "csat", _("Customer satisfaction (1–5)")
    NPS = "nps", _("Net promoter score (0–10)")


class Survey(TimeStampedModel):
    """A survey definition. CSAT: one survey sent when a case is resolved. NPS: sent in runs to customers
    (lifecycle stage customer or repeat customer, optionally one value tier or team), every ``every_days``."""

    kind = models.CharField(_("kind"), max_length=4, choices=SurveyKind.choices)
    name = models.CharField(_("name"), max_length=100)
    question = models.CharField(_("question"), max_length=300, blank=True)
    value_tier = models.CharField(_("only value tier"), max_length=6, choices=ValueTier.choices, blank=True)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("only team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    every_days = models.PositiveIntegerField(
        _("repeat every (days)"), null=True, blank=True,
        help_text=_("Send a new run this often; nobody is asked twice within this period. Blank = by hand."),
    )
    valid_days = models.PositiveIntegerField(_("links valid for (days)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name

    @property
    def max_score(self) -> int:
        return 5 if self.kind == SurveyKind.CSAT else 10

    @property
    def min_score(self) -> int:
        return 1 if self.kind == SurveyKind.CSAT else 0

    @property
    def quiet_period(self) -> dt.timedelta:
        return dt.timedelta(days=self.every_days or 90)


class SurveyRun(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(_("started"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited = models.PositiveIntegerField(_("invited"), default=0)
    skipped = models.PositiveIntegerField(_("skipped (asked recently or no email)"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("survey run")
        verbose_name_plural = _("survey runs")

    def __str__(self) -> str:
        return f"{self.survey_id} {self.started_at:%Y-%m-%d}"


class SurveyInvitation(models.Model):
    """One person asked once; the answer (score, comment) is stored here and logged as an interaction."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    run = models.ForeignKey(SurveyRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations")
    case = models.ForeignKey(
        "service.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="survey_invitations")
    email = models.CharField(_("sent to"), max_length=254)
    # Null while queued: a run creates its invitations at once and the worker mails them.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    send_error = models.CharField(_("send error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            # CSAT: one invitation per case, ever.
            models.UniqueConstraint(fields=["survey", "case"], name="survey_once_per_case",
                                    condition=Q(case__isnull=False)),
            models.UniqueConstraint(fields=["run", "person"], name="survey_once_per_run",
                                    condition=Q(run__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["survey", "person", "-created_at"], name="survey_inv_person"),
            models.Index(fields=["survey", "answered_at"], name="survey_inv_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.person_id} {self.score}"
