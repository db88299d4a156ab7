"""People for the interaction tests: one owned by each sales rep, and an organisation in the north."""

import pytest

from tillit.people.models import Identity, Organization, Person


@pytest.fixture
def north_person(actors, teams):
    person = Person.objects.create(
        first_name="Kari", last_name="Nordmann", owner=actors["rep_north"], team=teams["north"],
        primary_email="kari@example.no", primary_phone="+4791234567",
    )
    Identity.objects.create(person=person, kind="email", value="Kari@Example.no", normalized="kari@example.no",
                            is_primary=True)
    Identity.objects.create(person=person, kind="phone", value="912 34 567", normalized="+4791234567", is_primary=True)
    Identity.objects.create(person=person, kind="external", system="erp", value="C-100", normalized="C-100")
    return person


@pytest.fixture
def south_person(actors, teams):
    person = Person.objects.create(
        first_name="Sven", last_name="Svensson", owner=actors["rep_south"], team=teams["south"],
        primary_email="sven@example.se",
    )
    Identity.objects.create(person=person, kind="email", value="sven@example.se", normalized="sven@example.se",
                            is_primary=True)
    return person


@pytest.fixture
def north_org(actors, teams):
    return Organization.objects.create(name="Fjord AS", owner=actors["rep_north"], team=teams["north"])
