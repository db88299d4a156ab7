"""REST API for the interaction log — thin: read the body, call the service, answer.

The bodies are parsed with pydantic-core's JSON reader and checked by ``log_interactions``
itself (the same rules for one item and for 10,000), so a large batch is not validated twice;
the OpenAPI document still describes them (``schemas.py``).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from pydantic_core import from_json, to_json

from tillit.core.errors import DomainError, MalformedBody, NotFound, ValidationError
from tillit.interactions import selectors, services
from tillit.interactions.schemas import (
    BatchOut,
    InteractionIn,
    InteractionOut,
    ItemResult,
    batch_request_body,
    request_body,
)
from tillit.people.resolution import MissingRecord

router = Router(tags=["interactions"])

_ERROR = {422: dict, 404: dict}
# A full batch is larger than Django's general request limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB),
# so the batch endpoint has its own.
BATCH_MAX_BYTES = getattr(settings, "TILLIT_BATCH_MAX_BYTES", 64 * 1024 * 1024)


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


def _json(request: HttpRequest, *, max_bytes: int | None = None):
    if max_bytes is None:
        raw = request.body
    else:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_bytes:
            raise PayloadTooLarge(
                _("The body is larger than %(n)d MB; send smaller batches.") % {"n": max_bytes // 1024 // 1024},
                field="body",
            )
        raw = request.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise PayloadTooLarge(_("The body is too large; send smaller batches."), field="body")
    try:
        return from_json(raw or b"null")
    except ValueError:
        raise MalformedBody(_("The body is not valid JSON."), field="body") from None


@router.post(
    "/interactions",
    response={201: ItemResult, 200: ItemResult, **_ERROR},
    summary="Log one interaction",
    openapi_extra=request_body(
        InteractionIn,
        "One interaction. Name the person by id, email, phone or external id (unknown people become leads) "
        "and/or the organisation. Replaying the same (source, external_id) answers 200 with status duplicate.",
    ),
)
def interaction_create(request: HttpRequest):
    item = _json(request)
    if not isinstance(item, dict):
        raise ValidationError(_("Send one interaction as a JSON object."), field="body")
    answer = services.log_interactions(actor=request.auth, items=[item]).items[0]
    if answer["status"] == services.REJECTED:
        errors = answer["errors"]
        error_class = NotFound if all(isinstance(e, MissingRecord) for e in errors) else ValidationError
        raise error_class(errors[0]["reason"], field=errors[0]["field"], errors=[dict(e) for e in errors])
    return (201 if answer["status"] == services.ACCEPTED else 200), answer


@router.post(
    "/interactions/batch",
    response={200: BatchOut, 413: dict, **_ERROR},
    summary="Log a batch of interactions",
    openapi_extra=batch_request_body(
        f"Up to {settings.TILLIT_BATCH_LIMIT:,} interactions. Each is answered in order: accepted (with its id), "
        "duplicate (already stored under the same source and external_id; with that id) or rejected (with "
        "the fields and reasons). Valid items are stored even when others are rejected.",
    ),
)
def interaction_batch(request: HttpRequest):
    body = _json(request, max_bytes=BATCH_MAX_BYTES)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ValidationError(_('Send {"items": [ … ]}.'), field="items")
    result = services.log_interactions(actor=request.auth, items=body["items"])
    # Serialised directly: running 10,000 answers through the response schema costs more than it checks.
    return HttpResponse(to_json(result.as_dict()), content_type="application/json")


@router.get("/interactions/{interaction_id}", response={200: InteractionOut, 404: dict}, summary="One interaction")
def interaction_detail(request: HttpRequest, interaction_id: int):
    return selectors.interaction_get(actor=request.auth, interaction_id=interaction_id)
