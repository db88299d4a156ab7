"""Server-rendered SVG charts: bars (single, grouped or stacked) with optional lines, e.g. targets.

No JavaScript and no chart library: the chart is markup, so it prints, works offline and is
tested like any other HTML. Colours are inline (a calm default palette) so a page needs no CSS
for a readable chart; each series also gets a class (``series-<key>``) for pages that restyle.

Usage::

    from tillit.core.charts import Series, bar_chart_svg

    svg = bar_chart_svg(
        ["Jan", "Feb", "Mar"],
        [Series("won", _("Won"), [120, 80, 0]), Series("weighted", _("Weighted"), [30, 60, 90])],
        stacked=True,
        lines=[Series("target", _("Target"), [150, 150, None])],
        title=_("Forecast per month"),
        value_format=number,
    )

Values may be ``Decimal``, ``int`` or ``float`` (a chart only places things; amounts are formatted by
``value_format``); ``None`` is "no value" (no bar, a gap in a line).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2f6f8f", "#8fbcd4", "#e0a43a", "#7a9e4f", "#b65c5c", "#6f5b9a", "#4f8f83", "#a3a3a3")
LINE_PALETTE = ("#c2410c", "#111827", "#15803d", "#7c3aed")

Number = Decimal | int | float


@dataclass
class Series:
    key: str
    label: str
    values: Sequence[Number | None]
    color: str = field(default="")


def nice_max(value: float) -> float:
    """A round number at or above ``value`` for the top of the axis (1, 2, 2.5, 5 × 10ⁿ)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    base = 10 ** exponent
    for step in (1, 2, 2.5, 5, 10):
        if step * base >= value:
            return step * base
    return 10 * base


def _f(value: Number | None) -> float:
    return 0.0 if value is None else float(value)


def _n(value: float) -> str:
    return f"{value:.1f}"


def number(value: Number, decimals: int = 0) -> str:
    """``12345.6`` → ``12,346`` / ``12 345,6`` (nb, ``decimals=1``): as the reader's language writes numbers."""
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _default_format(value: float) -> str:
    if abs(value) >= 1_000_000:
        return number(round(value / 1_000_000, 2), 2).rstrip("0").rstrip(".,") + "M"
    if abs(value) >= 1_000:
        return number(round(value / 1_000)) + "k"
    return number(value) if value == int(value) else number(value, 1)  # small counts step by 0.5


CHAR_PX = 6  # about one character's width at font-size 10
LINE_PX = 12


