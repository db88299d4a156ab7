"""API schemas for persons, organisations and roles (the API's parsing; the services validate)."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tillit.people.models import Affiliation, Identity, IdentityKind, Organization, Person

# --- out ------------------------------------------------------------------------------------
LANGUAGE_HELP = ("The language quotes and other documents to this customer are written in: en, sv, da or nb; "
                 "empty = the organisation's, then the company's default.")

class HandleOut(Schema):
    system: str
    value: str


class ExternalIdOut(Schema):
    system: str
    id: str


class RoleOut(Schema):
    id: int
    person_id: int
    organization_id: int
    organization_name: str
    title: str
    department: str
    is_decision_maker: bool
    buying_role: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_current: bool
    version: int

    @staticmethod
    def resolve_organization_name(obj: Affiliation) -> str:
        return obj.organization.name


class PersonOut(Schema):
    id: int
    version: int
    first_name: str
    last_name: str
    full_name: str
    lifecycle_stage: str
    owner_id: int | None
    team_id: int | None
    persona: str
    relationship_category: str
    street_address: str
    postal_code: str
    city: str
    country: str
    language: str
    custom_fields: dict[str, Any]
    primary_email: str
    primary_phone: str
    emails: list[str]
    phones: list[str]
    social_handles: list[HandleOut]
    external_ids: list[ExternalIdOut]
    roles: list[RoleOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def _identities(obj: Person, kind: str) -> list:
        return [i for i in obj.identities.all() if i.kind == kind]

    @staticmethod
    def resolve_emails(obj: Person) -> list[str]:
        return [i.normalized for i in PersonOut._identities(obj, IdentityKind.EMAIL)]

    @staticmethod
    def resolve_phones(obj: Person) -> list[str]:
        return [i.normalized for i in PersonOut._identities(obj, IdentityKind.PHONE)]

    @staticmethod
    def resolve_social_handles(obj: Person) -> list[dict]:
        return [{"system": i.system, "value": i.value} for i in PersonOut._identities(obj, IdentityKind.SOCIAL)]

    @staticmethod
    def resolve_external_ids(obj: Person) -> list[dict]:
        return [{"system": i.system, "id": i.value} for i in PersonOut._identities(obj, IdentityKind.EXTERNAL)]

    @staticmethod
    def resolve_roles(obj: Person) -> list[Affiliation]:
        return list(obj.affiliations.all())


class OrganizationOut(Schema):
    id: int
    version: int
    name: str
    org_number: str
    domain: str
    industry: str
    street_address: str
    postal_code: str
    city: str
    country: str
    language: str
    phone: str
    lifecycle_stage: str
    owner_id: int | None
    team_id: int | None
    custom_fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class IdentityOut(Schema):
    id: int
    kind: str
    system: str
    value: str
    normalized: str
    is_primary: bool
    label: str


# --- in -------------------------------------------------------------------------------------
class HandleIn(Schema):
    __model__ = Identity  # constraints from the model (tillit.core.api)
    system: str = Field(..., description="The network, e.g. linkedin, x, instagram.")
    value: str = Field(..., description="The handle, e.g. @ola.")


class ExternalIdIn(Schema):
    __model__ = Identity  # constraints from the model (tillit.core.api)
    system: str = Field(..., description="The other system, e.g. erp, shop.")
    id: str


class PersonFields(Schema):
    __model__ = Person  # constraints from the model (tillit.core.api)
    first_name: str = ""
    last_name: str = ""
    lifecycle_stage: str = "lead"
    owner_id: int | None = None
    team_id: int | None = None
    persona: str = ""
    relationship_category: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = Field("", description="ISO 3166 two-letter code, e.g. NO.")
    language: str = Field("", description=LANGUAGE_HELP)
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    emails: list[str] = Field(default_factory=list, description="The first one is the primary email.")
    phones: list[str] = Field(
        default_factory=list, description="Any format; stored as E.164. The first one is the primary phone."
    )


ALLOW_DUPLICATE_HELP = ("Create it even if it probably exists already. Without it, a create that looks like a "
                        "record you can see (same email or phone, similar name in the same organisation; for "
                        "organisations the same number or web domain, or a similar name) answers 409 "
                        "`likely_duplicate` with the candidates.")


class LikelyDuplicateCandidate(Schema):
    id: int = Field(description="The existing person's or organisation's id.")
    name: str
    score: int = Field(description="How sure we are that it is the same one (0–100).")
    matched: list[str] = Field(description="What matched: email, phone, name; org_number, domain, name.")
    reason: str = Field(description="The matches as a sentence for people.")


class ErrorField(Schema):
    field: str
    reason: str


class LikelyDuplicateOut(Schema):
    """The error shape (code, detail, errors) with the candidates; only records you may read are listed."""

    code: str = Field(description="likely_duplicate")
    detail: str
    errors: list[ErrorField]
    candidates: list[LikelyDuplicateCandidate]


class PersonIn(PersonFields):
    allow_duplicate: bool = Field(False, description=ALLOW_DUPLICATE_HELP)
    social_handles: list[HandleIn] = Field(default_factory=list)
    external_ids: list[ExternalIdIn] = Field(default_factory=list)
    organization_id: int | None = Field(None, description="Give the person a role in this organisation.")
    title: str = ""
    is_decision_maker: bool = False


class PersonPut(PersonFields):
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class PersonPatch(Schema):
    __model__ = Person  # constraints from the model (tillit.core.api)
    first_name: str | None = None
    last_name: str | None = None
    lifecycle_stage: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    persona: str | None = None
    relationship_category: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    language: str | None = Field(None, description=LANGUAGE_HELP)
    custom_fields: dict[str, Any] | None = None
    emails: list[str] | None = Field(None, description="Replaces all emails; the first is primary.")
    phones: list[str] | None = Field(None, description="Replaces all phones; the first is primary.")
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class IdentityIn(Schema):
    __model__ = Identity  # constraints from the model (tillit.core.api)
    kind: str = Field(..., description="email, phone, social or external")
    value: str
    system: str = ""
    label: str = ""
    is_primary: bool = False


class OrganizationFields(Schema):
    __model__ = Organization  # constraints from the model (tillit.core.api)
    name: str
    org_number: str = ""
    domain: str = ""
    industry: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    language: str = Field("", description=LANGUAGE_HELP)
    phone: str = ""
    lifecycle_stage: str = "lead"
    owner_id: int | None = None
    team_id: int | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


class OrganizationIn(OrganizationFields):
    allow_duplicate: bool = Field(False, description=ALLOW_DUPLICATE_HELP)


class OrganizationPut(OrganizationFields):
    version: int | None = None


class OrganizationPatch(Schema):
    __model__ = Organization  # constraints from the model (tillit.core.api)
    name: str | None = None
    org_number: str | None = None
    domain: str | None = None
    industry: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    language: str | None = Field(None, description=LANGUAGE_HELP)
    phone: str | None = None
    lifecycle_stage: str | None = None
    owner_id: int | None = None
    team_id: int | None = None
    custom_fields: dict[str, Any] | None = None
    version: int | None = None


class RoleIn(Schema):
    __model__ = Affiliation  # constraints from the model (tillit.core.api)
    organization_id: int
    title: str = ""
    department: str = ""
    is_decision_maker: bool = False
    buying_role: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class RolePatch(Schema):
    __model__ = Affiliation  # constraints from the model (tillit.core.api)
    title: str | None = None
    department: str | None = None
    is_decision_maker: bool | None = None
    buying_role: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    version: int | None = None


class PersonFilter(Schema):
    q: str = Field("", description="Name, email, phone (any format) or organisation name.")
    lifecycle_stage: str = ""
    owner_id: int | None = None
    organization_id: int | None = None


class OrganizationFilter(Schema):
    q: str = Field("", description="Name, organisation number, domain or city.")
    owner_id: int | None = None
