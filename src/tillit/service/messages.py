"""The texts service writes into records — the case thread and the customer's timeline — as system messages.

Each code renders with the same catalogue entry the service used to store as text, so the existing
translations apply. Parameters are user data (names, case numbers, subjects) or codes that are rendered
per reader: a status or priority value, an SLA metric, and a due time stored as ISO 8601 UTC and shown
in the reader's time zone and date format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.interactions import messages

ROUTED = "service.routed"
REOPENED_BY_CUSTOMER = "service.reopened_by_customer"
HANDED_OVER = "service.handed_over"
ESCALATED = "service.escalated"
PRIORITY_CHANGED = "service.priority_changed"
STATUS_CHANGED = "service.status_changed"
SLA_WARNING = "service.sla_warning"
SLA_BREACHED = "service.sla_breached"
BREACH_TEXT = "service.sla_breach_text"
# Timeline outcomes (the badge on the card).
OUTCOME_OPENED = "service.outcome.opened"
OUTCOME_CUSTOMER_REPLIED = "service.outcome.customer_replied"
OUTCOME_REOPENED = "service.outcome.reopened"
OUTCOME_REASSIGNED = "service.outcome.reassigned"
OUTCOME_RESOLVED = "service.outcome.resolved"
OUTCOME_CLOSED = "service.outcome.closed"
OUTCOME_REPLIED = "service.outcome.replied"


def due(moment: dt.datetime) -> str:
    """A due time as a parameter: ISO 8601 in UTC (rendered per reader by ``_local``)."""
    return moment.astimezone(dt.UTC).isoformat()


def _local(value: str) -> str:
    moment = parse_datetime(value or "")
    if moment is None:
        return value or ""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _routed(p: Mapping[str, Any]) -> str:
    if p.get("rule"):
        return _("Routed to %(target)s by the rule “%(rule)s”.") % {"target": p["target"], "rule": p["rule"]}
    return _("Routed to %(target)s.") % {"target": p["target"]}


def _handed_over(p: Mapping[str, Any]) -> str:
    return _("Handed over to %(target)s.") % {"target": p.get("target") or _("nobody")}


def _escalated(p: Mapping[str, Any]) -> str:
    return _("Escalated to %(target)s.") % {"target": p.get("target") or _("nobody")}


def _priority(p: Mapping[str, Any]) -> str:
    from tillit.service.models import CasePriority

    return _("Priority %(old)s → %(new)s.") % {"old": _label(CasePriority, p["old"]),
                                              "new": _label(CasePriority, p["new"])}


def _status(p: Mapping[str, Any]) -> str:
    from tillit.service.models import CaseStatus

    return _("Status %(old)s → %(new)s.") % {"old": _label(CaseStatus, p["old"]), "new": _label(CaseStatus, p["new"])}


def _warning_metric(code: str) -> str:
    return _("first response") if code == "first_response" else _("resolution")


def _breach_metric(code: str) -> str:
    from tillit.service.models_sla import SlaMetric

    return _label(SlaMetric, code).lower()


def _sla_warning(p: Mapping[str, Any]) -> str:
    values = {"number": p["number"], "metric": _warning_metric(p["metric"]), "subject": p["subject"],
              "due": _local(p["due"])}
    subject = _("SLA warning: %(number)s %(metric)s due %(due)s") % values
    body = _("The %(metric)s target of case %(number)s (%(subject)s) is due at %(due)s.") % values
    return f"{subject}\n\n{body}"


def _breach_text(p: Mapping[str, Any]) -> str:
    return _("The %(metric)s target of case %(number)s (%(subject)s) was due at %(due)s and is breached.") % {
        "metric": _breach_metric(p["metric"]), "number": p["number"], "subject": p["subject"],
        "due": _local(p["due"])}


def _sla_breached(p: Mapping[str, Any]) -> str:
    subject = _("SLA breached: %(number)s %(metric)s") % {"number": p["number"], "metric": _breach_metric(p["metric"])}
    return f"{subject}\n\n{_breach_text(p)}"


def register() -> None:
    messages.register(ROUTED, _routed)
    messages.register(REOPENED_BY_CUSTOMER, gettext_lazy("Reopened: the customer wrote again."))
    messages.register(HANDED_OVER, _handed_over)
    messages.register(ESCALATED, _escalated)
    messages.register(PRIORITY_CHANGED, _priority)
    messages.register(STATUS_CHANGED, _status)
    messages.register(SLA_WARNING, _sla_warning)
    messages.register(SLA_BREACHED, _sla_breached)
    messages.register(BREACH_TEXT, _breach_text)
    messages.register(OUTCOME_OPENED, gettext_lazy("Case opened"))
    messages.register(OUTCOME_CUSTOMER_REPLIED, gettext_lazy("Customer replied"))
    messages.register(OUTCOME_REOPENED, gettext_lazy("Case reopened"))
    messages.register(OUTCOME_REASSIGNED, gettext_lazy("Reassigned"))
    messages.register(OUTCOME_RESOLVED, gettext_lazy("Case resolved"))
    messages.register(OUTCOME_CLOSED, gettext_lazy("Case closed"))
    messages.register(OUTCOME_REPLIED, gettext_lazy("Replied"))
