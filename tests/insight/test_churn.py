"""Churn risk: the documented formula, its levels and reasons in the reader's language."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from tillit.insight import churn
from tillit.insight.models import CustomerValue
from tillit.service.models import Case, CaseKind, SlaBreach, Survey, SurveyInvitation

from .relationship_helpers import organization, person, value

pytestmark = pytest.mark.django_db


_numbers = [0]


def _case(party, kind=CaseKind.COMPLAINT, status="open"):
    _numbers[0] += 1
    n = _numbers
    field = "person" if party.__class__.__name__ == "Person" else "organization"
    return Case.objects.create(number=f"C-{n[0]}", subject="Noise", kind=kind, status=status,
                               opened_at=timezone.now(), **{field: party})


def _nps(p, *scores):
    survey = Survey.objects.get_or_create(kind="nps", name="NPS")[0]
    for i, score in enumerate(scores):
        when = timezone.now() - dt.timedelta(days=100 - i)
        SurveyInvitation.objects.create(survey=survey, person=p, email="k@example.no", expires_at=when,
                                        answered_at=when, score=score)


def test_p_alive_and_service_signals_combine_as_documented(actors):
    kari = person(actors["rep_north"])
    value(kari, p_alive=0.8)
    _case(kari)
    _case(kari, kind=CaseKind.INQUIRY)  # not a complaint
    _case(kari, status="resolved")  # not open
    case = _case(kari, kind=CaseKind.QUESTION)
    SlaBreach.objects.create(case=case, metric="resolution", due_at=timezone.now(), breached_at=timezone.now())
    SlaBreach.objects.create(case=case, metric="first_response", due_at=timezone.now(),
                             breached_at=timezone.now() - dt.timedelta(days=120))  # too old
    _nps(kari, 9, 5)
    churn.recompute_churn()
    row = CustomerValue.objects.get(person=kari)
    expected = 1 - 0.8 * 0.85 * 0.9 * 0.85 * 0.9
    assert row.churn_risk == pytest.approx(expected, abs=1e-4)
    assert row.churn_level == "medium"  # 0.53
    assert [r["code"] for r in row.churn_reasons] == [
        "insight.churn.complaints", "insight.churn.sla_breaches", "insight.churn.nps_fell", "insight.churn.detractor"]
    assert churn.reason_texts(row.churn_reasons) == [
        "1 open complaint", "1 SLA breach in the last 90 days", "NPS answer fell from 9 to 5",
        "Latest NPS answer is 5 (a detractor)"]


def test_without_p_alive_an_overdue_customer_is_at_risk_with_the_reason(actors):
    kari = person(actors["rep_north"])
    today = timezone.localdate()
    value(kari, purchases=5, first_purchase=today - dt.timedelta(days=480),
          last_purchase=today - dt.timedelta(days=240))
    churn.recompute_churn()
    row = CustomerValue.objects.get(person=kari)
    # expected every (480-240)/4 = 60 days; 240 days: 4× the gap → base (4-1)/3 = 1
    assert row.churn_risk == pytest.approx(1.0)
    assert row.churn_reasons == [{"code": "insight.churn.overdue", "params": {"days": 240, "expected": 60}}]
    assert churn.reason_texts(row.churn_reasons) == ["No order for 240 days; expected every 60"]
    with translation.override("nb"):
        assert churn.reason_texts(row.churn_reasons)[0]  # rendered, not stored text


def test_an_on_time_customer_is_low_and_an_unknown_one_has_no_risk(actors):
    today = timezone.localdate()
    loyal, stranger = person(actors["rep_north"]), person(actors["rep_north"], first="Ola")
    value(loyal, purchases=5, first_purchase=today - dt.timedelta(days=250),
          last_purchase=today - dt.timedelta(days=10), p_alive=0.97)
    value(stranger)
    churn.recompute_churn()
    rows = {r.person_id: r for r in CustomerValue.objects.all()}
    assert rows[loyal.pk].churn_level == "low" and rows[loyal.pk].churn_reasons == []
    assert rows[stranger.pk].churn_risk is None and rows[stranger.pk].churn_level == ""


def test_a_complaint_creates_the_row_of_a_customer_without_one(actors):
    org = organization(actors["rep_north"])
    _case(org)
    _case(org)
    _case(org)  # at most two count
    churn.recompute_churn()
    row = CustomerValue.objects.get(organization=org)
    assert row.churn_risk == pytest.approx(1 - 0.85 ** 2, abs=1e-4)
    assert row.churn_level == "low"  # 0.28: complaints alone do not make a customer likely to leave
    assert churn.reason_texts(row.churn_reasons) == ["3 open complaints"]


def test_a_rerun_is_idempotent(actors):
    kari = person(actors["rep_north"])
    value(kari, p_alive=0.3)
    churn.recompute_churn()
    first = CustomerValue.objects.values("churn_risk", "churn_level", "churn_reasons", "computed_at").get()
    churn.recompute_churn(now=timezone.now() + dt.timedelta(minutes=5))
    # Nothing changed, so nothing was written (computed_at is that of the first run).
    assert CustomerValue.objects.values("churn_risk", "churn_level", "churn_reasons", "computed_at").get() == first
    assert first["churn_reasons"] == [{"code": "insight.churn.p_alive", "params": {"percent": 30}}]
