from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "tillit.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from tillit.core.access import register_relationship_grant
        from tillit.sales import messages
        from tillit.sales.grants import GRANT

        messages.register()
        register_relationship_grant(GRANT)
