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


# --- import reasons ------------------------------------------------------------------------------------
PEOPLE = (
    "first_name,last_name,email,owner\n"
    "Kari,Nordmann,kari@fjord.no,\n"
    "Per,Berg,per@fjord.no,nobody@example.com\n"
    "Kari,Nordmann,kari@fjord.no,\n"
)


def test_import_reasons_are_codes_and_the_report_reads_in_the_readers_language(login, actors):
    from tillit.people.imports import ImportReport, import_job_create, run_job
    from tillit.people.models import ImportJob

    admin = actors["admin"]
    with translation.override("en"):
        job = import_job_create(actor=admin, kind="persons", file_name="people.csv", data=PEOPLE.encode(),
                                dry_run=False)
        run_job(job.pk)
    job = ImportJob.objects.get(pk=job.pk)
    report = ImportReport.from_dict(job.report)
    [owner] = report.rejected
    assert owner.reason == "No employee with the username or email “nobody@example.com”."  # as written
    assert owner.message == {"code": "people.import.no_employee", "params": {"value": "nobody@example.com"}}
    [skipped] = report.skipped_rows
    assert skipped.message["code"] == "people.import.already"

    admin.language = "nb"  # the same user reads the report later, in Norwegian
    admin.save(update_fields=["language"])
    html = unescape(login(admin).get(f"/import/{job.pk}/").content.decode())
    assert _nb("No employee with the username or email “%(value)s”.") % {"value": "nobody@example.com"} in html
    assert _nb("Already in Tillit as #%(id)d (%(name)s).") % skipped.message["params"] in html
    assert "No employee with" not in html and "Already in Tillit" not in html

    rejected = login(admin).get(f"/import/{job.pk}/rejected.csv").content.decode("utf-8-sig").splitlines()
    assert rejected[0] == ",".join([_nb("Line"), _nb("Column"), _nb("Reason")])
    assert rejected[1] == "3,owner," + _nb("No employee with the username or email “%(value)s”.") % {
        "value": "nobody@example.com"}
    # Like the report page: only who started the job (and administrators) may download it.
    assert login(actors["rep_north"]).get(f"/import/{job.pk}/rejected.csv").status_code == 404
    assert login(actors["customer"]).get(f"/import/{job.pk}/rejected.csv").status_code in (403, 404)


def test_reasons_stored_before_codes_and_service_errors_show_as_written():
    from tillit.people.imports import ImportReport

    report = ImportReport.from_dict({"kind": "persons", "dry_run": True, "update": False,
                                     "rejected": [{"line": 2, "column": "email", "reason": "Ogiltig e-post."}]})
    with translation.override("nb"):
        assert report.rejected[0].reason_display == "Ogiltig e-post."


def test_organisation_import_reasons_read_in_the_readers_language(actors):
    from tillit.people.imports import import_organizations

    with translation.override("en"):
        report = import_organizations(actor=actors["admin"], dry_run=True, file=b"name,city\n,Bergen\n")
    [problem] = report.rejected
    assert problem.message == {"code": "people.import.required", "params": {}}
    with translation.override("nb"):
        assert problem.reason_display == _nb("This field is required.")


def test_deal_import_reasons_read_in_the_readers_language(actors):
    from tillit.sales.imports import import_deals
    from tillit.sales.models import Pipeline, Stage

    pipeline = Pipeline.objects.create(name="New business")
    Stage.objects.create(pipeline=pipeline, name="Qualified", position=1, probability=20)
    with translation.override("en"):
        report = import_deals(actor=actors["admin"], dry_run=True,
                              file=b"title,organization,stage\nPumps,Nowhere AS,Qualified\n")
    [problem] = report.rejected
    assert problem.message == {"code": "sales.import.no_organization", "params": {"value": "Nowhere AS"}}
    with translation.override("nb"):
        assert problem.reason_display == _nb("No organisation called “%(value)s” that you can see.") % {
            "value": "Nowhere AS"}
