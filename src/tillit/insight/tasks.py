"""Background work of insight (run by the worker; ``tillit scheduler`` enqueues the nightly one)."""

from django_tasks import task

from tillit.insight import fits, runs


@task()
def recompute_task(run_id: int | None = None) -> dict:
    """RFM classes (and tiers when they come from RFM) for every customer. Idempotent: the same log gives
    the same figures; a run already started is left alone."""
    return runs.execute(run_id)


@task()
def run_fit_task(fit_id: int) -> None:
    """Run a queued CLV fit. A fit already started or done is left alone."""
    fits.run_fit(fit_id)
