"""Helpers of the value tests: persons, organisations and purchases straight on the models."""

import datetime as dt
from decimal import Decimal

import numpy as np

from tillit.interactions.models import Interaction
from tillit.people.models import Organization, Person

TODAY = dt.date(2026, 6, 30)


def person(name="Kari", **extra) -> Person:
    return Person.objects.create(first_name=name, last_name="Nordmann", **extra)


def org(name="Fjord Kraft AS", **extra) -> Organization:
    return Organization.objects.create(name=name, **extra)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def buy(who=None, day: dt.date = TODAY, amount="100", currency="NOK", *, organization=None, kind="order",
        hour: int = 12) -> Interaction:
    return Interaction.objects.create(
        channel="web", kind=kind, occurred_at=at(day, hour), person=who, organization=organization,
        amount=Decimal(str(amount)) if amount is not None else None, currency=currency,
    )


def simulated_log(n: int, *, start: dt.date, end: dt.date, seed: int = 3, params=None) -> list[Person]:
    """n persons buying under BG/NBD between start and end (first purchase spread over the first half)."""
    from tillit.insight import clv

    params = params or {"r": 1.0, "alpha": 40.0, "a": 1.2, "b": 3.0}
    rng = np.random.default_rng(seed)
    span = (end - start).days
    births = rng.integers(0, span // 2, n)
    T = span - births
    x, _t_x = clv.simulate_bgnbd(**params, T=T.astype(float), seed=seed)
    persons = Person.objects.bulk_create([Person(first_name=f"P{i}", last_name="Sim") for i in range(n)])
    rows = []
    for i, p in enumerate(persons):
        first = births[i]
        days = np.sort(rng.integers(first + 1, span + 1, int(x[i]))) if x[i] else []
        for d in [first, *days]:
            rows.append(Interaction(channel="web", kind="order", occurred_at=at(start + dt.timedelta(days=int(d))),
                                    person=p, amount=Decimal(str(round(rng.gamma(4, 50), 2))), currency="NOK"))
    Interaction.objects.bulk_create(rows, batch_size=2000)
    return persons
