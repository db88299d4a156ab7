from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "tillit.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from tillit.core.access import register_relationship_grant
        from tillit.core.changes import track
        from tillit.sales import messages
        from tillit.sales.grants import GRANT
        from tillit.sales.models import CustomerGroup, Deal, Order, Pipeline, PriceList, Product, Quote

        messages.register()
        register_relationship_grant(GRANT)
        for model, prefix in ((Deal, "deal"), (Quote, "quote"), (Order, "order"), (Product, "product"),
                              (PriceList, "price_list"), (CustomerGroup, "customer_group"), (Pipeline, "pipeline")):
            track(model, prefix=prefix)
