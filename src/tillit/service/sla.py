"""SLA clocks of cases. The case services call these hooks at each change of a case.

Every hook takes the case after the change and ``now`` (aware UTC); they are idempotent.

A clock (``CaseSla``) has two targets counted in business time of the policy's calendar:
first response from ``started_at`` and resolution from ``resolution_started_at``. While the case
waits for the customer the clock is paused; on resume every running due time moves on by the
paused business time (``add(due, pause)`` — the same as ``add(start, target + all pauses)``
because business-time addition is additive). A target is *reached* when the first reply goes
out or the case is resolved (a resolution also answers the customer), and is *met* when that
happened by its due time; the sweep (``escalation.sla_sweep``) marks running targets breached
when their due time passes.

The functions above the hooks are pure (they change an unsaved ``CaseSla`` in memory and take
the calendar as an argument), so they are tested without a database.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tillit.service.business_hours import (
    Calendar,
    add_business_seconds,
    business_seconds_between,
    subtract_business_seconds,
)
from tillit.service.models_sla import BusinessCalendar, CaseSla, SlaBreach, SlaMetric, SlaPolicy, SlaState

OPEN_STATUSES = ("new", "open", "waiting")
DONE_STATUSES = ("resolved", "closed")
TIER_RANK = {"top": 4, "high": 3, "medium": 2, "low": 1, "": 0}


# --- pure logic --------------------------------------------------------------------------------
def first_response_pending(clock: CaseSla) -> bool:
    return clock.first_response_due_at is not None and clock.first_response_seconds is None


def resolution_pending(clock: CaseSla) -> bool:
    return clock.resolution_due_at is not None and clock.resolution_seconds is None


def set_targets(clock: CaseSla, *, first_response_minutes: int, resolution_minutes: int, calendar: Calendar):
    """(Re)compute the due times of the targets not yet reached, e.g. for a new priority's policy."""
    if clock.first_response_seconds is None:
        clock.first_response_due_at = add_business_seconds(
            clock.started_at, first_response_minutes * 60 + clock.paused_seconds, calendar
        )
    if clock.resolution_seconds is None:
        clock.resolution_due_at = add_business_seconds(
            clock.resolution_started_at, resolution_minutes * 60 + clock.paused_seconds, calendar
        )


def pause(clock: CaseSla, *, now: dt.datetime) -> None:
    if clock.paused_at is None:
        clock.paused_at = now


def resume(clock: CaseSla, *, now: dt.datetime, calendar: Calendar) -> None:
    """Add the business time spent paused and push the running due times on by it."""
    if clock.paused_at is None:
        return
    paused = max(0, business_seconds_between(clock.paused_at, now, calendar))
    clock.paused_at = None
    clock.paused_seconds += paused
    if first_response_pending(clock):
        clock.first_response_due_at = add_business_seconds(clock.first_response_due_at, paused, calendar)
    if resolution_pending(clock):
        clock.resolution_due_at = add_business_seconds(clock.resolution_due_at, paused, calendar)


def _taken(clock: CaseSla, start: dt.datetime, now: dt.datetime, calendar: Calendar) -> int:
    return max(0, business_seconds_between(start, now, calendar) - clock.paused_seconds)


def reach_first_response(clock: CaseSla, *, now: dt.datetime, calendar: Calendar) -> bool:
    """The customer got an answer. Returns True when this was late (a breach to record)."""
    if not first_response_pending(clock):
        return False
    clock.first_response_seconds = _taken(clock, clock.started_at, now, calendar)
    late = now > clock.first_response_due_at
    clock.first_response_met = not late
    clock.first_response_breached = clock.first_response_breached or late
    return late


def reach_resolution(clock: CaseSla, *, now: dt.datetime, calendar: Calendar) -> bool:
    if not resolution_pending(clock):
        return False
    clock.resolution_seconds = _taken(clock, clock.resolution_started_at, now, calendar)
    late = now > clock.resolution_due_at
    clock.resolution_met = not late
    clock.resolution_breached = clock.resolution_breached or late
    return late


