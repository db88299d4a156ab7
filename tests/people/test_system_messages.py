"""The merge note (issue 10.8) is stored as a code and parameters: an English merge reads Norwegian for a
Norwegian reader — on the card timeline and in the timeline API — and old notes keep their text."""

from html import unescape

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tests.people.test_merge import pair  # noqa: F401 (fixture)
from tillit.accounts.services import api_token_create
from tillit.interactions.models import Interaction
from tillit.people.merge import MERGE_NOTE_SOURCE, person_merge

pytestmark = pytest.mark.django_db


def _nb(msgid: str) -> str:
    with translation.override("nb"):
        text = gettext(msgid)
    assert text != msgid, f"no Norwegian translation of {msgid!r}"
    return text


def test_the_merge_note_reads_in_the_readers_language(login, actors, pair):  # noqa: F811
    kari, dup = pair
    dup_id, admin = dup.pk, actors["admin"]
    with translation.override("en"):
        person_merge(actor=admin, survivor=kari, other=dup)
    note = Interaction.objects.get(person=kari, source=MERGE_NOTE_SOURCE)
    assert note.subject == f"Merged with Kari Nordman (#{dup_id})"  # the writer's text, for search
    assert note.payload["messages"]["subject"] == {"code": "people.merged",
                                                   "params": {"name": "Kari Nordman", "id": dup_id}}

    subject_nb = _nb("Merged with %(name)s (#%(id)d)") % {"name": "Kari Nordman", "id": dup_id}
    with translation.override("nb"):
        assert note.subject_display == subject_nb
        moved = ngettext("%(n)d interaction", "%(n)d interactions", 5) % {"n": 5}
        assert moved in note.text_display and "5 interactions" not in note.text_display
    assert note.text_display.startswith(f"Kari Nordman (#{dup_id}) was merged")  # English again outside

    reader = actors["manager_north"]
    reader.language = "nb"
    reader.save(update_fields=["language"])
    html = unescape(login(reader).get(f"/persons/{kari.pk}/").content.decode())
    assert subject_nb in html and "Merged with" not in html and "was merged into" not in html

    _token, key = api_token_create(user=reader, name="test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="nb")
    entries = api.get(f"/api/v1/persons/{kari.pk}/timeline").json()["entries"]
    merged = next(e for e in entries if e["source"] == MERGE_NOTE_SOURCE)
    assert merged["subject"] == subject_nb and merged["text_message"]["code"] == "people.merged_text"
    assert "slått sammen" in merged["text"]
