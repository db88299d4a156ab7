"""The merge note people writes on the survivor's timeline, as system messages (see interactions.messages)."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tillit.interactions import messages

MERGED_SUBJECT = "people.merged"  # params: name, id
MERGED_TEXT = "people.merged_text"  # params: name, id, actor, counts (what moved, named per reader)


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
