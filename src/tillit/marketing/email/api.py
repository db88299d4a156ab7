"""REST API for mailings — thin: parse, call a service or selector, answer.

Reads answer with an ``ETag`` (the mailing's version); updates, scheduling and cancelling want it back
in ``If-Match`` (or a ``version`` field): missing → 428, stale → 409.
"""

import json
import re

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from tillit.core.api import Paging
from tillit.core.errors import MalformedBody, PreconditionRequired, ValidationError
from tillit.marketing.email import bounces, selectors, services
from tillit.marketing.email.models import Mailing
from tillit.marketing.email.schemas import (
    AudienceOut,
    BounceIn,
    BounceOut,
    MailingIn,
    MailingMessageOut,
    MailingOut,
    MailingPatch,
    PreviewIn,
    PreviewOut,
    ScheduleIn,
    StatsOut,
    TestSendOut,
    VersionIn,
)
from tillit.people.models import Person

router = Router(tags=["email campaigns"])
_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')
_API_FIELDS = {"segment_ids": "segments", "static_list_ids": "static_lists", "campaign_id": "campaign"}


def _etag(response: HttpResponse, mailing: Mailing) -> None:
    response["ETag"] = f'"{mailing.version}"'


def _expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    header = request.headers.get("If-Match")
    if header is not None:
        if header.strip() == "*":
            return None
        match = _ETAG.match(header)
        if not match:
            raise ValidationError(_('Send If-Match as the ETag you read, e.g. "3".'), field="If-Match")
        return int(match.group(1))
    if body_version is not None:
        return body_version
    raise PreconditionRequired(
        _("Send the version you read (If-Match header or a version field) so changes are never lost."),
        field="version",
    )


def _fields(data: dict) -> dict:
    return {_API_FIELDS.get(k, k): v for k, v in data.items()}


def _get(request, mailing_id: int) -> Mailing:
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    return Mailing.objects.prefetch_related("segments", "static_lists").select_related("campaign").get(pk=mailing.pk)


@router.get("/marketing/mailings", response=list[MailingOut], summary="List mailings")
@paginate(Paging, page_size=50, max_page_size=200)
def list_mailings(request, status: str = "", q: str = ""):
    return selectors.mailing_list(actor=request.user, status=status, q=q).prefetch_related("segments", "static_lists")


@router.post("/marketing/mailings", response={201: MailingOut}, summary="Create a mailing (a draft)")
def create_mailing(request, payload: MailingIn, response: HttpResponse):
    mailing = services.mailing_create(actor=request.user, **_fields(payload.model_dump()))
    _etag(response, mailing)
    return 201, _get(request, mailing.pk)


@router.get("/marketing/mailings/{int:mailing_id}", response=MailingOut, summary="Get a mailing (with ETag)")
def get_mailing(request, mailing_id: int, response: HttpResponse):
    mailing = _get(request, mailing_id)
    _etag(response, mailing)
    return mailing


@router.patch("/marketing/mailings/{int:mailing_id}", response=MailingOut, summary="Change a draft (If-Match)")
def patch_mailing(request, mailing_id: int, payload: MailingPatch, response: HttpResponse):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    data = payload.model_dump(exclude_unset=True)
    expected = _expected_version(request, data.pop("version", None))
    services.mailing_update(actor=request.user, mailing=mailing, expected_version=expected, **_fields(data))
    mailing = _get(request, mailing_id)
    _etag(response, mailing)
    return mailing


@router.delete("/marketing/mailings/{int:mailing_id}", response={204: None}, summary="Delete a draft")
def delete_mailing(request, mailing_id: int):
    services.mailing_delete(actor=request.user, mailing=selectors.mailing_get(actor=request.user,
                                                                              mailing_id=mailing_id))
    return 204, None


@router.post("/marketing/mailings/{int:mailing_id}/preview", response=PreviewOut,
             summary="Render the mailing for a person (or yourself)")
def preview_mailing(request, mailing_id: int, payload: PreviewIn):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    person = Person(pk=payload.person_id) if payload.person_id else None
    return services.mailing_preview(actor=request.user, mailing=mailing, person=person)


