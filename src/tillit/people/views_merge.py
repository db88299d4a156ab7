"""The duplicates list and the merge page. Thin: ``duplicates`` and ``merge`` do the work."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tillit.core.errors import DomainError, NotFound
from tillit.people.duplicates import duplicate_candidates
from tillit.people.forms_merge import MergeForm
from tillit.people.merge import describe_counts, merge_preview, person_merge

DUPLICATES_SHOWN = 100


def duplicates(request: HttpRequest) -> HttpResponse:
    pairs = duplicate_candidates(actor=request.user, limit=DUPLICATES_SHOWN)
    return render(request, "people/duplicates.html", {"pairs": pairs, "limit": DUPLICATES_SHOWN})


def merge(request: HttpRequest, survivor_id: int, other_id: int) -> HttpResponse:
    try:
        preview = merge_preview(actor=request.user, survivor_id=survivor_id, other_id=other_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("people:duplicates")
    form = MergeForm(request.POST or None, preview=preview)
    if request.method == "POST" and form.is_valid():
        arguments = form.merge_arguments()
        try:
            record = person_merge(actor=request.user, **arguments)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _merged_message(arguments["other"].full_name, record))
            return redirect("card:person", record.survivor_id)
    return render(request, "people/merge.html", {"preview": preview, "form": form})


def _merged_message(other_name: str, record) -> str:
    message = _("%(other)s is merged into %(survivor)s.") % {
        "other": other_name, "survivor": record.survivor.full_name,
    }
    moved = describe_counts({k: n for k, n in record.moved_counts.items() if k != "merges"})
    if moved:
        message += " " + _("Moved: %(list)s.") % {"list": ", ".join(moved)}
    return message
