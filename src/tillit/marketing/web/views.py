"""Campaign, attribution and tracking-site pages, plus the public tracking script and collector."""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tillit.core import csvsafe
from tillit.core.charts import Series, bar_chart_svg, number
from tillit.core.errors import AccessDenied, Conflict, DomainError, NotFound
from tillit.marketing.web import attribution, selectors, services, tracking
from tillit.marketing.web.forms import CampaignForm, LearningsForm, TrackingSiteForm
from tillit.marketing.web.models import CampaignStatus

PAGE_SIZE = 50
logger = logging.getLogger(__name__)


def _guard(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None


# --- campaigns --------------------------------------------------------------------------------
def campaign_list(request: HttpRequest) -> HttpResponse:
    filters = {"q": request.GET.get("q", "").strip()[:200], "status": request.GET.get("status", "")}
    if filters["status"] not in CampaignStatus.values:
        filters["status"] = ""
    qs = _guard(selectors.campaign_list, actor=request.user, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    reach = selectors.campaign_reach(actor=request.user, campaigns=page.object_list)
    for c in page.object_list:
        c.reach = reach.get(c.code, {"persons": 0, "touches": 0})
    context = {
        "page": page, "filters": filters, "filtered": any(filters.values()), "statuses": CampaignStatus.choices,
        "can_manage": selectors.can_manage_campaigns(request.user),
    }
    template = "marketing/web/campaign_list.html#results" if request.htmx else "marketing/web/campaign_list.html"
    return render(request, template, context)


def campaign_create(request: HttpRequest) -> HttpResponse:
    _guard(selectors.ensure_can_manage, request.user)
    form = CampaignForm(request.POST or None, initial={"status": CampaignStatus.PLANNED, "currency": "NOK"})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": campaign.name})
            return redirect("marketing:campaign_detail", campaign_id=campaign.pk)
    return render(request, "marketing/web/campaign_form.html", {"form": form, "campaign": None})


def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _guard(selectors.ensure_can_manage, request.user)
    campaign = _guard(selectors.campaign_get, actor=request.user, campaign_id=campaign_id)
    form = CampaignForm(request.POST or None, campaign=campaign)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(actor=request.user, campaign=campaign,
                                     expected_version=form.cleaned_data["version"], **form.service_fields())
        except Conflict:
            status = 409
            form.add_error(None, _("This campaign was changed by someone else while you were editing. "
                                   "Your changes are not saved; reload to see the latest version."))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": campaign.name})
            return redirect("marketing:campaign_detail", campaign_id=campaign.pk)
    return render(request, "marketing/web/campaign_form.html", {"form": form, "campaign": campaign}, status=status)


def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _guard(selectors.campaign_get, actor=request.user, campaign_id=campaign_id)
    stats = selectors.campaign_stats(actor=request.user, campaign=campaign)
    weeks = selectors.weekly_touches(actor=request.user, campaign=campaign)
    chart = None
    if weeks:
        chart = bar_chart_svg(
            [w.strftime("%d.%m") for w, _e, _w in weeks],
            [Series("email", _("Email opens and clicks"), [e for _w, e, _x in weeks]),
             Series("web", _("Website and webinar touches"), [x for _w, _e, x in weeks])],
            stacked=True, title=_("Touches per week"), value_format=number,
        )
    context = {
        "campaign": campaign, "stats": stats, "chart": chart,
        "segments": list(campaign.segments.all()), "static_lists": list(campaign.static_lists.all()),
        "can_manage": selectors.can_manage_campaigns(request.user),
        "learnings_form": LearningsForm(initial={"version": campaign.version, "learnings": campaign.learnings}),
        "open_rate": _rate(stats.email_opened, stats.email_sent), "click_rate": _rate(stats.email_clicked,
                                                                                      stats.email_sent),
    }
    return render(request, "marketing/web/campaign_detail.html", context)


def _rate(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


@require_POST
def campaign_learnings(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Save "what we learned" (htmx swaps the panel; without htmx: back to the campaign)."""
    _guard(selectors.ensure_can_manage, request.user)
    campaign = _guard(selectors.campaign_get, actor=request.user, campaign_id=campaign_id)
    form = LearningsForm(request.POST)
    status, error = 200, ""
    if form.is_valid():
        try:
            services.campaign_learnings_set(actor=request.user, campaign=campaign,
                                            learnings=form.cleaned_data["learnings"],
                                            expected_version=form.cleaned_data["version"])
        except Conflict:
            status = 409
            error = _("Someone else changed this campaign meanwhile; reload, then add your notes again.")
        else:
            form = LearningsForm(initial={"version": campaign.version, "learnings": campaign.learnings})
    else:
        status, error = 422, _("Reload the page and try again.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Saved."))
        return redirect("marketing:campaign_detail", campaign_id=campaign.pk)
    context = {"campaign": campaign, "learnings_form": form, "learnings_error": error, "saved": not error,
               "can_manage": True}
    return render(request, "marketing/web/campaign_detail.html#learnings", context, status=status)


@require_POST
def campaign_delete(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _guard(selectors.ensure_can_manage, request.user)
    campaign = _guard(selectors.campaign_get, actor=request.user, campaign_id=campaign_id)
    _guard(services.campaign_delete, actor=request.user, campaign=campaign)
    messages.success(request, _("%(name)s is deleted.") % {"name": campaign.name})
    return redirect("marketing:campaign_list")


# --- attribution ------------------------------------------------------------------------------
def _date_param(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def attribution_params(request: HttpRequest) -> dict:
    today = timezone.localdate()
    end = _date_param(request.GET.get("end"), today)
    start = _date_param(request.GET.get("start"), end - dt.timedelta(days=89))
    try:
        lookback = int(request.GET.get("lookback") or attribution.DEFAULT_LOOKBACK_DAYS)
    except ValueError:
        lookback = attribution.DEFAULT_LOOKBACK_DAYS
    dimension = request.GET.get("dimension") or "campaign"
    model = request.GET.get("model") or "linear"
    return {"start": start, "end": end, "lookback_days": lookback,
            "dimension": dimension if dimension in attribution.DIMENSIONS else "campaign",
            "sort_model": model if model in attribution.MODEL_KEYS else "linear"}


def attribution_report(request: HttpRequest) -> HttpResponse:
    params = attribution_params(request)
    error = ""
    try:
        report = attribution.attribution_report(actor=request.user, **params)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        error, report = exc.message, None
    if report is not None and request.GET.get("format") == "csv":
        return _attribution_csv(report)
    context = {"report": report, "params": params, "error": error, "dimensions": attribution.DIMENSIONS,
               "models": attribution.MODELS, "querystring": request.GET.urlencode(),
               "sort_label": next(m.label for m in attribution.MODELS if m.key == params["sort_model"])}
    if report is not None and report.rows:
        top = report.rows[:8]
        labels = [r.label or r.value for r in top]  # the chart shortens them, full text in the tooltip
        context["leads_chart"] = bar_chart_svg(
            labels, [Series(m.key, str(m.short), [r.leads[m.key] for r in top]) for m in attribution.MODELS],
            title=_("Leads credited by model"), value_format=lambda v: number(v, 2),
        )
        if report.revenue:
            context["revenue_chart"] = bar_chart_svg(
                labels, [Series(m.key, str(m.short), [r.revenue[m.key] for r in top]) for m in attribution.MODELS],
                title=_("Won revenue credited by model (%(c)s)") % {"c": report.currency},
                value_format=number,
            )
    return render(request, "marketing/web/attribution.html", context)


def _attribution_csv(report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="attribution-{report.dimension}-{report.start}-{report.end}.csv"'
    )
    writer = csvsafe.writer(response)
    header = [str(attribution.DIMENSIONS[report.dimension]), _("name")]
    header += [_("leads %(model)s") % {"model": m.key} for m in attribution.MODELS]
    header += [_("revenue %(model)s (%(currency)s)") % {"model": m.key, "currency": report.currency}
               for m in attribution.MODELS]
    writer.writerow(header)
    for row in report.rows:
        writer.writerow([row.value, row.label] + [f"{row.leads[m.key]:.4f}" for m in attribution.MODELS]
                        + [f"{row.revenue[m.key]}" for m in attribution.MODELS])
    return response


# --- tracking sites ---------------------------------------------------------------------------
def site_list(request: HttpRequest) -> HttpResponse:
    sites = list(_guard(selectors.site_list, actor=request.user))
    form = TrackingSiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(actor=request.user, name=form.cleaned_data["name"],
                                        allowed_origins=form.cleaned_data["allowed_origins"],
                                        create_leads=form.cleaned_data["create_leads"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved. Put the snippet on its pages.") % {"name": site.name})
            return redirect("marketing:tracking_site", site_id=site.pk)
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "marketing/web/site_list.html", {"sites": sites, "form": form, "base": base})


def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _guard(selectors.site_get, actor=request.user, site_id=site_id)
    initial = {"name": site.name, "allowed_origins": site.allowed_origins, "create_leads": site.create_leads,
               "is_active": site.is_active}
    form = TrackingSiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(actor=request.user, site=site, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": site.name})
            return redirect("marketing:tracking_site", site_id=site.pk)
    base = request.build_absolute_uri("/").rstrip("/")
    context = {"site": site, "form": form, "base": base, **selectors.site_activity(site)}
    return render(request, "marketing/web/site_detail.html", context)


# --- public: the script and the collector ------------------------------------------------------
@lru_cache(maxsize=1)
def _script() -> bytes:
    return (Path(__file__).resolve().parents[2] / "static" / "tillit" / "t.js").read_bytes()


@login_not_required
def script(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_script(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@csrf_exempt
@login_not_required
def collect(request: HttpRequest) -> HttpResponse:
    """The script's endpoint: always 204 (or 405 for a GET), whatever was sent."""
    origin = request.headers.get("Origin")
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "86400"
            response["Vary"] = "Origin"
        return response
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST, OPTIONS"})
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    try:
        body = request.body if length <= tracking.MAX_BODY_BYTES else b""
    except RequestDataTooBig:
        body = b""
    try:
        result = tracking.collect(body, origin=origin)
    except Exception:  # noqa: BLE001 — the customer's page must never see our failure; we log it
        logger.exception("Tracking batch failed")
        return HttpResponse(status=204)
    response = HttpResponse(status=204)
    if result.allowed_origin:
        response["Access-Control-Allow-Origin"] = result.allowed_origin
        response["Vary"] = "Origin"
    return response
