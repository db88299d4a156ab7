"""REST API for SLA policies, business calendars, case clocks, surveys and reports — thin: parse, call, answer.

Policies and calendars: administrators write, managers and the service team read. Surveys: the same.
The public answer endpoint takes the signed token from the survey link instead of a login.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from tillit.accounts.models import Team, User
from tillit.core.api import Paging
from tillit.core.errors import NotFound, ValidationError
from tillit.service import reports, sla_config, surveys
from tillit.service.models import Queue
from tillit.service.models_sla import BusinessCalendar, CaseSla, Holiday, SlaPolicy, Survey

router = Router(tags=["service"])


# --- schemas -----------------------------------------------------------------------------------
class CalendarIn(Schema):
    __model__ = BusinessCalendar  # constraints from the model (tillit.core.api)
    name: str = Field(..., max_length=100)
    time_zone: str = Field("Europe/Oslo", description="IANA zone, e.g. Europe/Oslo")
    weekly_hours: dict[str, list[list[str]]] | None = Field(
        None, description='{"mon": [["08:00", "16:00"]], ...}; several intervals per day; "24:00" = midnight',
    )
    country: str = Field("", max_length=2, description="ISO code for public holidays (NO, SE, DK …)")


class CalendarPatch(Schema):
    __model__ = BusinessCalendar  # constraints from the model (tillit.core.api)
    name: str | None = None
    time_zone: str | None = None
    weekly_hours: dict[str, list[list[str]]] | None = None
    country: str | None = None


class ClosedDayIn(Schema):
    __model__ = Holiday  # constraints from the model (tillit.core.api)
    date: dt.date
    name: str = Field("", max_length=100)


class ClosedDayOut(Schema):
    id: int
    date: dt.date
    name: str


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    weekly_hours: dict
    country: str
    closed_days: list[ClosedDayOut] = []

    @staticmethod
    def resolve_closed_days(obj):
        return list(obj.holidays.all())


class PolicyIn(Schema):
    __model__ = SlaPolicy  # constraints from the model (tillit.core.api)
    name: str = Field(..., max_length=100)
    priority: str = Field("", description="low, normal, high, urgent or blank = any")
    value_tier: str = Field("", description="top, high, medium, low or blank = any")
    calendar_id: int
    first_response_minutes: int = Field(..., ge=1)
    resolution_minutes: int = Field(..., ge=1)
    warn_before_minutes: int = Field(30, ge=0)
    notify: bool = True
    reassign_to_queue_id: int | None = None
    reassign_to_user_id: int | None = None
    raise_priority: bool = False
    is_active: bool = True


class PolicyPatch(Schema):
    __model__ = SlaPolicy  # constraints from the model (tillit.core.api)
    name: str | None = None
    priority: str | None = None
    value_tier: str | None = None
    calendar_id: int | None = None
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_before_minutes: int | None = None
    notify: bool | None = None
    reassign_to_queue_id: int | None = None
    reassign_to_user_id: int | None = None
    raise_priority: bool | None = None
    is_active: bool | None = None


class PolicyOut(Schema):
    id: int
    name: str
    priority: str
    value_tier: str
    calendar_id: int
    first_response_minutes: int
    resolution_minutes: int
    warn_before_minutes: int
    notify: bool
    reassign_to_queue_id: int | None
    reassign_to_user_id: int | None
    raise_priority: bool
    is_active: bool


class ClockOut(Schema):
    case_id: int
    policy_id: int | None
    state: str
    started_at: dt.datetime
    first_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    next_due_at: dt.datetime | None
    paused_at: dt.datetime | None
    paused_seconds: int
    first_response_met: bool
    first_response_breached: bool
    resolution_met: bool
    resolution_breached: bool
    first_response_seconds: int | None
    resolution_seconds: int | None


class SurveyIn(Schema):
    __model__ = Survey  # constraints from the model (tillit.core.api)
    kind: str = Field(..., description="csat or nps")
    name: str = Field(..., max_length=100)
    question: str = ""
    value_tier: str = ""
    team_id: int | None = None
    every_days: int | None = Field(None, ge=1, le=3650)
    valid_days: int = Field(30, ge=1, le=3650)
    is_active: bool = True


class SurveyPatch(Schema):
    __model__ = Survey  # constraints from the model (tillit.core.api)
    name: str | None = None
    question: str | None = None
    value_tier: str | None = None
    team_id: int | None = None
    every_days: int | None = None
    valid_days: int | None = None
    is_active: bool | None = None


class SurveyOut(Schema):
    id: int
    kind: str
    name: str
    question: str
    value_tier: str
    team_id: int | None
    every_days: int | None
    valid_days: int
    is_active: bool
    last_run_at: dt.datetime | None


class RunOut(Schema):
    id: int
    survey_id: int
    started_at: dt.datetime
    invited: int
    skipped: int


class AnswerOut(Schema):
    id: int
    person_id: int
    case_id: int | None
    score: int
    comment: str
    answered_at: dt.datetime


class AnswerIn(Schema):
    token: str
    score: int
    comment: str = ""


class AnswerAccepted(Schema):
    ok: bool = True
    survey: str
    score: int


# --- helpers -----------------------------------------------------------------------------------
def _ref(model, pk, field: str):
    if pk is None:
        return None
    record = model.objects.filter(pk=pk).first()
    if record is None:
        raise ValidationError(_("No such record."), field=field)
    return record


def _policy_fields(data: dict) -> dict:
    for key, model in (("calendar", BusinessCalendar), ("reassign_to_queue", Queue), ("reassign_to_user", User)):
        if f"{key}_id" in data:
            data[key] = _ref(model, data.pop(f"{key}_id"), f"{key}_id")
    return data


def _survey_fields(data: dict) -> dict:
    if "team_id" in data:
        data["team"] = _ref(Team, data.pop("team_id"), "team_id")
    return data


# --- calendars ---------------------------------------------------------------------------------
@router.get("/service/sla/calendars", response=list[CalendarOut])
def list_calendars(request: HttpRequest):
    return list(sla_config.calendar_list(actor=request.user).prefetch_related("holidays"))


@router.post("/service/sla/calendars", response={201: CalendarOut})
def create_calendar(request: HttpRequest, payload: CalendarIn):
    return 201, sla_config.calendar_create(actor=request.user, **payload.dict())


@router.get("/service/sla/calendars/{calendar_id}", response=CalendarOut)
def get_calendar(request: HttpRequest, calendar_id: int):
    return sla_config.calendar_get(actor=request.user, calendar_id=calendar_id)


@router.patch("/service/sla/calendars/{calendar_id}", response=CalendarOut)
def update_calendar(request: HttpRequest, calendar_id: int, payload: CalendarPatch):
    calendar = sla_config.calendar_get(actor=request.user, calendar_id=calendar_id)
    return sla_config.calendar_update(actor=request.user, calendar=calendar, **payload.dict(exclude_unset=True))


@router.post("/service/sla/calendars/{calendar_id}/closed-days", response={201: ClosedDayOut})
def add_closed_day(request: HttpRequest, calendar_id: int, payload: ClosedDayIn):
    calendar = sla_config.calendar_get(actor=request.user, calendar_id=calendar_id)
    return 201, sla_config.holiday_add(actor=request.user, calendar=calendar, date=payload.date, name=payload.name)


@router.delete("/service/sla/calendars/{calendar_id}/closed-days/{day_id}", response={204: None})
def remove_closed_day(request: HttpRequest, calendar_id: int, day_id: int):
    calendar = sla_config.calendar_get(actor=request.user, calendar_id=calendar_id)
    sla_config.holiday_remove(actor=request.user, calendar=calendar, holiday_id=day_id)
    return 204, None


# --- policies ----------------------------------------------------------------------------------
@router.get("/service/sla/policies", response=list[PolicyOut])
def list_policies(request: HttpRequest):
    return list(sla_config.policy_list(actor=request.user))


@router.post("/service/sla/policies", response={201: PolicyOut})
def create_policy(request: HttpRequest, payload: PolicyIn):
    sla_config.ensure_can_edit(request.user)  # before looking up the records the payload names
    return 201, sla_config.policy_create(actor=request.user, **_policy_fields(payload.dict()))


@router.get("/service/sla/policies/{policy_id}", response=PolicyOut)
def get_policy(request: HttpRequest, policy_id: int):
    return sla_config.policy_get(actor=request.user, policy_id=policy_id)


@router.patch("/service/sla/policies/{policy_id}", response=PolicyOut)
def update_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch):
    policy = sla_config.policy_get(actor=request.user, policy_id=policy_id)
    fields = _policy_fields(payload.dict(exclude_unset=True))
    return sla_config.policy_update(actor=request.user, policy=policy, **fields)


# --- a case's clock ----------------------------------------------------------------------------
@router.get("/service/cases/{case_id}/sla", response=ClockOut)
def case_clock(request: HttpRequest, case_id: int):
    from tillit.service.selectors import case_get

    case = case_get(actor=request.user, case_id=case_id)  # the case's own access rule
    clock = CaseSla.objects.filter(case=case).first()
    if clock is None:
        raise NotFound(_("This case has no SLA clock (no policy matched it)."))
    return clock


# --- surveys -----------------------------------------------------------------------------------
def _survey(request: HttpRequest, survey_id: int) -> Survey:
    reports.ensure_can_see_reports(request.user)
    return get_object_or_404(Survey, pk=survey_id)


@router.get("/service/surveys", response=list[SurveyOut])
def list_surveys(request: HttpRequest):
    reports.ensure_can_see_reports(request.user)
    return list(Survey.objects.all())


@router.post("/service/surveys", response={201: SurveyOut})
def create_survey(request: HttpRequest, payload: SurveyIn):
    data = _survey_fields(payload.dict())
    return 201, surveys.survey_create(actor=request.user, **data)


@router.get("/service/surveys/{survey_id}", response=SurveyOut)
def get_survey(request: HttpRequest, survey_id: int):
    return _survey(request, survey_id)


@router.patch("/service/surveys/{survey_id}", response=SurveyOut)
def update_survey(request: HttpRequest, survey_id: int, payload: SurveyPatch):
    survey = _survey(request, survey_id)
    return surveys.survey_update(actor=request.user, survey=survey, **_survey_fields(payload.dict(exclude_unset=True)))


@router.post("/service/surveys/{survey_id}/runs", response={201: RunOut})
def start_run(request: HttpRequest, survey_id: int):
    survey = _survey(request, survey_id)
    return 201, surveys.survey_run_start(actor=request.user, survey=survey)


@router.get("/service/surveys/{survey_id}/answers", response=list[AnswerOut])
@paginate(Paging, page_size=50)
def list_answers(request: HttpRequest, survey_id: int):
    survey = _survey(request, survey_id)
    return surveys.answer_list(actor=request.user, survey=survey)


@router.post("/service/survey-answers", response={201: AnswerAccepted}, auth=None)
def answer_survey(request: HttpRequest, payload: AnswerIn):
    """Public: the signed token from the survey link is the credential. 404 forged, 410 expired or answered."""
    invitation = surveys.survey_answer(token=payload.token, score=payload.score, comment=payload.comment)
    return 201, {"survey": invitation.survey.kind, "score": invitation.score}


# --- reports -----------------------------------------------------------------------------------
@router.get("/service/reports")
def service_report(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None):
    """The report's numbers per period bucket (the page's charts and table as JSON)."""
    end = end or timezone.localdate()
    start = start or end - dt.timedelta(days=89)
    if end < start:
        raise ValidationError(_("The end is before the start."), field="end")
    if (end - start).days > 3 * 366:
        raise ValidationError(_("Choose at most three years."), field="start")
    report = reports.service_report(actor=request.user, start=start, end=end)
    return {
        "start": start, "end": end, "grain": report.period.grain,
        "buckets": [b.isoformat() for b in report.buckets], "totals": report.totals,
        "volume_by_channel": report.volume_by_channel, "volume_by_kind": report.volume_by_kind,
        "times_minutes": {m: {"median": t["median"], "p90": t["p90"], "overall_median": t["overall"][0],
                              "overall_p90": t["overall"][1], "cases": t["overall"][2]}
                          for m, t in report.times.items()},
        "sla_compliance_pct": report.compliance, "sla_compliance_overall_pct": report.compliance_overall,
        "csat_average": report.csat, "csat_answers": report.csat_counts, "nps": report.nps,
        "backlog": [{"age": key, "label": label, "open": n} for key, label, n in report.backlog],
    }
