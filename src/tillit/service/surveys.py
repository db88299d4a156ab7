"""CSAT and NPS surveys. The case services call ``on_case_resolved``."""


def on_case_resolved(case, *, actor, now) -> None:
    """Send the customer a CSAT survey (a signed one-click link) for this case, once."""
