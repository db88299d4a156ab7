"""Demo SLA data: the Oslo calendar, policies per priority × tier, clocks for the demo cases (running,
paused, warned, breached, met), breaches with their escalation, CSAT answers for resolved cases and a
year of quarterly NPS runs with answers.

Runs after ``tillit.demo.service`` (see ``DEMO_EXTENSIONS``). Deterministic for a seed and a day: the
clocks come from the cases' own times through the same pure functions the hooks use, and every
random choice comes from ``builder.rng``. Bulk writes only, so it adds well under a second.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q

from tillit.demo.translated import all_names
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.people.models import LifecycleStage
from tillit.service import sla
from tillit.service.models import Case, Queue
from tillit.service.models_sla import (
    BusinessCalendar,
    CaseSla,
    SlaBreach,
    SlaMetric,
    SlaPolicy,
    SlaState,
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyRun,
)

CALENDAR = "Oslo office"
# (name, priority, tier, first response, resolution, warn before) in business minutes.
POLICIES = (
    ("Low", "low", "", 2 * 8 * 60, 10 * 8 * 60, 60),
    ("Normal", "normal", "", 8 * 60, 5 * 8 * 60, 60),
    ("High", "high", "", 2 * 60, 2 * 8 * 60, 30),
    ("Urgent", "urgent", "", 60, 8 * 60, 15),
    ("Normal · top customers", "normal", "top", 4 * 60, 3 * 8 * 60, 30),
    ("High · top customers", "high", "top", 60, 8 * 60, 15),
    ("Urgent · top customers", "urgent", "top", 30, 4 * 60, 10),
    ("High · high-value customers", "high", "high", 90, 12 * 60, 20),
)
NPS_NAME = "Customer NPS"
CSAT_COMMENTS = {
    5: ["Quick and friendly, thank you!", "Sorted in one reply.", "Mette was very helpful."],
    4: ["Good help, took a day longer than hoped.", "Fine."],
    3: ["OK in the end, but I had to explain twice.", ""],
    2: ["Too slow.", "Nobody called back as promised."],
    1: ["Still not fixed.", "Waited a week for an answer."],
}
NPS_COMMENTS = {
    "promoter": ["Great products and service.", "Installer was excellent.", "Recommended you to my neighbour."],
    "passive": ["Good, but pricey.", "Delivery took long."],
    "detractor": ["Support is hard to reach.", "The pump is noisy and nobody cares."],
}


def _calendar() -> BusinessCalendar:
    weekly = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    calendar, _created = BusinessCalendar.objects.get_or_create(
        name=CALENDAR, defaults={"time_zone": "Europe/Oslo", "country": "NO", "weekly_hours": weekly},
    )
    return calendar


def _policies(calendar: BusinessCalendar) -> list[SlaPolicy]:
    support = Queue.objects.filter(name="Support").first()
    policies = []
    for name, priority, tier, first, resolution, warn in POLICIES:
        policy, _created = SlaPolicy.objects.get_or_create(name=name, defaults={
            "priority": priority, "value_tier": tier, "calendar": calendar, "first_response_minutes": first,
            "resolution_minutes": resolution, "warn_before_minutes": warn, "notify": True,
            "raise_priority": priority in ("normal", "high") and not tier,
            "reassign_to_queue": support if priority == "urgent" else None,
        })
        policies.append(policy)
    return policies


def _clocks(cases: list[Case], policies: list[SlaPolicy], calendar, now: dt.datetime):
    clocks, breaches = [], []
    for case in cases:
        policy = sla.choose_policy(policies, priority=case.priority, tier=sla.customer_tier(case))
        if policy is None:
            continue
        clock = CaseSla(case=case, policy=policy, started_at=case.opened_at, resolution_started_at=case.opened_at)
        sla.set_targets(clock, first_response_minutes=policy.first_response_minutes,
                        resolution_minutes=policy.resolution_minutes, calendar=calendar)
        if case.first_response_at:
            due = clock.first_response_due_at
            if sla.reach_first_response(clock, now=case.first_response_at, calendar=calendar):
                breaches.append(SlaBreach(case=case, metric=SlaMetric.FIRST_RESPONSE, due_at=due,
                                          breached_at=case.first_response_at, policy=policy,
                                          actions=["answered_late"]))
        if case.status == "waiting":
            sla.pause(clock, now=case.last_message_at or case.first_response_at or case.opened_at)
        if case.status in ("resolved", "closed") and case.resolved_at:
            due = clock.resolution_due_at
            if sla.reach_resolution(clock, now=case.resolved_at, calendar=calendar):
                breaches.append(SlaBreach(case=case, metric=SlaMetric.RESOLUTION, due_at=due,
                                          breached_at=case.resolved_at, policy=policy, actions=["answered_late"]))
        elif case.status in ("new", "open") and clock.paused_at is None:
            # What the sweep would have done by now: breaches with their escalation notice.
            for metric, due, pending in (
                (SlaMetric.FIRST_RESPONSE, clock.first_response_due_at, sla.first_response_pending(clock)),
                (SlaMetric.RESOLUTION, clock.resolution_due_at, sla.resolution_pending(clock)),
            ):
                if pending and due <= now:
                    setattr(clock, f"{metric}_breached", True)
                    breaches.append(SlaBreach(case=case, metric=metric, due_at=due, breached_at=due + dt.timedelta(
                        minutes=5), policy=policy, actions=["notified:2"]))
        sla.refresh(clock, status=case.status, warn_before_minutes=policy.warn_before_minutes, calendar=calendar)
        if clock.warn_at is not None and clock.warn_at <= now:
            clock.warned_at = clock.warn_at + dt.timedelta(minutes=2)
        clocks.append(clock)
    return clocks, breaches


def _answer_interaction(invitation: SurveyInvitation, kind: str) -> Interaction:
    payload = {"survey": kind, "invitation": invitation.pk}
    subject = invitation.survey.name
    if invitation.case_id:
        payload["case"] = invitation.case_id
        subject = f"{subject}: {invitation.case.number}"
    return Interaction(
        channel=Channel.WEB, kind=Kind.SURVEY_ANSWER, direction=Direction.INBOUND, occurred_at=invitation.answered_at,
        person_id=invitation.person_id, subject=subject[:200], satisfaction=invitation.score, text=invitation.comment,
        source="service", external_id=f"survey:{invitation.pk}", payload=payload,
    )


def _csat(cases: list[Case], breached_cases: set[int], rng, now: dt.datetime) -> list[SurveyInvitation]:
    survey, _created = Survey.objects.get_or_create(kind=SurveyKind.CSAT, defaults={"name": "Customer satisfaction"})
    invitations = []
    for case in cases:
        if case.status not in ("resolved", "closed") or not case.resolved_at or not case.customer_email:
            continue
        sent = case.resolved_at + dt.timedelta(minutes=1)
        invitation = SurveyInvitation(survey=survey, case=case, person_id=case.person_id, email=case.customer_email,
                                      created_at=sent, sent_at=sent, expires_at=sent + dt.timedelta(days=30))
        if rng.random() < 0.6:
            late = case.pk in breached_cases
            weights = (1, 2, 4, 6, 4) if late else (0.3, 0.6, 1.5, 5, 9)
            score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
            answered = sent + dt.timedelta(hours=rng.randint(1, 72))
            if answered < now:
                invitation.score, invitation.answered_at = score, answered
                invitation.comment = rng.choice(CSAT_COMMENTS[score]) if rng.random() < 0.5 else ""
        invitations.append(invitation)
    return invitations


def _nps(builder, rng, now: dt.datetime) -> tuple[Survey, list[SurveyRun], list[SurveyInvitation]]:
    survey, _created = Survey.objects.get_or_create(
        kind=SurveyKind.NPS, name=NPS_NAME,
        defaults={"every_days": 90, "valid_days": 21,
                  "question": "How likely are you to recommend Nordlys Varme to a friend or colleague?"},
    )
    customers = [p.person for p in builder.plans if not p.is_duplicate and p.person.primary_email
                 and p.person.lifecycle_stage in (LifecycleStage.CUSTOMER, LifecycleStage.REPEAT_CUSTOMER)]
    run_days = (290, 200, 110, 20)  # a run each quarter; the next one is due in ~70 days
    runs = [SurveyRun(survey=survey, started_at=now - dt.timedelta(days=d, hours=-8), invited=len(customers))
            for d in run_days]
    SurveyRun.objects.bulk_create(runs)
    invitations = []
    for index, run in enumerate(runs):
        promoter_share = 0.38 + 0.05 * index  # service got better over the year
        for person in customers:
            invitation = SurveyInvitation(survey=survey, run=run, person=person, email=person.primary_email,
                                          created_at=run.started_at, sent_at=run.started_at,
                                          expires_at=run.started_at + dt.timedelta(days=21))
            if rng.random() < 0.35:
                roll = rng.random()
                if roll < promoter_share:
                    score, group = rng.choice((9, 10)), "promoter"
                elif roll < promoter_share + 0.35:
                    score, group = rng.choice((7, 8)), "passive"
                else:
                    score, group = rng.randint(2, 6), "detractor"
                invitation.score = score
                invitation.answered_at = run.started_at + dt.timedelta(hours=rng.randint(2, 24 * 6))
                invitation.comment = rng.choice(NPS_COMMENTS[group]) if rng.random() < 0.3 else ""
            invitations.append(invitation)
    survey.last_run_at = runs[-1].started_at
    survey.save(update_fields=["last_run_at", "updated_at"])
    return survey, runs, invitations


def build(builder, say) -> dict[str, int]:
    rng, now = builder.rng, builder.now
    persons = [p.person for p in builder.plans]
    cases = list(Case.objects.filter(person__in=persons).select_related("person", "organization")
                 .order_by("opened_at", "pk"))
    stored = _calendar()
    calendar = sla.calendar_of(stored)
    policies = _policies(stored)
    clocks, breaches = _clocks(cases, policies, calendar, now)
    CaseSla.objects.bulk_create(clocks, batch_size=500)
    SlaBreach.objects.bulk_create(breaches, batch_size=500, ignore_conflicts=True)
    breached_cases = {b.case_id for b in breaches}
    csat = _csat(cases, breached_cases, rng, now)
    _survey, runs, nps = _nps(builder, rng, now)
    invitations = csat + nps
    SurveyInvitation.objects.bulk_create(invitations, batch_size=1000)
    answered = [i for i in invitations if i.answered_at is not None]
    by_case = {c.pk: c for c in cases}
    for invitation in answered:
        if invitation.case_id:
            invitation.case = by_case[invitation.case_id]
    Interaction.objects.bulk_create(
        [_answer_interaction(i, i.survey.kind) for i in answered], batch_size=1000)
    states = Counter(clock.state for clock in clocks)
    say("SLA: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())) + f"; {len(breaches)} breaches")
    return {
        "sla_clocks": len(clocks), "sla_breaches": len(breaches), "sla_running": states[SlaState.RUNNING],
        "csat_answers": sum(1 for i in csat if i.answered_at), "nps_runs": len(runs),
        "nps_answers": sum(1 for i in nps if i.answered_at),
    }


def delete(*, persons, organizations) -> None:
    """Clocks, breaches and CSAT invitations go with the cases; here the NPS runs and the demo's settings."""
    SurveyInvitation.objects.filter(Q(person__in=persons)).delete()
    SurveyRun.objects.filter(survey__name=NPS_NAME, invitations__isnull=True).delete()
    Survey.objects.filter(name=NPS_NAME, invitations__isnull=True).delete()
    SlaPolicy.objects.filter(name__in=[n for p in POLICIES for n in all_names(p[0])], clocks__isnull=True).delete()
    BusinessCalendar.objects.filter(name=CALENDAR, policies__isnull=True).delete()