def _wrap(text: str, per_line: int, max_lines: int = 2) -> list[str]:
    """``text`` in at most ``max_lines`` lines of ``per_line`` characters; what does not fit ends in "…"."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and len(line) + 1 + len(words[0]) <= per_line:
            line += " " + words.pop(0)
        lines.append(line)
    if words:
        lines[-1] = f"{lines[-1]} {' '.join(words)}"
    return [line if len(line) <= per_line else line[: per_line - 1].rstrip() + "…" for line in lines] or [""]


def bar_chart_svg(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    lines: Sequence[Series] = (),
    title: str = "",
    value_format: Callable[[Number], str] | None = None,
    axis_format: Callable[[float], str] | None = None,
    width: int = 720,
    height: int = 260,
    css_class: str = "",
) -> SafeString:
    """A bar chart with one bar group per category; ``lines`` are drawn over the bars (e.g. targets).

    ``stacked``: the series of a category are stacked in one bar; otherwise they stand side by side.
    ``value_format`` formats values in tooltips; ``axis_format`` the axis labels (short, e.g. "250k").
    """
    value_format = value_format or (lambda v: f"{v}")
    axis_format = axis_format or _default_format
    n = max(len(categories), 1)
    left, right, top, bottom = 48, 8, 26, 22
    slot = (width - left - right) / n
    # Category labels: every bar gets one, wrapped to two lines and shortened with "…" (the full
    # text in its tooltip) so it never runs into its neighbour or off the edge. Only when a slot is
    # too narrow for even a few characters (long time series) is every k-th label shown.
    per_line = max(1, int((slot - 4) / CHAR_PX))
    longest = max((len(str(c)) for c in categories), default=1)
    if per_line >= min(longest, 8):
        label_every, labels = 1, [_wrap(str(c), per_line) for c in categories]
    else:
        label_every, labels = max(1, math.ceil((longest * CHAR_PX + 8) / slot)), [[str(c)] for c in categories]
    extra_lines = max((len(lines_) for lines_ in labels), default=1) - 1
    bottom += LINE_PX * extra_lines
    height += LINE_PX * extra_lines
    plot_h = height - top - bottom

    tops = []
    for i in range(len(categories)):
        in_bars = [_f(s.values[i]) for s in series if i < len(s.values)]
        bar_top = sum(v for v in in_bars if v > 0) if stacked else max(in_bars, default=0.0)
        in_lines = [_f(s.values[i]) for s in lines if i < len(s.values)]
        tops.append(max([bar_top, *in_lines]))
    y_max = nice_max(max(tops, default=0.0))

    def y(value: float) -> float:
        return top + plot_h - plot_h * max(value, 0.0) / y_max

    parts: list[SafeString] = []
    # Grid with labels on the left: steps that divide the top evenly (5 → 1,2,3,4,5; 2 → 0.5,1,…).
    exponent = math.floor(math.log10(y_max))
    steps = 5 if round(y_max / 10 ** exponent, 1) in (5.0, 2.5) else 4
    for step in range(steps + 1):
        v = y_max * step / steps
        parts.append(format_html(
            '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#e5e7eb" stroke-width="1"></line>'
            '<text class="tick" x="{}" y="{}" text-anchor="end" font-size="10" fill="#6b7280">{}</text>',
            left, _n(y(v)), width - right, _n(y(v)), left - 6, _n(y(v) + 3), axis_format(v),
        ))

    group_w = slot * 0.7
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    bars = []
    for i, category in enumerate(categories):
        x0 = left + i * slot + (slot - group_w) / 2
        base = 0.0
        for j, s in enumerate(series):
            raw = s.values[i] if i < len(s.values) else None
            if raw is None:
                continue
            v = _f(raw)
            if stacked:
                x, w = x0, group_w
                y_top, h = y(base + v), y(base) - y(base + v)
                base += max(v, 0.0)
            else:
                w = group_w / max(len(series), 1)
                x = x0 + j * w
                y_top, h = y(v), y(0) - y(v)
            bars.append((
                f"series-{s.key}", f"{x:.1f}", f"{y_top:.1f}", f"{max(w - 1, 1):.1f}", f"{max(h, 0):.1f}", colors[j],
                f"{category} · {s.label}: {value_format(raw)}",
            ))
        if i % label_every == 0:
            cx = _n(x0 + group_w / 2)
            tspans = format_html_join("", '<tspan x="{}" dy="{}">{}</tspan>',
                                      ((cx, 0 if k == 0 else LINE_PX, text) for k, text in enumerate(labels[i])))
            parts.append(format_html(
                '<text class="cat" x="{}" y="{}" text-anchor="middle" font-size="10" fill="#374151">'
                '<title>{}</title>{}</text>',
                cx, height - 6 - LINE_PX * extra_lines, category, tspans,
            ))
    parts.append(format_html_join(
        "",
        '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        bars,
    ))

    line_colors = [s.color or LINE_PALETTE[i % len(LINE_PALETTE)] for i, s in enumerate(lines)]
    for k, s in enumerate(lines):
        # A short horizontal stroke per category (targets are per period, not a continuous trend),
        # joined by a thin dashed path so the eye can follow them.
        points = []
        for i, category in enumerate(categories):
            raw = s.values[i] if i < len(s.values) else None
            if raw is None:
                continue
            x1 = left + i * slot + (slot - group_w) / 2 - 3
            x2 = x1 + group_w + 6
            points.append((x1, x2, y(_f(raw)), f"{category} · {s.label}: {value_format(raw)}"))
        if not points:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{(a + b) / 2:.1f},{yy:.1f}" for i, (a, b, yy, _t) in enumerate(points)
        )
        parts.append(format_html(
            '<path class="line series-{}" d="{}" fill="none" stroke="{}" stroke-width="1" stroke-dasharray="3 3">'
            '</path>', s.key, path, line_colors[k],
        ))
        parts.append(format_html_join(
            "",
            '<line class="target series-{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" '
            'stroke-width="3"><title>{}</title></line>',
            ((s.key, _n(a), _n(yy), _n(b), _n(yy), line_colors[k], t) for a, b, yy, t in points),
        ))

    # Legend, top left.
    legend = []
    x = left
    entries = [(s, c, False) for s, c in zip(series, colors, strict=True)]
    entries += [(s, c, True) for s, c in zip(lines, line_colors, strict=True)]
    for s, color, is_line in entries:
        mark = (
            format_html('<line x1="{}" y1="10" x2="{}" y2="10" stroke="{}" stroke-width="3"></line>', x, x + 12, color)
            if is_line else format_html('<rect x="{}" y="4" width="12" height="12" fill="{}"></rect>', x, color)
        )
        legend.append(format_html(
            '<g class="legend-item">{}<text x="{}" y="14" font-size="11" fill="#374151">{}</text></g>',
            mark, x + 16, s.label,
        ))
        x += 16 + 7 * len(str(s.label)) + 18
    parts.append(mark_safe("".join(legend)))

    return format_html(
        '<svg class="chart barchart {}" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#9ca3af"></line>{}</svg>',
        css_class, width, height, title, title, left, _n(y(0)), width - right, _n(y(0)), mark_safe("".join(parts)),
    )
