"""The SLA badge's data: ``{% sla_clock case as clock %}`` (no query when the case came with ``sla``)."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from tillit.service.sla import clock_display

register = template.Library()


def _request_cache(context) -> dict | None:
    """Calendars loaded once per request (a list shows many clocks); None outside a request."""
    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, "_sla_calendars"):
        request._sla_calendars = {}
    return request._sla_calendars


@register.simple_tag(takes_context=True)
def sla_clock(context, case):
    try:
        clock = case.sla
    except (ObjectDoesNotExist, AttributeError):
        return None
    return clock_display(clock, now=timezone.now(), cache=_request_cache(context))


@register.inclusion_tag("service/sla/_clock_detail.html", takes_context=True)
def sla_detail(context, case):
    """Both targets of a case's clock with their due times and outcome, and the recorded breaches (one query)."""
    try:
        clock = case.sla
    except (ObjectDoesNotExist, AttributeError):
        return {"clock": None}
    from tillit.service.models_sla import SlaBreach

    def target(due, seconds, met, breached):
        if seconds is not None:
            outcome = "met" if met else "late"
        elif breached:
            outcome = "overdue"
        else:
            outcome = "running"
        return {"due": due, "outcome": outcome, "taken": seconds}

    return {
        "clock": clock, "badge": clock_display(clock, now=timezone.now(), cache=_request_cache(context)),
        "first_response": target(clock.first_response_due_at, clock.first_response_seconds,
                                 clock.first_response_met, clock.first_response_breached),
        "resolution": target(clock.resolution_due_at, clock.resolution_seconds, clock.resolution_met,
                             clock.resolution_breached),
        "breaches": list(SlaBreach.objects.filter(case_id=clock.case_id).order_by("breached_at")[:10]),
    }


@register.filter
def business_duration(seconds):
    from tillit.service.sla import format_duration

    return "" if seconds is None else format_duration(int(seconds), business=True)


@register.filter
def business_minutes(minutes):
    """A policy target (business minutes) as people read it: 4800 → "80 h"."""
    from tillit.service.sla import format_target

    return format_target(minutes)
