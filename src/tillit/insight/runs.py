"""Recompute RFM classes and value tiers as a background run with progress (nightly and on demand)."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.core.errors import DomainError, NotFound
from tillit.insight import rfm
from tillit.insight.access import ensure_insight
from tillit.insight.models import FitStatus, Run, RunKind, TierBasis
from tillit.insight.tiers import apply_tiers, tier_settings

logger = logging.getLogger(__name__)


def _key(run_id: int) -> str:
    return f"tillit:insight-run:{run_id}"


def run_progress(run: Run) -> int:
    """Live from the cache while it runs (the run's own transaction hides its row updates)."""
    if run.status == FitStatus.RUNNING:
        live = cache.get(_key(run.pk))
        if live is not None:
            return int(live)
    return run.progress


def run_start(*, actor) -> Run:
    """Queue a recomputation ("Recompute now"); one already queued or running is returned instead."""
    ensure_insight(actor)
    with transaction.atomic():
        pending = Run.objects.filter(kind=RunKind.RFM, status__in=[FitStatus.QUEUED, FitStatus.RUNNING]).first()
        if pending is not None:
            return pending
        run = Run.objects.create(kind=RunKind.RFM, created_by=actor)
        from tillit.insight.tasks import recompute_task

        transaction.on_commit(lambda: recompute_task.enqueue(run.pk))
    return run


def run_get(*, actor, run_id: int) -> Run:
    ensure_insight(actor)
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such run."))
    return run


def run_latest() -> Run | None:
    return Run.objects.first()


def execute(run_id: int | None = None) -> dict:
    """The task's body. Without ``run_id`` (the nightly schedule) a run is created; idempotent."""
    if run_id is None:
        run = Run.objects.create(kind=RunKind.RFM, status=FitStatus.RUNNING)
    else:
        if not Run.objects.filter(pk=run_id, status=FitStatus.QUEUED).update(status=FitStatus.RUNNING):
            return {}
        run = Run.objects.get(pk=run_id)
    key = _key(run.pk)

    def progress(percent: int) -> None:
        cache.set(key, percent)

    try:
        with transaction.atomic():
            totals = rfm.recompute(progress=progress)
            config = tier_settings()
            if config.basis == TierBasis.RFM:
                progress(95)
                totals["tiers"] = apply_tiers(config)
    except DomainError as exc:
        Run.objects.filter(pk=run.pk).update(status=FitStatus.FAILED, message=exc.message, progress=100,
                                             finished_at=timezone.now())
        cache.delete(key)
        return {"error": exc.message}
    except BaseException as exc:
        logger.exception("Insight run %s failed", run.pk)
        Run.objects.filter(pk=run.pk).update(
            status=FitStatus.FAILED, progress=100, finished_at=timezone.now(),
            message=_("The run stopped with an unexpected error: %(error)s") % {"error": exc})
        cache.delete(key)
        raise
    Run.objects.filter(pk=run.pk).update(status=FitStatus.DONE, progress=100, finished_at=timezone.now(),
                                         customers=totals["customers"], changes=totals["changes"])
    cache.delete(key)
    return totals
