"""The value panel on the customer and organisation card (see ``tillit.card.panels``).

Everything comes from the precomputed ``CustomerValue`` row, read in ONE query (none when the card's probe
found no row): the RFM class's name, the
relationship type's name and playbook, the names of the next best offers' products and whether the persona
was chosen by hand are subqueries of that same statement. Tier and persona are on the person or
organisation the card already loaded. No row yet (no purchases, or nothing computed yet) → an empty state.

Credit score: issue #12 adds it as a sensitive field shown only to the roles allowed in settings; it is
deliberately not here yet (nothing is invented in its place).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, IntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema

from tillit.insight.models import CustomerValue, PersonaOverride, RfmClass
from tillit.interactions import messages
from tillit.sales.models import Product

TEMPLATE = "insight/_value_panel.html"
KEY = "value"
OFFERS_SHOWN = 3


class CardValueRefOut(Schema):
    key: str
    name: str


class CardRelationshipTypeOut(Schema):
    key: str
    name: str
    playbook: str


class CardChurnReasonOut(Schema):
    code: str
    params: dict
    text: str  # in the reader's language


class CardOfferOut(Schema):
    product_id: int
    product: str
    share: float | None
    because_id: int | None
    because: str
    text: str  # "bought by 34 % of customers who bought Varmepumpe Pro"


class CardValuePanelOut(Schema):
    """The customer's value figures; ``computed`` is false (and the figures null) before the first run."""

    computed: bool
    computed_at: dt.datetime | None
    currency: str
    clv: Decimal | None
    tier: str
    rfm_class: CardValueRefOut | None
    p_alive: float | None
    revenue: Decimal | None
    purchases: int | None
    purchases_per_year: float | None
    spend_per_purchase: Decimal | None
    expected_purchases_12m: float | None
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    relationship_type: CardRelationshipTypeOut | None
    persona: str
    persona_manual: bool
    churn_risk: float | None
    churn_level: str
    churn_reasons: list[CardChurnReasonOut]
    next_offers: list[CardOfferOut]


PanelOut = CardValuePanelOut


# --- the one query ------------------------------------------------------------------------------------
def _relationship_type_model():
    """The relationship types' model (``relations`` adds it); until it exists the panel shows the key."""
    try:
        return apps.get_model("insight", "RelationshipType")
    except LookupError:
        return None


def value_row(*, person=None, organization=None) -> CustomerValue | None:
    """The party's figures with every name the panel shows, in one query."""
    qs = CustomerValue.objects.filter(person=person) if person is not None else \
        CustomerValue.objects.filter(organization=organization)
    names = {
        "rfm_name": Subquery(RfmClass.objects.filter(key=OuterRef("rfm_class")).values("name")[:1]),
        "persona_manual": Exists(PersonaOverride.objects.filter(person_id=OuterRef("person_id"))),
    }
    relationship_type = _relationship_type_model()
    if relationship_type is not None:
        types = relationship_type.objects.filter(key=OuterRef("relationship_type"))
        names["relationship_name"] = Subquery(types.values("name")[:1])
        names["relationship_playbook"] = Subquery(types.values("playbook")[:1])
    ids = {}
    for i in range(OFFERS_SHOWN):
        for part in ("product", "because"):
            ids[f"_{part}{i}"] = Cast(KeyTextTransform(part, KeyTransform(str(i), "next_offers")), IntegerField())
            names[f"{part}_name{i}"] = Subquery(Product.objects.filter(pk=OuterRef(f"_{part}{i}")).values("name")[:1])
    return qs.select_related("fit").annotate(**ids).annotate(**names).order_by().first()


# --- words -------------------------------------------------------------------------------------------
def churn_reason_text(code: str, params: dict) -> str:
    """A churn reason in the active language, from the codes ``tillit.insight.churn`` registers."""
    text = messages.render({"code": code, "params": params})
    return text or _("churn signal “%(code)s”") % {"code": code}


def _percent(share) -> int | None:
    return None if share is None else round(100 * float(share))


def purchases_per_year(row: CustomerValue, today: dt.date) -> float | None:
    """Purchase occasions per year since the first purchase (at least a year counted, so one order last
    week is "1 a year", not 52)."""
    if not row.purchases or row.first_purchase is None:
        return None
    days = max((today - row.first_purchase).days, 365)
    return round(row.purchases / (days / 365.25), 1)


