"""The card's rendering shortcuts give the same HTML as Django's own filters and form rendering."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from tillit.card.forms import log_form

FILTERS = Template(
    "{% load card_tags %}<time class=\"when\" datetime=\"{{ e|date:'c' }}\" title=\"{{ e|date:'DATETIME_FORMAT' }}\">"
    "{{ e|date:'SHORT_DATE_FORMAT' }}<br>{{ e|date:'H:i' }}</time>"
)
TAG = Template("{% load card_tags %}{% entry_time e %}")
FIELDS = Template("{% load card_tags %}{% log_form_fields form %}")
INCLUDE = Template('{% include "includes/form_fields.html" %}')


@pytest.mark.parametrize("lang", ["en", "sv", "da", "nb"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Oslo", "America/New_York"])
def test_entry_time_matches_the_date_filters(lang, tz):
    moments = [dt.datetime(2025, 3, 30, 0, 59, tzinfo=dt.UTC), dt.datetime(2024, 12, 31, 23, 5, 7, 1234, tzinfo=dt.UTC)]
    with translation.override(lang), timezone.override(tz):
        for moment in moments:
            assert TAG.render(Context({"e": moment})) == FILTERS.render(Context({"e": moment}))


@pytest.mark.parametrize("log_type", ["call", "meeting", "note"])
def test_log_form_fields_match_the_include_per_language(log_type):
    for lang in ["en", "nb", "en"]:  # the second English render comes from the kept HTML
        with translation.override(lang):
            form = log_form(log_type)
            assert FIELDS.render(Context({"form": form})) == INCLUDE.render(Context({"form": form}))


def test_bound_log_form_shows_its_own_errors_after_an_unbound_render():
    FIELDS.render(Context({"form": log_form("note")}))
    form = log_form("note", data={"type": "note", "text": ""})
    assert not form.is_valid()
    html = FIELDS.render(Context({"form": form}))
    assert 'data-field="text"' in html and html == INCLUDE.render(Context({"form": form}))
