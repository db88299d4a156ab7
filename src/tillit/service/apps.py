from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "tillit.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self):
        from tillit.core.access import register_relationship_grant
        from tillit.service import messages
        from tillit.service.grants import GRANT

        register_relationship_grant(GRANT)
        messages.register()