def restart_resolution(clock: CaseSla, *, now: dt.datetime, resolution_minutes: int, calendar: Calendar) -> None:
    """A reopened case: a fresh resolution clock from now (earlier breaches stay recorded as SlaBreach)."""
    clock.resolution_started_at = now
    clock.paused_at = None
    clock.paused_seconds = 0
    clock.resolution_seconds = None
    clock.resolution_met = clock.resolution_breached = False
    clock.resolution_due_at = add_business_seconds(now, resolution_minutes * 60, calendar)


def refresh(clock: CaseSla, *, status: str, warn_before_minutes: int, calendar: Calendar) -> None:
    """Derive ``next_due_at``, ``warn_at`` and ``state`` from the targets and the case status."""
    breached = clock.first_response_breached or clock.resolution_breached
    previous_due = clock.next_due_at
    if status in DONE_STATUSES:
        clock.next_due_at = clock.warn_at = None
        clock.paused_at = None
        if breached:
            clock.state = SlaState.BREACHED
        elif clock.resolution_met:
            clock.state = SlaState.MET
        else:
            clock.state = SlaState.STOPPED
        return
    if clock.paused_at is not None:
        clock.next_due_at = clock.warn_at = None
        clock.state = SlaState.PAUSED
        return
    running = [due for due, pending in (
        (clock.first_response_due_at, first_response_pending(clock)),
        (clock.resolution_due_at, resolution_pending(clock)),
    ) if pending]
    clock.next_due_at = min(running) if running else None
    if clock.next_due_at != previous_due:
        clock.warned_at = None  # a new target gets its own warning
    if clock.next_due_at is not None and warn_before_minutes:
        clock.warn_at = subtract_business_seconds(clock.next_due_at, warn_before_minutes * 60, calendar)
    else:
        clock.warn_at = None
    if breached:
        clock.state = SlaState.BREACHED
    elif running:
        clock.state = SlaState.RUNNING
    else:
        clock.state = SlaState.MET


def policy_rank(policy: SlaPolicy, *, priority: str, tier: str) -> tuple | None:
    """How well a policy fits (higher is more specific), or None when it does not apply."""
    if policy.priority and policy.priority != priority:
        return None
    if policy.value_tier and policy.value_tier != tier:
        return None
    return (bool(policy.priority) + bool(policy.value_tier), bool(policy.priority), -policy.pk if policy.pk else 0)


def choose_policy(policies, *, priority: str, tier: str) -> SlaPolicy | None:
    ranked = [(rank, p) for p in policies if (rank := policy_rank(p, priority=priority, tier=tier)) is not None]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


# --- database ----------------------------------------------------------------------------------
def calendar_of(business_calendar: BusinessCalendar) -> Calendar:
    """The arithmetic calendar of a stored one (with its own closed days)."""
    closed = frozenset(business_calendar.holidays.values_list("date", flat=True))
    return Calendar(
        time_zone=business_calendar.time_zone, weekly_hours=business_calendar.weekly_hours,
        country=business_calendar.country, closed_dates=closed,
    )


class CalendarCache(dict):
    """Calendars by id for one run (the sweep touches many cases of few calendars)."""

    def get_for(self, policy: SlaPolicy) -> Calendar:
        if policy.calendar_id not in self:
            self[policy.calendar_id] = calendar_of(policy.calendar)
        return self[policy.calendar_id]


def customer_tier(case) -> str:
    """The customer's value tier: the better of the person's and the organisation's."""
    tiers = [record.value_tier for record in (case.person, case.organization) if record is not None]
    return max(tiers, key=lambda tier: TIER_RANK.get(tier, 0), default="")


def policy_for(case) -> SlaPolicy | None:
    policies = SlaPolicy.objects.filter(is_active=True).select_related("calendar")
    return choose_policy(list(policies), priority=case.priority, tier=customer_tier(case))


def _record_late(clock: CaseSla, case, metric: str, due_at, now) -> None:
    """A target met after its due time that the sweep had not caught yet: a breach, on the timeline too."""
    from tillit.service.escalation import log_breach

    record, created = SlaBreach.objects.get_or_create(
        case_id=clock.case_id, metric=metric, due_at=due_at,
        defaults={"breached_at": now, "policy": clock.policy, "actions": ["answered_late"]},
    )
    if created:
        log_breach(case, record)


