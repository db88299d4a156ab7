import pytest

from tillit.people.models import Organization, Person
from tillit.sales.models import Deal, Pipeline, Stage


@pytest.fixture
def world(actors):
    """A person and an organisation per rep (north / south) and a deal owned by rep_north."""
    north, south = actors["rep_north"], actors["rep_south"]
    p_north = Person.objects.create(first_name="Kari", last_name="Nord", owner=north, team=north.team)
    p_south = Person.objects.create(first_name="Sven", last_name="Syd", owner=south, team=south.team)
    o_north = Organization.objects.create(name="Fjord AS", owner=north, team=north.team)
    pipeline = Pipeline.objects.create(name="New business")
    stage = Stage.objects.create(pipeline=pipeline, name="Lead", probability=10)
    deal = Deal.objects.create(title="Heat pump", pipeline=pipeline, stage=stage, person=p_north, owner=north,
                               team=north.team)
    return {"p_north": p_north, "p_south": p_south, "o_north": o_north, "deal": deal}
