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
QUOTE_ACCEPTED_ONLINE = "sales.quote_accepted_online"
QUOTE_DECLINED_ONLINE = "sales.quote_declined_online"
QUOTE_EVENT = "sales.quote_event"  # params: number, event (sent, accepted, declined)
ORDER_EVENT = "sales.order_event"  # params: number, event (placed or an order status)
# Why an import rejected a row (kept in the job's report, shown in the reader's language).
IMPORT_NOT_A_DATE = "sales.import.not_a_date"  # params: value
IMPORT_WHOLE_MONTHS = "sales.import.whole_months"
IMPORT_PRODUCT_NEEDS_NAME = "sales.import.product_needs_name"
IMPORT_NO_PIPELINE = "sales.import.no_pipeline"  # params: value, names
IMPORT_NO_ACTIVE_PIPELINE = "sales.import.no_active_pipeline"
IMPORT_NO_STAGE = "sales.import.no_stage"  # params: value, pipeline, names
IMPORT_NO_PERSON = "sales.import.no_person"  # params: value
IMPORT_NO_LOST_REASON = "sales.import.no_lost_reason"  # params: value
IMPORT_NO_ORGANIZATION = "sales.import.no_organization"  # params: value
IMPORT_NO_PARTY = "sales.import.no_party"


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
    messages.register(QUOTE_ACCEPTED_ONLINE, _("Quote %(number)s accepted online by the customer"))
    messages.register(QUOTE_DECLINED_ONLINE, _("Quote %(number)s declined online by the customer"))
    messages.register(QUOTE_EVENT, _quote_event)
    messages.register(ORDER_EVENT, _order_event)
    messages.register(IMPORT_NOT_A_DATE, _("“%(value)s” is not a date; write 2026-05-31 or 31.05.2026."))
    messages.register(IMPORT_WHOLE_MONTHS, _("Whole months, e.g. 24."))
    messages.register(IMPORT_PRODUCT_NEEDS_NAME, _("A new product needs a name."))
    messages.register(IMPORT_NO_PIPELINE, _("No pipeline called “%(value)s”; there are: %(names)s."))
    messages.register(IMPORT_NO_ACTIVE_PIPELINE, _("There is no active pipeline; ask an administrator to create one."))
    messages.register(IMPORT_NO_STAGE, _("No stage “%(value)s” in %(pipeline)s; use one of: %(names)s."))
    messages.register(IMPORT_NO_PERSON, _("No person with the email “%(value)s” that you can see."))
    messages.register(IMPORT_NO_LOST_REASON, _("No lost reason called “%(value)s”."))
    messages.register(IMPORT_NO_ORGANIZATION, _("No organisation called “%(value)s” that you can see."))
    messages.register(IMPORT_NO_PARTY, _("Name an organisation or a person's email (or both)."))
