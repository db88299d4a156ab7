"""Sales on the customer card (see ``tillit.card.panels``): open deals, owned products, open quotes."""

from __future__ import annotations

from django.utils import timezone

from tillit.sales.selectors.card import sales_card


def panel(actor, *, person=None, organization=None, today=None) -> dict | None:
    if person is None and organization is None:
        return None
    card = sales_card(actor=actor, person=person, organization=organization, today=today or timezone.localdate())
    return {"template": "sales/_card_sales.html", "sales": card, "person": person, "organization": organization}
