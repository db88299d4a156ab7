"""REST API for persons, organisations and roles — thin: parse, call a service or selector, answer.

Reads answer with an ``ETag`` (the record's version). Updates need the version back, in
``If-Match`` or in the body's ``version``: missing → 428, stale → 409 (never a lost write).
"""

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from tillit.accounts.models import STAFF_ROLES, Team, User
from tillit.core.api import Paging, expected_version, set_etag
from tillit.core.errors import DomainError, NotFound, ValidationError
from tillit.people import selectors, services
from tillit.people.models import Affiliation, Organization, Person
from tillit.people.schemas import (
    IdentityIn,
    IdentityOut,
    LikelyDuplicateOut,
    OrganizationFilter,
    OrganizationIn,
    OrganizationOut,
    OrganizationPatch,
    OrganizationPut,
    PersonFilter,
    PersonIn,
    PersonOut,
    PersonPatch,
    PersonPut,
    RoleIn,
    RoleOut,
    RolePatch,
)

router = Router(tags=["people"])

# Service fields are named after model fields; the API names the ids.
_API_FIELD = {"owner": "owner_id", "team": "team_id", "organization": "organization_id"}


@contextlib.contextmanager
def _api_field_names() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        exc.field = _API_FIELD.get(exc.field, exc.field)
        for error in exc.errors:
            error["field"] = _API_FIELD.get(error.get("field"), error.get("field"))
        raise


# The names other routers imported before these moved to ``tillit.core.api``.
_etag = set_etag
_expected_version = expected_version