def _save(clock: CaseSla, case, calendar: Calendar) -> None:
    refresh(clock, status=case.status, warn_before_minutes=clock.policy.warn_before_minutes if clock.policy else 0,
            calendar=calendar)
    clock.save()


def _locked_clock(case) -> CaseSla | None:
    return CaseSla.objects.select_for_update(of=("self",)).select_related("policy__calendar").filter(case=case).first()


def on_case_opened(case, *, now) -> None:
    """Start the clocks: pick the policy (priority × customer value tier) and set the targets."""
    if CaseSla.objects.filter(case=case).exists():
        return
    policy = policy_for(case)
    if policy is None:
        return
    calendar = calendar_of(policy.calendar)
    start = case.opened_at or now
    clock = CaseSla(case=case, policy=policy, started_at=start, resolution_started_at=start)
    set_targets(clock, first_response_minutes=policy.first_response_minutes,
                resolution_minutes=policy.resolution_minutes, calendar=calendar)
    if case.status == "waiting":
        pause(clock, now=now)
    if case.first_response_at is not None:
        reach_first_response(clock, now=case.first_response_at, calendar=calendar)
    if case.status in DONE_STATUSES and case.resolved_at is not None:
        reach_resolution(clock, now=case.resolved_at, calendar=calendar)
    _save(clock, case, calendar)


def on_case_changed(case, *, now, old_status: str, old_priority: str) -> None:
    """Status or priority changed: pause/resume while waiting for the customer, re-target on a new priority,
    stop the clocks when resolved or closed, restart the resolution clock when reopened."""
    with transaction.atomic():
        clock = _locked_clock(case)
        if clock is None:
            if case.status in OPEN_STATUSES:
                on_case_opened(case, now=now)
            return
        policy = clock.policy
        if case.priority != old_priority:
            new_policy = policy_for(case)
            if new_policy is not None and new_policy.pk != (policy.pk if policy else None):
                policy = clock.policy = new_policy
        if policy is None:
            return  # the policy was deleted: the clock stays as it was
        calendar = calendar_of(policy.calendar)
        status = case.status
        was_done, is_done = old_status in DONE_STATUSES, status in DONE_STATUSES
        if (old_status == "waiting" and status != "waiting") or is_done:
            resume(clock, now=now, calendar=calendar)
        if was_done and not is_done:
            restart_resolution(clock, now=now, resolution_minutes=policy.resolution_minutes, calendar=calendar)
        if case.priority != old_priority:
            set_targets(clock, first_response_minutes=policy.first_response_minutes,
                        resolution_minutes=policy.resolution_minutes, calendar=calendar)
        if status == "waiting" and old_status != "waiting":
            pause(clock, now=now)
        if status == "resolved" and old_status != "resolved":
            for metric, due, reach in (
                (SlaMetric.FIRST_RESPONSE, clock.first_response_due_at, reach_first_response),
                (SlaMetric.RESOLUTION, clock.resolution_due_at, reach_resolution),
            ):
                if reach(clock, now=now, calendar=calendar):
                    _record_late(clock, case, metric, due, now)
        _save(clock, case, calendar)


def on_first_response(case, *, now) -> None:
    """An agent answered the customer for the first time: the first-response clock is met (or late)."""
    with transaction.atomic():
        clock = _locked_clock(case)
        if clock is None or clock.policy is None:
            return
        calendar = calendar_of(clock.policy.calendar)
        due = clock.first_response_due_at
        if reach_first_response(clock, now=now, calendar=calendar):
            _record_late(clock, case, SlaMetric.FIRST_RESPONSE, due, now)
        _save(clock, case, calendar)


# --- display -----------------------------------------------------------------------------------
_CALENDARS: dict[int, tuple[float, Calendar]] = {}
_POLICY_CALENDAR: dict[int, tuple[float, int]] = {}
CACHE_SECONDS = 60


