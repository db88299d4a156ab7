"""Segment and static list pages. Thin: selectors read, services write; members only among those the
user may see (``restrict`` in the selectors), so pages and exports cannot show more than the API."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tillit.core import csvsafe
from tillit.core.errors import AccessDenied, Conflict, DomainError, NotFound, ValidationError
from tillit.core.views import STALE_EDIT, found
from tillit.interactions.models import Channel, Kind
from tillit.marketing import selectors, services
from tillit.marketing.forms import EmailImportForm, SegmentForm, StaticListForm
from tillit.marketing.models import Segment
from tillit.marketing.rule_errors import located
from tillit.marketing.rules import OP_LABELS, OPS, ORGANIZATION_ATTRS, PERSON_ATTRS

PAGE_SIZE = 50


def _manager_only(request: HttpRequest) -> None:
    try:
        services.ensure_manager(request.user)
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None


# --- segments -----------------------------------------------------------------------------------
def segment_list(request: HttpRequest) -> HttpResponse:
    """The list shows at once; the live counts (one query for all, but it reads the log) follow by htmx."""
    q = request.GET.get("q", "").strip()[:200]
    segments = list(selectors.segment_list(actor=request.user, q=q))
    if request.GET.get("counts"):
        segments = selectors.with_counts(segments, actor=request.user)
        top = max((s.member_count for s in segments), default=0) or 1
        for s in segments:
            s.bar = round(100 * s.member_count / top)
        return render(request, "marketing/segments/segment_list.html#counts", {"segments": segments})
    selectors.with_summaries(segments)
    return render(request, "marketing/segments/segment_list.html", {
        "segments": segments, "q": q, "can_manage": services.can_manage(request.user),
    })


def _editor_meta(request: HttpRequest) -> dict:
    """Everything the rule editor offers, for ``json_script``."""
    pairs: dict = {}  # an attribute registered for persons and organisations reads its records once

    def choices(a):
        if id(a) not in pairs:
            pairs[id(a)] = [[c, str(label)] for c, label in a.choice_pairs()]
        return pairs[id(a)]

    def attrs(table, prefix):
        return [{"name": prefix + name, "label": str(a.label), "type": a.type, "choices": choices(a)}
                for name, a in table.items()]

    return {
        "person": attrs(PERSON_ATTRS, ""),
        "organization": attrs(ORGANIZATION_ATTRS, "organization."),
        "ops": {t: [[op, str(OP_LABELS[op])] for op in ops] for t, ops in OPS.items()},
        "kinds": [[v, str(label)] for v, label in Kind.choices],
        "channels": [[v, str(label)] for v, label in Channel.choices],
        "users": [[u.pk, str(u)] for u in selectors.owner_choices(actor=request.user)],
        "teams": [[t.pk, t.name] for t in selectors.team_choices()],
        "topics": selectors.suggested_topics(),
        "products": selectors.suggested_products(),
        "campaigns": selectors.suggested_campaigns(),
        "purposes": selectors.consent_purposes(),
        "labels": {
            "did": _("did"), "did_not": _("did not"), "attribute": _("Attribute"), "behaviour": _("Behaviour"),
            "campaign": _("Campaign email"), "person": _("Person"), "organisation": _("Organisation (current)"),
            "custom_field": _("Custom field…"), "custom_key": _("field key"), "operator": _("Operator"),
            "value": _("Value"), "comma_separated": _("values, comma-separated"), "kind": _("Kind"),
            "any_kind": _("any kind"), "channel": _("Channel"), "any_channel": _("any channel"),
            "topic": _("topic"), "product": _("product"), "at_least": _("at least (times)"),
            "in_last_days": _("in the last (days)"), "ever": _("ever"), "event": _("Event"), "opened": _("opened"),
            "clicked": _("clicked"), "campaign_code": _("campaign code"), "condition_type": _("Condition type"),
            "remove": _("Remove condition"), "remove_group": _("Remove group"), "match": _("Match"),
            "all": _("All of these"), "any": _("Any of these"), "none": _("None of these"),
            "empty_group": _("An empty group: add a condition."),
            "everyone": _("No conditions: everyone you may see. Add a condition."),
            "add_condition": _("+ Condition"), "add_group": _("+ Group"),
            "bad_json": _("The JSON below is not valid; fix it to use the editor."),
        },
    }


rule_editor_meta = _editor_meta  # the persona editor (insight) draws the same rule UI


def _segment_form_page(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    can_manage = services.can_manage(request.user)
    if segment is None:
        _manager_only(request)
    initial = {"rules": "{}"}
    if segment is not None:
        initial = {"name": segment.name, "description": segment.description, "version": segment.version,
                   "rules": json.dumps(segment.rules, ensure_ascii=False)}
    form = SegmentForm(request.POST or None, initial=initial)
    status = 200
    rule_errors: list[dict] = []
    errors: list[dict] = []
    if request.method == "POST":
        _manager_only(request)
        if form.is_valid():
            try:
                if segment is None:
                    segment = services.segment_create(actor=request.user, **form.service_fields())
                else:
                    services.segment_update(actor=request.user, segment=segment,
                                            expected_version=form.cleaned_data["version"], **form.service_fields())
            except Conflict:
                form.add_error(None, STALE_EDIT)
                status = 409
            except DomainError as exc:
                if (exc.field or "").startswith("rules") and exc.errors:
                    # Shown at the fields of the rule rows (see rule_errors), not as a path.
                    rule_errors, errors = located(exc.errors), exc.errors
                    form.add_error("rules", _("Some conditions are not valid yet; see the marked fields."))
                else:
                    form.add_domain_error(exc)
            else:
                messages.success(request, _("Segment “%(name)s” is saved.") % {"name": segment.name})
                return redirect("marketing:segment_detail", segment_id=segment.pk)
        if status == 200:
            status = 422
    rules_text = form["rules"].value() or "{}"
    count = sample = error = None
    if segment is not None and request.method != "POST":
        count, sample = selectors.preview(actor=request.user, rules=segment.rules)
    return render(request, "marketing/segments/segment_editor.html", {
        "form": form, "segment": segment, "can_manage": can_manage, "rules_text": rules_text,
        "meta": _editor_meta(request), "count": count, "sample": sample, "error": error,
        "rule_errors": rule_errors, "errors": errors,
    }, status=status)


def segment_create(request: HttpRequest) -> HttpResponse:
    return _segment_form_page(request, None)


def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = found(selectors.segment_get, actor=request.user, segment_id=segment_id)
    return _segment_form_page(request, segment)


@require_POST
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The live count while editing: the rules from the form → count and a sample (nothing saved)."""
    count = sample = None
    errors = []
    try:
        rules = json.loads(request.POST.get("rules") or "{}")
        count, sample = selectors.preview(actor=request.user, rules=rules)
    except json.JSONDecodeError:
        errors = [{"field": "rules", "reason": _("not valid JSON")}]
    except ValidationError as exc:
        errors = exc.errors or [{"field": exc.field or "rules", "reason": exc.message}]
    except AccessDenied as exc:
        raise PermissionDenied(exc.message) from None
    return render(request, "marketing/segments/segment_editor.html#preview",
                  {"count": count, "sample": sample, "errors": errors, "rule_errors": located(errors)})


