"""Service reports: the numbers, bounded queries, CSV, and who may see them (page and API)."""

import csv
import datetime as dt
import io

import pytest

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy
from tillit.service import reports, sla
from tillit.service.models_sla import CaseSla, Survey, SurveyInvitation
from tillit.service.reports import Period, percentile

UTC = dt.UTC


def test_percentiles_from_a_histogram():
    assert percentile({}, 0.5) is None
    assert percentile({10: 1}, 0.9) == 10
    values = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1}
    assert percentile(values, 0.5) == 5 and percentile(values, 0.9) == 9
    assert percentile({5: 3, 60: 1}, 0.5) == 5 and percentile({5: 3, 60: 1}, 0.9) == 60


def test_period_grain_and_buckets():
    assert Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)).grain == "day"
    weeks = Period(dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert weeks.grain == "week" and weeks.buckets()[0] == dt.date(2026, 8, 31)
    months = Period(dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert months.grain == "month" and len(months.buckets()) == 12


@pytest.fixture
def data(actors):
    calendar = make_calendar()
    make_policy(calendar, first=60, resolution=480)
    north = make_person(owner=actors["rep_north"], email="n@example.com", team=actors["rep_north"].team)
    south = make_person(owner=actors["rep_south"], email="s@example.com", first_name="Sven")
    base = dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Oslo
    cases = []
    for i, (person, channel, kind, fr_minutes) in enumerate([
        (north, "email", "complaint", 30), (north, "email", "inquiry", 90), (south, "phone", "inquiry", 20),
        (south, "web", "return", 45),
    ]):
        case = make_case(person=person, opened_at=base + dt.timedelta(days=i), channel=channel, kind=kind,
                         status="open")
        sla.on_case_opened(case, now=case.opened_at)
        sla.on_first_response(case, now=case.opened_at + dt.timedelta(minutes=fr_minutes))
        cases.append(case)
    # An old open case for the backlog.
    make_case(person=south, opened_at=base - dt.timedelta(days=40), status="open")
    csat = Survey.objects.create(kind="csat", name="CSAT")
    nps = Survey.objects.create(kind="nps", name="NPS")
    for survey, person, score in ((csat, north, 5), (csat, south, 3), (nps, north, 10), (nps, south, 4),
                                  (nps, south, 8)):
        SurveyInvitation.objects.create(survey=survey, person=person, email="x@example.com", created_at=base,
                                        expires_at=base + dt.timedelta(days=30), sent_at=base,
                                        answered_at=base + dt.timedelta(days=1), score=score)
    return {"cases": cases, "north": north, "south": south}


def report_for(actor):
    return reports.service_report(actor=actor, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
                                  now=dt.datetime(2026, 11, 20, tzinfo=UTC))


def test_report_numbers_for_someone_who_sees_everything(data, actors):
    report = report_for(actors["service"])
    assert report.totals["opened"] == 4
    assert {k: sum(v) for k, v in report.volume_by_channel.items()} == {"email": 2, "phone": 1, "web": 1}
    assert {k: sum(v) for k, v in report.volume_by_kind.items()} == {"inquiry": 2, "complaint": 1, "return": 1}
    median, p90, n = report.times["first_response"]["overall"]
    assert (median, p90, n) == (30, 90, 4)
    assert report.compliance_overall["first_response"] == 75.0  # 90 min against a 60 min target
    assert report.totals["csat"] == 4.0
    assert report.totals["nps"] == 0  # one promoter, one passive, one detractor
    assert dict((key, n) for key, _label, n in report.backlog) == {"d1": 0, "d3": 0, "d7": 0, "d30": 4, "older": 1}


def test_a_manager_sees_only_the_cases_and_answers_of_the_team(data, actors):
    report = report_for(actors["manager_north"])
    assert report.totals["opened"] == 2
    assert report.totals["csat_answers"] == 1 and report.totals["csat"] == 5.0
    assert report.totals["nps_answers"] == 1


def test_report_query_count_does_not_grow_with_cases(data, actors, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        report_for(actors["admin"])
    for i in range(20):
        make_case(person=data["north"], opened_at=dt.datetime(2026, 11, 10, 9, tzinfo=UTC), subject=f"x{i}")
    with django_assert_max_num_queries(9):
        report_for(actors["admin"])


def test_report_page_and_csv(data, actors, login):
    client = login(actors["service"])
    page = client.get("/service/reports/", {"period": "custom", "start": "2026-11-01", "end": "2026-11-30"})
    assert page.status_code == 200
    assert b"<svg" in page.content and b'data-testid="report-table"' in page.content
    exported = client.get("/service/reports/", {"period": "custom", "start": "2026-11-01", "end": "2026-11-30",
                                                "format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert len(rows) == 30 and sum(int(r["opened"]) for r in rows) == 4
    assert rows[1]["first_response_median_min"] == "30"


def test_bad_period_falls_back_with_a_message(data, actors, login):
    page = login(actors["service"]).get("/service/reports/", {"period": "custom", "start": "2026-11-30",
                                                              "end": "2026-11-01"})
    assert page.status_code == 200 and b"could not be read" in page.content


@pytest.mark.parametrize("role,status", [("admin", 200), ("manager_north", 200), ("service", 200),
                                         ("rep_north", 403), ("marketing", 403), ("partner", 403),
                                         ("customer", 403)])
def test_who_may_see_reports(data, actors, login, role, status):
    client = login(actors[role])
    assert client.get("/service/reports/").status_code == status
    api = client.get("/api/v1/service/reports", {"start": "2026-11-01", "end": "2026-11-30"})
    assert api.status_code == status
    if status == 200:
        assert api.json()["grain"] == "day"


def test_anonymous_is_sent_to_login(db, client):
    assert client.get("/service/reports/").status_code == 302
    assert client.get("/api/v1/service/reports").status_code == 401


def test_clocks_exist_for_the_report(data):
    assert CaseSla.objects.count() == 4
