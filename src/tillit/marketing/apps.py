from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "tillit.marketing"
    label = "marketing"
    verbose_name = _("Marketing: segments and lists")

    def ready(self):
        from tillit.core.changes import track
        from tillit.marketing.models import Segment, StaticList

        track(Segment, prefix="segment")
        track(StaticList, prefix="static_list")
