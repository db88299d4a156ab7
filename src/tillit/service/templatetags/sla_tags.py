"""The SLA badge's data: ``{% sla_clock case as clock %}`` (no query when the case came with ``sla``)."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from tillit.service.sla import clock_display

register = template.Library()


@register.simple_tag
def sla_clock(case):
    try:
        clock = case.sla
    except (ObjectDoesNotExist, AttributeError):
        return None
    return clock_display(clock, now=timezone.now())
