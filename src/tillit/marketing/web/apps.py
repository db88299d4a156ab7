from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingWebConfig(AppConfig):
    name = "tillit.marketing.web"
    label = "marketing_web"
    verbose_name = _("Marketing: campaigns, website tracking and attribution")

    def ready(self):
        from tillit.core.changes import track
        from tillit.marketing.web.models import Campaign

        track(Campaign, prefix="campaign")
