"""Shared fixtures for the deal, board, pipeline and forecast tests (imported by those modules)."""

import datetime as dt
from decimal import Decimal

import pytest

from tillit.people.models import Organization, Person
from tillit.sales.models import Deal, LostReason, Pipeline, Stage, StageOutcome
from tillit.sales.services.pipelines import pipeline_create

NOW = dt.datetime(2026, 5, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def pipeline(actors):
    return pipeline_create(actor=actors["admin"], name="New business")


@pytest.fixture
def stages(pipeline):
    return {s.name: s for s in pipeline.stages.all()}


@pytest.fixture
def reason(db):
    return LostReason.objects.create(name="Price")


@pytest.fixture
def customers(actors, teams):
    """A person and organisation per rep (owned by them)."""
    out = {}
    for key in ("rep_north", "rep_north2", "rep_south"):
        user = actors[key]
        org = Organization.objects.create(name=f"Org of {key}", owner=user, team=user.team)
        person = Person.objects.create(first_name="Kari", last_name=key, owner=user, team=user.team)
        out[key] = (person, org)
    return out


def make_deal(owner, person, stage: Stage, *, value="1000", currency="NOK", close=None, title="Heat pump", **extra):
    """A deal written straight to the table (no interaction): for reads and access tests."""
    return Deal.objects.create(
        title=title, person=person, owner=owner, team=owner.team if owner else None, pipeline=stage.pipeline,
        stage=stage, value=Decimal(value), currency=currency, expected_close_date=close,
        closed_at=NOW if stage.outcome != StageOutcome.OPEN else None, **extra,
    )


def first_pipeline() -> Pipeline:
    return Pipeline.objects.order_by("position").first()
