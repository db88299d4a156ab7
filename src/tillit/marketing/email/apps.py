from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingEmailConfig(AppConfig):
    name = "tillit.marketing.email"
    label = "marketing_email"
    verbose_name = _("Marketing: email campaigns and newsletters")

    def ready(self):
        from tillit.core.changes import track
        from tillit.marketing.email.models import Mailing

        track(Mailing, prefix="mailing")
