"""The relationship scatter chart: every customer on share of business × price premium, as server-rendered SVG.

Type regions are drawn as light rectangles with their names, thresholds as dashed lines, and each dot is
a link to the customer's card. Built as one string join (no template per dot), so 20,000 dots render in
well under a second; the axes stretch to the data but always show 0–100 % share and 0.8–1.2 premium.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

W, H = 960, 560
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 52
SHARE_CAP, PREMIUM_CAP = 2.0, 3.0  # beyond these a dot sits on the edge (its tooltip says the value)


def _domain(points, types) -> tuple[float, float, float, float]:
    share_max = max([1.0, *(min(p.share, SHARE_CAP) for p in points)])
    premiums = [min(p.premium, PREMIUM_CAP) for p in points]
    lo = min([0.8, *premiums])
    hi = max([1.2, *premiums])
    pad = (hi - lo) * 0.05
    bottom, top = max(0.0, math.floor((lo - pad) * 10) / 10), math.ceil((hi + pad) * 10) / 10
    return 0.0, math.ceil(share_max * 10) / 10, bottom, top


def _ticks(lo: float, hi: float) -> list[float]:
    """Round tick values (steps of 0.1, 0.2, 0.25 or 0.5) from lo to hi, at most 12."""
    step = next(s for s in (0.1, 0.2, 0.25, 0.5, 1.0) if (hi - lo) / s <= 12)
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 4) for i in range(first, int(math.floor(hi / step + 1e-9)) + 1)]


def scatter_svg(points: Sequence, types: Sequence) -> SafeString:
    x0, x1, y0, y1 = _domain(points, types)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def sx(v: float) -> float:
        return LEFT + (min(max(v, x0), x1) - x0) / (x1 - x0) * pw

    def sy(v: float) -> float:
        return TOP + ph - (min(max(v, y0), y1) - y0) / (y1 - y0) * ph

    label = escape(_("Customers by share of their business and price premium"))
    out = [f'<svg class="scatter-chart" data-testid="scatter" viewBox="0 0 {W} {H}" width="100%" role="img" '
           f'aria-label="{label}" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="inherit" font-size="12">']
    colors = {t.key: t.color for t in types}
    names = {t.key: t.display_name for t in types}
    for t in types:
        if t.catch_all:
            continue
        a, b = sx(t.share_min or 0), sx(x1 if t.share_max is None else t.share_max)
        c, d = sy(y1 if t.premium_max is None else t.premium_max), sy(t.premium_min or 0)
        if b - a <= 0 or d - c <= 0:
            continue
        out.append(f'<rect class="region" data-type="{escape(t.key)}" x="{a:.1f}" y="{c:.1f}" width="{b - a:.1f}" '
                   f'height="{d - c:.1f}" fill="{t.color}" fill-opacity="0.08"/>')
        out.append(f'<text x="{a + 6:.1f}" y="{c + 16:.1f}" fill="{t.color}" font-weight="600">'
                   f'{escape(t.display_name)}</text>')
    for v in sorted({t.share_min for t in types if t.share_min} | {t.share_max for t in types if t.share_max}):
        if x0 < v < x1:
            out.append(f'<line class="threshold" x1="{sx(v):.1f}" x2="{sx(v):.1f}" y1="{TOP}" y2="{TOP + ph}" '
                       f'stroke="#6b7280" stroke-dasharray="4 3"/>')
    for v in sorted({t.premium_min for t in types if t.premium_min} | {t.premium_max for t in types if t.premium_max}):
        if y0 < v < y1:
            out.append(f'<line class="threshold" x1="{LEFT}" x2="{LEFT + pw}" y1="{sy(v):.1f}" y2="{sy(v):.1f}" '
                       f'stroke="#6b7280" stroke-dasharray="4 3"/>')
    # Axes and ticks.
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#d1d5db"/>')
    for v in _ticks(x0, x1):
        out.append(f'<text x="{sx(v):.1f}" y="{TOP + ph + 16}" text-anchor="middle" fill="#4b5563">'
                   f'{round(v * 100)} %</text>')
    for v in _ticks(y0, y1):
        out.append(f'<text x="{LEFT - 6}" y="{sy(v) + 4:.1f}" text-anchor="end" fill="#4b5563">{v:.2f}</text>')
    x_title = escape(_("Share of the customer’s business with us"))
    y_title = escape(_("Price premium (paid ÷ list price)"))
    out.append(f'<text x="{LEFT + pw / 2:.0f}" y="{H - 10}" text-anchor="middle" fill="#111827">'
               f'{x_title}</text>')
    out.append(f'<text transform="translate(16 {TOP + ph / 2:.0f}) rotate(-90)" text-anchor="middle" fill="#111827">'
               f'{y_title}</text>')
    person_url = reverse("card:person", args=[0])[:-2]
    org_url = reverse("card:organization", args=[0])[:-2]
    for p in points:
        href = f"{person_url if p.kind == 'person' else org_url}{p.id}/"
        tip = f"{p.name} — {round(p.share * 100)} %, {p.premium:.2f} — {names.get(p.type, p.type)}"
        out.append(f'<a href="{href}" class="dot" data-kind="{p.kind}" data-id="{p.id}"><circle cx="{sx(p.share):.1f}" '
                   f'cy="{sy(p.premium):.1f}" r="4.5" fill="{colors.get(p.type, "#6b7280")}" fill-opacity="0.8" '
                   f'stroke="#fff" stroke-width="0.8"><title>{escape(tip)}</title></circle></a>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above is escaped
