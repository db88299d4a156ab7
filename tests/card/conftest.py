"""Card fixtures: a small world of people, organisations and interactions, built straight on the models
(the card only reads), with times relative to a fixed "now"."""

import datetime as dt
from itertools import count

import pytest
from django.utils import timezone

from tillit.interactions.models import Interaction
from tillit.people.models import Affiliation, Consent, Identity, Organization, Person

_seq = count(1)


@pytest.fixture
def make_person(actors):
    def _make(first_name="Kari", last_name="Nordmann", owner=None, emails=(), phones=(), **extra) -> Person:
        owner = owner if owner is not None else actors["rep_north"]
        person = Person.objects.create(
            first_name=first_name, last_name=last_name, owner=owner, team=owner.team if owner else None, **extra
        )
        for i, email in enumerate(emails):
            Identity.objects.create(person=person, kind="email", value=email, normalized=email.strip().lower(),
                                    is_primary=i == 0)
        for i, phone in enumerate(phones):
            Identity.objects.create(person=person, kind="phone", value=phone, normalized=phone, is_primary=i == 0)
        return person

    return _make


@pytest.fixture
def make_org(actors):
    def _make(name="Fjord Kraft AS", owner=None, **extra) -> Organization:
        owner = owner if owner is not None else actors["rep_north"]
        return Organization.objects.create(name=name, owner=owner, team=owner.team if owner else None, **extra)

    return _make


@pytest.fixture
def log():
    """``log(person=…, minutes_ago=…, channel=…, kind=…, **fields)`` stores one interaction row."""

    def _log(person=None, organization=None, minutes_ago=None, channel="web", kind="page_view", **fields):
        n = next(_seq)
        occurred_at = timezone.now() - dt.timedelta(minutes=minutes_ago if minutes_ago is not None else n)
        return Interaction.objects.create(
            person=person, organization=organization, channel=channel, kind=kind, occurred_at=occurred_at, **fields
        )

    return _log


@pytest.fixture
def role():
    def _role(person, organization, **fields) -> Affiliation:
        return Affiliation.objects.create(person=person, organization=organization, **fields)

    return _role


@pytest.fixture
def consent():
    def _consent(person, purpose="newsletter", lawful_basis="consent", withdrawn=False, **fields) -> Consent:
        now = timezone.now()
        return Consent.objects.create(
            person=person, purpose=purpose, lawful_basis=lawful_basis, given_at=now - dt.timedelta(days=30),
            withdrawn_at=now if withdrawn else None, **fields
        )

    return _consent
