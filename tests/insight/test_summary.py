"""The SQL purchase summary: occasions per day, revenue in the base currency, calibration and hold-out."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from tillit.core.errors import ValidationError
from tillit.insight.summary import day_number, purchase_summary
from tillit.sales.models import ExchangeRate

from .purchases import TODAY, buy, org, person

pytestmark = pytest.mark.django_db
D = dt.timedelta


def test_same_day_purchases_are_one_occasion_and_revenue_is_converted():
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("11.5"), valid_from=dt.date(2020, 1, 1))
    kari = person()
    buy(kari, TODAY - D(30), "100", hour=8)
    buy(kari, TODAY - D(30), "50", hour=17)  # same day: same occasion, both amounts count
    buy(kari, TODAY - D(10), "10", "EUR")
    buy(kari, TODAY - D(5), None)  # no amount: not a purchase
    buy(kari, TODAY - D(4), "999", kind="email")  # not a purchase kind
    s = purchase_summary("person", end=TODAY + D(1))
    assert s.party.tolist() == [kari.pk]
    assert s.occasions.tolist() == [2]
    assert s.first[0] == day_number(TODAY - D(30)) and s.last[0] == day_number(TODAY - D(10))
    assert s.revenue[0] == pytest.approx(150 + 115)


def test_calibration_and_holdout_figures():
    kari, ola = person(), person("Ola")
    for days_ago in (100, 80, 60, 20, 10):
        buy(kari, TODAY - D(days_ago), "100")
    buy(ola, TODAY - D(20), "40")  # first bought in the hold-out: not in the fit's population
    s = purchase_summary("person", end=TODAY + D(1), calibration_end=TODAY - D(50), holdout_days=40)
    x, t_x, T, m, hold = s.calibration()
    assert x.tolist() == [2] and t_x.tolist() == [40] and T.tolist() == [51]
    assert m.tolist() == [100] and hold.tolist() == [2]
    assert s.in_calibration.tolist() == [True, False]


def test_persons_and_organisations_are_summarised_apart():
    kari, acme = person(), org()
    buy(kari, TODAY, "10", organization=acme)
    buy(None, TODAY - D(3), "20", organization=acme)
    assert purchase_summary("person", end=TODAY + D(1)).occasions.tolist() == [1]
    o = purchase_summary("organization", end=TODAY + D(1))
    assert o.party.tolist() == [acme.pk] and o.occasions.tolist() == [2] and o.revenue[0] == 30


def test_currency_without_rate_is_refused_naming_the_currency():
    buy(person(), TODAY, "10", "SEK")
    with pytest.raises(ValidationError) as exc:
        purchase_summary("person", end=TODAY + D(1))
    assert exc.value.field == "currency" and "SEK" in exc.value.message


def test_negative_amounts_are_refused_naming_the_amount():
    buy(person(), TODAY, "-10")
    with pytest.raises(ValidationError) as exc:
        purchase_summary("person", end=TODAY + D(1))
    assert exc.value.field == "amount"


def test_empty_log_gives_empty_arrays():
    s = purchase_summary("person", end=TODAY, calibration_end=TODAY - D(10), holdout_days=5)
    assert len(s) == 0 and isinstance(s.occasions, np.ndarray)
