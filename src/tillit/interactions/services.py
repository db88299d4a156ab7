"""Writes to the interaction log. Every way in (UI, API, imports, other apps) comes through here.

``log_interaction`` stores one interaction (the UI's "log a call" and other apps' events);
``log_interactions`` is the batch path for integrations (up to ``settings.TILLIT_BATCH_LIMIT``
items), built for throughput: items are checked in plain Python, people are resolved in a few
set-based queries, and the rows are written with the fastest correct statement the database has.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.access import ensure_can_see, ensure_staff
from tillit.core.errors import ValidationError
from tillit.interactions.cleaning import clean_values
from tillit.interactions.models import Interaction

# Interaction fields ``log_interaction`` accepts as keyword arguments besides the named ones.
EXTRA_FIELDS = frozenset(
    {
        "subject", "topic", "product", "amount", "currency", "satisfaction", "duration_seconds", "wait_seconds",
        "share_watched", "outcome", "text", "source", "external_id", "payload", "partner",
    }
)


def log_interaction(
    *,
    actor,
    channel: str,
    kind: str,
    person=None,
    organization=None,
    occurred_at=None,
    direction: str = "",
    handled_by=None,
    **fields,
) -> Interaction:
    """Store one interaction and return it.

    ``actor`` is the user doing it (``None`` for the system itself, e.g. tracking); the actor must
    be able to see the person and the organisation. ``handled_by`` is the employee who handled it
    (the UI passes the actor). Idempotent on (``source``, ``external_id``): a replay returns the
    stored row. The returned instance carries ``was_created`` (False for a replay).
    Raises ``ValidationError`` naming the field, ``NotFound`` for records the actor may not see.
    """
    unknown = sorted(set(fields) - EXTRA_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    partner = fields.pop("partner", None)
    values = dict(fields, channel=channel, kind=kind, direction=direction, occurred_at=occurred_at)
    values["handled_by_id"] = handled_by.pk if handled_by is not None else None
    values["partner_id"] = partner.pk if partner is not None else None
    cleaned, errors = clean_values(values, timezone.now())
    if person is None and organization is None:
        errors.append({"field": "person", "reason": _("Name a person or an organisation.")})
    if errors:
        raise ValidationError(errors[0]["reason"], field=errors[0]["field"], errors=errors)
    if actor is not None:
        ensure_staff(actor)
        if person is not None:
            ensure_can_see(actor, person)
        if organization is not None:
            ensure_can_see(actor, organization)

    if cleaned["external_id"] is not None:
        existing = _existing(cleaned["source"], cleaned["external_id"])
        if existing is not None:
            return existing
    interaction = Interaction(person=person, organization=organization, **cleaned)
    try:
        with transaction.atomic():
            interaction.save(force_insert=True)
    except IntegrityError:
        # Another request stored the same (source, external_id) a moment ago.
        existing = _existing(cleaned["source"], cleaned["external_id"]) if cleaned["external_id"] else None
        if existing is None:
            raise
        return existing
    interaction.was_created = True
    return interaction


def _existing(source: str, external_id: str) -> Interaction | None:
    existing = Interaction.objects.filter(source=source, external_id=external_id).first()
    if existing is not None:
        existing.was_created = False
    return existing
