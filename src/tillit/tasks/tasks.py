"""Background work of the tasks app (periodic: see ``settings.TILLIT_PERIODIC_TASKS``)."""

from django_tasks import task

from tillit.tasks import reminders


@task()
def send_due_reminders() -> int:
    """Email the assignees whose reminders are due. Idempotent (``reminded_at``); cheap when none are due."""
    return reminders.send_due_reminders()