@router.post("/marketing/mailings/{int:mailing_id}/test", response=TestSendOut,
             summary="Send a test to your own address")
def test_send(request, mailing_id: int):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    return {"sent_to": services.mailing_test_send(actor=request.user, mailing=mailing)}


@router.post("/marketing/mailings/{int:mailing_id}/schedule", response=MailingOut,
             summary="Schedule sending (now or at scheduled_at; If-Match)")
def schedule_mailing(request, mailing_id: int, payload: ScheduleIn, response: HttpResponse):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    expected = _expected_version(request, payload.version)
    services.mailing_schedule(actor=request.user, mailing=mailing, expected_version=expected,
                              scheduled_at=payload.scheduled_at)
    mailing = _get(request, mailing_id)
    _etag(response, mailing)
    return mailing


@router.post("/marketing/mailings/{int:mailing_id}/cancel", response=MailingOut,
             summary="Cancel a scheduled or running mailing (If-Match)")
def cancel_mailing(request, mailing_id: int, payload: VersionIn, response: HttpResponse):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    expected = _expected_version(request, payload.version)
    services.mailing_cancel(actor=request.user, mailing=mailing, expected_version=expected)
    mailing = _get(request, mailing_id)
    _etag(response, mailing)
    return mailing


@router.get("/marketing/mailings/{int:mailing_id}/audience", response=AudienceOut,
            summary="Recipients after exclusions (no email, no consent, unsubscribed/bounced)")
def mailing_audience(request, mailing_id: int):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    services.ensure_manager(request.user)
    return selectors.audience_counts(segments=mailing.segments.all(), static_lists=mailing.static_lists.all(),
                                     purpose=mailing.purpose)


@router.get("/marketing/mailings/{int:mailing_id}/stats", response=StatsOut, summary="Progress and engagement")
def mailing_stats(request, mailing_id: int):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    progress, rates = selectors.mailing_progress(mailing), selectors.rates(mailing)
    return {
        "status": mailing.status, "recipients": mailing.recipients_count, "queued": progress["queued"],
        "sent": progress["sent"], "failed": progress["failed"], "suppressed": mailing.suppressed_count,
        "bounced": mailing.bounced_count, "opened": mailing.opened_count, "clicked": mailing.clicked_count,
        "unsubscribed": mailing.unsubscribed_count, "open_rate": rates["open_rate"],
        "click_rate": rates["click_rate"], "percent_done": progress["percent"],
        "top_links": [{"url": link.url, "clickers": link.clickers, "clicks": link.total or 0}
                      for link in selectors.top_links(mailing)],
    }


@router.get("/marketing/mailings/{int:mailing_id}/messages", response=list[MailingMessageOut],
            summary="One row per recipient (persons you may see)")
@paginate(Paging, page_size=100, max_page_size=500)
def mailing_messages(request, mailing_id: int, status: str = ""):
    mailing = selectors.mailing_get(actor=request.user, mailing_id=mailing_id)
    return selectors.message_list(actor=request.user, mailing=mailing, status=status)


@router.post("/marketing/bounces", response={201: list[BounceOut]},
             summary="Report bounces: a DSN (RFC 3464, raw message) or JSON {email, type, reason}",
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": BounceIn.model_json_schema()},
                 "message/rfc822": {"schema": {"type": "string"}},
             }}})
def report_bounces(request):
    services.ensure_manager(request.user)
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except ValueError:
            raise MalformedBody(_("The body is not valid JSON."), field="body") from None
        items = data if isinstance(data, list) else [data]
        parsed = []
        for item in items:
            try:
                parsed.append(BounceIn.model_validate(item))
            except Exception as exc:  # pydantic's error → one clear 422
                raise ValidationError(_("Give email and type (hard or soft)."), field="email") from exc
        with transaction.atomic():  # all or nothing
            return 201, [bounces.bounce_record(actor=request.user, **item.model_dump()) for item in parsed]
    return 201, bounces.bounces_from_dsn(actor=request.user, raw=request.body)
