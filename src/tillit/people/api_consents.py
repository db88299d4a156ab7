"""Consents over the API: record, withdraw and list a person's consents (what the pages and the signed
preference links do), through ``people.services.consent_record`` / ``consent_withdraw``.

Access is the person's: whoever may see the person may read and record their consents.
"""

import datetime as dt
from typing import Literal

from ninja import Router, Schema

from tillit.people import selectors, services
from tillit.people.models import Consent, LawfulBasis

# The lawful bases as an inline enum (a Django choices class would become a component of its own).
LawfulBasisName = Literal[tuple(LawfulBasis.values)]

router = Router(tags=["people"])


class PersonConsentOut(Schema):
    id: int
    person_id: int
    purpose: str
    lawful_basis: LawfulBasisName
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    source: str
    is_active: bool


class ConsentRecordIn(Schema):
    __model__ = Consent  # constraints from the model (tillit.core.api)
    purpose: str  # e.g. newsletter, marketing_email, profiling (lower case; spaces become "_")
    lawful_basis: LawfulBasisName = LawfulBasis.CONSENT.value
    given_at: dt.datetime | None = None  # default now
    source: str = ""  # where it was given: "web form", "call 2026-11-20" …


class ConsentWithdrawIn(Schema):
    __model__ = Consent  # constraints from the model (tillit.core.api)
    withdrawn_at: dt.datetime | None = None  # default now


@router.get("/persons/{int:person_id}/consents", response=list[PersonConsentOut],
            summary="A person's consents, active and withdrawn")
def consent_list(request, person_id: int):
    return selectors.person_consents(actor=request.auth, person_id=person_id)


@router.post("/persons/{int:person_id}/consents", response={201: PersonConsentOut}, summary="Record a consent")
def consent_record(request, person_id: int, payload: ConsentRecordIn):
    person = selectors.person_get(actor=request.auth, person_id=person_id)
    consent = services.consent_record(actor=request.auth, person=person, purpose=payload.purpose,
                                      lawful_basis=payload.lawful_basis, given_at=payload.given_at,
                                      source=payload.source)
    return 201, consent


@router.post("/consents/{int:consent_id}/withdraw", response=PersonConsentOut,
             summary="Withdraw a consent (again: keeps the first withdrawal)")
def consent_withdraw(request, consent_id: int, payload: ConsentWithdrawIn | None = None):
    consent = selectors.consent_get(actor=request.auth, consent_id=consent_id)
    withdrawn_at = payload.withdrawn_at if payload is not None else None
    return services.consent_withdraw(actor=request.auth, consent=consent, withdrawn_at=withdrawn_at)
