"""Record changes as domain events: ``<prefix>.created``, ``<prefix>.changed`` (with the diff), ``.deleted``.

An app tracks its customer records from its ``AppConfig.ready()``::

    track(Deal, prefix="deal", label=_("Deal"))

Every save then emits an event through ``tillit.core.events`` whose ``changes`` map each changed field
(by attribute name: ``owner_id``, not ``owner``) to ``[old, new]`` in JSON-friendly form. The old values
come from the instance as it was loaded (a snapshot taken in ``post_init``), so no extra query is
needed. ``save_versioned`` (a compare-and-swap ``UPDATE``, which sends no ``post_save``) reports its
writes through ``versioned_saved``. A queryset ``update()`` or ``bulk_create`` is not seen: services that
use them for customer records emit their own events.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.db import models
from django.db.models.signals import post_delete, post_init, post_save
from django.utils.translation import gettext_lazy as _

from tillit.core import events

_TRACKED: dict[type[models.Model], dict] = {}
_SNAPSHOT = "_tillit_snapshot"
IGNORED = {"updated_at", "version", "search_key"}  # bookkeeping, not a change anyone made
MASK = "•••"
ACTIONS = {"created": _("created"), "changed": _("changed"), "deleted": _("deleted")}


def track(model: type[models.Model], *, prefix: str, exclude: tuple[str, ...] = (),
          masked: tuple[str, ...] = ()) -> None:
    """Emit created/changed/deleted events for ``model`` (idempotent).

    ``exclude``: fields whose changes are nobody's business (a login time); ``masked``: fields whose change
    is told but never its value (a password hash, a token's digest).
    """
    name = model._meta.label_lower
    _TRACKED[model] = {"prefix": prefix, "exclude": set(exclude) | IGNORED, "masked": set(masked)}
    label = model._meta.verbose_name
    for action, text in ACTIONS.items():
        events.register_event(f"{prefix}.{action}", label=label, description=text, model=name)
    uid = f"tillit.changes.{name}"
    post_init.connect(_snapshot, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def tracked_models() -> list[type[models.Model]]:
    return list(_TRACKED)


def is_tracked(model) -> bool:
    return model in _TRACKED


def jsonable(value):
    """A field's value as JSON can carry it (what events, audit rows and webhooks store)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    return str(value)


def _fields(model) -> list:
    return [f for f in model._meta.concrete_fields if f.attname not in _TRACKED[model]["exclude"]]


def _values(instance) -> dict:
    # Deferred fields are not in __dict__: they were not loaded, so they cannot have been changed.
    loaded = instance.__dict__
    return {f.attname: loaded[f.attname] for f in _fields(type(instance)) if f.attname in loaded}


def _snapshot(sender, instance, **kwargs) -> None:
    if events.listening():
        instance.__dict__[_SNAPSHOT] = _values(instance)


def _shown(model, name: str, value):
    return MASK if name in _TRACKED[model]["masked"] and value not in (None, "") else jsonable(value)


def diff(instance, fields=None) -> dict:
    """What changed on ``instance`` since it was loaded (or last saved): attname → [old, new]."""
    before = instance.__dict__.get(_SNAPSHOT, {})
    now = _values(instance)
    names = now.keys() if fields is None else [n for n in now if n in fields or n.removesuffix("_id") in fields]
    model = type(instance)
    return {n: [_shown(model, n, before.get(n)), _shown(model, n, now[n])] for n in names if before.get(n) != now[n]}


def _prefix(instance) -> str:
    return _TRACKED[type(instance)]["prefix"]


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs) -> None:
    if raw or not events.listening():  # fixtures being loaded; nobody to tell
        return
    if created:
        data = {n: _shown(sender, n, v) for n, v in _values(instance).items()}
        events.emit(f"{_prefix(instance)}.created", record=instance, data=data, changes={
            n: [None, v] for n, v in data.items() if v not in (None, "", [], {})})
    else:
        changes = diff(instance, update_fields)
        if changes:
            events.emit(f"{_prefix(instance)}.changed", record=instance, changes=changes)
    instance.__dict__[_SNAPSHOT] = _values(instance)


def _deleted(sender, instance, **kwargs) -> None:
    if not events.listening():
        return
    data = {n: _shown(sender, n, v) for n, v in _values(instance).items()}
    events.emit(f"{_prefix(instance)}.deleted", record=(instance._meta.label_lower, instance.pk), data=data)


def versioned_saved(instance, update_fields) -> None:
    """``save_versioned`` wrote ``update_fields`` of ``instance`` with an ``UPDATE`` (no ``post_save``)."""
    if type(instance) not in _TRACKED or not events.listening():
        return
    changes = diff(instance, update_fields)
    if changes:
        events.emit(f"{_prefix(instance)}.changed", record=instance, changes=changes)
    instance.__dict__[_SNAPSHOT] = _values(instance)
