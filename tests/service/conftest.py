"""Fixtures for the service tests: people, queues and a tmp media root for attachments."""

import pytest

from tillit.people.models import Identity, IdentityKind, Organization, Person


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Attachments and kept raw messages are files; keep them out of the developer's var/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TILLIT_INBOUND_EMAIL = "support@tillit.example"
    settings.DEFAULT_FROM_EMAIL = "Nordlys Service <service@tillit.example>"


def make_person(first, last, email, *, owner=None, team=None, organization=None):
    person = Person.objects.create(first_name=first, last_name=last, primary_email=email, owner=owner,
                                   team=team or (owner.team if owner else None))
    Identity.objects.create(person=person, kind=IdentityKind.EMAIL, value=email, normalized=email, is_primary=True)
    return person


@pytest.fixture
def customers(actors):
    """Kari belongs to rep_north, Sven to rep_south, Ola to nobody."""
    org = Organization.objects.create(name="Fjord AS", owner=actors["rep_north"], team=actors["rep_north"].team)
    return {
        "kari": make_person("Kari", "Bråthen", "kari@fjord.no", owner=actors["rep_north"]),
        "sven": make_person("Sven", "Berg", "sven@berg.se", owner=actors["rep_south"]),
        "ola": make_person("Ola", "Nordmann", "ola@example.no"),
        "org": org,
    }
