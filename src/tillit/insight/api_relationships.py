"""Insight API: relationship types (read, replace), estimated category spend (upsert), the scatter data and a
customer's next best offers with their reasons. Thin: the services and selectors decide."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from tillit.core.errors import NotFound, ValidationError
from tillit.insight import offers, relationships
from tillit.insight.models_relationships import CategorySpend
from tillit.people.models import Organization, Person

router = Router(tags=["insight"])


class RelationshipTypeSchema(Schema):
    key: str
    name: str
    playbook: str = ""
    share_min: float | None = None
    share_max: float | None = None
    premium_min: float | None = None
    premium_max: float | None = None
    priority: int = 100
    catch_all: bool = False
    color: str = "#2f6f8f"


class RelationshipTypeIn(RelationshipTypeSchema):
    """A type as sent: its own class, so the request's constraints (no NUL, bounded numbers) are not the answer's."""


class RelationshipTypesIn(Schema):
    types: list[RelationshipTypeIn]


class CategorySpendIn(Schema):
    __model__ = CategorySpend  # constraints from the model (tillit.core.api)

    person_id: int | None = None
    organization_id: int | None = None
    amount: Decimal = Field(..., description="Estimated yearly spend in the category, e.g. \"250000.00\"")
    currency: str = ""
    year: int | None = None
    source: str = "api"


class CategorySpendOut(Schema):
    person_id: int | None
    organization_id: int | None
    amount: Decimal
    currency: str
    year: int | None
    source: str


class PointOut(Schema):
    kind: str
    id: int
    name: str
    share: float
    premium: float
    type: str


class ScatterOut(Schema):
    types: list[RelationshipTypeSchema]
    points: list[PointOut]


class OfferOut(Schema):
    product_id: int
    product: str
    sku: str
    share: float
    because_id: int | None
    because: str
    reason: str


def _type_out(t) -> dict:
    return {"key": t.key, "name": t.display_name, "playbook": t.display_playbook, "share_min": t.share_min,
            "share_max": t.share_max, "premium_min": t.premium_min, "premium_max": t.premium_max,
            "priority": t.priority, "catch_all": t.catch_all, "color": t.color}


def _party(model, pk: int | None, field: str):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError(_("No such record: %(id)s.") % {"id": pk}, field=field)
    return found


@router.get("/insight/relationship-types", response=list[RelationshipTypeSchema],
            summary="Relationship types with their thresholds and playbooks")
def list_types(request):
    relationships.visible_values(request.user)  # employees only
    return [_type_out(t) for t in relationships.relationship_types()]


@router.put("/insight/relationship-types", response=list[RelationshipTypeSchema],
            summary="Replace the relationship types (administrators, managers); overlaps and gaps are refused")
def put_types(request, payload: RelationshipTypesIn):
    rows = [t.model_dump() for t in payload.types]
    try:
        saved = relationships.relationship_types_save(actor=request.user, rows=rows)
    except ValidationError as exc:
        # The service names a type by its key (or its place) as the editor page does; the API names the list item.
        raise ValidationError(exc.message, field=_item_field(exc.field, rows)) from None
    return [_type_out(t) for t in saved]


def _item_field(field: str | None, rows: list[dict]) -> str | None:
    if not field or "." not in field:
        return field
    who, name = field.rsplit(".", 1)
    for index, row in enumerate(rows):
        if who in (str(row.get("key") or "").strip().lower(), str(index)):  # the service folds the key
            return f"types[{index}].{name}"
    return field


@router.put("/insight/category-spend", response=CategorySpendOut,
            summary="Set a customer's estimated yearly spend in the category (create or replace)")
def put_spend(request, payload: CategorySpendIn):
    spend = relationships.category_spend_upsert(
        actor=request.user, person=_party(Person, payload.person_id, "person_id"),
        organization=_party(Organization, payload.organization_id, "organization_id"), amount=payload.amount,
        currency=payload.currency, year=payload.year, source=payload.source)
    return spend


@router.get("/insight/relationships/scatter", response=ScatterOut,
            summary="Customers you may read on the two axes (share of business, price premium)")
def scatter(request):
    points = relationships.scatter_points(actor=request.user)
    return {"types": [_type_out(t) for t in relationships.relationship_types()], "points": points}


def _offers_out(found: list[dict]) -> list[dict]:
    return [{"product_id": o["product"].pk, "product": o["product"].name, "sku": o["product"].sku,
             "share": o["share"], "because_id": o["because"].pk if o["because"] else None,
             "because": o["because"].name if o["because"] else "", "reason": o["reason"]} for o in found]


@router.get("/insight/offers/persons/{int:person_id}", response=list[OfferOut],
            summary="A person's next best offers with the co-purchase reason")
def person_offers(request, person_id: int):
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("No such person."))
    return _offers_out(offers.customer_offers(actor=request.user, person=person))


@router.get("/insight/offers/organizations/{int:organization_id}", response=list[OfferOut],
            summary="An organisation's next best offers with the co-purchase reason")
def organization_offers(request, organization_id: int):
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound(_("No such organisation."))
    return _offers_out(offers.customer_offers(actor=request.user, organization=organization))
