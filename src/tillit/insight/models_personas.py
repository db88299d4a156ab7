"""Personas: named groups of persons defined by segment rules; one persona per person by priority.

``Person.persona`` holds the persona's name (what the card, lists and segments read). A manual choice is a
``PersonaOverride``: the automatic assignment leaves that person alone until the override is cleared.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tillit.core.models import VersionedModel


class Persona(VersionedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Lower comes first: a person who matches several personas gets the one with the lowest priority.
    priority = models.PositiveIntegerField(_("priority"), default=100)
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    # Members as of the last recompute (the list shows it without re-running every rule).
    member_count = models.PositiveIntegerField(_("members"), default=0)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["priority", "name", "id"]
        verbose_name = _("persona")
        verbose_name_plural = _("personas")

    def __str__(self) -> str:
        return self.name


class PersonaOverride(models.Model):
    """Someone chose this person's persona by hand (who and when); the automatic assignment keeps off."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="persona_override")
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="overrides")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("manual persona")
        verbose_name_plural = _("manual personas")

    def __str__(self) -> str:
        return f"person {self.person_id} → {self.persona_id}"
