"""Pages: the relationship scatter chart, the types editor and the estimated-spend import. Thin: services decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import AccessDenied, DomainError
from tillit.insight import relationships
from tillit.insight.charts_relationships import scatter_svg
from tillit.insight.relationships import THRESHOLDS, TYPE_FIELDS

SCATTER_LIMIT = 20000


def _forbidden(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return render(request, "403.html", {"message": exc.message}, status=403)


def _can_edit(user) -> bool:
    try:
        relationships.ensure_can_edit_types(user)
    except AccessDenied:
        return False
    return True


def scatter_page(request: HttpRequest) -> HttpResponse:
    try:
        points = relationships.scatter_points(actor=request.user, limit=SCATTER_LIMIT + 1)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    truncated = len(points) > SCATTER_LIMIT
    points = points[:SCATTER_LIMIT]
    types = relationships.relationship_types()
    counts = relationships.type_counts(actor=request.user)
    return render(request, "insight/relationships.html", {
        "chart": scatter_svg(points, types) if points else "",
        "points": len(points), "truncated": truncated, "limit": SCATTER_LIMIT,
        "types": [(t, counts.get(t.key, 0)) for t in types],
        "can_edit": _can_edit(request.user),
    })


def _posted_rows(request: HttpRequest) -> list[dict]:
    rows = []
    count = int(request.POST.get("rows") or 0)
    for i in range(min(count, 100)):
        prefix = f"t{i}-"
        if request.POST.get(prefix + "delete") or not any(
                request.POST.get(prefix + f, "").strip() for f in ("key", "name")):
            continue
        row = {f: request.POST.get(prefix + f, "") for f in TYPE_FIELDS if f != "catch_all"}
        row["catch_all"] = request.POST.get("catch_all") == str(i)
        rows.append(row)
    return rows


def types_editor(request: HttpRequest) -> HttpResponse:
    try:
        relationships.ensure_can_edit_types(request.user)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    errors: dict[str, str] = {}
    error = ""
    if request.method == "POST":
        rows = _posted_rows(request)
        try:
            relationships.relationship_types_save(actor=request.user, rows=rows)
        except DomainError as exc:
            errors = {e["field"]: e["reason"] for e in exc.errors if e.get("field")}
            error = exc.message
        else:
            messages.success(request, _("Relationship types saved; every customer is classified again."))
            return redirect("insight_relationships:types")
        shown = rows
    else:
        shown = [{f: getattr(t, f) for f in TYPE_FIELDS} for t in relationships.relationship_types()]
    for row in shown:
        for t in THRESHOLDS:
            row[t] = "" if row.get(t) in (None, "") else row[t]
        row["errors"] = {f: errors.get(f"{row['key']}.{f}") for f in TYPE_FIELDS}
    blank = {f: "" for f in TYPE_FIELDS} | {"priority": 100, "color": "#2f6f8f", "catch_all": False, "errors": {}}
    return render(request, "insight/relationship_types.html", {
        "rows": [*shown, blank], "error": error, "thresholds": THRESHOLDS,
    }, status=422 if error else 200)


@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    from django.db import transaction

    from tillit.insight.tasks_relationships import (
        recompute_churn_task,
        recompute_offers_task,
        recompute_relationships_task,
    )

    try:
        relationships.ensure_can_edit_types(request.user)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    for job in (recompute_relationships_task, recompute_churn_task, recompute_offers_task):
        transaction.on_commit(job.enqueue)
    messages.success(request, _("Recomputing relationship types, churn risk and next best offers in the background."))
    return redirect("insight_relationships:scatter")


def spend_import(request: HttpRequest) -> HttpResponse:
    from tillit.core.access import ensure_staff
    from tillit.insight.imports_relationships import COLUMN_HELP, import_category_spend, sample_csv
    from tillit.people.imports import ImportFileError

    try:
        ensure_staff(request.user)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    if request.GET.get("sample"):
        response = HttpResponse("\ufeff" + sample_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="tillit-category-spend-sample.csv"'
        return response
    report, error = None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Choose a CSV file.")
        else:
            try:
                report = import_category_spend(actor=request.user, file=b"".join(upload.chunks()),
                                               dry_run=bool(request.POST.get("dry_run")),
                                               update=bool(request.POST.get("update")))
            except ImportFileError as exc:
                error = exc.message
    return render(request, "insight/relationship_spend_import.html", {
        "report": report, "error": error, "columns": COLUMN_HELP,
    }, status=422 if error else 200)
