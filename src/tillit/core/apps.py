from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tillit.core"
    label = "core"

    def ready(self):
        from django.core import checks

        from tillit.core.proxies import check_trusted_proxies

        checks.register(check_trusted_proxies, checks.Tags.security)
