"""REST API for segments and static lists — thin: parse, call a service or selector, answer.

Reads answer with an ``ETag`` (the version); changes need it back in ``If-Match`` (or the body's
``version``): missing → 428, stale → 409. Members are only those the caller may see.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from tillit.core.api import Paging
from tillit.core.errors import Conflict
from tillit.marketing import selectors, services
from tillit.marketing.schemas import (
    ChangedOut,
    CountOut,
    EvaluateIn,
    EvaluateOut,
    PersonIds,
    SegmentIn,
    SegmentMemberOut,
    SegmentOut,
    SegmentPatch,
    StaticListIn,
    StaticListOut,
    StaticListPatch,
)
from tillit.marketing.segments import list_members, segment_members
from tillit.people.api import _expected_version

router = Router(tags=["segments"])


def _etag(response: HttpResponse, record) -> None:
    response["ETag"] = f'"{record.version}"'


def _check_if_match(request, record) -> None:
    """A delete may send If-Match; a stale one is refused (409) so nobody deletes what they did not see."""
    if request.headers.get("If-Match") is None:
        return
    expected = _expected_version(request, None)
    if expected is not None and expected != record.version:
        raise Conflict(_("It was changed by someone else (you had version %(v)d); reload and try again.")
                       % {"v": expected}, field="version")


# --- segments -----------------------------------------------------------------------------------
@router.get("/segments", response=list[SegmentOut], summary="List segments")
def list_segments(request, q: str = ""):
    return list(selectors.segment_list(actor=request.user, q=q[:200]))


@router.post("/segments", response={201: SegmentOut}, summary="Create a segment (rules validated)")
def create_segment(request, payload: SegmentIn, response: HttpResponse):
    segment = services.segment_create(actor=request.user, **payload.model_dump())
    _etag(response, segment)
    return 201, segment


@router.post("/segments/evaluate", response=EvaluateOut,
             summary="Count and sample the members of rules, without saving anything")
def evaluate(request, payload: EvaluateIn):
    count, sample = selectors.preview(actor=request.user, rules=payload.rules)
    return {"count": count, "sample": sample}


@router.get("/segments/{int:segment_id}", response=SegmentOut, summary="Get a segment (with ETag)")
def get_segment(request, segment_id: int, response: HttpResponse):
    segment = selectors.segment_get(actor=request.user, segment_id=segment_id)
    _etag(response, segment)
    return segment


@router.patch("/segments/{int:segment_id}", response=SegmentOut, summary="Change a segment (If-Match)")
def patch_segment(request, segment_id: int, payload: SegmentPatch, response: HttpResponse):
    segment = selectors.segment_get(actor=request.user, segment_id=segment_id)
    services.ensure_manager(request.user)
    data = payload.model_dump(exclude_unset=True)
    expected = _expected_version(request, data.pop("version", None))
    services.segment_update(actor=request.user, segment=segment, expected_version=expected, **data)
    _etag(response, segment)
    return segment


@router.delete("/segments/{int:segment_id}", response={204: None}, summary="Delete a segment")
def delete_segment(request, segment_id: int):
    segment = selectors.segment_get(actor=request.user, segment_id=segment_id)
    services.ensure_manager(request.user)
    _check_if_match(request, segment)
    services.segment_delete(actor=request.user, segment=segment)
    return 204, None


@router.get("/segments/{int:segment_id}/count", response=CountOut, summary="Count the members now")
def count_segment(request, segment_id: int):
    segment = selectors.segment_get(actor=request.user, segment_id=segment_id)
    now = timezone.now()
    return {"count": segment_members(segment, actor=request.user, now=now).count(), "counted_at": now}


@router.get("/segments/{int:segment_id}/members", response=list[SegmentMemberOut], summary="The members, paginated")
@paginate(Paging, page_size=100, max_page_size=1000)
def segment_member_list(request, segment_id: int):
    segment = selectors.segment_get(actor=request.user, segment_id=segment_id)
    return segment_members(segment, actor=request.user).order_by("id")


# --- static lists ---------------------------------------------------------------------------------
@router.get("/static-lists", response=list[StaticListOut], summary="List static lists")
def list_static_lists(request, q: str = ""):
    return list(selectors.static_list_list(actor=request.user, q=q[:200]))


@router.post("/static-lists", response={201: StaticListOut}, summary="Create a static list")
def create_static_list(request, payload: StaticListIn, response: HttpResponse):
    static_list = services.list_create(actor=request.user, **payload.model_dump())
    _etag(response, static_list)
    return 201, static_list


@router.get("/static-lists/{int:list_id}", response=StaticListOut, summary="Get a static list (with ETag)")
def get_static_list(request, list_id: int, response: HttpResponse):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    _etag(response, static_list)
    return static_list


@router.patch("/static-lists/{int:list_id}", response=StaticListOut, summary="Rename or describe (If-Match)")
def patch_static_list(request, list_id: int, payload: StaticListPatch, response: HttpResponse):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    services.ensure_manager(request.user)
    data = payload.model_dump(exclude_unset=True)
    expected = _expected_version(request, data.pop("version", None))
    services.list_update(actor=request.user, static_list=static_list, expected_version=expected, **data)
    _etag(response, static_list)
    return static_list


@router.delete("/static-lists/{int:list_id}", response={204: None}, summary="Delete a static list")
def delete_static_list(request, list_id: int):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    services.ensure_manager(request.user)
    _check_if_match(request, static_list)
    services.list_delete(actor=request.user, static_list=static_list)
    return 204, None


@router.get("/static-lists/{int:list_id}/members", response=list[SegmentMemberOut], summary="The members, paginated")
@paginate(Paging, page_size=100, max_page_size=1000)
def static_list_member_list(request, list_id: int):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    return list_members(static_list, actor=request.user).order_by("id")


@router.post("/static-lists/{int:list_id}/members", response=ChangedOut, summary="Add persons (by id)")
def add_members(request, list_id: int, payload: PersonIds):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    return {"changed": services.list_add_persons(actor=request.user, static_list=static_list,
                                                 person_ids=payload.person_ids)}


@router.post("/static-lists/{int:list_id}/members/remove", response=ChangedOut, summary="Remove persons (by id)")
def remove_members(request, list_id: int, payload: PersonIds):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    return {"changed": services.list_remove_persons(actor=request.user, static_list=static_list,
                                                    person_ids=payload.person_ids)}


@router.delete("/static-lists/{int:list_id}/members/{int:person_id}", response=ChangedOut,
               summary="Remove one person")
def remove_member(request, list_id: int, person_id: int):
    static_list = selectors.static_list_get(actor=request.user, list_id=list_id)
    return {"changed": services.list_remove_persons(actor=request.user, static_list=static_list,
                                                    person_ids=[person_id])}
