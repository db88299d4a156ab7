"""Background work for segments (run by ``tillit db_worker``)."""

from django_tasks import task

from tillit.marketing.services import refresh_counts


@task()
def refresh_segment_counts() -> None:
    """Store every segment's member count for the lists and the API. Idempotent: it only recounts."""
    refresh_counts()
