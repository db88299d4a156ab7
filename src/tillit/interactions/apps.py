from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "tillit.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self):
        from tillit.core.events import register_event
        from tillit.interactions.writers import LABEL, LOGGED

        register_event(LOGGED, label=_("Interaction logged"), model=LABEL,
                       description=_("A call, email, visit, order … joined the log (batches arrive as one list)."))
