"""Pipeline administration: pipelines with ordered stages, and the lost reasons (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import AccessDenied, DomainError, NotFound
from tillit.sales.forms_deals import LostReasonForm, PipelineForm, StageRowFormSet, stage_rows, stage_rows_initial
from tillit.sales.models import Deal, LostReason, Stage
from tillit.sales.selectors import deals as selectors
from tillit.sales.services import pipelines as services


def _admin_only(request: HttpRequest) -> None:
    if not services.is_sales_admin(request.user):
        raise AccessDenied(_("Only administrators can change pipelines and lost reasons."))


def _forbidden(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return render(request, "403.html", {"message": exc.message}, status=403)


def pipeline_list(request: HttpRequest) -> HttpResponse:
    try:
        _admin_only(request)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    pipelines = list(selectors.pipeline_list(actor=request.user))
    counts = dict(Deal.objects.order_by().values("pipeline_id").annotate(n=Count("id")).values_list("pipeline_id", "n"))
    for p in pipelines:
        p.deal_count = counts.get(p.pk, 0)
    return render(request, "sales/pipelines/pipeline_list.html", {"pipelines": pipelines})


def pipeline_create(request: HttpRequest) -> HttpResponse:
    try:
        _admin_only(request)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(
                actor=request.user, name=form.cleaned_data["name"], is_active=form.cleaned_data["is_active"],
                stages=None if form.cleaned_data["seed"] else [
                    {"name": _("Open"), "probability": 10, "outcome": "open"},
                    {"name": _("Won"), "probability": 100, "outcome": "won", "is_committed": True},
                    {"name": _("Lost"), "probability": 0, "outcome": "lost"},
                ],
            )
        except DomainError as exc:
            form.add_error("name" if exc.field == "name" else None, exc.message)
        else:
            messages.success(request, _("The pipeline “%(name)s” is created; adjust its stages below.")
                             % {"name": pipeline.name})
            return redirect("sales:pipeline_edit", pipeline_id=pipeline.pk)
    return render(request, "sales/pipelines/pipeline_new.html", {"form": form})


def pipeline_edit(request: HttpRequest, pipeline_id: int) -> HttpResponse:
    try:
        _admin_only(request)
        pipeline = selectors.pipeline_get(actor=request.user, pipeline_id=pipeline_id)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = PipelineForm(request.POST or None, initial={"name": pipeline.name, "is_active": pipeline.is_active})
    formset = StageRowFormSet(request.POST or None, initial=stage_rows_initial(pipeline), prefix="stages")
    error = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                services.pipeline_update(actor=request.user, pipeline=pipeline, name=form.cleaned_data["name"],
                                         is_active=form.cleaned_data["is_active"], stages=stage_rows(formset))
                # ↑/↓ submit the whole form, so edits made before moving a stage are saved, not lost.
                if move := _stage_to_move(request, pipeline):
                    services.stage_move(actor=request.user, stage=move[0], direction=move[1])
        except DomainError as exc:
            error = exc.message
            if exc.field == "name":
                form.add_error("name", exc.message)
                error = None
        else:
            messages.success(request, _("The pipeline “%(name)s” is saved.") % {"name": pipeline.name})
            return redirect("sales:pipeline_edit", pipeline_id=pipeline.pk)
    counts = dict(Stage.objects.filter(pipeline=pipeline).annotate(n=Count("deals")).values_list("pk", "n"))
    for row in formset:
        row.deal_count = counts.get(row.initial.get("id"), 0)
    return render(request, "sales/pipelines/pipeline_form.html", {
        "form": form, "formset": formset, "pipeline": pipeline, "error": error,
    }, status=422 if error else 200)


def _stage_to_move(request: HttpRequest, pipeline) -> tuple[Stage, int] | None:
    stage_id, _sep, direction = request.POST.get("move", "").partition(":")
    if not stage_id.isdigit() or direction not in ("up", "down"):
        return None
    try:
        stage = selectors.stage_get(stage_id=int(stage_id))
    except NotFound:
        return None
    return (stage, -1 if direction == "up" else 1) if stage.pipeline_id == pipeline.pk else None


@require_POST
def stage_move(request: HttpRequest, stage_id: int, direction: str) -> HttpResponse:
    try:
        _admin_only(request)
        stage = selectors.stage_get(stage_id=stage_id)
        services.stage_move(actor=request.user, stage=stage, direction=-1 if direction == "up" else 1)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return redirect("sales:pipeline_edit", pipeline_id=stage.pipeline_id)


def lost_reasons(request: HttpRequest) -> HttpResponse:
    try:
        _admin_only(request)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    form = LostReasonForm(request.POST or None if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add" and form.is_valid():
                services.lost_reason_create(actor=request.user, name=form.cleaned_data["name"])
                messages.success(request, _("Lost reason added."))
                return redirect("sales:lost_reasons")
            if request.POST.get("action") == "toggle":
                reason = LostReason.objects.filter(pk=request.POST.get("reason")).first()
                if reason is not None:
                    services.lost_reason_update(actor=request.user, reason=reason, is_active=not reason.is_active)
                return redirect("sales:lost_reasons")
        except DomainError as exc:
            form.add_error("name" if exc.field == "name" else None, exc.message)
    reasons = LostReason.objects.annotate(n=Count("deals")).order_by("position", "name")
    return render(request, "sales/pipelines/lost_reasons.html", {"reasons": reasons, "form": form})
