"""Panels other modules add to the customer card (open deals, owned products, tasks, cases …).

Each entry is a function ``panel(actor, *, person=None, organization=None) -> dict | None``: the
dict holds ``template`` (included in the card's facts column, with the dict as ``panel``) and
whatever that template needs; ``None`` shows nothing. A panel reads through its module's
selectors with the actor's access, in a fixed number of queries (the card tests count them).
"""

from django.utils.module_loading import import_string

PANELS = (
    "tillit.sales.card.panel",
    "tillit.tasks.card.panel",
    "tillit.service.card.panel",
    "tillit.marketing.card.panel",
)


def card_panels(actor, *, person=None, organization=None) -> list[dict]:
    panels = []
    for path in PANELS:
        panel = import_string(path)(actor, person=person, organization=organization)
        if panel:
            panels.append(panel)
    return panels
