"""SLA settings, surveys (admin and the public answer page) and service reports. Thin: the services decide."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tillit.core.charts import Series, bar_chart_svg, number
from tillit.core.errors import AccessDenied, DomainError, NotFound, ValidationError
from tillit.service import reports, sla_config, surveys
from tillit.service.forms_sla import (
    CalendarForm,
    HolidayForm,
    PolicyForm,
    ReportPeriodForm,
    SurveyAnswerForm,
    SurveyForm,
)
from tillit.service.models_sla import Survey, SurveyInvitation, SurveyKind, SurveyRun


def domain_errors(view):
    """AccessDenied → 403 page, NotFound → 404 page (services raise them; views stay thin)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AccessDenied as exc:
            raise PermissionDenied(exc.message) from None
        except NotFound as exc:
            raise Http404(exc.message) from None

    return wrapper


# --- SLA settings ------------------------------------------------------------------------------
@domain_errors
def sla_home(request: HttpRequest) -> HttpResponse:
    context = {
        "calendars": sla_config.calendar_list(actor=request.user),
        "policies": sla_config.policy_list(actor=request.user),
        "can_edit": sla_config.can_edit(request.user),
    }
    return render(request, "service/sla/home.html", context)


@domain_errors
def calendar_edit(request: HttpRequest, calendar_id: int | None = None) -> HttpResponse:
    calendar = sla_config.calendar_get(actor=request.user, calendar_id=calendar_id) if calendar_id else None
    can_edit = sla_config.can_edit(request.user)
    if not calendar and not can_edit:
        raise PermissionDenied(_("Only administrators can change SLA settings."))
    form = CalendarForm(request.POST or None, calendar=calendar)
    if request.method == "POST":
        sla_config.ensure_can_edit(request.user)
        if form.is_valid():
            try:
                if calendar:
                    calendar = sla_config.calendar_update(actor=request.user, calendar=calendar,
                                                          **form.service_fields())
                else:
                    calendar = sla_config.calendar_create(actor=request.user, **form.service_fields())
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Calendar %(name)s is saved.") % {"name": calendar.name})
                return redirect("service:sla_calendar", calendar_id=calendar.pk)
    year = timezone.localdate().year
    context = {
        "calendar": calendar, "form": form, "can_edit": can_edit, "holiday_form": HolidayForm(),
        "closed_days": calendar.holidays.all() if calendar else [],
        "public_holidays": sla_config.public_holidays(calendar, year) if calendar else [], "year": year,
    }
    return render(request, "service/sla/calendar.html", context)


@require_POST
@domain_errors
def holiday_add(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = sla_config.calendar_get(actor=request.user, calendar_id=calendar_id)
    form = HolidayForm(request.POST)
    if form.is_valid():
        sla_config.holiday_add(actor=request.user, calendar=calendar, **form.cleaned_data)
        messages.success(request, _("The closed day is added."))
    else:
        messages.error(request, _("Give a valid date for the closed day."))
    return redirect("service:sla_calendar", calendar_id=calendar.pk)


@require_POST
@domain_errors
def holiday_remove(request: HttpRequest, calendar_id: int, holiday_id: int) -> HttpResponse:
    calendar = sla_config.calendar_get(actor=request.user, calendar_id=calendar_id)
    sla_config.holiday_remove(actor=request.user, calendar=calendar, holiday_id=holiday_id)
    messages.success(request, _("The closed day is removed."))
    return redirect("service:sla_calendar", calendar_id=calendar.pk)


@domain_errors
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    policy = sla_config.policy_get(actor=request.user, policy_id=policy_id) if policy_id else None
    can_edit = sla_config.can_edit(request.user)
    if not can_edit and (request.method == "POST" or policy is None):
        raise PermissionDenied(_("Only administrators can change SLA settings."))
    initial = {name: getattr(policy, name) for name in sla_config.POLICY_FIELDS} if policy else None
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if policy:
                policy = sla_config.policy_update(actor=request.user, policy=policy, **form.service_fields())
            else:
                policy = sla_config.policy_create(actor=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("SLA policy %(name)s is saved.") % {"name": policy.name})
            return redirect("service:sla")
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "service/sla/policy.html", {"policy": policy, "form": form, "can_edit": can_edit})


# --- surveys (staff) ---------------------------------------------------------------------------
def _ensure_survey_reader(user) -> None:
    if not reports.can_see_reports(user):
        raise PermissionDenied(_("Only managers, the service team and administrators can see surveys."))


