"""Nightly recomputation of relationship types, churn risk and next best offers (each idempotent).

Periodic (``settings.TILLIT_PERIODIC_TASKS``): ``tillit.insight.tasks_relationships.recompute_relationships_task``,
``…recompute_churn_task`` and ``…recompute_offers_task``, every 86,400 seconds. Churn reads P(alive),
which the value fit writes; a run before the fit uses the previous P(alive) (or the purchase rhythm).
"""

from django_tasks import task

from tillit.insight.churn import recompute_churn
from tillit.insight.offers import recompute_offers
from tillit.insight.relationships import recompute_relationships


@task()
def recompute_relationships_task() -> dict:
    result = recompute_relationships()
    return {"customers": result.customers, "created": result.created, "changed": result.changed,
            "warnings": result.warnings}


@task()
def recompute_churn_task() -> int:
    return recompute_churn()


@task()
def recompute_offers_task() -> int:
    return recompute_offers()