@require_POST
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    _manager_only(request)
    segment = found(selectors.segment_get, actor=request.user, segment_id=segment_id)
    services.segment_delete(actor=request.user, segment=segment)
    messages.success(request, _("Segment “%(name)s” is deleted.") % {"name": segment.name})
    return redirect("marketing:segment_list")


def segment_members(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = found(selectors.segment_get, actor=request.user, segment_id=segment_id)
    page = Paginator(selectors.members(actor=request.user, segment=segment), PAGE_SIZE).get_page(
        request.GET.get("page"))
    selectors.with_summaries([segment])
    return render(request, "marketing/segments/members.html", {
        "segment": segment, "page": page, "static_list": None,
    })


def segment_export(request: HttpRequest, segment_id: int) -> StreamingHttpResponse:
    segment = found(selectors.segment_get, actor=request.user, segment_id=segment_id)
    return _members_csv(selectors.members(actor=request.user, segment=segment), f"segment-{slugify(segment.name)}")


# --- CSV export ---------------------------------------------------------------------------------
class _Echo:
    def write(self, value: str) -> str:
        return value


def _members_csv(qs, stem: str) -> StreamingHttpResponse:
    header = [_("id"), _("first name"), _("last name"), _("email"), _("phone"), _("organisation"), _("title"),
              _("lifecycle stage"), _("owner"), _("city"), _("country")]

    def rows():
        yield header
        for p in qs.iterator(chunk_size=2000):
            role = p.current_roles[0] if p.current_roles else None
            yield [p.pk, p.first_name, p.last_name, p.primary_email, p.primary_phone,
                   role.organization.name if role else "", role.title if role else "",
                   p.lifecycle_stage, str(p.owner) if p.owner else "", p.city, p.country]

    writer = csvsafe.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem or "members"}-{stamp}.csv"'
    return response