def panel_data(row: CustomerValue | None, *, tier: str, persona: str, today: dt.date) -> dict:
    empty = {
        "computed": False, "computed_at": None, "currency": settings.TILLIT_BASE_CURRENCY, "clv": None,
        "tier": tier, "rfm_class": None, "p_alive": None, "revenue": None, "purchases": None,
        "purchases_per_year": None, "spend_per_purchase": None, "expected_purchases_12m": None,
        "first_purchase": None, "last_purchase": None, "relationship_type": None, "persona": persona,
        "persona_manual": False, "churn_risk": None, "churn_level": "", "churn_reasons": [], "next_offers": [],
    }
    if row is None:
        return empty
    offers = []
    for i, offer in enumerate((row.next_offers or [])[:OFFERS_SHOWN]):
        product = getattr(row, f"product_name{i}", None)
        if not isinstance(offer, dict) or product is None:
            continue  # a product deleted since the last run is not offered
        because = getattr(row, f"because_name{i}", None) or ""
        share = offer.get("share")
        text = (_("bought by %(share)d %% of customers who bought %(product)s") % {
            "share": _percent(share), "product": because} if because and share is not None else "")
        offers.append({"product_id": offer.get("product"), "product": product, "share": share,
                       "because_id": offer.get("because"), "because": because, "text": text})
    reasons = [
        {"code": str(r.get("code", "")), "params": r.get("params") or {},
         "text": churn_reason_text(str(r.get("code", "")), r.get("params") or {})}
        for r in (row.churn_reasons or []) if isinstance(r, dict)
    ]
    rel = None
    if row.relationship_type:
        # Like RelationshipType.display_name: a default text comes in the reader's language, an edited one as typed.
        name = getattr(row, "relationship_name", None)
        playbook = getattr(row, "relationship_playbook", None)
        rel = {"key": row.relationship_type, "name": _(name) if name else row.relationship_type,
               "playbook": _(playbook) if playbook else ""}
    return {
        **empty,
        "computed": True, "computed_at": row.computed_at,
        "currency": row.fit.base_currency if row.fit else settings.TILLIT_BASE_CURRENCY,
        "clv": row.clv, "p_alive": row.p_alive, "revenue": row.revenue, "purchases": row.purchases,
        "purchases_per_year": purchases_per_year(row, today), "spend_per_purchase": row.spend_per_purchase,
        "expected_purchases_12m": row.expected_purchases_12m, "first_purchase": row.first_purchase,
        "last_purchase": row.last_purchase,
        "rfm_class": {"key": row.rfm_class, "name": row.rfm_name or row.rfm_class} if row.rfm_class else None,
        "relationship_type": rel, "persona_manual": bool(row.persona_manual),
        "churn_risk": row.churn_risk, "churn_level": row.churn_level, "churn_reasons": reasons,
        "next_offers": offers,
    }


def probes(*, person_id=None, organization_id=None) -> dict:
    """Any figures for the customer at all (see ``tillit.card.panels``): without, the panel costs no query."""
    party = {"person_id": person_id} if person_id is not None else {"organization_id": organization_id}
    return {"figures": CustomerValue.objects.filter(**party)}


def panel(actor, *, person=None, organization=None, present=None, today=None) -> dict | None:
    """The value panel for whoever reads the card (the card checked that they may); at most one query."""
    if (person is None) == (organization is None):
        return None
    party = person if person is not None else organization
    none = present is not None and not present.get("figures", True)
    row = None if none else value_row(person=person, organization=organization)
    data = panel_data(row, tier=party.value_tier or "",
                      persona=getattr(party, "persona", "") or "", today=today or timezone.localdate())
    return {"template": TEMPLATE, "party_kind": "person" if person is not None else "organization", **data,
            "tier_label": party.get_value_tier_display() if party.value_tier else "",
            "churn_level_label": churn_level_label(data["churn_level"])}


def churn_level_label(level: str) -> str:
    labels = {"low": _("low"), "medium": _("medium"), "high": _("high")}
    return str(labels.get(level, level))
