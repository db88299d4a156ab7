"""The import page runs imports as background jobs: queue, worker, progress, report, access, chunked commits."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tillit.people.imports import _progress_key, import_job_create, import_persons, run_job
from tillit.people.models import ImportJob, Person
from tillit.people.tasks import run_import_job

GOOD = (
    "first_name,last_name,email,phone,organization\n"
    "Kari,Nordmann,kari@fjord.no,+47 912 34 567,Fjord AS\n"
    "Ola,Hansen,ola@fjord.no,91234568,Fjord AS\n"
    "Anna,Lindqvist,anna@tra.se,+46 70 123 45 67,Ljusdal Trä AB\n"
)
BAD_ROW = "first_name;last_name;phone\nKari;Nordmann;+47 912 34 567\nOla;Hansen;12\n"


# The worker command closes the database connection when it is inside a transaction (as a test is),
# so tests that run it commit for real.
WORKER_DB = pytest.mark.django_db(transaction=True)


def _upload(text, name="people.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def _post(client, capture, text, **fields):
    with capture(execute=True):
        response = client.post("/import/", {"kind": "persons", "file": _upload(text), **fields})
    return response


def _run_worker():
    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)


def test_upload_queues_a_job_and_redirects_to_its_page(actors, login, django_capture_on_commit_callbacks):
    response = _post(login(actors["admin"]), django_capture_on_commit_callbacks, GOOD)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/import/{job.pk}/"
    assert (job.status, job.kind, job.file_name, job.dry_run, job.user) == (
        "queued", "persons", "people.csv", False, actors["admin"],
    )
    assert bytes(job.data) == GOOD.encode()
    assert DBTaskResult.objects.filter(status="READY", args_kwargs__args=[job.pk]).exists()
    assert Person.objects.count() == 0  # nothing is imported inside the request


@WORKER_DB
def test_the_worker_imports_the_file_and_the_job_page_shows_the_report(
    actors, login, django_capture_on_commit_callbacks
):
    client = login(actors["rep_north"])
    page = _post(client, django_capture_on_commit_callbacks, GOOD)["Location"]
    queued = client.get(page).content.decode()
    assert 'hx-trigger="every 1s"' in queued and "Waiting for the background worker" in queued

    _run_worker()

    job = ImportJob.objects.get()
    assert (job.status, job.total, job.processed, job.error) == ("done", 3, 3, "")
    assert job.started_at <= job.finished_at
    assert job.report["created"] == 3 and job.report["committed_rows"] == 3
    assert set(Person.objects.values_list("owner__username", flat=True)) == {"rep_north"}
    html = client.get(page).content.decode()
    assert 'data-testid="report"' in html and 'data-testid="created">3<' in html
    assert "hx-trigger" not in html  # done: the page stops polling


def test_the_job_page_shows_live_progress_while_the_import_runs(actors, login):
    job = import_job_create(actor=actors["admin"], kind="persons", file_name="big.csv", data=GOOD.encode(),
                            dry_run=False)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    cache.set(_progress_key(job), (150, 600))
    try:
        response = login(actors["admin"]).get(f"/import/{job.pk}/", headers={"HX-Request": "true"})
    finally:
        cache.delete(_progress_key(job))
    html = response.content.decode()
    assert "<html" not in html  # the partial only
    assert 'hx-trigger="every 1s"' in html and 'data-status="running"' in html
    assert "150 of 600 rows (25 %)" in html and 'style="width: 25%"' in html and 'aria-valuenow="150"' in html


@WORKER_DB
def test_a_bad_row_is_reported_with_line_and_column_and_the_rest_is_imported(
    actors, login, django_capture_on_commit_callbacks
):
    client = login(actors["admin"])
    page = _post(client, django_capture_on_commit_callbacks, BAD_ROW)["Location"]
    _run_worker()

    job = ImportJob.objects.get()
    assert [(r["line"], r["column"]) for r in job.report["rejected"]] == [(3, "phone")]
    html = client.get(page).content.decode()
    assert html.count('data-testid="rejected-row"') == 1 and "Imported, with rows to fix" in html
    assert list(Person.objects.values_list("last_name", flat=True)) == ["Nordmann"]


def test_a_user_sees_only_their_own_jobs_and_an_administrator_sees_all(actors, login):
    job = import_job_create(actor=actors["rep_north"], kind="persons", file_name="mine.csv", data=GOOD.encode(),
                            dry_run=True)
    assert login(actors["rep_north"]).get(f"/import/{job.pk}/").status_code == 200
    assert login(actors["rep_north2"]).get(f"/import/{job.pk}/").status_code == 404
    assert login(actors["manager_north"]).get(f"/import/{job.pk}/").status_code == 404
    assert login(actors["admin"]).get(f"/import/{job.pk}/").status_code == 200
    assert login(actors["partner"]).get(f"/import/{job.pk}/").status_code == 403
    assert login(actors["rep_north"]).get("/import/999999/").status_code == 404
    assert "mine.csv" in login(actors["rep_north"]).get("/import/").content.decode()
    assert "mine.csv" not in login(actors["rep_north2"]).get("/import/").content.decode()
    assert "mine.csv" in login(actors["admin"]).get("/import/").content.decode()


@WORKER_DB
def test_a_dry_run_job_writes_nothing(actors, login, django_capture_on_commit_callbacks):
    client = login(actors["admin"])
    page = _post(client, django_capture_on_commit_callbacks, GOOD, dry_run="on")["Location"]
    _run_worker()

    job = ImportJob.objects.get()
    assert job.status == "done" and job.report["created"] == 3 and job.report["committed_rows"] == 0
    assert Person.objects.count() == 0
    assert "Dry run — nothing was written" in client.get(page).content.decode()


def test_a_job_that_is_done_is_not_run_twice(actors):
    job = import_job_create(actor=actors["admin"], kind="persons", file_name="p.csv", data=GOOD.encode(),
                            dry_run=False)
    run_import_job.call(job.pk)
    run_import_job.call(job.pk)  # a retried or duplicated task

    job.refresh_from_db()
    assert job.status == "done" and job.report["created"] == 3 and job.report["skipped"] == 0
    assert Person.objects.count() == 3


def test_a_file_the_worker_cannot_read_fails_the_job_with_the_reason(actors, login):
    job = ImportJob.objects.create(user=actors["admin"], kind="persons", file_name="x.csv", data=b"colour\nred\n",
                                   dry_run=False)
    run_job(job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and "The first line must name the columns" in job.error
    html = login(actors["admin"]).get(f"/import/{job.pk}/").content.decode()
    assert "The import stopped" in html and "Nothing was imported." in html and "hx-trigger" not in html


def test_a_file_that_cannot_be_imported_is_refused_on_the_form(actors, login, django_capture_on_commit_callbacks):
    response = _post(login(actors["admin"]), django_capture_on_commit_callbacks, "colour\nred\n")
    assert response.status_code == 200 and "The first line must name the columns" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_import_commits_in_chunks_so_other_writers_are_not_blocked(actors):
    rows = "".join(f"P{i},Person,p{i}@example.no\n" for i in range(5))
    seen_at_commit: list[int] = []
    checkpoints: list[tuple[int, int]] = []

    def progress(done, total):
        # Runs when the transaction this row is in commits (progress(0, total) comes before any row).
        if done:
            transaction.on_commit(lambda: seen_at_commit.append(Person.objects.count()))

    report = import_persons(
        actor=actors["admin"], file=("first_name,last_name,email\n" + rows).encode(), dry_run=False,
        progress=progress, chunk_size=2,
        checkpoint=lambda r: checkpoints.append((r.committed_rows, r.last_committed_line)),
    )

    assert report.created == 5
    assert sorted(set(seen_at_commit)) == [2, 4, 5]  # three commits: rows 1–2, 3–4, 5
    assert checkpoints == [(2, 3), (4, 5), (5, 6)]


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_is_one_transaction_rolled_back(actors):
    commits: list[int] = []
    report = import_persons(
        actor=actors["admin"], file=GOOD.encode(), dry_run=True, chunk_size=1,
        progress=lambda done, total: done and transaction.on_commit(lambda: commits.append(done)),
        checkpoint=lambda r: commits.append(-1),
    )
    assert report.created == 3 and report.committed_rows == 0
    assert commits == [] and Person.objects.count() == 0


@WORKER_DB
def test_a_finished_dry_run_can_be_imported_for_real_with_one_click(actors, login, django_capture_on_commit_callbacks):
    client = login(actors["admin"])
    dry_page = _post(client, django_capture_on_commit_callbacks, GOOD, dry_run="on")["Location"]
    _run_worker()
    assert 'data-testid="import-now"' in client.get(dry_page).content.decode()
    dry = ImportJob.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/import/{dry.pk}/run/")
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == f"/import/{real.pk}/"
    assert (real.dry_run, real.file_name, bytes(real.data)) == (False, dry.file_name, bytes(dry.data))
    _run_worker()
    assert Person.objects.count() == 3
    assert 'data-testid="import-now"' not in client.get(f"/import/{real.pk}/").content.decode()


def test_only_a_dry_run_of_your_own_can_be_imported_from_its_page(actors, login, django_capture_on_commit_callbacks):
    owner = login(actors["rep_north"])
    _post(owner, django_capture_on_commit_callbacks, GOOD)  # a real run, not a dry run
    job = ImportJob.objects.get()
    assert owner.post(f"/import/{job.pk}/run/").status_code == 302
    assert ImportJob.objects.count() == 1
    other = login(actors["rep_south"])
    assert other.post(f"/import/{job.pk}/run/").status_code == 404
