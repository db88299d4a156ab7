"""Optimistic concurrency: compare-and-swap on ``version`` so two editors never lose a write."""

from django.db import models
from django.db.models import F

from tillit.core.errors import Conflict


def save_versioned(instance: models.Model, *, expected_version: int | None, update_fields: list[str]) -> None:
    """Save ``update_fields`` only if the row still has ``expected_version``; bump the version.

    ``expected_version=None`` means the caller did not ask for a check (UI forms always pass one).
    """
    model = type(instance)
    from tillit.core.search import SearchKeyed, keep_search_key

    if isinstance(instance, SearchKeyed):  # a renamed person must be found under the new name
        update_fields = keep_search_key(instance, update_fields)
    current = instance.version if expected_version is None else expected_version
    values = {f: getattr(instance, model._meta.get_field(f).attname) for f in update_fields}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        from django.utils import timezone

        values["updated_at"] = timezone.now()
        instance.updated_at = values["updated_at"]
    updated = model._default_manager.filter(pk=instance.pk, version=current).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise Conflict(
            f"This {model._meta.verbose_name} was changed by someone else "
            f"(you had version {current}); reload and try again.",
            field="version",
        )
    instance.version = current + 1
