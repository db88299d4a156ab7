"""The texts sales writes into the interaction log, registered as system messages (see interactions.messages)."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tillit.interactions import messages

DEAL_CREATED = "sales.deal_created"
DEAL_WON = "sales.deal_won"
DEAL_LOST = "sales.deal_lost"
DEAL_REOPENED = "sales.deal_reopened"
DEAL_MOVED = "sales.deal_moved"
QUOTE_EVENT = "sales.quote_event"  # params: number, event (sent, accepted, declined)
ORDER_EVENT = "sales.order_event"  # params: number, event (placed or an order status)


def _quote_event(p: Mapping[str, Any]) -> str:
    labels = {"sent": gettext("sent"), "accepted": gettext("accepted"), "declined": gettext("declined")}
    return gettext("Quote %(number)s %(event)s") % {"number": p["number"], "event": labels.get(p["event"], p["event"])}


def _order_event(p: Mapping[str, Any]) -> str:
    from tillit.sales.models import OrderStatus

    labels = {"placed": gettext("placed"), **dict(OrderStatus.choices)}
    return gettext("Order %(number)s %(event)s") % {
        "number": p["number"], "event": str(labels.get(p["event"], p["event"])).lower()}


def register() -> None:
    messages.register(DEAL_CREATED, _("Deal created: %(title)s"))
    messages.register(DEAL_WON, _("Deal won: %(title)s"))
    messages.register(DEAL_LOST, _("Deal lost: %(title)s (%(reason)s)"))
    messages.register(DEAL_REOPENED, _("Deal reopened in %(stage)s"))
    messages.register(DEAL_MOVED, _("Deal moved to %(stage)s"))
    messages.register(QUOTE_EVENT, _quote_event)
    messages.register(ORDER_EVENT, _order_event)
