"""Reads of the interaction log (the card and timeline reads live in ``tillit.card.selectors``)."""

from tillit.core.access import can_read, ensure_staff
from tillit.core.errors import NotFound
from tillit.interactions.models import Interaction


def interaction_get(*, actor, interaction_id: int) -> Interaction:
    """One interaction, if the actor may see its person or its organisation; else ``NotFound``."""
    ensure_staff(actor)
    interaction = (
        Interaction.objects.select_related("person", "organization").filter(pk=interaction_id).first()
    )
    if interaction is None or not (
        (interaction.person is not None and can_read(actor, interaction.person))
        or (interaction.organization is not None and can_read(actor, interaction.organization))
    ):
        raise NotFound(str(Interaction._meta.verbose_name).capitalize() + " not found.")
    return interaction