def _refs(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """Turn ``owner_id`` / ``team_id`` / ``organization_id`` into records, 422 naming the field if unknown."""
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        owner = None
        if owner_id is not None:
            owner = User.objects.filter(pk=owner_id, is_active=True, role__in=STAFF_ROLES).first()
            if owner is None:
                raise ValidationError(_("No such employee."), field="owner_id")
        data["owner"] = owner
    if "team_id" in data:
        team_id = data.pop("team_id")
        team = None
        if team_id is not None:
            team = Team.objects.filter(pk=team_id).first()
            if team is None:
                raise ValidationError(_("No such team."), field="team_id")
        data["team"] = team
    if "organization_id" in data:
        org_id = data.pop("organization_id")
        data["organization"] = None if org_id is None else _organization_ref(actor, org_id)
    return data


def _organization_ref(actor: User, organization_id: int) -> Organization:
    try:
        return selectors.organization_get(actor=actor, organization_id=organization_id)
    except NotFound:
        raise ValidationError(_("No such organisation."), field="organization_id") from None


def _put_data(payload) -> dict[str, Any]:
    """Every field of a PUT, except that a team left out follows the owner (as on create)."""
    data = payload.model_dump()
    if "team_id" not in payload.model_fields_set:
        data.pop("team_id")
    return data


def _person(actor: User, person_id: int) -> Person:
    """The person with identities and roles, for ``PersonOut``."""
    person = selectors.person_get(actor=actor, person_id=person_id)
    return (
        Person.objects.select_related("owner", "team")
        .prefetch_related("identities", Prefetch("affiliations", Affiliation.objects.select_related("organization")))
        .get(pk=person.pk)
    )


# --- persons --------------------------------------------------------------------------------
@router.get("/persons", response=list[PersonOut], summary="List and search persons")
@paginate(Paging, page_size=50, max_page_size=500)
def list_persons(request, filters: Query[PersonFilter]):
    return selectors.person_list(actor=request.user, **filters.model_dump()).prefetch_related(
        "identities", Prefetch("affiliations", Affiliation.objects.select_related("organization"))
    )


@router.post("/persons", response={201: PersonOut, 409: LikelyDuplicateOut},
             summary="Create a person (409 likely_duplicate unless allow_duplicate)")
def create_person(request, payload: PersonIn, response: HttpResponse):
    data = payload.model_dump()
    warn = not data.pop("allow_duplicate")
    with _api_field_names():
        person = services.person_create(actor=request.user, **_refs(request.user, data), warn_duplicates=warn)
    _etag(response, person)
    return 201, _person(request.user, person.pk)


@router.get("/persons/{int:person_id}", response=PersonOut, summary="Get a person (with ETag)")
def get_person(request, person_id: int, response: HttpResponse):
    person = _person(request.user, person_id)
    _etag(response, person)
    return person


def _update_person(request, person_id: int, data: dict[str, Any], response: HttpResponse) -> Person:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    expected = _expected_version(request, data.pop("version", None))
    with _api_field_names():
        services.person_update(actor=request.user, person=person, expected_version=expected,
                               **_refs(request.user, data))
    _etag(response, person)
    return _person(request.user, person.pk)


@router.patch("/persons/{int:person_id}", response=PersonOut, summary="Change some fields (If-Match)")
def patch_person(request, person_id: int, payload: PersonPatch, response: HttpResponse):
    return _update_person(request, person_id, payload.model_dump(exclude_unset=True), response)


@router.put("/persons/{int:person_id}", response=PersonOut, summary="Replace a person's fields (If-Match)")
def put_person(request, person_id: int, payload: PersonPut, response: HttpResponse):
    return _update_person(request, person_id, _put_data(payload), response)


@router.delete("/persons/{int:person_id}", response={204: None}, summary="Delete a person without interactions")
def delete_person(request, person_id: int):
    services.person_delete(actor=request.user, person=selectors.person_get(actor=request.user, person_id=person_id))
    return 204, None


@router.post("/persons/{int:person_id}/identities", response={201: IdentityOut},
             summary="Add an email, phone, social handle or external id")
def add_identity(request, person_id: int, payload: IdentityIn):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return 201, services.identity_add(actor=request.user, person=person, **payload.model_dump())


# --- roles ----------------------------------------------------------------------------------
@router.get("/persons/{int:person_id}/roles", response=list[RoleOut], summary="A person's roles, current first")
def list_roles(request, person_id: int):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return list(selectors.person_roles(person=person))


@router.post("/persons/{int:person_id}/roles", response={201: RoleOut}, summary="Give a person a role")
def create_role(request, person_id: int, payload: RoleIn, response: HttpResponse):
    person = selectors.person_get(actor=request.user, person_id=person_id)
    data = _refs(request.user, payload.model_dump())
    with _api_field_names():
        role = services.affiliation_create(actor=request.user, person=person, **data)
    _etag(response, role)
    return 201, role


@router.get("/roles/{int:role_id}", response=RoleOut, summary="Get a role (with ETag)")
def get_role(request, role_id: int, response: HttpResponse):
    role = selectors.affiliation_get(actor=request.user, affiliation_id=role_id)
    _etag(response, role)
    return role


@router.patch("/roles/{int:role_id}", response=RoleOut, summary="Change a role (If-Match)")
def patch_role(request, role_id: int, payload: RolePatch, response: HttpResponse):
    role = selectors.affiliation_get(actor=request.user, affiliation_id=role_id)
    data = payload.model_dump(exclude_unset=True)
    expected = _expected_version(request, data.pop("version", None))
    services.affiliation_update(actor=request.user, affiliation=role, expected_version=expected, **data)
    _etag(response, role)
    return role


@router.delete("/roles/{int:role_id}", response={204: None}, summary="Delete a role entered by mistake")
def delete_role(request, role_id: int):
    role = selectors.affiliation_get(actor=request.user, affiliation_id=role_id)
    services.affiliation_delete(actor=request.user, affiliation=role)
    return 204, None


# --- organisations --------------------------------------------------------------------------
@router.get("/organizations", response=list[OrganizationOut], summary="List and search organisations")
@paginate(Paging, page_size=50, max_page_size=500)
def list_organizations(request, filters: Query[OrganizationFilter]):
    return selectors.organization_list(actor=request.user, **filters.model_dump())


@router.post("/organizations", response={201: OrganizationOut, 409: LikelyDuplicateOut},
             summary="Create an organisation (409 likely_duplicate unless allow_duplicate)")
def create_organization(request, payload: OrganizationIn, response: HttpResponse):
    data = payload.model_dump()
    warn = not data.pop("allow_duplicate")
    with _api_field_names():
        organization = services.organization_create(actor=request.user, **_refs(request.user, data),
                                                    warn_duplicates=warn)
    _etag(response, organization)
    return 201, organization


@router.get("/organizations/{int:organization_id}", response=OrganizationOut, summary="Get an organisation (ETag)")
def get_organization(request, organization_id: int, response: HttpResponse):
    organization = selectors.organization_get(actor=request.user, organization_id=organization_id)
    _etag(response, organization)
    return organization


def _update_organization(request, organization_id: int, data: dict[str, Any], response: HttpResponse):
    organization = selectors.organization_get(actor=request.user, organization_id=organization_id)
    expected = _expected_version(request, data.pop("version", None))
    with _api_field_names():
        services.organization_update(actor=request.user, organization=organization, expected_version=expected,
                                     **_refs(request.user, data))
    _etag(response, organization)
    return organization


@router.patch("/organizations/{int:organization_id}", response=OrganizationOut, summary="Change some fields")
def patch_organization(request, organization_id: int, payload: OrganizationPatch, response: HttpResponse):
    return _update_organization(request, organization_id, payload.model_dump(exclude_unset=True), response)


@router.put("/organizations/{int:organization_id}", response=OrganizationOut, summary="Replace the fields")
def put_organization(request, organization_id: int, payload: OrganizationPut, response: HttpResponse):
    return _update_organization(request, organization_id, _put_data(payload), response)


@router.delete("/organizations/{int:organization_id}", response={204: None},
               summary="Delete an organisation without interactions")
def delete_organization(request, organization_id: int):
    organization = selectors.organization_get(actor=request.user, organization_id=organization_id)
    services.organization_delete(actor=request.user, organization=organization)
    return 204, None


# Consents have their own module; they share this router (and its "people" tag).
from tillit.people.api_consents import router as _consents_router  # noqa: E402

router.add_router("/", _consents_router)
