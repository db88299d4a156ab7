"""REST API for the per-customer figures and personas — thin: parse, call a selector or service, answer.

``GET /insight/values`` lists the figures of the customers the caller may read (filters, paging);
``GET /insight/values/persons/{id}`` and ``…/organizations/{id}`` read one. Personas: CRUD with ETag /
If-Match, a preview count, and the manual persona of one person (``PUT``/``DELETE
/insight/persons/{id}/persona``).
"""


import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tillit.core.access import ensure_staff
from tillit.core.api import Paging, expected_version, set_etag
from tillit.insight import personas as persona_services
from tillit.insight.selectors_values import value_of, values_list
from tillit.people.selectors import organization_get, person_get

router = Router(tags=["insight"])


# --- schemas -----------------------------------------------------------------------------------------
class CustomerValueOut(Schema):
    """One customer's figures (see docs/insight.md for what each means). ``kind`` says which id is set."""

    kind: str
    person_id: int | None
    organization_id: int | None
    name: str
    computed: bool
    computed_at: dt.datetime | None
    currency: str
    purchases: int | None
    frequency: int | None
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    revenue: Decimal | None
    spend_per_purchase: Decimal | None
    expected_purchases_12m: float | None
    p_alive: float | None
    expected_spend: Decimal | None
    clv: Decimal | None
    recency_score: int | None
    frequency_score: int | None
    monetary_score: int | None
    rfm_class: str
    rfm_class_name: str
    share_of_wallet: float | None
    price_premium: float | None
    relationship_type: str
    relationship_type_name: str
    churn_risk: float | None
    churn_level: str
    churn_reasons: list[dict]
    next_offers: list[dict]
    tier: str
    persona: str


FIGURES = ("purchases", "frequency", "first_purchase", "last_purchase", "revenue", "spend_per_purchase",
           "expected_purchases_12m", "p_alive", "expected_spend", "clv", "recency_score", "frequency_score",
           "monetary_score", "share_of_wallet", "price_premium", "churn_risk")


def _out(row, *, person=None, organization=None) -> dict:
    person = person if person is not None else (row.person if row is not None else None)
    organization = organization if organization is not None else (row.organization if row is not None else None)
    party = person if person is not None else organization
    out: dict[str, Any] = {
        "kind": "person" if person is not None else "organization",
        "person_id": person.pk if person is not None else None,
        "organization_id": organization.pk if organization is not None else None,
        "name": person.full_name if person is not None else organization.name,
        "tier": party.value_tier or "", "persona": getattr(party, "persona", "") or "",
        "computed": row is not None, "computed_at": getattr(row, "computed_at", None),
        "currency": row.fit.base_currency if row is not None and row.fit else settings.TILLIT_BASE_CURRENCY,
    }
    for field in FIGURES:
        out[field] = getattr(row, field, None)
    for field in ("rfm_class", "relationship_type", "churn_level"):
        out[field] = getattr(row, field, "") or ""
    out["rfm_class_name"] = (getattr(row, "rfm_name", None) or out["rfm_class"]) if row is not None else ""
    name = getattr(row, "relationship_name", None)
    out["relationship_type_name"] = gettext(name) if name else out["relationship_type"]
    out["churn_reasons"] = list(getattr(row, "churn_reasons", None) or [])
    out["next_offers"] = list(getattr(row, "next_offers", None) or [])
    return out


class CustomerValueFilters(Schema):
    kind: Literal["", "person", "organization"] = ""
    tier: str = Field("", max_length=20)
    rfm_class: str = Field("", max_length=40)
    relationship_type: str = Field("", max_length=40)
    churn_level: str = Field("", max_length=10)
    persona: str = Field("", max_length=100)
    clv_min: Decimal | None = Field(None, max_digits=16, decimal_places=2)
    clv_max: Decimal | None = Field(None, max_digits=16, decimal_places=2)


class PersonaIn(Schema):
    name: str
    description: str = ""
    priority: int = 100
    rules: dict[str, Any] = Field(default_factory=dict, description="A segment rule tree (docs/marketing-segments.md)")


class PersonaPatch(Schema):
    name: str | None = None
    description: str | None = None
    priority: int | None = None
    rules: dict[str, Any] | None = None
    version: int | None = Field(None, description="The version you read, if you do not send If-Match")


class PersonaOut(Schema):
    id: int
    name: str
    description: str
    priority: int
    rules: dict[str, Any]
    member_count: int
    assigned_at: dt.datetime | None
    version: int


class PersonaPreviewIn(Schema):
    rules: dict[str, Any] = Field(default_factory=dict)


