from django import template

register = template.Library()


@register.filter
def credit(values: dict, key: str):
    """``row.leads|credit:"linear"`` — one model's credit from a row."""
    return values.get(key, 0) if isinstance(values, dict) else 0
