"""The SLA demo: clocks in every state, breaches, CSAT and NPS answers; deterministic; clean delete."""

import datetime as dt

import pytest

from tillit.accounts.models import User
from tillit.demo.generator import delete_demo_data, load_demo
from tillit.interactions.models import Interaction
from tillit.service import reports
from tillit.service.models_sla import CaseSla, SlaBreach, SlaPolicy, SurveyInvitation, SurveyRun

TODAY = dt.date(2026, 5, 4)


def _load():
    return load_demo(seed=3, persons=150, organizations=20, interactions_per_person=3, today=TODAY)


def _fingerprint():
    return (
        sorted(CaseSla.objects.values_list("case__number", "state", "next_due_at", "policy__name"), key=str),
        sorted(SurveyInvitation.objects.values_list("survey__kind", "person__primary_email", "score", "created_at"),
               key=str),
    )


@pytest.mark.django_db(transaction=True)
def test_sla_demo_has_every_clock_state_and_deletes_cleanly():
    summary = _load()
    assert summary.extra["sla_clocks"] == CaseSla.objects.count() > 30
    states = set(CaseSla.objects.values_list("state", flat=True))
    assert {"running", "paused", "breached", "met"} <= states, states
    assert SlaBreach.objects.exists() and SlaPolicy.objects.filter(value_tier="top").exists()
    assert summary.extra["csat_answers"] > 5 and summary.extra["nps_answers"] > 20
    assert SurveyRun.objects.count() == 4
    answers = Interaction.objects.filter(kind="survey_answer", source="service")
    assert answers.count() == summary.extra["csat_answers"] + summary.extra["nps_answers"]
    admin = User.objects.get(username="admin")
    report = reports.service_report(actor=admin, start=TODAY - dt.timedelta(days=364), end=TODAY,
                                    now=dt.datetime(2026, 5, 4, 12, tzinfo=dt.UTC))
    assert report.totals["nps"] is not None and report.totals["csat"] is not None
    first = _fingerprint()
    delete_demo_data()
    assert not CaseSla.objects.exists() and not SurveyInvitation.objects.exists()
    assert not SlaPolicy.objects.exists() and not SurveyRun.objects.exists()
    _load()
    assert _fingerprint() == first
