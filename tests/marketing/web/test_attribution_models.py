"""The attribution models are pure functions: credits by hand, and properties over any touch list."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillit.interactions.models import Kind
from tillit.marketing.web.attribution import (
    MODELS,
    Touch,
    first_touch,
    last_touch,
    linear,
    merge_visits,
    position_based,
    time_decay,
)

T = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


def days_before(*days):
    return [T - dt.timedelta(days=d) for d in days]


def test_single_touch_gets_everything_in_every_model():
    for model in MODELS:
        assert model.credit(days_before(3), T) == [1.0], model.key


def test_first_and_last_touch():
    times = days_before(20, 10, 1)
    assert first_touch(times, T) == [1.0, 0.0, 0.0]
    assert last_touch(times, T) == [0.0, 0.0, 1.0]


def test_linear_splits_evenly():
    assert linear(days_before(9, 6, 3, 0), T) == [0.25] * 4


def test_position_based_40_20_40():
    assert position_based(days_before(10, 1), T) == [0.5, 0.5]
    assert position_based(days_before(10, 5, 1), T) == pytest.approx([0.4, 0.2, 0.4])
    assert position_based(days_before(10, 7, 4, 2, 1), T) == pytest.approx([0.4, 0.2 / 3, 0.2 / 3, 0.2 / 3, 0.4])


def test_time_decay_halves_every_seven_days():
    # Weights 1 (at the conversion), 1/2 (7 days before), 1/4 (14 days before): total 1.75.
    credits = time_decay(days_before(14, 7, 0), T)
    assert credits == pytest.approx([0.25 / 1.75, 0.5 / 1.75, 1 / 1.75])
    # Two touches a half-life apart: the later one gets twice the credit.
    assert time_decay(days_before(8, 1), T) == pytest.approx([1 / 3, 2 / 3])


def test_no_touches_no_credit():
    for model in MODELS:
        assert model.credit([], T) == []


@given(st.lists(st.integers(min_value=0, max_value=90 * 24 * 60), min_size=1, max_size=40))
def test_credits_sum_to_one_and_are_not_negative(minutes):
    times = sorted(T - dt.timedelta(minutes=m) for m in minutes)
    for model in MODELS:
        credits = model.credit(times, T)
        assert len(credits) == len(times)
        assert all(c >= 0 for c in credits), model.key
        assert sum(credits) == pytest.approx(1.0), model.key


def _touch(kind, minutes, url="https://x.example/a"):
    return Touch(1, T + dt.timedelta(minutes=minutes), kind, "web", "", "A", {"url": url})


def test_a_content_read_closing_a_page_view_is_one_touch():
    touches = [_touch(Kind.PAGE_VIEW, 0), _touch(Kind.CONTENT_READ, 3), _touch(Kind.CONTENT_READ, 200),
               _touch(Kind.PAGE_VIEW, 300, "https://x.example/b"), _touch(Kind.CONTENT_READ, 301)]
    kept = merge_visits(touches)
    assert [(t.kind, t.payload["url"][-1]) for t in kept] == [
        (Kind.PAGE_VIEW, "a"), (Kind.CONTENT_READ, "a"), (Kind.PAGE_VIEW, "b"), (Kind.CONTENT_READ, "a"),
    ]


def test_dimensions_of_a_touch():
    touch = Touch(1, T, Kind.PAGE_VIEW, "web", "spring", "Heat pumps",
                  {"url": "https://www.x.example/heat-pumps/?utm_source=fb", "utm": {"medium": "Social"},
                   "content_type": "product page"})
    assert touch.dimension("campaign") == "spring"
    assert touch.dimension("channel") == "social"
    assert touch.dimension("page") == "/heat-pumps/"
    assert touch.dimension("content_type") == "product page"
    plain = Touch(1, T, Kind.EMAIL_OPENED, "email", "", "Newsletter", {})
    assert plain.dimension("campaign") == "(no campaign)"
    assert plain.dimension("channel") == "email"
    assert plain.dimension("page") == "Newsletter"
    assert plain.dimension("content_type") == "Email opened"