# --- static lists ---------------------------------------------------------------------------------
def staticlist_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    form = StaticListForm(request.POST or None)
    if request.method == "POST":
        _manager_only(request)
        if form.is_valid():
            try:
                static_list = services.list_create(actor=request.user, **form.service_fields())
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("List “%(name)s” is created.") % {"name": static_list.name})
                return redirect("marketing:staticlist_detail", list_id=static_list.pk)
    lists = selectors.static_list_list(actor=request.user, q=q)
    return render(request, "marketing/segments/list_index.html", {
        "lists": lists, "form": form, "q": q, "can_manage": services.can_manage(request.user),
    }, status=422 if form.errors else 200)


def staticlist_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    form = StaticListForm(request.POST or None, initial={
        "name": static_list.name, "description": static_list.description, "version": static_list.version})
    status = 200
    if request.method == "POST":
        _manager_only(request)
        if form.is_valid():
            try:
                services.list_update(actor=request.user, static_list=static_list,
                                     expected_version=form.cleaned_data["version"], **form.service_fields())
            except Conflict:
                form.add_error(None, STALE_EDIT)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("List “%(name)s” is saved.") % {"name": static_list.name})
                return redirect("marketing:staticlist_detail", list_id=static_list.pk)
        status = 409 if form.non_field_errors() else 422
    return _list_page(request, static_list, form=form, status=status)


def _list_page(request, static_list, *, form=None, import_form=None, report=None, status=200) -> HttpResponse:
    page = Paginator(selectors.static_list_members(actor=request.user, static_list=static_list),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marketing/segments/list_detail.html", {
        "static_list": static_list, "page": page, "can_manage": services.can_manage(request.user),
        "form": form or StaticListForm(initial={"name": static_list.name, "description": static_list.description,
                                                "version": static_list.version}),
        "import_form": import_form or EmailImportForm(), "report": report,
        "segments": selectors.segment_list(actor=request.user),
    }, status=status)


def staticlist_search(request: HttpRequest, list_id: int) -> HttpResponse:
    """People search for adding to the list (htmx)."""
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    q = request.GET.get("q", "").strip()[:200]
    matches = selectors.person_search(actor=request.user, q=q, static_list=static_list)
    return render(request, "marketing/segments/list_detail.html#search_results",
                  {"static_list": static_list, "found": matches, "q": q,
                   "can_manage": services.can_manage(request.user)})


def _person_ids(request) -> list[int]:
    ids = []
    for value in request.POST.getlist("person"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    return ids


@require_POST
def staticlist_add(request: HttpRequest, list_id: int) -> HttpResponse:
    _manager_only(request)
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    try:
        added = services.list_add_persons(actor=request.user, static_list=static_list, person_ids=_person_ids(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)d added.") % {"n": added})
    return redirect("marketing:staticlist_detail", list_id=static_list.pk)


@require_POST
def staticlist_remove(request: HttpRequest, list_id: int) -> HttpResponse:
    _manager_only(request)
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    removed = services.list_remove_persons(actor=request.user, static_list=static_list,
                                           person_ids=_person_ids(request))
    messages.success(request, _("%(n)d removed from the list.") % {"n": removed})
    return redirect("marketing:staticlist_detail", list_id=static_list.pk)


@require_POST
def staticlist_freeze(request: HttpRequest, list_id: int) -> HttpResponse:
    _manager_only(request)
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    try:
        segment = selectors.segment_get(actor=request.user, segment_id=int(request.POST.get("segment") or 0))
    except (NotFound, ValueError):
        messages.error(request, _("Choose a segment."))
    else:
        added = services.list_freeze_segment(actor=request.user, static_list=static_list, segment=segment)
        messages.success(request, _("%(n)d members of “%(segment)s” added.") % {"n": added, "segment": segment.name})
    return redirect("marketing:staticlist_detail", list_id=static_list.pk)


@require_POST
def staticlist_import(request: HttpRequest, list_id: int) -> HttpResponse:
    _manager_only(request)
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    import_form = EmailImportForm(request.POST, request.FILES)
    report = None
    if import_form.is_valid():
        try:
            report = services.list_import_emails(actor=request.user, static_list=static_list,
                                                 data=import_form.cleaned_data["file"].read())
        except DomainError as exc:
            import_form.add_error("file", exc.message)
    status = 200 if report is not None else 422
    return _list_page(request, static_list, import_form=import_form, report=report, status=status)


@require_POST
def staticlist_delete(request: HttpRequest, list_id: int) -> HttpResponse:
    _manager_only(request)
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    services.list_delete(actor=request.user, static_list=static_list)
    messages.success(request, _("List “%(name)s” is deleted.") % {"name": static_list.name})
    return redirect("marketing:staticlist_index")


def staticlist_export(request: HttpRequest, list_id: int) -> StreamingHttpResponse:
    static_list = found(selectors.static_list_get, actor=request.user, list_id=list_id)
    qs = selectors.static_list_members(actor=request.user, static_list=static_list)
    return _members_csv(qs, f"list-{slugify(static_list.name)}")
