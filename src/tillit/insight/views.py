"""Insight pages: the overview with "Recompute now", CLV fits and their validation report, RFM classes
and value tiers. Managers and administrators only (``tillit.insight.access``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.charts import Series, bar_chart_svg
from tillit.core.errors import AccessDenied, DomainError, NotFound
from tillit.insight import fits, rfm, runs, tiers
from tillit.insight.access import ensure_insight
from tillit.insight.forms import FitForm, RfmClassForm, TierForm
from tillit.insight.models import CustomerValue, Fit, FitStatus, PartyKind, RfmClass
from tillit.insight.summary import last_purchase_day
from tillit.people.models import Person


def _forbidden(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return render(request, "403.html", {"message": exc.message}, status=403)


def _guard(request: HttpRequest) -> HttpResponse | None:
    try:
        ensure_insight(request.user)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    return None


def _n(value, decimals: int = 0) -> str:
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


# --- overview ---------------------------------------------------------------------------------------

def overview(request: HttpRequest) -> HttpResponse:
    if (denied := _guard(request)) is not None:
        return denied
    names = rfm.rfm_class_names()
    counts = dict(CustomerValue.objects.filter(person__isnull=False).exclude(rfm_class="")
                  .values_list("rfm_class").annotate(n=Count("id")).values_list("rfm_class", "n"))
    order = list(RfmClass.objects.values_list("key", flat=True))
    classes = [{"key": k, "name": names.get(k, k), "count": counts[k]} for k in
               [*order, *sorted(set(counts) - set(order))] if k in counts]
    tier_counts = dict(Person.objects.filter(insight_value__isnull=False).exclude(value_tier="")
                       .values_list("value_tier").annotate(n=Count("id")).values_list("value_tier", "n"))
    tier_rows = [{"name": name, "value": value.label, "count": tier_counts.get(value.value, 0)}
                 for name, value in tiers.TIER_TO_VALUE.items()]
    return render(request, "insight/overview.html", {
        "has_purchases": last_purchase_day() is not None,
        "classes": classes, "tiers": tier_rows, **_run_context(runs.run_latest()),
        "fits_in_use": [f for f in (fits.fit_in_use(k) for k in PartyKind.values) if f],
        "tier_settings": tiers.tier_settings(),
    })


def _run_context(run) -> dict:
    return {"run": run, "percent": runs.run_progress(run) if run else 0,
            "active": bool(run and run.status in (FitStatus.QUEUED, FitStatus.RUNNING))}


@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    try:
        run = runs.run_start(actor=request.user)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    if request.htmx:
        return render(request, "insight/_run.html", _run_context(run))
    messages.info(request, _("Recomputing RFM classes and tiers in the background."))
    return redirect("insight:overview")


def run_status(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        run = runs.run_get(actor=request.user, run_id=run_id)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "insight/_run.html", _run_context(run))


# --- fits -----------------------------------------------------------------------------------------

def fit_list(request: HttpRequest) -> HttpResponse:
    if (denied := _guard(request)) is not None:
        return denied
    last = last_purchase_day()
    today = timezone.localdate()
    initial = {"calibration_end": (last or today) - dt.timedelta(days=180)}
    form = FitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            fit = fits.fit_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("insight:fit", fit_id=fit.pk)
    return render(request, "insight/fits.html", {
        "form": form, "fits": fits.fit_list(actor=request.user), "last_purchase": last,
    }, status=422 if form.errors else 200)


def _report(fit: Fit) -> dict:
    report = fit.report or {}
    rows = report.get("by_purchases") or []
    curve = report.get("cumulative") or []
    out = {"rows": rows, "curve": curve, "actual_total": report.get("actual_total"),
           "predicted_total": report.get("predicted_total")}
    if rows:
        out["bucket_chart"] = bar_chart_svg(
            [r["label"] for r in rows],
            [Series("actual", _("Actual"), [r["actual"] for r in rows]),
             Series("predicted", _("Predicted"), [round(r["predicted"], 1) for r in rows])],
            title=_("Hold-out purchases by number of repeat purchases in calibration"),
            value_format=lambda v: _n(v, 1), css_class="fit-buckets")
        for r in rows:
            r["predicted_text"] = _n(r["predicted"], 1)
            r["actual_text"] = _n(r["actual"])
    if curve:
        labels = [date_format(dt.date.fromisoformat(p["day"]), "M Y") for p in curve]
        out["curve_chart"] = bar_chart_svg(
            labels, [Series("actual", _("Actual"), [p["actual"] for p in curve])],
            lines=[Series("predicted", _("Predicted"), [round(p["predicted"], 1) for p in curve])],
            title=_("Cumulative repeat purchases over time (the hold-out after %(day)s)")
            % {"day": date_format(fit.calibration_end, "SHORT_DATE_FORMAT")},
            value_format=lambda v: _n(v), css_class="fit-cumulative")
    return out


def fit_detail(request: HttpRequest, fit_id: int) -> HttpResponse:
    try:
        fit = fits.fit_get(actor=request.user, fit_id=fit_id)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    params = [(k, _n(v, 4)) for k, v in (fit.bgnbd or {}).items()]
    spend = [(k, _n(v, 4)) for k, v in (fit.gamma_gamma or {}).items()]
    context = {"fit": fit, "params": params, "spend_params": spend, "report": _report(fit),
               "active": fit.status in (FitStatus.QUEUED, FitStatus.RUNNING),
               "holdout_end": fit.calibration_end + dt.timedelta(days=fit.holdout_days),
               "base": fit.base_currency or settings.TILLIT_BASE_CURRENCY,
               "log_likelihood": _n(fit.log_likelihood, 1) if fit.log_likelihood is not None else ""}
    template = "insight/fit.html#fit" if request.htmx else "insight/fit.html"
    return render(request, template, context)


# --- RFM classes ------------------------------------------------------------------------------------

def _class_data(form_data: dict) -> dict:
    return {"key": form_data["key"], "name": form_data["name"], "priority": form_data["priority"],
            "recency": (form_data["recency_min"], form_data["recency_max"]),
            "frequency": (form_data["frequency_min"], form_data["frequency_max"]),
            "monetary": (form_data["monetary_min"], form_data["monetary_max"])}


def classes(request: HttpRequest) -> HttpResponse:
    if (denied := _guard(request)) is not None:
        return denied
    rows = list(RfmClass.objects.all())
    editing = None
    if request.method == "POST" and request.POST.get("class_id"):
        editing = next((c for c in rows if str(c.pk) == request.POST["class_id"]), None)
        if editing is None:
            raise Http404(_("No such class."))
    form = RfmClassForm(request.POST or None, prefix="new" if editing is None else f"c{editing.pk}")
    if request.method == "POST" and request.POST.get("delete") and editing is not None:
        rfm.rfm_class_delete(actor=request.user, rfm_class=editing)
        messages.success(request, _("Class “%(name)s” deleted.") % {"name": editing.name})
        return redirect("insight:classes")
    if request.method == "POST" and form.is_valid():
        try:
            saved = rfm.rfm_class_save(actor=request.user, rfm_class=editing, **_class_data(form.cleaned_data))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Class “%(name)s” saved. Recompute to apply it to every customer.")
                             % {"name": saved.name})
            return redirect("insight:classes")
    forms_ = []
    for c in rows:
        if editing is not None and c.pk == editing.pk:
            forms_.append((c, form))
            continue
        initial = {f: getattr(c, f) for f in RfmClassForm.base_fields}
        forms_.append((c, RfmClassForm(initial=initial, prefix=f"c{c.pk}")))
    new_form = form if editing is None else RfmClassForm(prefix="new")
    return render(request, "insight/classes.html", {"rows": forms_, "new_form": new_form},
                  status=422 if form.errors else 200)


# --- tiers ---------------------------------------------------------------------------------------------

def tier_page(request: HttpRequest) -> HttpResponse:
    if (denied := _guard(request)) is not None:
        return denied
    current = tiers.tier_settings()
    initial = {"basis": current.basis, "mode": current.mode, "version": current.version,
               **{t: f"{getattr(current, t).normalize():f}" for t in ("platinum", "gold", "silver")}}
    form = TierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tiers.tier_settings_update(actor=request.user, basis=data["basis"], mode=data["mode"],
                                       platinum=data["platinum"], gold=data["gold"], silver=data["silver"],
                                       expected_version=data.get("version"))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Tier cut-offs saved. They apply from the next recomputation."))
            return redirect("insight:tiers")
    return render(request, "insight/tiers.html", {
        "form": form, "current": current, "base": settings.TILLIT_BASE_CURRENCY,
        "value_tiers": [(name, value.label) for name, value in tiers.TIER_TO_VALUE.items()],
    }, status=422 if form.errors else 200)


__all__ = ["classes", "fit_detail", "fit_list", "overview", "run_start", "run_status", "tier_page"]