@domain_errors
def survey_list(request: HttpRequest) -> HttpResponse:
    _ensure_survey_reader(request.user)
    can_edit = sla_config.can_edit(request.user)
    form = SurveyForm(request.POST or None)
    if request.method == "POST":
        surveys.ensure_can_manage(request.user)
        if form.is_valid():
            try:
                survey = surveys.survey_create(actor=request.user, kind=form.cleaned_data["kind"],
                                               **form.service_fields())
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Survey %(name)s is saved.") % {"name": survey.name})
                return redirect("service:survey_detail", survey_id=survey.pk)
    rows = surveys.survey_overview()
    return render(request, "service/surveys.html", {"surveys": rows, "form": form, "can_edit": can_edit})


@domain_errors
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    _ensure_survey_reader(request.user)
    survey = Survey.objects.select_related("team").filter(pk=survey_id).first()
    if survey is None:
        raise Http404(_("No such survey."))
    can_edit = sla_config.can_edit(request.user)
    initial = {name: getattr(survey, name) for name in surveys.SURVEY_FIELDS}
    form = SurveyForm(request.POST or None, initial={"kind": survey.kind, **initial}, survey=survey)
    if request.method == "POST":
        surveys.ensure_can_manage(request.user)
        if form.is_valid():
            try:
                surveys.survey_update(actor=request.user, survey=survey, **form.service_fields())
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("Survey %(name)s is saved.") % {"name": survey.name})
                return redirect("service:survey_detail", survey_id=survey.pk)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    answers = Paginator(surveys.answer_list(actor=request.user, survey=survey), 50).get_page(request.GET.get("page"))
    context = {
        "survey": survey, "form": form, "can_edit": can_edit, "answers": answers,
        "runs": SurveyRun.objects.filter(survey=survey).select_related("started_by")[:12],
        "summary": surveys.survey_summary(survey=survey),
    }
    return render(request, "service/survey_detail.html", context)


@require_POST
@domain_errors
def survey_run(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise Http404(_("No such survey."))
    try:
        run = surveys.survey_run_start(actor=request.user, survey=survey)
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s customers are invited; %(skipped)s were asked recently.") % {
            "n": run.invited, "skipped": run.skipped})
    return redirect("service:survey_detail", survey_id=survey.pk)


# --- the public answer page ------------------------------------------------------------------
def _survey_context(invitation: SurveyInvitation) -> dict:
    survey = invitation.survey
    if survey.kind == SurveyKind.CSAT:
        question = survey.question or _("How satisfied are you with how we handled your case?")
        low, high = _("Very dissatisfied"), _("Very satisfied")
    else:
        question = survey.question or _("How likely are you to recommend %(company)s to a friend or colleague?") % {
            "company": settings.TILLIT_COMPANY_NAME}
        low, high = _("Not at all likely"), _("Extremely likely")
    return {"invitation": invitation, "question": question, "low_label": low, "high_label": high,
            "company": settings.TILLIT_COMPANY_NAME}


