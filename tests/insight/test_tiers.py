"""Value tiers from CLV or RFM with editable cut-offs, written to people's value_tier."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from tillit.core.errors import AccessDenied, Conflict, ValidationError
from tillit.insight import rfm, tiers
from tillit.insight.models import CustomerValue, TierSettings
from tillit.people.models import Person, ValueTier

from .purchases import TODAY, buy, person

pytestmark = pytest.mark.django_db
D = dt.timedelta


def _config(**kw):
    return TierSettings(**{"basis": "clv", "mode": "share", "platinum": 10, "gold": 30, "silver": 60, **kw})


def test_share_cut_offs_split_customers_by_rank():
    got = tiers.assign(np.arange(100, 0, -1, dtype=float), _config())
    assert (got == "platinum").sum() == 10 and (got == "gold").sum() == 20
    assert (got == "silver").sum() == 30 and (got == "bronze").sum() == 40
    assert got[0] == "platinum" and got[-1] == "bronze"


def test_amount_cut_offs():
    got = tiers.assign(np.array([60000, 50000, 9999, 2000, 0.0]),
                       _config(mode="amount", platinum=50000, gold=10000, silver=2000))
    assert got.tolist() == ["platinum", "platinum", "silver", "silver", "bronze"]


@pytest.mark.parametrize(("kw", "field"), [
    ({"gold": 5}, "gold"),                      # gold inside platinum: overlap
    ({"silver": 20}, "silver"),
    ({"silver": 120}, "silver"),
    ({"platinum": 0}, "platinum"),
    ({"mode": "amount", "platinum": 100, "gold": 200, "silver": 10}, "gold"),
    ({"mode": "amount", "platinum": 300, "gold": 200, "silver": 200}, "silver"),
    ({"basis": "rfm", "mode": "amount", "platinum": 16, "gold": 10, "silver": 5}, "platinum"),
    ({"gold": "lots"}, "gold"),
    ({"basis": "nps"}, "basis"),
])
def test_overlapping_thresholds_are_refused_naming_the_threshold(actors, kw, field):
    inputs = {"basis": "clv", "mode": "share", "platinum": 10, "gold": 30, "silver": 60, **kw}
    with pytest.raises(ValidationError) as exc:
        tiers.tier_settings_update(actor=actors["admin"], **inputs)
    assert exc.value.field == field
    assert tiers.tier_settings().platinum == Decimal("5")  # the seeded default stays


def test_update_checks_version_and_role(actors):
    current = tiers.tier_settings()
    saved = tiers.tier_settings_update(actor=actors["manager_north"], basis="rfm", mode="amount", platinum=13,
                                       gold="10,5", silver=7, expected_version=current.version)
    assert saved.gold == Decimal("10.5") and saved.version == current.version + 1
    with pytest.raises(Conflict):
        tiers.tier_settings_update(actor=actors["admin"], basis="rfm", mode="amount", platinum=13, gold=10,
                                   silver=7, expected_version=current.version)
    with pytest.raises(AccessDenied):
        tiers.tier_settings_update(actor=actors["rep_north"], basis="rfm", mode="amount", platinum=13, gold=10,
                                   silver=7)


def test_tiers_feed_value_tier_from_rfm(actors):
    people = [person(f"P{i}") for i in range(10)]
    for i, p in enumerate(people):
        for j in range(i + 1):
            buy(p, TODAY - D(100 - 10 * i + j), str(100 * (i + 1)))
    untouched = person("NoPurchases", value_tier=ValueTier.HIGH)
    tiers.tier_settings_update(actor=actors["admin"], basis="rfm", mode="share", platinum=10, gold=30, silver=60)
    rfm.recompute(today=TODAY)
    counts = tiers.apply_tiers()
    assert counts == {"platinum": 1, "gold": 2, "silver": 3, "bronze": 4}
    got = dict(Person.objects.filter(pk__in=[p.pk for p in people]).values_list("pk", "value_tier"))
    assert got[people[-1].pk] == ValueTier.TOP and got[people[0].pk] == ValueTier.LOW
    untouched.refresh_from_db()
    assert untouched.value_tier == ValueTier.HIGH
    version = Person.objects.get(pk=people[-1].pk).version
    tiers.apply_tiers()  # nothing changed: no write, the version stays
    assert Person.objects.get(pk=people[-1].pk).version == version


def test_tiers_from_clv_use_the_scores(actors):
    people = [person(f"P{i}") for i in range(4)]
    for i, p in enumerate(people):
        CustomerValue.objects.create(person=p, clv=Decimal(1000 * i), computed_at=dt.datetime(2026, 1, 1,
                                                                                              tzinfo=dt.UTC))
    tiers.tier_settings_update(actor=actors["admin"], basis="clv", mode="amount", platinum=3000, gold=2000,
                               silver=1000)
    tiers.apply_tiers()
    got = [Person.objects.get(pk=p.pk).value_tier for p in people]
    assert got == [ValueTier.LOW, ValueTier.MEDIUM, ValueTier.HIGH, ValueTier.TOP]