def cached_calendar(policy_id: int | None) -> Calendar | None:
    """The calendar of a policy for display, cached per process for a minute (lists show many clocks)."""
    import time

    if policy_id is None:
        return None
    now = time.monotonic()
    hit = _POLICY_CALENDAR.get(policy_id)
    if hit is None or now - hit[0] > CACHE_SECONDS:
        calendar_id = SlaPolicy.objects.filter(pk=policy_id).values_list("calendar_id", flat=True).first()
        if calendar_id is None:
            return None
        hit = _POLICY_CALENDAR[policy_id] = (now, calendar_id)
    calendar_id = hit[1]
    cached = _CALENDARS.get(calendar_id)
    if cached is None or now - cached[0] > CACHE_SECONDS:
        business_calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
        if business_calendar is None:
            return None
        cached = _CALENDARS[calendar_id] = (now, calendar_of(business_calendar))
    return cached[1]


def forget_cached_calendars() -> None:
    """Called when calendars, holidays or policies change, so this process shows the new times at once."""
    _CALENDARS.clear()
    _POLICY_CALENDAR.clear()


def format_duration(seconds: int, *, business: bool = False) -> str:
    """A duration as people read it ("3 d 8 h", "2 h 5 min"); ``business`` counts hours only, since a
    business day is as long as its calendar says (80 business hours are "80 h", not "3 d 8 h")."""
    from django.utils.translation import gettext as _

    minutes = max(0, seconds) // 60
    hours, minutes = divmod(minutes, 60)
    if hours >= 48 and not business:
        days, hours = divmod(hours, 24)
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours >= 10:
        return _("%(h)s h") % {"h": hours}
    if hours and not minutes:
        return _("%(h)s h") % {"h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def format_target(minutes: int | None) -> str:
    """A policy's target in business time, exact: 4800 → "80 h", 90 → "1 h 30 min", 0 → "0 min"."""
    from django.utils.translation import gettext as _

    if minutes is None:
        return ""
    hours, rest = divmod(max(0, int(minutes)), 60)
    if hours and rest:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": rest}


def calendar_for_policy(policy_id: int | None, cache: dict | None = None) -> Calendar | None:
    """The calendar of a policy, from ``cache`` (e.g. one per request) when given, else the process cache."""
    if cache is None:
        return cached_calendar(policy_id)
    if policy_id not in cache:
        policy = SlaPolicy.objects.select_related("calendar").filter(pk=policy_id).first() if policy_id else None
        cache[policy_id] = calendar_of(policy.calendar) if policy else None
    return cache[policy_id]


def clock_display(clock: CaseSla | None, *, now: dt.datetime, cache: dict | None = None) -> dict | None:
    """What the SLA badge shows: ``{"tone": ok|warn|bad|idle, "text": …, "title": …}`` or None without a clock."""
    from django.utils.translation import gettext as _

    if clock is None:
        return None
    if clock.state == SlaState.PAUSED:
        return {"tone": "idle", "text": _("paused"), "title": _("Waiting for the customer: the SLA clock is paused.")}
    if clock.next_due_at is None:
        text = {SlaState.MET: _("SLA met"), SlaState.BREACHED: _("SLA breached"), SlaState.STOPPED: _("SLA stopped")}
        tone = {SlaState.MET: "ok", SlaState.BREACHED: "bad"}.get(clock.state, "idle")
        return {"tone": tone, "text": text.get(clock.state, clock.get_state_display()), "title": ""}
    due = clock.next_due_at
    metric = _("first response") if clock.first_response_due_at == due and first_response_pending(clock) \
        else _("resolution")
    if due <= now:
        return {"tone": "bad", "text": _("breached %(ago)s ago") % {"ago": format_duration(int((now - due)
                                                                                                 .total_seconds()))},
                "title": _("The %(metric)s target is overdue.") % {"metric": metric}}
    calendar = calendar_for_policy(clock.policy_id, cache)
    left = business_seconds_between(now, due, calendar) if calendar else int((due - now).total_seconds())
    breached = clock.first_response_breached or clock.resolution_breached
    tone = "bad" if breached else ("warn" if clock.warn_at is not None and clock.warn_at <= now else "ok")
    return {"tone": tone, "text": _("%(left)s left") % {"left": format_duration(left, business=calendar is not None)},
            "title": _("%(metric)s due in business time") % {"metric": metric.capitalize()}, "due": due}
