"""``{% load task_tags %}{% overdue_tasks_badge %}``: the signed-in user's overdue task count for the nav."""

from django import template
from django.utils.html import format_html
from django.utils.translation import ngettext

from tillit.tasks.selectors import overdue_count

register = template.Library()


@register.simple_tag(takes_context=True)
def overdue_tasks_badge(context) -> str:
    """A red count badge (one query), or nothing when no task is overdue."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    n = overdue_count(actor=user)
    if not n:
        return ""
    label = ngettext("%(n)d overdue task", "%(n)d overdue tasks", n) % {"n": n}
    return format_html(
        '<span class="badge bad nav-count" title="{}" aria-label="{}" data-testid="overdue-badge">{}</span>',
        label, label, n,
    )


@register.simple_tag(takes_context=True)
def overdue_tasks_count(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return overdue_count(actor=user) if user is not None and user.is_authenticated else 0


