"""Forms of the SLA, survey and report pages. They parse input; the services check and write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tillit.accounts.models import Role, Team, User
from tillit.core.errors import DomainError
from tillit.people.models import ValueTier
from tillit.service.business_hours import WEEKDAYS
from tillit.service.models import Queue
from tillit.service.models_sla import BusinessCalendar, SurveyKind
from tillit.service.sla import format_target

WEEKDAY_LABELS = {
    "mon": _("Monday"), "tue": _("Tuesday"), "wed": _("Wednesday"), "thu": _("Thursday"), "fri": _("Friday"),
    "sat": _("Saturday"), "sun": _("Sunday"),
}
PRIORITY_CHOICES = [("", _("Any priority")), ("low", _("Low")), ("normal", _("Normal")), ("high", _("High")),
                    ("urgent", _("Urgent"))]
TIER_CHOICES = [("", _("Any value tier")), *ValueTier.choices]


class DomainErrorsMixin:
    def add_domain_error(self, exc: DomainError) -> None:
        errors = exc.errors or [{"field": exc.field, "reason": exc.message}]
        for error in errors:
            field = error.get("field")
            if field == "weekly_hours":
                field = None
            self.add_error(field if field in self.fields else None, error["reason"])


def hours_text(intervals) -> str:
    return ", ".join(f"{start}–{end}" for start, end in intervals or [])


def parse_hours_text(text: str) -> list[list[str]]:
    """``"08:00-11:30, 12:00-16:00"`` → [["08:00", "11:30"], ["12:00", "16:00"]]; blank = closed."""
    intervals = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        bits = [b.strip() for b in part.replace("–", "-").split("-")]
        if len(bits) != 2 or not all(bits):
            raise forms.ValidationError(_("Write intervals like 08:00-16:00, separated by commas."))
        intervals.append(bits)
    return intervals


class CalendarForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Oslo",
                                help_text=_("An IANA zone, e.g. Europe/Oslo, Europe/Stockholm, America/New_York."))
    country = forms.CharField(label=_("Public holidays of"), max_length=2, required=False, initial="NO",
                              help_text=_("ISO country code (NO, SE, DK, …); blank for none."))

    def __init__(self, *args, calendar: BusinessCalendar | None = None, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        weekly = calendar.weekly_hours if calendar else {day: [["08:00", "16:00"]] for day in WEEKDAYS[:5]}
        if calendar:
            initial.update(name=calendar.name, time_zone=calendar.time_zone, country=calendar.country)
        for day in WEEKDAYS:
            initial[f"hours_{day}"] = hours_text(weekly.get(day))
        super().__init__(*args, initial=initial, **kwargs)
        for day in WEEKDAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=WEEKDAY_LABELS[day], required=False, max_length=200,
                widget=forms.TextInput(attrs={"placeholder": _("closed")}),
            )

    def weekday_fields(self):
        return [self[f"hours_{day}"] for day in WEEKDAYS]

    def clean(self):
        cleaned = super().clean()
        weekly = {}
        for day in WEEKDAYS:
            try:
                intervals = parse_hours_text(cleaned.get(f"hours_{day}", ""))
            except forms.ValidationError as exc:
                self.add_error(f"hours_{day}", exc)
                continue
            if intervals:
                weekly[day] = intervals
        cleaned["weekly_hours"] = weekly
        return cleaned

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "time_zone": data["time_zone"].strip(), "country": data["country"],
                "weekly_hours": data["weekly_hours"]}


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("Name (optional)")}))


class PolicyForm(DomainErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_CHOICES, required=False)
    value_tier = forms.ChoiceField(label=_("Customer value tier"), choices=TIER_CHOICES, required=False)
    calendar = forms.ModelChoiceField(label=_("Business calendar"), queryset=BusinessCalendar.objects.all())
    first_response_minutes = forms.IntegerField(label=_("First response within (business minutes)"), min_value=1)
    resolution_minutes = forms.IntegerField(label=_("Resolution within (business minutes)"), min_value=1)
    warn_before_minutes = forms.IntegerField(label=_("Warn before due (business minutes)"), min_value=0,
                                             initial=30)
    notify = forms.BooleanField(label=_("At breach: notify the assignee and the queue's members"), required=False,
                                initial=True)
    reassign_to_queue = forms.ModelChoiceField(label=_("At breach: move to queue"), required=False,
                                               queryset=Queue.objects.filter(is_active=True))
    reassign_to_user = forms.ModelChoiceField(
        label=_("At breach: reassign to"), required=False,
        queryset=User.objects.filter(is_active=True, role__in=[Role.ADMIN, Role.SERVICE, Role.MANAGER]),
    )
    raise_priority = forms.BooleanField(label=_("At breach: raise the priority one step"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Targets are typed in business minutes; say what the current value means ("4800 = 80 h").
        for name in ("first_response_minutes", "resolution_minutes", "warn_before_minutes"):
            value = self[name].value()
            try:
                minutes = int(value)
            except (TypeError, ValueError):
                continue
            self.fields[name].help_text = _("= %(duration)s of business time") % {
                "duration": format_target(minutes)}
            self._bound_fields_cache.pop(name, None)  # a bound field copies its help text when made

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class SurveyForm(DomainErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyKind.choices, initial=SurveyKind.NPS)
    name = forms.CharField(label=_("Name"), max_length=100)
    question = forms.CharField(label=_("Question"), max_length=300, required=False,
                               help_text=_("Blank for the standard question."))
    value_tier = forms.ChoiceField(label=_("Only customers of value tier"), choices=TIER_CHOICES, required=False)
    team = forms.ModelChoiceField(label=_("Only customers of team"), queryset=Team.objects.all(), required=False)
    every_days = forms.IntegerField(label=_("Send every (days)"), min_value=1, max_value=3650, required=False,
                                    help_text=_("Blank: only when started by hand. Nobody is asked twice within "
                                                "this period."))
    valid_days = forms.IntegerField(label=_("Links valid for (days)"), min_value=1, max_value=3650, initial=30)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, survey=None, **kwargs):
        super().__init__(*args, **kwargs)
        if survey is not None:
            self.fields["kind"].disabled = True

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("kind", None)
        return data


class SurveyAnswerForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Score"), coerce=int, choices=())
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].choices = [(n, str(n)) for n in range(survey.min_score, survey.max_score + 1)]


PERIODS = [("30", _("Last 30 days")), ("90", _("Last 90 days")), ("365", _("Last 12 months")),
           ("custom", _("Custom"))]


class ReportPeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False, initial="90")
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        today = timezone.localdate()
        period = cleaned.get("period") or "90"
        if period == "custom":
            start, end = cleaned.get("start"), cleaned.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give both dates for a custom period."))
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif (end - start).days > 3 * 366:
                self.add_error("end", _("Choose at most three years."))
        else:
            end = today
            start = today - dt.timedelta(days=int(period) - 1)
        cleaned["start"], cleaned["end"] = start, end
        return cleaned
