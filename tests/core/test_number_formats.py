"""Numbers and durations follow the reader's language (issue 10.8): ``10,5`` and ``2 t 05 min`` in Danish."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from tillit.core.charts import Series, bar_chart_svg, number
from tillit.sales.models import ExchangeRate
from tillit.service.views_sla import _minutes_text


@pytest.mark.parametrize(("language", "text"), [("en", "12,345.6"), ("nb", "12\xa0345,6"), ("da", "12.345,6"),
                                                 ("sv", "12\xa0345,6")])
def test_number_follows_the_language(language, text):
    with translation.override(language):
        assert number(Decimal("12345.6"), 1) == text


def test_durations_and_chart_labels_in_the_readers_language():
    with translation.override("da"):
        assert _minutes_text(125) == "2 t 05 min"
        assert _minutes_text(5) == "5 min"
        svg = bar_chart_svg(["Jan"], [Series("a", "A", [2.5])], value_format=lambda v: number(v, 1))
        assert "2,5" in svg
    with translation.override("en"):
        assert _minutes_text(125) == "2 h 05 min"


def test_exchange_rates_table_in_norwegian(login, actors):
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("11.5"), valid_from=dt.date(2026, 1, 1))
    actors["admin"].language = "nb"
    actors["admin"].save(update_fields=["language"])
    html = login(actors["admin"]).get("/forecast/rates/").content.decode()
    assert ">11,5<" in html
