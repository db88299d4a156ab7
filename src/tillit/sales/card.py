"""Sales on the customer card (see ``tillit.card.panels``): open deals, owned products, open quotes."""

from __future__ import annotations

from django.utils import timezone

from tillit.sales.selectors.card import sales_card, sales_probes


def probes(*, person_id=None, organization_id=None) -> dict:
    """Any open deal, kept order line, open quote of the customer at all (see ``tillit.card.panels``)."""
    return sales_probes(person_id=person_id, organization_id=organization_id)


def panel(actor, *, person=None, organization=None, today=None, present=None) -> dict | None:
    if person is None and organization is None:
        return None
    card = sales_card(actor=actor, person=person, organization=organization, today=today or timezone.localdate(),
                      present=present)
    return {"template": "sales/_card_sales.html", "sales": card, "person": person, "organization": organization}
