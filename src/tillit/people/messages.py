"""Texts people writes into records, as system messages (see core.messages): the merge note on the
survivor's timeline and the reasons an import gives for rejected and skipped rows (kept in the job's report)."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.core import messages

MERGED_SUBJECT = "people.merged"  # params: name, id
MERGED_TEXT = "people.merged_text"  # params: name, id, actor, counts (what moved, named per reader)
IMPORT_ALREADY = "people.import.already"  # params: id, name
IMPORT_NO_EMPLOYEE = "people.import.no_employee"  # params: value
IMPORT_REQUIRED = "people.import.required"
IMPORT_TOO_MANY_CELLS = "people.import.too_many_cells"  # params: n, m, d
IMPORT_DATABASE_REFUSED = "people.import.database_refused"  # params: error


def _subject(p: Mapping[str, Any]) -> str:
    return _("Merged with %(name)s (#%(id)d)") % {"name": p["name"], "id": p["id"]}


def _text(p: Mapping[str, Any]) -> str:
    from tillit.people.merge import describe_counts

    moved = ", ".join(describe_counts(p.get("counts") or {}))
    return _("%(name)s (#%(id)d) was merged into this person by %(actor)s. Moved: %(moved)s.") % {
        "name": p["name"], "id": p["id"], "actor": p["actor"], "moved": moved or _("nothing")}


def register() -> None:
    messages.register(MERGED_SUBJECT, _subject)
    messages.register(MERGED_TEXT, _text)
    messages.register(IMPORT_ALREADY, gettext_lazy("Already in Tillit as #%(id)d (%(name)s)."))
    messages.register(IMPORT_NO_EMPLOYEE, gettext_lazy("No employee with the username or email “%(value)s”."))
    messages.register(IMPORT_REQUIRED, gettext_lazy("This field is required."))
    messages.register(IMPORT_TOO_MANY_CELLS, gettext_lazy(
        "This row has %(n)d cells but the first line names %(m)d columns; a value with a “%(d)s” in it needs quotes."))
    messages.register(IMPORT_DATABASE_REFUSED, gettext_lazy("The database refused this row: %(error)s"))
