from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "tillit.insight"
    label = "insight"
    verbose_name = _("Insight")

    def ready(self):
        from tillit.insight import churn, offers

        churn.register()  # churn reasons: codes + parameters rendered in the reader's language
        offers.register()
