"""Background work of website tracking (``tillit scheduler`` enqueues it).

Periodic: ``("tillit.marketing.web.tasks.purge_anonymous_events", 86400)`` in ``settings.TILLIT_PERIODIC_TASKS``.
"""

from django_tasks import task

from tillit.marketing.web.tracking import purge_anonymous


@task()
def purge_anonymous_events() -> int:
    """Anonymous website history past the retention (13 months) is deleted. Idempotent."""
    return purge_anonymous()
