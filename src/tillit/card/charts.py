"""Server-rendered SVG charts for the card: no JavaScript, works offline, prints well."""

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH, HEIGHT, AXIS = 360, 110, 18


def month_bars_svg(months, *, title: str = "") -> SafeString:
    """A bar per month (``MonthCount``s, oldest first), the count in each bar's tooltip."""
    n = max(len(months), 1)
    top = max((m.count for m in months), default=0)
    slot = WIDTH / n
    bar_w = slot * 0.68
    plot_h = HEIGHT - AXIS
    bars = []
    for i, m in enumerate(months):
        h = 0 if not top else max(plot_h * m.count / top, 2 if m.count else 0)
        x = i * slot + (slot - bar_w) / 2
        tip = ngettext("%(month)s: %(n)d interaction", "%(month)s: %(n)d interactions", m.count) % {
            "month": date_format(m.month, "F Y"), "n": m.count,
        }
        bars.append((
            f"{x:.1f}", f"{plot_h - h:.1f}", f"{bar_w:.1f}", f"{h:.1f}", tip,
            f"{x + bar_w / 2:.1f}", HEIGHT - 4, date_format(m.month, "M")[:3],
        ))
    body = format_html_join(
        "",
        '<g><rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2"><title>{}</title></rect>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
        bars,
    )
    label = title or _("Interactions per month, last 12 months")
    return format_html(
        '<svg class="chart months" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="none">'
        '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}"></line>{}</svg>',
        WIDTH, HEIGHT, label, plot_h + 0.5, WIDTH, plot_h + 0.5, body,
    )
