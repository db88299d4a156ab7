"""Optimistic concurrency: compare-and-swap on ``version`` so two editors never lose a write.

A caller that names the acting user (``actor=``) also leaves a ``SaveRecord`` — who saved which version
and the fields they changed — so a refused stale edit can say who changed what since the editor opened
the record ("Kari Nordmann changed Email and Phone at 10:42 while you were editing"). The refusal is a
``StaleEdit`` (a ``Conflict``, 409) carrying those changes for forms and the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models
from django.db.models import F
from django.utils import formats, timezone
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.core.changes import versioned_saved
from tillit.core.errors import Conflict

# Names callers record that are not model fields (a person's email and phone lists are identities).
FIELD_LABELS = {"emails": gettext_lazy("Email"), "phones": gettext_lazy("Phone")}


@dataclass
class Changes:
    """What happened to a record after the version an editor had: who, which fields, when (last save)."""

    users: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # field names, in the order first changed
    labels: list[str] = field(default_factory=list)
    at: object = None  # datetime of the newest save

    def sentence(self) -> str:
        when = _when(self.at)
        who = get_text_list(self.users, _("and")) if self.users else ""
        what = get_text_list(self.labels, _("and")) if self.labels else ""
        if who and what:
            return _("%(who)s changed %(fields)s %(when)s while you were editing.") % {
                "who": who, "fields": what, "when": when}
        if who:
            return _("%(who)s saved it %(when)s while you were editing.") % {"who": who, "when": when}
        return ""


class StaleEdit(Conflict):
    """A stale write refused; ``changes`` says who changed what since (``None`` when nobody is recorded)."""

    def __init__(self, message: str, *, changes: Changes | None = None, field: str | None = "version"):
        errors = [{"field": "version", "reason": message}]
        if changes is not None:
            errors += [{"field": name, "reason": _("changed by %(who)s") % {
                "who": get_text_list(changes.users, _("and")) or _("someone else")}} for name in changes.fields]
        super().__init__(message, field=field, errors=errors)
        self.changes = changes


def _when(at) -> str:
    if at is None:
        return ""
    local = timezone.localtime(at)
    time = formats.time_format(local, "H:i")
    if local.date() == timezone.localdate():
        return _("at %(time)s") % {"time": time}
    return _("on %(date)s at %(time)s") % {"date": formats.date_format(local, "SHORT_DATE_FORMAT"), "time": time}


def _label(model: type[models.Model], name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    try:
        return capfirst(str(model._meta.get_field(name).verbose_name))
    except Exception:  # noqa: BLE001 — an unknown name is shown as it is
        return name


def _key(model: type[models.Model]) -> str:
    return model._meta.label_lower


def changes_since(model: type[models.Model], pk, version: int) -> Changes | None:
    """The recorded saves of a record after ``version`` (``None`` when none were recorded)."""
    from tillit.core.models import SaveRecord

    records = list(
        SaveRecord.objects.filter(model=_key(model), object_id=pk, version__gt=version)
        .select_related("saved_by").order_by("version")
    )
    if not records:
        return None
    changes = Changes()
    for record in records:
        user = record.saved_by
        name = (user.get_full_name() or user.username) if user is not None else _("someone else")
        if name not in changes.users:
            changes.users.append(name)
        for f in record.fields:
            if f not in changes.fields:
                changes.fields.append(f)
                changes.labels.append(_label(model, f))
        changes.at = record.saved_at
    return changes


def stale_message(model: type[models.Model], changes: Changes | None, version: int) -> str:
    name = model._meta.verbose_name
    base = _("Your changes are not saved.")
    if changes is not None and (sentence := changes.sentence()):
        return f"{sentence} {base}"
    return _("This %(name)s was changed by someone else (you had version %(v)d); reload and try again.") % {
        "name": name, "v": version}


def save_versioned(instance: models.Model, *, expected_version: int | None, update_fields: list[str],
                   actor=None, changed: Iterable[str] | None = None) -> None:
    """Save ``update_fields`` only if the row still has ``expected_version``; bump the version.

    ``expected_version=None`` means the caller did not ask for a check (UI forms always pass one).
    With ``actor`` the save is recorded with ``changed`` (default: ``update_fields``) so a later stale
    edit can say who changed what.
    """
    model = type(instance)
    from tillit.core.search import SearchKeyed, keep_search_key

    if isinstance(instance, SearchKeyed):  # a renamed person must be found under the new name
        update_fields = keep_search_key(instance, update_fields)
    current = instance.version if expected_version is None else expected_version
    values = {f: getattr(instance, model._meta.get_field(f).attname) for f in update_fields}
    now = timezone.now()
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        values["updated_at"] = now
        instance.updated_at = values["updated_at"]
    updated = model._default_manager.filter(pk=instance.pk, version=current).update(
        version=F("version") + 1, **values
    )
    if not updated:
        changes = changes_since(model, instance.pk, current)
        raise StaleEdit(stale_message(model, changes, current), changes=changes)
    instance.version = current + 1
    versioned_saved(instance, update_fields)  # the UPDATE sent no post_save: announce the change
    if actor is not None:
        # Only what a person edits is named later: not bookkeeping such as the folded search key.
        edited = [f for f in (update_fields if changed is None else changed) if _editable(model, f)]
        _record(model, instance.pk, instance.version, actor, now, edited)


def _editable(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).editable
    except Exception:  # noqa: BLE001 — a name that is not a field (a caller's label) is kept
        return True


def _record(model, pk, version: int, actor, now, fields: Sequence[str]) -> None:
    from tillit.core.models import SaveRecord

    key = _key(model)
    SaveRecord.objects.create(model=key, object_id=pk, version=version, saved_by_id=getattr(actor, "pk", None),
                              saved_at=now, fields=sorted(set(fields), key=list(fields).index))
    if version % 10 == 0:  # prune now and then, not on every save
        SaveRecord.objects.filter(model=key, object_id=pk, version__lte=version - SaveRecord.KEEP_VERSIONS).delete()
