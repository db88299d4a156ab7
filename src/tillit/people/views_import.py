"""The CSV import page: upload (queued as a background job), the job's progress and report; sample files."""

import csv
import io

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core.errors import DomainError, NotFound
from tillit.people.forms_import import (
    DEAL_COLUMN_HELP,
    ORGANIZATION_COLUMN_HELP,
    PERSON_COLUMN_HELP,
    PRODUCT_COLUMN_HELP,
    ImportForm,
)
from tillit.people.imports import (
    IMPORTERS,
    ImportReport,
    import_job_confirm,
    import_job_create,
    import_job_get,
    import_job_list,
    job_progress,
    sample_csv,
)


def import_page(request: HttpRequest) -> HttpResponse:
    if kind := request.GET.get("sample"):
        return _sample(kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            job = import_job_create(
                actor=request.user, kind=data["kind"], file_name=upload.name or "", data=b"".join(upload.chunks()),
                dry_run=data["dry_run"], update=data["update"],
            )
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
        else:
            return redirect("people:import_job", job_id=job.pk)
    context = {
        "form": form,
        "jobs": import_job_list(actor=request.user),
        "person_columns": PERSON_COLUMN_HELP,
        "organization_columns": ORGANIZATION_COLUMN_HELP,
        "product_columns": PRODUCT_COLUMN_HELP,
        "deal_columns": DEAL_COLUMN_HELP,
        "column_sets": [
            ("persons", _("People"), PERSON_COLUMN_HELP),
            ("organizations", _("Organisations"), ORGANIZATION_COLUMN_HELP),
            ("products", _("Products"), PRODUCT_COLUMN_HELP),
            ("deals", _("Deals"), DEAL_COLUMN_HELP),
        ],
    }
    return render(request, "people/import.html", context)


def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = import_job_get(actor=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    done, total = job_progress(job)
    context = {
        "job": job,
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else 0,
        "report": ImportReport.from_dict(job.report) if job.report else None,
    }
    template = "people/import_job.html#job" if request.htmx else "people/import_job.html"
    return render(request, template, context)


@require_POST
def import_job_run(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = import_job_confirm(actor=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:import_job", job_id=job_id)
    return redirect("people:import_job", job_id=job.pk)


def import_job_rejected_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    """The rejected rows of a job as CSV — line, column, reason — with reasons in the reader's language."""
    try:
        job = import_job_get(actor=request.user, job_id=job_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    report = ImportReport.from_dict(job.report) if job.report else None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Line"), _("Column"), _("Reason")])
    for problem in report.rejected if report else []:
        reason = problem.reason_display
        # A spreadsheet would run a reason starting like a formula (it may quote the file's own cells).
        writer.writerow([problem.line, problem.column, "'" + reason if reason and reason[0] in "=+-@\t\r" else reason])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tillit-import-{job.pk}-rejected.csv"'
    return response


def _sample(kind: str) -> HttpResponse:
    if kind not in IMPORTERS:
        raise Http404
    # A byte-order mark so Excel opens it as UTF-8 (Ø, Å, Ä stay themselves).
    response = HttpResponse("\ufeff" + sample_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tillit-{kind}-sample.csv"'
    return response
