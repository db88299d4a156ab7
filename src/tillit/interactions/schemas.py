"""API shapes for the interaction log.

``InteractionIn`` documents one item (the single endpoint's body and each entry of a batch). The
endpoints read the JSON body themselves and let ``log_interactions`` check it — validating 10,000
items through a Pydantic model first would cost more than storing them — so these classes are
what the OpenAPI document shows, and the service enforces the same rules (``cleaning.py``).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from ninja import Field, Schema

from tillit.interactions.cleaning import MAX_SECONDS
from tillit.interactions.models import Channel, Direction, Kind

ChannelName = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
KindName = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
DirectionName = Literal[("", *Direction.values)]  # type: ignore[valid-type]


class InteractionIn(Schema):
    channel: ChannelName
    kind: KindName
    direction: DirectionName = Field("", description="in, out or internal")
    occurred_at: datetime | None = Field(None, description="ISO 8601; without an offset it is read as UTC; default now")
    person_id: int | None = Field(None, description="The person, by Tillit id")
    person_email: str | None = Field(None, description="…or by email, in any case")
    person_phone: str | None = Field(None, description="…or by phone, in any format (+47 912 34 567, 91234567)")
    person_external_id: str | None = Field(None, description="…or by their id in another system")
    person_source: str | None = Field(
        None, description="The system person_external_id belongs to; default: this interaction's source"
    )
    person_first_name: str | None = Field(None, description="Used when the person is unknown and becomes a lead")
    person_last_name: str | None = Field(None, description="Used when the person is unknown and becomes a lead")
    organization_id: int | None = Field(None, description="The organisation (with or without a person)")
    handled_by_id: int | None = Field(None, description="The employee (user id) who handled it")
    partner_id: int | None = Field(None, description="The partner organisation that handled it")
    subject: str = Field("", max_length=200)
    topic: str = Field("", max_length=100)
    product: str = Field("", max_length=100)
    campaign: str = Field("", max_length=100, description="The marketing campaign's code (or utm_campaign)")
    amount: Decimal | None = Field(None, description="At most two decimals; needs currency")
    currency: str = Field("", description="ISO 4217, e.g. NOK", min_length=0, max_length=3)
    satisfaction: int | None = Field(None, ge=0, le=10, description="0–10: CSAT (1–5) and NPS (0–10) both fit")
    duration_seconds: int | None = Field(None, ge=0, le=MAX_SECONDS)
    wait_seconds: int | None = Field(None, ge=0, le=MAX_SECONDS)
    share_watched: float | None = Field(None, ge=0, le=1, description="Fraction of a video/webinar watched")
    outcome: str = Field("", max_length=60)
    text: str = ""
    source: str = Field("tillit", max_length=60, description="The system this came from")
    external_id: str | None = Field(
        None, max_length=200, description="Its id in that system: (source, external_id) is stored once"
    )
    payload: dict[str, Any] = Field(default_factory=dict, description="Anything else, as a JSON object")


class FieldError(Schema):
    field: str
    reason: str


class ItemResult(Schema):
    index: int
    status: Literal["accepted", "duplicate", "rejected"]
    id: int | None = None
    errors: list[FieldError] | None = None


class BatchOut(Schema):
    accepted: int
    duplicate: int
    rejected: int
    people_created: int
    items: list[ItemResult]


class InteractionOut(Schema):
    id: int
    channel: str
    kind: str
    direction: str
    occurred_at: datetime
    person_id: int | None
    organization_id: int | None
    handled_by_id: int | None
    partner_id: int | None
    subject: str
    topic: str
    product: str
    campaign: str
    amount: Decimal | None
    currency: str
    satisfaction: int | None
    duration_seconds: int | None
    wait_seconds: int | None
    share_watched: float | None
    outcome: str
    text: str
    source: str
    external_id: str | None
    payload: dict[str, Any]
    created_at: datetime


def loosely(item: dict) -> dict:
    """A batch item as the document can promise it: the fields and what they mean, no types. Items are checked one
    by one (``items[].errors`` names the field and the reason); a wrong one is rejected, the batch is not."""
    properties = {}
    for name, field in item.get("properties", {}).items():
        described = {"description": field.get("description") or field.get("title", name)}
        values = field.get("enum") or next((o["enum"] for o in field.get("anyOf", []) if "enum" in o), None)
        if values:
            described["description"] += " — one of: " + ", ".join(v for v in values if v)
        properties[name] = described
    return {"title": "InteractionItem", "description": loosely.__doc__.split("\n")[0].strip() + " " + (
        "Each item is checked as POST /interactions checks its body; see items[] in the answer."),
        "properties": properties}


def batch_request_body(description: str) -> dict:
    """The batch's body: ``{"items": [...]}`` (at most TILLIT_BATCH_LIMIT), each item described loosely."""
    item = InteractionIn.model_json_schema()
    schema = {"type": "object", "required": ["items"], "properties": {"items": {
        "type": "array", "maxItems": settings.TILLIT_BATCH_LIMIT, "items": loosely(item)}}}
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


def request_body(schema: type[Schema], description: str) -> dict:
    """An OpenAPI ``requestBody`` for an operation that reads its JSON itself (schema inlined)."""
    json_schema = schema.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = json_schema.pop("$defs", {})
    if defs:  # inline the (flat) item schema so the document needs no extra components
        json_schema = _inline(json_schema, defs)
    json_schema["additionalProperties"] = False  # the service refuses a field it does not know
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": json_schema}}}}


def _inline(node, defs):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref and ref.startswith("#/components/schemas/"):
            return _inline(defs[ref.rsplit("/", 1)[1]], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, defs) for value in node]
    return node
