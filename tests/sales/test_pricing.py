"""Quote arithmetic: exact Decimal, rounding per line, totals always the sum of the lines."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tillit.core.errors import ValidationError
from tillit.sales.pricing import LineInput, compute, line_net

D = Decimal


def test_a_line_discount_then_vat_per_line():
    result = compute([LineInput(D("3"), D("99.99"), D("10"), D("25"))], quote_discount_percent=D("0"),
                     currency="NOK")
    # 3 × 99.99 = 299.97; −10 % = 269.973 → 269.97; VAT 25 % = 67.4925 → 67.49
    assert result.lines[0].net == D("269.97")
    assert result.lines[0].vat == D("67.49")
    assert (result.subtotal, result.discount_total, result.vat_total, result.total) == (
        D("269.97"), D("0"), D("67.49"), D("337.46"))


def test_the_quote_discount_is_spread_over_the_lines_before_vat():
    lines = [LineInput(D("1"), D("1000"), D("0"), D("25")), LineInput(D("2"), D("50"), D("0"), D("12"))]
    result = compute(lines, quote_discount_percent=D("10"), currency="NOK")
    assert [a.quote_discount for a in result.lines] == [D("100.00"), D("10.00")]
    # VAT on the discounted net: 900 × 25 % = 225; 90 × 12 % = 10.80
    assert [a.vat for a in result.lines] == [D("225.00"), D("10.80")]
    assert result.subtotal == D("1100.00")
    assert result.total == D("1100.00") - D("110.00") + D("235.80")


@pytest.mark.parametrize(("currency", "expected_net", "expected_vat"), [
    ("NOK", D("0.02"), D("0.01")),   # 0.015 → 0.02 (half up); VAT 0.005 → 0.01
    ("JPY", D("0"), D("0")),         # no minor unit: 0.015 → 0
    ("KWD", D("0.015"), D("0.004")),  # three decimals: VAT 0.00375 → 0.004
])
def test_rounding_follows_the_currency_minor_unit(currency, expected_net, expected_vat):
    result = compute([LineInput(D("1"), D("0.015"), D("0"), D("25"))], quote_discount_percent=D("0"),
                     currency=currency)
    assert result.lines[0].net == expected_net
    assert result.lines[0].vat == expected_vat


def test_jpy_totals_are_whole_yen():
    result = compute([LineInput(D("3"), D("333.5"), D("0"), D("10"))], quote_discount_percent=D("5"), currency="JPY")
    assert result.subtotal == D("1001")  # 1000.5 rounds half up
    assert result.total == result.subtotal - result.discount_total + result.vat_total
    assert all(x == x.to_integral() for x in (result.subtotal, result.discount_total, result.vat_total))


@pytest.mark.parametrize("bad", [0.1, 1.0, "1"])
def test_float_or_text_is_refused_everywhere(bad):
    with pytest.raises(TypeError):
        line_net(LineInput(D("1"), bad), "NOK")
    with pytest.raises(TypeError):
        line_net(LineInput(bad, D("1")), "NOK")
    with pytest.raises(TypeError):
        compute([LineInput(D("1"), D("1"), bad)], quote_discount_percent=D("0"), currency="NOK")
    with pytest.raises(TypeError):
        compute([], quote_discount_percent=bad, currency="NOK")


@pytest.mark.parametrize(("field", "line", "discount"), [
    ("discount_percent", LineInput(D("1"), D("1"), D("-1")), D("0")),
    ("discount_percent", LineInput(D("1"), D("1"), D("100.01")), D("0")),
    ("discount_percent", LineInput(D("1"), D("1")), D("101")),
    ("vat_rate", LineInput(D("1"), D("1"), D("0"), D("-25")), D("0")),
    ("quantity", LineInput(D("0"), D("1")), D("0")),
    ("unit_price", LineInput(D("1"), D("-5")), D("0")),
])
def test_out_of_range_values_name_their_field(field, line, discount):
    with pytest.raises(ValidationError) as error:
        compute([line], quote_discount_percent=discount, currency="NOK")
    assert error.value.field == field


def test_a_full_discount_leaves_nothing_to_pay():
    result = compute([LineInput(D("2"), D("10"), D("0"), D("25"))], quote_discount_percent=D("100"), currency="SEK")
    assert result.total == D("0") and result.vat_total == D("0")


money = st.decimals(min_value=D("0"), max_value=D("1000000"), places=4, allow_nan=False, allow_infinity=False)
quantity = st.decimals(min_value=D("0.001"), max_value=D("10000"), places=3, allow_nan=False, allow_infinity=False)
percent = st.decimals(min_value=D("0"), max_value=D("100"), places=2, allow_nan=False, allow_infinity=False)
lines = st.lists(st.builds(LineInput, quantity, money, percent, percent), max_size=12)
currencies = st.sampled_from(["NOK", "SEK", "DKK", "EUR", "JPY", "ISK", "KWD"])


@settings(deadline=None)  # exact arithmetic, but a loaded CI machine must not fail it
@given(lines=lines, discount=percent, currency=currencies)
def test_totals_are_exactly_the_sum_of_the_rounded_lines(lines, discount, currency):
    result = compute(lines, quote_discount_percent=discount, currency=currency)
    assert result.subtotal == sum((a.net for a in result.lines), D(0))
    assert result.discount_total == sum((a.quote_discount for a in result.lines), D(0))
    assert result.vat_total == sum((a.vat for a in result.lines), D(0))
    assert result.total == result.subtotal - result.discount_total + result.vat_total
    places = {"JPY": 0, "ISK": 0, "KWD": 3}.get(currency, 2)
    for value in (result.subtotal, result.discount_total, result.vat_total, result.total):
        assert isinstance(value, Decimal)
        assert -value.as_tuple().exponent <= places or value == 0


@settings(deadline=None)  # exact arithmetic, but a loaded CI machine must not fail it
@given(lines=lines, discount=percent, currency=currencies)
def test_vat_and_totals_are_never_negative_and_discounts_never_exceed_the_net(lines, discount, currency):
    result = compute(lines, quote_discount_percent=discount, currency=currency)
    for a in result.lines:
        assert a.vat >= 0
        assert 0 <= a.quote_discount <= a.net
    assert result.total >= 0


@settings(deadline=None)  # exact arithmetic, but a loaded CI machine must not fail it
@given(line=st.builds(LineInput, quantity, money, percent, percent), currency=currencies)
def test_a_line_discount_never_raises_the_net(line, currency):
    full = line_net(LineInput(line.quantity, line.unit_price, D("0"), line.vat_rate), currency)
    assert line_net(line, currency) <= full
