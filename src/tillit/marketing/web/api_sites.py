"""Tracking sites over the API: create, list and read a site with its key (what the *Website tracking*
pages do), through ``marketing.web.services.site_create`` and the site selectors.

Like the pages, only marketing and administrators manage tracking sites (others: 403).
"""

import datetime as dt

from ninja import Router, Schema

from tillit.marketing.web import selectors, services
from tillit.marketing.web.models import TrackingSite

router = Router(tags=["campaigns"])


class TrackingSiteOut(Schema):
    id: int
    name: str
    key: str  # the snippet's data-site="…"
    allowed_origins: list[str]
    is_active: bool
    create_leads: bool
    accepted_events: int
    dropped_events: int
    created_at: dt.datetime

    @staticmethod
    def resolve_allowed_origins(obj) -> list[str]:
        return [line for line in obj.allowed_origins.splitlines() if line]


class TrackingSiteCreateIn(Schema):
    __model__ = TrackingSite  # constraints from the model (tillit.core.api)
    name: str
    allowed_origins: list[str] = []  # e.g. ["https://www.example.com"]; pages elsewhere are refused
    create_leads: bool = True  # a website form by an unknown email creates a lead


@router.get("/marketing/sites", response=list[TrackingSiteOut], summary="Tracking sites, by name, with their keys")
def site_list(request):
    return list(selectors.site_list(actor=request.auth))


@router.post("/marketing/sites", response={201: TrackingSiteOut}, summary="Add a tracking site (a new key)")
def site_create(request, payload: TrackingSiteCreateIn):
    site = services.site_create(actor=request.auth, name=payload.name,
                                allowed_origins="\n".join(payload.allowed_origins), create_leads=payload.create_leads)
    return 201, site


@router.get("/marketing/sites/{int:site_id}", response=TrackingSiteOut, summary="A tracking site and its key")
def site_get(request, site_id: int):
    return selectors.site_get(actor=request.auth, site_id=site_id)