@login_not_required
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the question (a score in the link only pre-selects it); POST records the answer once."""
    company = settings.TILLIT_COMPANY_NAME
    try:
        invitation = surveys.invitation_for_token(token)
    except NotFound as exc:
        return render(request, "service/survey_done.html", {"outcome": "invalid", "message": exc.message,
                                                            "company": company}, status=404)
    except surveys.SurveyLinkError as exc:
        return render(request, "service/survey_done.html", {"outcome": "used", "message": exc.message,
                                                            "company": company}, status=410)
    survey = invitation.survey
    if request.method == "POST":
        form = SurveyAnswerForm(request.POST, survey=survey)
        if form.is_valid():
            try:
                surveys.survey_answer(token=token, score=form.cleaned_data["score"],
                                      comment=form.cleaned_data["comment"])
            except surveys.SurveyLinkError as exc:
                return render(request, "service/survey_done.html", {"outcome": "used", "message": exc.message,
                                                                    "company": company}, status=410)
            except ValidationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return render(request, "service/survey_done.html", {"outcome": "thanks", "company": company})
    else:
        score = request.GET.get("score", "")
        form = SurveyAnswerForm(initial={"score": score} if score.isdigit() else None, survey=survey)
    return render(request, "service/survey.html", {**_survey_context(invitation), "form": form})


# --- reports -----------------------------------------------------------------------------------
def _minutes_text(value) -> str:
    if value is None:
        return "–"
    hours, minutes = divmod(int(value), 60)
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": f"{minutes:02d}"}
    return _("%(m)s min") % {"m": minutes}


def _charts(report: reports.Report) -> dict:
    labels = report.labels
    volume = bar_chart_svg(
        labels, [Series(key, reports.channel_label(key), values) for key, values in report.volume_by_channel.items()],
        stacked=True, title=_("Cases opened by channel"), value_format=number,
    )
    kinds = bar_chart_svg(
        labels, [Series(key, reports.kind_label(key), values) for key, values in report.volume_by_kind.items()],
        stacked=True, title=_("Cases opened by kind"), value_format=number,
    )
    def hours(values):
        return [None if v is None else round(v / 60, 1) for v in values]

    times = bar_chart_svg(
        labels,
        [Series("fr", _("First response, median"), hours(report.times["first_response"]["median"])),
         Series("res", _("Resolution, median"), hours(report.times["resolution"]["median"]))],
        lines=[Series("res90", _("Resolution, 90th percentile"), hours(report.times["resolution"]["p90"]))],
        title=_("Business hours to first response and resolution"),
        value_format=lambda v: _("%(h)s h") % {"h": number(v, 1)},
        axis_format=lambda v: _("%(h)s h") % {"h": number(v, 0 if v == int(v) else 1)},
    )
    compliance = bar_chart_svg(
        labels,
        [Series("fr", _("First response within SLA %"), report.compliance["first_response"]),
         Series("res", _("Resolution within SLA %"), report.compliance["resolution"])],
        title=_("SLA compliance"), value_format=lambda v: f"{number(v)} %",
    )
    csat = bar_chart_svg(
        labels, [Series("csat", _("CSAT average (1–5)"), report.csat)],
        title=_("Customer satisfaction"), value_format=lambda v: number(v, 2),
    )
    nps = bar_chart_svg(
        labels,
        [Series("promoters", _("Promoters (9–10)"), [b["promoters"] for b in report.nps], color="#1e7b4a"),
         Series("passives", _("Passives (7–8)"), [b["passives"] for b in report.nps], color="#9aa5b1"),
         Series("detractors", _("Detractors (0–6)"), [b["detractors"] for b in report.nps], color="#b3261e")],
        stacked=True, title=_("NPS answers"), value_format=number,
    )
    backlog = bar_chart_svg(
        [label for _key, label, _n in report.backlog], [Series("open", _("Open cases"), [n for *_x, n in
                                                                                         report.backlog])],
        title=_("Open cases by age"), value_format=number, height=200,
    )
    return {"volume": volume, "kinds": kinds, "times": times, "compliance": compliance, "csat": csat, "nps": nps,
            "backlog": backlog}


@domain_errors
def report_page(request: HttpRequest) -> HttpResponse:
    reports.ensure_can_see_reports(request.user)
    form = ReportPeriodForm(request.GET or {"period": "90"})
    if not form.is_valid():
        form = ReportPeriodForm({"period": "90", **{k: v for k, v in request.GET.items() if k != "period"}})
        form.is_valid()
        messages.error(request, _("That period could not be read; showing the last 90 days."))
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    report = reports.service_report(actor=request.user, start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(reports.report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="service-report-{start}-{end}.csv"'
        return response
    rows = [
        {"label": label, "opened": sum(report.volume_by_channel[c][i] for c in report.volume_by_channel),
         "fr_median": _minutes_text(report.times["first_response"]["median"][i]),
         "fr_p90": _minutes_text(report.times["first_response"]["p90"][i]),
         "res_median": _minutes_text(report.times["resolution"]["median"][i]),
         "res_p90": _minutes_text(report.times["resolution"]["p90"][i]),
         "fr_sla": report.compliance["first_response"][i], "res_sla": report.compliance["resolution"][i],
         "csat": report.csat[i], "csat_n": report.csat_counts[i], "nps": report.nps[i]["nps"]}
        for i, label in enumerate(report.labels)
    ]
    times = {m: {"median": _minutes_text(report.times[m]["overall"][0]), "p90": _minutes_text(
        report.times[m]["overall"][1]), "n": report.times[m]["overall"][2]} for m in report.times}
    context = {"form": form, "report": report, "charts": _charts(report), "rows": rows, "times": times,
               "start": start, "end": end,
               "channels": [(reports.channel_label(k), sum(v)) for k, v in report.volume_by_channel.items()],
               "kinds": [(reports.kind_label(k), sum(v)) for k, v in report.volume_by_kind.items()],
               "csv_query": request.GET.urlencode()}
    return render(request, "service/reports.html", context)
