"""Small display helpers for the card templates."""

from django import template
from django.template.loader import get_template
from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tillit.card.charts import month_bars_svg
from tillit.card.forms import OUTCOMES
from tillit.card.selectors import choice_labels

register = template.Library()

CHANNEL_MARKS = {
    "web": "www", "email": "@", "phone": "tel", "ivr": "ivr", "chat": "chat", "sms": "sms", "social": "soc",
    "meeting": "mtg", "webinar": "wbn", "fax": "fax", "kiosk": "ksk", "partner": "ptn", "portal": "ptl",
    "post": "post",
}


_OPTIONS: dict[tuple[str, str], dict[str, str]] = {}


@register.simple_tag
def choice_options(name: str, selected: str = ""):
    """The ``<option>``s of the timeline's channel or kind filter (labels escaped, built per language)."""
    key = ("options:" + name, get_language() or "")
    options = _OPTIONS.get(key)
    if options is None:
        options = _OPTIONS[key] = {
            value: f'<option value="{escape(value)}"{{}}>{escape(label)}</option>'
            for value, label in choice_labels(name).items()
        }
    return mark_safe("".join(o.format(" selected" if v == selected else "") for v, o in options.items()))


# Rendered "Log activity" fields of unbound forms: (type, language, initial values) → HTML.
_FORM_FIELDS: dict[tuple[str, str, str], str] = {}


@register.simple_tag
def log_form_fields(form):
    """The log form's fields (``includes/form_fields.html``). An unbound form renders the same for every
    person, and Django's widget templates cost a few milliseconds a card, so its HTML is kept per type,
    language and initial values (the meeting's "when" changes every minute). A bound form (with errors)
    is always rendered."""
    if form.is_bound:
        return get_template("includes/form_fields.html").render({"form": form})
    key = (form.log_type, get_language() or "", repr(sorted(form.initial.items())))
    html = _FORM_FIELDS.get(key)
    if html is None:
        if len(_FORM_FIELDS) > 200:  # old minutes of the meeting form
            _FORM_FIELDS.clear()
        html = _FORM_FIELDS[key] = get_template("includes/form_fields.html").render({"form": form})
    return html


@register.simple_tag
def entry_time(value):
    """A timeline entry's ``<time>``: the date and the clock in local time, the full date-time as a tooltip —
    one conversion to local time per row instead of four ``date`` filters."""
    local = template_localtime(value)
    return format_html('<time class="when" datetime="{}" title="{}">{}<br>{}</time>', local.isoformat(),
                       formats.date_format(local, "DATETIME_FORMAT"), formats.date_format(local, "SHORT_DATE_FORMAT"),
                       f"{local.hour:02d}:{local.minute:02d}")


@register.filter
def outcome_label(value: str) -> str:
    return str(OUTCOMES.get(value, value))


@register.filter
def channel_mark(channel: str) -> str:
    return CHANNEL_MARKS.get(channel, (channel or "?")[:3])


@register.filter
def duration(seconds) -> str:
    """``270`` → ``4 min 30 s``; ``3900`` → ``1 h 5 min``; ``45`` → ``45 s``."""
    if seconds is None or seconds == "":
        return ""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes} if minutes else _("%(h)d h") % {"h": hours}
    if minutes:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": secs} if secs else _("%(m)d min") % {"m": minutes}
    return _("%(s)d s") % {"s": secs}


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{round(value * 100)}\u00a0%"


@register.filter
def width(share) -> str:
    """A share 0–1 as a CSS width, at least a sliver when non-zero."""
    share = float(share or 0)
    return f"{max(share * 100, 2 if share else 0):.1f}%"


@register.simple_tag
def activity_chart(months, title=""):
    return month_bars_svg(months, title=title)
