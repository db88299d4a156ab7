"""Fixtures for mailing tests: persons with and without consent, a list, a mailing."""

import datetime as dt

import pytest

from tillit.marketing.email import services
from tillit.marketing.models import StaticList, StaticListMember
from tillit.people.models import Consent, Person

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def make_person(first: str, email: str, *, consents=("newsletter",), owner=None, team=None, last="Test") -> Person:
    person = Person.objects.create(first_name=first, last_name=last, primary_email=email, owner=owner, team=team)
    for purpose in consents:
        Consent.objects.create(person=person, purpose=purpose, lawful_basis="consent",
                               given_at=NOW - dt.timedelta(days=30))
    return person


@pytest.fixture
def people(actors):
    return {
        "anna": make_person("Anna", "anna@example.com", owner=actors["rep_north"]),
        "bo": make_person("Bo", "bo@example.com", owner=actors["rep_south"]),
        "cecilie": make_person("Cecilie", "cecilie@example.com", consents=()),
        "dag": make_person("Dag", "", consents=("newsletter",)),
        "eva": make_person("Eva", "eva@example.com", consents=("marketing_email",)),
    }


@pytest.fixture
def static_list(people):
    sl = StaticList.objects.create(name="Everyone")
    StaticListMember.objects.bulk_create([StaticListMember(static_list=sl, person=p) for p in people.values()])
    return sl


BODY = """# Hello {{ first_name }}

Our news: [read the article](https://example.com/news?id=7) and https://example.com/shop

[Unsubscribe]({{ unsubscribe_url }})"""


@pytest.fixture
def mailing(actors, static_list):
    return services.mailing_create(
        actor=actors["marketing"], name="November news", subject="News for {{ first_name }}", body=BODY,
        from_name="Tillit AS", from_email="news@tillit.example", static_lists=[static_list], rate_per_minute=100,
    )


@pytest.fixture
def base_url(settings):
    settings.TILLIT_BASE_URL = "https://crm.example.com"
    return settings.TILLIT_BASE_URL
