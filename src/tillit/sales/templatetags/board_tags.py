"""The deal board's card, rendered in Python: a board shows a few hundred cards, and one Django
``{% include %}`` per card (with its stage ``<select>``) was most of the page's time.

``sales/deals/_card.html`` (one card, re-read after a refused move) calls the same tag, so there is
one source of the card's HTML.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tillit.core.templatetags.tillit_tags import money

register = template.Library()


def _options(stages, selected: int) -> SafeString:
    return mark_safe("".join(
        format_html('<option value="{}" data-outcome="{}"{}>{}</option>', s.pk, s.outcome,
                    mark_safe(" selected") if s.pk == selected else "", s.name)
        for s in stages
    ))


@register.simple_tag(takes_context=True)
def deal_card(context, deal, stages) -> SafeString:
    """One board card. The stage options are built once per (stage, render), not once per card."""
    stages = list(stages)
    cache = context.render_context.setdefault("board_stage_options", {})
    key = (tuple(s.pk for s in stages), deal.stage_id)
    if key not in cache:
        cache[key] = _options(stages, deal.stage_id)
    if "detail_url" not in context.render_context:  # reverse() once; the id is the only difference
        context.render_context["detail_url"] = reverse("sales:deal_detail", args=[0]).replace("/0/", "/{}/")
    detail_url = context.render_context["detail_url"].format(deal.pk)
    overdue = bool(getattr(deal, "overdue", False))
    customer = deal.organization.name if deal.organization else (deal.person.full_name if deal.person else "")
    close = ""
    if deal.expected_close_date:
        close = format_html(
            '<span class="close{}"{}>{}{}</span>', " overdue" if overdue else "",
            format_html(' title="{}"', _("Overdue")) if overdue else "", "⚠ " if overdue else "",
            date_format(deal.expected_close_date, "SHORT_DATE_FORMAT"),
        )
    title = conditional_escape(deal.title)
    return format_html(
        '<article class="dealcard{overdue}" draggable="true" id="deal-{pk}" data-deal="{pk}" data-version="{version}"'
        ' data-stage="{stage}" data-title="{title}" data-testid="card-{pk}">'
        '<a class="title" href="{url}" draggable="false">{title}</a>'
        '<div class="customer small">{customer}</div>'
        '<div class="facts small"><strong class="value">{value}</strong> {close}</div>'
        '<div class="owner small muted">{owner}</div>'
        '<label class="visually-hidden" for="move-{pk}">{label}</label>'
        '<select class="move" id="move-{pk}" name="stage" data-testid="move-{pk}">{options}</select>'
        '</article>',
        overdue=" is-overdue" if overdue else "", pk=deal.pk, version=deal.version, stage=deal.stage_id, title=title,
        url=detail_url, customer=customer, value=money(deal.value, deal.currency), close=close,
        owner=deal.owner or "", label=_("Stage of %(title)s") % {"title": deal.title},
        options=cache[key],
    )
