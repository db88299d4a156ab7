"""Background work for mailings: ``send_due`` runs every minute (``TILLIT_PERIODIC_TASKS``)."""

from django_tasks import task

from tillit.marketing.email import sending


@task()
def send_due() -> dict[str, int]:
    """Start due mailings and send the next batch of each at its rate. Idempotent and safe to overlap:
    every message is claimed before it is sent, so none goes out twice."""
    return sending.send_due()
