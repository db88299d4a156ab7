"""A refused stale edit on a form page: say who changed what, keep the user's input, show the current values.

``show_stale_edit(form, exc, current=..., version=...)`` puts the ``StaleEdit`` sentence on the form, marks
every field whose current value differs from what the user typed with ``stale_current`` (the current value
as text, rendered next to the field by ``people/_field.html``), and puts the record's current version in
the hidden ``version`` field: the user compares, copies or redoes, and saving again is a deliberate
overwrite of what they have now seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from tillit.core.errors import Conflict


def _text(field: forms.Field, value: Any) -> str:
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if value in (None, ""):
        return _("(empty)")
    if isinstance(field, forms.ModelChoiceField):
        obj = field.queryset.model._default_manager.filter(pk=getattr(value, "pk", value)).first()
        return str(obj) if obj is not None else _("(empty)")
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    return ", ".join(line for line in str(value).splitlines() if line.strip())


def show_stale_edit(form: forms.Form, exc: Conflict, *, current: Mapping[str, Any], version: int) -> list[str]:
    """Mark ``form`` after ``exc``; answers the names of the fields whose current value differs."""
    form.add_error(None, exc.message)
    differs = []
    for name, field in form.fields.items():
        if name == "version" or name not in current or field.widget.is_hidden:
            continue
        if field.has_changed(current[name], form[name].data):
            field.stale_current = _text(field, current[name])
            differs.append(name)
    if "version" in form.fields:
        form.data = form.data.copy()
        form.data[form.add_prefix("version")] = str(version)
    return differs
