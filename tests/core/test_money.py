from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillit.core.errors import ValidationError
from tillit.core.money import clean_currency, minor_unit, parse_money, round_money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "NOK", "2.35"),  # half up, not banker's rounding
        ("2.335", "SEK", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("1234.5", "JPY", "1235"),
        ("0.5", "ISK", "1"),
        ("1.2345", "KWD", "1.235"),
        ("19.999", "DKK", "20.00"),
    ],
)
def test_amounts_round_half_up_to_the_currency_minor_unit(amount, currency, expected):
    rounded = round_money(Decimal(amount), currency)
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_a_float_is_refused():
    with pytest.raises(TypeError):
        round_money(0.1, "NOK")


def test_unknown_and_lowercase_currencies_use_two_decimals():
    assert minor_unit("nok") == 2
    assert minor_unit("jpy") == 0
    assert minor_unit("XYZ") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.50", "1234.50"), ("1 234,50", "1234.50"), ("1.234,50", "1234.50"), ("1,234.50", "1234.50"),
        ("12,5", "12.5"), ("\u00a09\u00a0990", "9990"), (0.1, "0.1"), (7, "7"), (Decimal("3.10"), "3.10"),
    ],
)
def test_amounts_are_read_as_people_and_spreadsheets_write_them(text, expected):
    assert parse_money(text, field="value") == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "12,34,56.7.8", "NaN", "Infinity", "1e30"])
def test_an_amount_that_is_not_a_number_names_the_field(text):
    with pytest.raises(ValidationError) as exc:
        parse_money(text, field="unit_price")
    assert exc.value.field == "unit_price"


def test_currency_codes_are_three_letters():
    assert clean_currency(" sek ") == "SEK"
    for bad in ("", "kr", "NOKK", "N0K"):
        with pytest.raises(ValidationError) as exc:
            clean_currency(bad)
        assert exc.value.field == "currency"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6), st.sampled_from(["NOK", "JPY", "KWD"]))
def test_rounding_is_within_half_a_minor_unit_and_idempotent(amount, currency):
    rounded = round_money(amount, currency)
    assert abs(rounded - amount) <= Decimal(1).scaleb(-minor_unit(currency)) / 2
    assert round_money(rounded, currency) == rounded
