"""The texts sales writes into the interaction log, registered as system messages (see interactions.messages)."""

from django.utils.translation import gettext_lazy as _

from tillit.interactions import messages

DEAL_CREATED = "sales.deal_created"
DEAL_WON = "sales.deal_won"
DEAL_LOST = "sales.deal_lost"
DEAL_REOPENED = "sales.deal_reopened"
DEAL_MOVED = "sales.deal_moved"
QUOTE_ACCEPTED_ONLINE = "sales.quote_accepted_online"
QUOTE_DECLINED_ONLINE = "sales.quote_declined_online"


def register() -> None:
    messages.register(DEAL_CREATED, _("Deal created: %(title)s"))
    messages.register(DEAL_WON, _("Deal won: %(title)s"))
    messages.register(DEAL_LOST, _("Deal lost: %(title)s (%(reason)s)"))
    messages.register(DEAL_REOPENED, _("Deal reopened in %(stage)s"))
    messages.register(DEAL_MOVED, _("Deal moved to %(stage)s"))
    messages.register(QUOTE_ACCEPTED_ONLINE, _("Quote %(number)s accepted online by the customer"))
    messages.register(QUOTE_DECLINED_ONLINE, _("Quote %(number)s declined online by the customer"))
