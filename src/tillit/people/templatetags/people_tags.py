from django import template

from tillit.core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """``+4791234567`` → ``+47 912 34 567``."""
    return format_phone(value) if value else ""
