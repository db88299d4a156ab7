"""Service: cases, queues, email in and out, SLA clocks, escalation, CSAT and NPS surveys."""

from tillit.service.models_sla import *  # noqa: F401,F403 — SLA, calendars and surveys live there
