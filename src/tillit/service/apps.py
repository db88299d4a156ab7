from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "tillit.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self):
        from tillit.core.access import register_relationship_grant
        from tillit.core.changes import track
        from tillit.service import messages
        from tillit.service.grants import GRANT
        from tillit.service.models import Case, Queue
        from tillit.service.models_sla import SlaPolicy

        register_relationship_grant(GRANT)
        messages.register()
        for model, prefix in ((Case, "case"), (Queue, "queue"), (SlaPolicy, "sla_policy")):
            track(model, prefix=prefix)
