"""The shared SVG bar chart (tillit.core.charts)."""

import re
from decimal import Decimal

from tillit.core.charts import Series, bar_chart_svg, nice_max


def _rects(svg):
    pattern = r'<rect class="bar series-(\w+)" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"'
    return re.findall(pattern, svg)


def test_nice_max():
    assert nice_max(0) == 1 and nice_max(7) == 10 and nice_max(180) == 200 and nice_max(2100) == 2500
    assert nice_max(40_000) == 50_000


def test_stacked_bars_stack_and_tooltips_name_category_series_and_value():
    svg = str(bar_chart_svg(
        ["Jan", "Feb"], [Series("won", "Won", [Decimal("60"), None]), Series("weighted", "Weighted", [40, 100])],
        stacked=True, lines=[Series("target", "Target", [Decimal("80"), None])], title="Forecast",
        value_format=lambda v: f"{v} NOK",
    ))
    assert svg.startswith("<svg") and 'aria-label="Forecast"' in svg
    rects = _rects(svg)
    assert [r[0] for r in rects] == ["won", "weighted", "weighted"]
    won, weighted_jan, weighted_feb = rects
    # Stacked: the weighted bar sits right on top of the won bar, in the same column.
    assert won[1] == weighted_jan[1]
    assert abs(float(weighted_jan[2]) + float(weighted_jan[4]) - float(won[2])) < 0.2
    # 60 + 40 = 100 and 100 alone: both columns are equally tall.
    assert abs(float(won[4]) + float(weighted_jan[4]) - float(weighted_feb[4])) < 0.2
    assert "Jan · Won: 60 NOK" in svg and "Jan · Target: 80 NOK" in svg
    assert svg.count('class="target series-target"') == 1  # no target in February


def test_grouped_bars_stand_side_by_side_and_text_is_escaped():
    svg = str(bar_chart_svg(["<Q1>"], [Series("a", "A&B", [1]), Series("b", "B", [2])]))
    (a, b) = _rects(svg)
    assert float(b[1]) > float(a[1]) and float(b[4]) > float(a[4])
    assert "&lt;Q1&gt;" in svg and "A&amp;B" in svg and "<Q1>" not in svg


def test_empty_chart_renders():
    svg = str(bar_chart_svg([], [Series("a", "A", [])], title="Nothing"))
    assert "<svg" in svg and _rects(svg) == []


def test_many_categories_are_labelled_sparsely_and_small_counts_get_half_steps():
    from tillit.core.charts import Series, bar_chart_svg

    labels = [f"{d:02d}.11 {h:02d}:00" for d in range(1, 4) for h in range(24)]
    svg = str(bar_chart_svg(labels, [Series("opens", "Opens", [1] * 71 + [2])]))
    shown = [label for label in labels if f">{label}</tspan>" in svg]
    assert labels[0] in shown and 5 <= len(shown) <= 12  # every k-th, not 72 overlapping labels
    assert ">1.5</text>" in svg and ">0.5</text>" in svg  # the axis of a count up to 2


def test_every_bar_is_labelled_and_long_labels_wrap_with_the_full_text_in_a_tooltip():
    import re

    groups = ["Google Ads / spring heat pump campaign", "Newsletter", "Facebook retargeting for Oslo",
              "Trade fair Lillestrøm 2026 visitors", "(direct)"]
    svg = str(bar_chart_svg(groups, [Series(f"m{i}", f"Model {i}", [1, 2, 3, 4, 5]) for i in range(5)],
                            width=520))
    texts = re.findall(r'<text class="cat"[^>]*><title>(.*?)</title>(.*?)</text>', svg)
    assert [title for title, _lines in texts] == [g.replace("/", "/") for g in groups]  # every group, in full
    slot = (520 - 48 - 8) / 5
    for _title, tspans in texts:
        lines = re.findall(r"<tspan[^>]*>(.*?)</tspan>", tspans)
        assert 1 <= len(lines) <= 2
        assert all(len(line) * 6 <= slot for line in lines)  # never wider than its bar's slot
    assert "Newsletter" in texts[1][1] and "…" in texts[0][1]
    height = int(re.search(r'viewBox="0 0 \d+ (\d+)"', svg).group(1))
    assert height > 260  # the bottom margin grew for the second line instead of cutting it off
