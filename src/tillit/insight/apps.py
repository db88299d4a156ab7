from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "tillit.insight"
    label = "insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from tillit.insight import churn, offers, rule_fields

        churn.register()  # churn reasons: codes + parameters rendered in the reader's language
        offers.register()
        rule_fields.register()  # CLV, RFM class, relationship type, churn … in the segment rule language
