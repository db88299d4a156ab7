"""The card over the API: the same selectors as the pages, so both always agree."""

from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from tillit.accounts.scopes import request_allows
from tillit.card import selectors
from tillit.card.panels import card_panels, panels_by_key
from tillit.card.schemas import CardOut, LookupOut, OrganizationCardOut, TimelineOut
from tillit.core.api import MAX_PAGE
from tillit.core.errors import ValidationError
from tillit.interactions.models import Channel, Kind

router = Router(tags=["card"])


class TimelineQuery(Schema):
    channel: Literal[("", *Channel.values)] = ""  # type: ignore[valid-type]
    kind: Literal[("", *Kind.values)] = ""  # type: ignore[valid-type]
    # The paging of every list (``tillit.core.api.Paging``); a timeline answers ``has_next`` instead of a count.
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    page_size: int | None = Field(None, ge=1, le=100, description=(
        f"Entries per page (default {settings.TILLIT_TIMELINE_PAGE_SIZE}, at most 100)."))


class LookupQuery(Schema):
    q: str = ""
    phone: str = ""
    email: str = ""


def _readable(request):
    return lambda area: request_allows(request, area)


@router.get("/persons/{person_id}/card", response=CardOut, summary="A person's customer card")
def person_card(request, person_id: int):
    """Identity, roles, owner, consents, last contact, counts, interests, email engagement, activity
    per month, the modules' panels (open deals, owned products, open quotes, open tasks, open cases with
    their SLA clocks, campaigns and audiences) and the first page of the timeline."""
    card = selectors.customer_card(actor=request.auth, person_id=person_id)
    card.panels = panels_by_key(card_panels(request.auth, person=card.person, areas=_readable(request)))
    return card


@router.get("/persons/{person_id}/timeline", response=TimelineOut, summary="A person's timeline, newest first")
def person_timeline(request, person_id: int, filters: Query[TimelineQuery]):
    """Includes organisation-level interactions of the organisations where the person has a current role."""
    return selectors.timeline(actor=request.auth, person=person_id, **filters.dict())


@router.get("/organizations/{organization_id}/card", response=OrganizationCardOut,
            summary="An organisation's card")
def organization_card(request, organization_id: int):
    """Facts, people, counts, the modules' panels and the first page of the timeline."""
    card = selectors.organization_card(actor=request.auth, organization_id=organization_id)
    card.panels = panels_by_key(card_panels(request.auth, organization=card.organization,
                                            areas=_readable(request)))
    return card


@router.get("/organizations/{organization_id}/timeline", response=TimelineOut,
            summary="An organisation's timeline: its own interactions and its people's")
def organization_timeline(request, organization_id: int, filters: Query[TimelineQuery]):
    return selectors.timeline(actor=request.auth, organization=organization_id, **filters.dict())


@router.get("/lookup", response=LookupOut, summary="Screen-pop: find persons by phone, email or external id")
def lookup(request, params: Query[LookupQuery]):
    """``?phone=`` in any format (``+47 912 34 567``, ``91234567``, ``0047-91234567``), ``?email=`` in
    any case, or ``?q=`` for either or an external id."""
    if not (params.q or params.phone or params.email):
        raise ValidationError(_("Give q, phone or email."), field="q")
    people = selectors.lookup_by(actor=request.auth, phone=params.phone, email=params.email, q=params.q)
    return {"count": len(people), "results": people}
