from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "tillit.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self):
        from django.core import checks

        from tillit.service.proxies import check_trusted_proxies

        checks.register(check_trusted_proxies, checks.Tags.security)
