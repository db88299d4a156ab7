"""Background work of the people app (run by ``tillit db_worker``; ``tillit serve`` starts one)."""

from django_tasks import task

from tillit.people.imports import run_job


@task()
def run_import_job(job_id: int) -> None:
    """Run a CSV import queued from the import page. Idempotent: a job already started or done is left alone."""
    run_job(job_id)
