"""Background work for personas (run by ``tillit db_worker``; scheduled in ``TILLIT_PERIODIC_TASKS``)."""

from django_tasks import task

from tillit.insight.personas import personas_recompute


@task()
def recompute_personas() -> None:
    """Give everyone the persona their rules say now (the log and the figures move). Idempotent."""
    personas_recompute()
