"""The CSV import page: upload, dry run, report; sample files to start from."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tillit.core.errors import DomainError
from tillit.people.forms_import import ORGANIZATION_COLUMN_HELP, PERSON_COLUMN_HELP, ImportForm
from tillit.people.imports import IMPORTERS, sample_csv


def import_page(request: HttpRequest) -> HttpResponse:
    if kind := request.GET.get("sample"):
        return _sample(kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = IMPORTERS[data["kind"]](
                actor=request.user, file=data["file"], dry_run=data["dry_run"], update=data["update"]
            )
        except DomainError as exc:
            form.add_error("file" if exc.field == "file" else None, exc.message)
    context = {
        "form": form,
        "report": report,
        "person_columns": PERSON_COLUMN_HELP,
        "organization_columns": ORGANIZATION_COLUMN_HELP,
    }
    return render(request, "people/import.html", context)


def _sample(kind: str) -> HttpResponse:
    if kind not in IMPORTERS:
        raise Http404
    # A byte-order mark so Excel opens it as UTF-8 (Ø, Å, Ä stay themselves).
    response = HttpResponse("\ufeff" + sample_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tillit-{kind}-sample.csv"'
    return response
