"""SLA clocks: the pure logic without a database, the hooks with it."""


import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy, oslo
from tillit.service import sla
from tillit.service.business_hours import Calendar, business_seconds_between
from tillit.service.models_sla import CaseSla, SlaBreach, SlaPolicy, SlaState

WEEKDAYS = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NORWAY = Calendar(time_zone="Europe/Oslo", weekly_hours=WEEKDAYS, country="NO")


def started_clock(start, *, first=60, resolution=480):
    clock = CaseSla(started_at=start, resolution_started_at=start)
    sla.set_targets(clock, first_response_minutes=first, resolution_minutes=resolution, calendar=NORWAY)
    return clock


# --- pure --------------------------------------------------------------------------------------
def test_targets_count_business_time_from_the_start():
    clock = started_clock(oslo(2026, 11, 27, 15, 30))  # Friday
    assert clock.first_response_due_at == oslo(2026, 11, 30, 8, 30)
    assert clock.resolution_due_at == oslo(2026, 11, 30, 15, 30)  # 30 min Friday + 7.5 h Monday


def test_pause_moves_due_times_by_the_paused_business_time():
    clock = started_clock(oslo(2026, 11, 23, 9, 0))  # Monday
    sla.pause(clock, now=oslo(2026, 11, 23, 9, 30))
    sla.refresh(clock, status="waiting", warn_before_minutes=15, calendar=NORWAY)
    assert clock.state == SlaState.PAUSED and clock.next_due_at is None
    # Waiting overnight: 6.5 h Monday + 1 h Tuesday = 7.5 business hours paused.
    sla.resume(clock, now=oslo(2026, 11, 24, 9, 0), calendar=NORWAY)
    sla.refresh(clock, status="open", warn_before_minutes=15, calendar=NORWAY)
    assert clock.paused_seconds == 7.5 * 3600
    assert clock.first_response_due_at == oslo(2026, 11, 24, 9, 30)
    assert clock.next_due_at == clock.first_response_due_at
    assert clock.warn_at == oslo(2026, 11, 24, 9, 15)
    assert clock.state == SlaState.RUNNING


def test_pause_over_a_weekend_costs_only_the_business_hours():
    clock = started_clock(oslo(2026, 11, 27, 15, 0))  # Friday 15:00, first response due Monday 08:00
    sla.pause(clock, now=oslo(2026, 11, 27, 15, 30))
    sla.resume(clock, now=oslo(2026, 11, 30, 8, 0), calendar=NORWAY)
    assert clock.paused_seconds == 30 * 60
    assert clock.first_response_due_at == oslo(2026, 11, 30, 8, 30)


def test_first_response_in_time_is_met_and_late_is_breached():
    clock = started_clock(oslo(2026, 11, 23, 9, 0))
    assert sla.reach_first_response(clock, now=oslo(2026, 11, 23, 9, 45), calendar=NORWAY) is False
    assert clock.first_response_met and not clock.first_response_breached
    assert clock.first_response_seconds == 45 * 60
    late = started_clock(oslo(2026, 11, 23, 9, 0))
    assert sla.reach_first_response(late, now=oslo(2026, 11, 23, 11, 0), calendar=NORWAY) is True
    assert late.first_response_breached and not late.first_response_met
    # Reaching twice changes nothing.
    assert sla.reach_first_response(late, now=oslo(2026, 11, 23, 12, 0), calendar=NORWAY) is False
    assert late.first_response_seconds == 2 * 3600


def test_next_due_is_the_earliest_running_target():
    clock = started_clock(oslo(2026, 11, 23, 9, 0))
    sla.refresh(clock, status="open", warn_before_minutes=0, calendar=NORWAY)
    assert clock.next_due_at == oslo(2026, 11, 23, 10, 0) and clock.warn_at is None
    sla.reach_first_response(clock, now=oslo(2026, 11, 23, 9, 10), calendar=NORWAY)
    sla.refresh(clock, status="open", warn_before_minutes=0, calendar=NORWAY)
    assert clock.next_due_at == oslo(2026, 11, 24, 9, 0)


def test_done_cases_have_no_running_clock():
    clock = started_clock(oslo(2026, 11, 23, 9, 0))
    sla.reach_first_response(clock, now=oslo(2026, 11, 23, 9, 10), calendar=NORWAY)
    sla.reach_resolution(clock, now=oslo(2026, 11, 23, 12, 0), calendar=NORWAY)
    sla.refresh(clock, status="resolved", warn_before_minutes=30, calendar=NORWAY)
    assert (clock.state, clock.next_due_at, clock.resolution_seconds) == (SlaState.MET, None, 3 * 3600)
    closed_early = started_clock(oslo(2026, 11, 23, 9, 0))
    sla.refresh(closed_early, status="closed", warn_before_minutes=30, calendar=NORWAY)
    assert closed_early.state == SlaState.STOPPED


def test_reopen_restarts_the_resolution_clock():
    clock = started_clock(oslo(2026, 11, 23, 9, 0))
    sla.reach_resolution(clock, now=oslo(2026, 11, 23, 12, 0), calendar=NORWAY)
    sla.restart_resolution(clock, now=oslo(2026, 11, 25, 14, 0), resolution_minutes=480, calendar=NORWAY)
    assert clock.resolution_seconds is None and not clock.resolution_met
    assert clock.resolution_due_at == oslo(2026, 11, 26, 14, 0)


