"""Background work of the service app (periodic: see ``settings.TILLIT_PERIODIC_TASKS``).

Thin and idempotent: each task calls a service that is safe to run again at any time.
"""

from django_tasks import task

from tillit.service import escalation, surveys


@task()
def sla_sweep() -> dict:
    """Warn before SLA due times, record breaches and escalate per policy."""
    return escalation.sla_sweep()


@task()
def run_due_surveys() -> dict:
    """Start the periodic NPS runs whose time has come (nobody is asked twice within a survey's period)."""
    return surveys.run_due_surveys()


@task()
def send_survey_invitations(run_id: int | None = None, invitation_id: int | None = None) -> int:
    """Mail the queued invitations of a run (or one CSAT invitation). Sent ones are skipped on a re-run."""
    return surveys.send_pending(run_id=run_id, invitation_id=invitation_id)
