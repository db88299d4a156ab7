from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tillit.people"
    label = "people"
    verbose_name = _("People and organisations")

    def ready(self):
        from tillit.people import messages

        messages.register()
