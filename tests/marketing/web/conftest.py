import datetime as dt
import itertools
import json

import pytest

from tillit.interactions.models import Interaction
from tillit.marketing.web.models import Campaign, TrackingSite
from tillit.people.models import Identity, IdentityKind, Person

_ids = itertools.count(1)


@pytest.fixture
def site(db):
    return TrackingSite.objects.create(name="Nordlys", key="ts_test_key", allowed_origins="https://www.nordlys.example")


def uid(prefix="v") -> str:
    return f"{prefix}{next(_ids):08d}test"


def batch(site, visitor, events, **extra):
    return json.dumps({"site": site.key, "visitor": visitor, "events": events, **extra}).encode()


def page_view(**extra):
    event = {"id": uid("e"), "type": "page_view", "url": "https://www.nordlys.example/heat-pumps/?utm_campaign=spring",
             "title": "Heat pumps", "referrer": "https://www.google.com/",
             "utm": {"source": "google", "medium": "cpc", "campaign": "spring"}}
    event.update(extra)
    return event


def make_person(email, *, owner=None, team=None, created=None, **fields):
    person = Person.objects.create(first_name=email.split("@")[0].title(), primary_email=email, owner=owner,
                                   team=team, **fields)
    Identity.objects.create(person=person, kind=IdentityKind.EMAIL, value=email, normalized=email, is_primary=True)
    if created:
        Person.objects.filter(pk=person.pk).update(created_at=created)
        person.refresh_from_db()
    return person


def touch(person, at, *, campaign="", kind="page_view", channel="web", url="", **fields):
    payload = {"url": url} if url else {}
    return Interaction.objects.create(person=person, occurred_at=at, kind=kind, channel=channel, campaign=campaign,
                                      payload=payload, **fields)


def campaign(code="spring", **fields):
    values = {"name": code.title(), "code": code, "starts_on": dt.date(2026, 3, 1), "ends_on": dt.date(2026, 5, 31)}
    values.update(fields)
    return Campaign.objects.create(**values)


def pipeline_stages():
    from tillit.sales.models import Pipeline, Stage, StageOutcome

    pipeline = Pipeline.objects.create(name="Sales")
    return {
        "open": Stage.objects.create(pipeline=pipeline, name="Proposal", position=1, probability=50),
        "won": Stage.objects.create(pipeline=pipeline, name="Won", position=2, outcome=StageOutcome.WON),
        "lost": Stage.objects.create(pipeline=pipeline, name="Lost", position=3, outcome=StageOutcome.LOST),
    }


def make_deal(person, stage, *, created, value="1000", currency="NOK", closed=None, owner=None, team=None,
              title="Heat pump"):
    from decimal import Decimal

    from tillit.sales.models import Deal

    deal = Deal.objects.create(title=title, pipeline=stage.pipeline, stage=stage, value=Decimal(value),
                               currency=currency, person=person, owner=owner or person.owner,
                               team=team or person.team, closed_at=closed)
    Deal.objects.filter(pk=deal.pk).update(created_at=created)
    deal.refresh_from_db()
    return deal
