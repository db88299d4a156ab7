"""SLA clocks of cases. The case services call these hooks at each change of a case.

Every hook takes the case after the change and ``now`` (aware UTC); they are idempotent.
"""


def on_case_opened(case, *, now) -> None:
    """Start the clocks: pick the policy (priority × customer value tier) and set the targets."""


def on_case_changed(case, *, now, old_status: str, old_priority: str) -> None:
    """Status or priority changed: pause/resume while waiting for the customer, re-target on a new priority,
    stop the clocks when resolved or closed, restart the resolution clock when reopened."""


def on_first_response(case, *, now) -> None:
    """An agent answered the customer for the first time: the first-response clock is met (or late)."""