def test_the_most_specific_policy_wins():
    any_policy = SlaPolicy(pk=1, name="any")
    urgent = SlaPolicy(pk=2, name="urgent", priority="urgent")
    top = SlaPolicy(pk=3, name="top", value_tier="top")
    urgent_top = SlaPolicy(pk=4, name="urgent top", priority="urgent", value_tier="top")
    policies = [any_policy, urgent, top, urgent_top]
    assert sla.choose_policy(policies, priority="urgent", tier="top") is urgent_top
    assert sla.choose_policy(policies, priority="urgent", tier="low") is urgent
    assert sla.choose_policy(policies, priority="low", tier="top") is top
    assert sla.choose_policy(policies, priority="low", tier="") is any_policy
    assert sla.choose_policy([urgent], priority="low", tier="") is None
    # Priority-only beats tier-only when both fit.
    assert sla.choose_policy([urgent, top], priority="urgent", tier="top") is urgent


# --- hooks -------------------------------------------------------------------------------------
@pytest.fixture
def policies(db):
    calendar = make_calendar()
    return {
        "normal": make_policy(calendar, priority="normal", first=60, resolution=480),
        "urgent": make_policy(calendar, priority="urgent", first=15, resolution=120),
        "urgent_top": make_policy(calendar, priority="urgent", value_tier="top", first=5, resolution=60),
    }


def test_opening_a_case_starts_its_clock(policies):
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0))
    sla.on_case_opened(case, now=case.opened_at)
    sla.on_case_opened(case, now=case.opened_at)  # idempotent
    clock = CaseSla.objects.get(case=case)
    assert clock.policy == policies["normal"]
    assert clock.first_response_due_at == oslo(2026, 11, 23, 10, 0)
    assert clock.next_due_at == oslo(2026, 11, 23, 10, 0) and clock.state == SlaState.RUNNING


def test_a_case_without_a_matching_policy_has_no_clock(policies):
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0), priority="low")
    sla.on_case_opened(case, now=case.opened_at)
    assert not CaseSla.objects.filter(case=case).exists()


def test_value_tier_picks_the_stricter_policy(policies):
    case = make_case(person=make_person(value_tier="top"), opened_at=oslo(2026, 11, 23, 9, 0), priority="urgent")
    sla.on_case_opened(case, now=case.opened_at)
    assert case.sla.policy == policies["urgent_top"]
    assert case.sla.first_response_due_at == oslo(2026, 11, 23, 9, 5)


def test_priority_change_retargets_the_clock(policies):
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0))
    sla.on_case_opened(case, now=case.opened_at)
    case.priority = "urgent"
    case.save()
    sla.on_case_changed(case, now=oslo(2026, 11, 23, 9, 5), old_status="new", old_priority="normal")
    clock = CaseSla.objects.get(case=case)
    assert clock.policy == policies["urgent"]
    assert clock.first_response_due_at == oslo(2026, 11, 23, 9, 15)
    assert clock.resolution_due_at == oslo(2026, 11, 23, 11, 0)


def test_waiting_pauses_and_the_customers_answer_resumes(policies):
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0))
    sla.on_case_opened(case, now=case.opened_at)
    sla.on_first_response(case, now=oslo(2026, 11, 23, 9, 20))
    case.status = "waiting"
    case.save()
    sla.on_case_changed(case, now=oslo(2026, 11, 23, 9, 30), old_status="open", old_priority="normal")
    assert CaseSla.objects.get(case=case).state == SlaState.PAUSED
    case.status = "open"
    case.save()
    sla.on_case_changed(case, now=oslo(2026, 11, 23, 11, 30), old_status="waiting", old_priority="normal")
    clock = CaseSla.objects.get(case=case)
    assert clock.paused_seconds == 2 * 3600
    assert clock.resolution_due_at == oslo(2026, 11, 24, 11, 0)  # 8 h + 2 h paused from Monday 09:00
    assert clock.next_due_at == clock.resolution_due_at and clock.first_response_met


def test_resolving_late_records_a_breach_and_reopening_restarts(policies):
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0))
    sla.on_case_opened(case, now=case.opened_at)
    case.status = "resolved"
    case.save()
    sla.on_case_changed(case, now=oslo(2026, 11, 24, 15, 0), old_status="open", old_priority="normal")
    clock = CaseSla.objects.get(case=case)
    assert clock.state == SlaState.BREACHED and clock.next_due_at is None
    assert set(SlaBreach.objects.filter(case=case).values_list("metric", flat=True)) == {
        "first_response", "resolution"}
    case.status = "open"
    case.save()
    sla.on_case_changed(case, now=oslo(2026, 11, 25, 9, 0), old_status="resolved", old_priority="normal")
    clock.refresh_from_db()
    assert clock.resolution_due_at == oslo(2026, 11, 26, 9, 0)
    assert clock.state == SlaState.BREACHED  # the late first response stays on record
    assert clock.next_due_at == clock.resolution_due_at


# --- properties of the clock -------------------------------------------------------------------
instants = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31),
                        timezones=st.just(dt.UTC))


@settings(max_examples=100, deadline=None)
@given(instants, st.integers(0, 60 * 24 * 10), st.integers(0, 60 * 24 * 10), st.integers(1, 60 * 40))
def test_a_pause_moves_the_due_time_by_exactly_the_paused_business_time(start, before, pause_minutes, target):
    clock = started_clock(start, first=target, resolution=target * 2)
    paused_at = start + dt.timedelta(minutes=before)
    resumed_at = paused_at + dt.timedelta(minutes=pause_minutes)
    sla.pause(clock, now=paused_at)
    sla.resume(clock, now=resumed_at, calendar=NORWAY)
    paused = business_seconds_between(paused_at, resumed_at, NORWAY)
    assert clock.paused_seconds == paused
    assert business_seconds_between(start, clock.first_response_due_at, NORWAY) == target * 60 + paused
    assert business_seconds_between(start, clock.resolution_due_at, NORWAY) == target * 120 + paused
