"""Marketing's panel on the customer card (see ``tillit.card.panels``)."""


def panel(actor, *, person=None, organization=None) -> dict | None:
    return None
