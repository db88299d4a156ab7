from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tillit.people"
    label = "people"
    verbose_name = _("People and organisations")

    def ready(self):
        from tillit.core.changes import track
        from tillit.people import messages
        from tillit.people.models import Affiliation, Consent, Identity, Organization, Person

        messages.register()
        for model, prefix in ((Person, "person"), (Organization, "organization"), (Affiliation, "affiliation"),
                              (Identity, "identity"), (Consent, "consent")):
            track(model, prefix=prefix)
