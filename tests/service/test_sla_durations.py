"""SLA targets and clocks read as durations ("80 h"), never as raw minutes ("4800 min")."""

import pytest
from django.utils import timezone

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy
from tillit.service import sla
from tillit.service.sla import format_duration, format_target


def test_targets_read_in_hours_and_minutes():
    assert format_target(4800) == "80 h"
    assert format_target(90) == "1 h 30 min"
    assert format_target(45) == "45 min"
    assert format_target(0) == "0 min"


def test_business_time_counts_hours_not_24_hour_days():
    assert format_duration(80 * 3600, business=True) == "80 h"
    assert format_duration(80 * 3600) == "3 d 8 h"  # wall-clock time, e.g. "breached … ago"


@pytest.fixture
def long_policy(actors):
    return make_policy(make_calendar(), priority="normal", first=3000, resolution=4800, warn=90)


def test_policy_list_shows_targets_as_durations(long_policy, actors, login):
    html = login(actors["admin"]).get("/service/sla/").content.decode()
    assert "80 h" in html and "50 h" in html and "1 h 30 min" in html
    assert "4800 min" not in html and "4800" in html  # the exact minutes stay in a tooltip


def test_policy_form_says_what_the_minutes_mean(long_policy, actors, login):
    html = login(actors["admin"]).get(f"/service/sla/policies/{long_policy.pk}/").content.decode()
    assert "= 80 h of business time" in html and "= 1 h 30 min of business time" in html


def test_case_page_shows_the_targets_and_list_badge_counts_business_hours(long_policy, actors, login):
    now = timezone.now()
    case = make_case(person=make_person(), opened_at=now)
    sla.on_case_opened(case, now=now)
    client = login(actors["admin"])
    page = client.get(f"/service/cases/{case.pk}/").content.decode()
    assert 'data-testid="sla-detail"' in page and "within 50 h" in page and "within 80 h" in page
    badge = client.get("/service/cases/").content.decode().split("sla-badge", 1)[1].split("</span>", 1)[0]
    assert " h left" in badge and " d " not in badge  # 50 business hours, not "2 d 2 h"