class PersonaPreviewPersonOut(Schema):
    id: int
    full_name: str


class PersonaPreviewOut(Schema):
    count: int
    sample: list[PersonaPreviewPersonOut]


class PersonaOverrideIn(Schema):
    persona_id: int


class PersonaOverrideOut(Schema):
    person_id: int
    persona: PersonaOut
    set_by: str
    set_at: dt.datetime

    @staticmethod
    def resolve_set_by(obj) -> str:
        return str(obj.set_by) if obj.set_by else ""


# --- figures -----------------------------------------------------------------------------------------
@router.get("/insight/values", response=list[CustomerValueOut], summary="Every customer's figures you may see (paged)")
@paginate(Paging, page_size=50, max_page_size=500)
def list_values(request, filters: Query[CustomerValueFilters]):
    return _Page(values_list(actor=request.auth, **filters.model_dump()))


class _Page:
    """A queryset the paginator can count and slice; each slice comes back as the API's dicts."""

    def __init__(self, qs):
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        return [_out(row) for row in self.qs[item]]


@router.get("/insight/values/persons/{int:person_id}", response=CustomerValueOut, summary="One person's figures")
def person_values(request, person_id: int):
    person = person_get(actor=request.auth, person_id=person_id)
    return _out(value_of(person=person), person=person)


@router.get("/insight/values/organizations/{int:organization_id}", response=CustomerValueOut,
            summary="One organisation's figures")
def organization_values(request, organization_id: int):
    organization = organization_get(actor=request.auth, organization_id=organization_id)
    return _out(value_of(organization=organization), organization=organization)


# --- personas ----------------------------------------------------------------------------------------
@router.get("/insight/personas", response=list[PersonaOut], summary="List personas in priority order")
def list_personas(request):
    ensure_staff(request.auth)
    return list(persona_services.persona_list())


@router.post("/insight/personas", response={201: PersonaOut},
             summary="Create a persona (rules validated; everyone is assigned again)")
def create_persona(request, payload: PersonaIn, response: HttpResponse):
    persona = persona_services.persona_create(actor=request.auth, **payload.model_dump())
    set_etag(response, persona)
    return 201, persona


@router.post("/insight/personas/preview", response=PersonaPreviewOut,
             summary="Count and sample the persons rules select, without saving")
def preview_persona(request, payload: PersonaPreviewIn):
    ensure_staff(request.auth)
    count, sample = persona_services.persona_preview(actor=request.auth, rules=payload.rules)
    return {"count": count, "sample": sample}


@router.get("/insight/personas/{int:persona_id}", response=PersonaOut, summary="Get a persona (with ETag)")
def get_persona(request, persona_id: int, response: HttpResponse):
    ensure_staff(request.auth)
    persona = persona_services.persona_get(persona_id=persona_id)
    set_etag(response, persona)
    return persona


@router.patch("/insight/personas/{int:persona_id}", response=PersonaOut, summary="Change a persona (If-Match)")
def patch_persona(request, persona_id: int, payload: PersonaPatch, response: HttpResponse):
    ensure_staff(request.auth)
    persona = persona_services.persona_get(persona_id=persona_id)
    persona_services.ensure_persona_manager(request.auth)
    data = payload.model_dump(exclude_unset=True)
    expected = expected_version(request, data.pop("version", None))
    persona_services.persona_update(actor=request.auth, persona=persona, expected_version=expected, **data)
    set_etag(response, persona)
    return persona


@router.delete("/insight/personas/{int:persona_id}", response={204: None}, summary="Delete a persona")
def delete_persona(request, persona_id: int):
    ensure_staff(request.auth)
    persona = persona_services.persona_get(persona_id=persona_id)
    persona_services.persona_delete(actor=request.auth, persona=persona)
    return 204, None


@router.put("/insight/persons/{int:person_id}/persona", response=PersonaOverrideOut,
            summary="Choose a person's persona by hand (kept until cleared)")
def set_persona(request, person_id: int, payload: PersonaOverrideIn):
    person = person_get(actor=request.auth, person_id=person_id)
    persona = persona_services.persona_get(persona_id=payload.persona_id, field="persona_id")
    return persona_services.persona_override_set(actor=request.auth, person=person, persona=persona)


@router.delete("/insight/persons/{int:person_id}/persona", response={204: None},
               summary="Clear a manual persona: the rules decide again")
def clear_persona(request, person_id: int):
    person = person_get(actor=request.auth, person_id=person_id)
    persona_services.persona_override_clear(actor=request.auth, person=person)
    return 204, None
