"""SLA settings pages and API: administrators change, managers and service read, others nothing."""

import datetime as dt

import pytest

from tests.service.test_sla_support import make_calendar, make_case, make_person, make_policy, oslo
from tillit.accounts.services import api_token_create
from tillit.service import sla
from tillit.service.models_sla import BusinessCalendar, Holiday, SlaPolicy

READERS = ("admin", "manager_north", "service")
OUTSIDERS = ("rep_north", "marketing", "partner", "customer")


@pytest.fixture
def setup(actors):
    calendar = make_calendar()
    policy = make_policy(calendar, priority="normal")
    return {"calendar": calendar, "policy": policy}


def api(client_factory, user):
    _token, key = api_token_create(user=user, name="test")
    return lambda method, path, **kw: getattr(client_factory, method)(
        f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key}", content_type="application/json", **kw)


@pytest.mark.parametrize("role", READERS)
def test_readers_see_the_sla_pages(setup, actors, login, role):
    client = login(actors[role])
    home = client.get("/service/sla/")
    assert home.status_code == 200 and setup["policy"].name.encode() in home.content
    assert client.get(f"/service/sla/calendars/{setup['calendar'].pk}/").status_code == 200
    assert client.get(f"/service/sla/policies/{setup['policy'].pk}/").status_code == 200


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_see_no_sla_pages(setup, actors, login, role):
    client = login(actors[role])
    assert client.get("/service/sla/").status_code == 403
    assert client.get(f"/service/sla/calendars/{setup['calendar'].pk}/").status_code == 403
    assert client.get(f"/service/sla/policies/{setup['policy'].pk}/").status_code == 403


@pytest.mark.parametrize("role", ("manager_north", "service"))
def test_readers_cannot_change(setup, actors, login, role):
    client = login(actors[role])
    assert client.post(f"/service/sla/policies/{setup['policy'].pk}/", {"name": "x"}).status_code == 403
    assert client.post("/service/sla/calendars/new/", {"name": "x"}).status_code == 403
    assert client.post(f"/service/sla/calendars/{setup['calendar'].pk}/closed-days/",
                       {"date": "2026-12-24"}).status_code == 403
    assert SlaPolicy.objects.get().name == setup["policy"].name and not Holiday.objects.exists()


def test_admin_creates_a_calendar_with_split_hours(actors, login):
    client = login(actors["admin"])
    response = client.post("/service/sla/calendars/new/", {
        "name": "Stockholm", "time_zone": "Europe/Stockholm", "country": "se",
        "hours_mon": "08:00-11:30, 12:00-17:00", "hours_tue": "08:00-17:00", "hours_sat": "",
    })
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Stockholm")
    assert calendar.country == "SE"
    assert calendar.weekly_hours == {"mon": [["08:00", "11:30"], ["12:00", "17:00"]], "tue": [["08:00", "17:00"]]}


def test_bad_calendar_input_names_the_problem(actors, login):
    client = login(actors["admin"])
    response = client.post("/service/sla/calendars/new/", {
        "name": "Mars", "time_zone": "Mars/Olympus", "hours_mon": "08:00-16:00"})
    assert response.status_code == 200 and b'data-field="time_zone"' in response.content
    response = client.post("/service/sla/calendars/new/", {"name": "X", "time_zone": "UTC", "hours_mon": "8 to 4"})
    assert b'data-field="hours_mon"' in response.content
    response = client.post("/service/sla/calendars/new/", {"name": "X", "time_zone": "UTC"})
    assert b"never open" in response.content
    assert not BusinessCalendar.objects.filter(name__in=["Mars", "X"]).exists()


def test_admin_adds_and_removes_a_closed_day(setup, actors, login):
    client = login(actors["admin"])
    url = f"/service/sla/calendars/{setup['calendar'].pk}/closed-days/"
    assert client.post(url, {"date": "2026-12-24", "name": "Christmas Eve"}).status_code == 302
    holiday = Holiday.objects.get()
    assert holiday.date == dt.date(2026, 12, 24)
    assert client.post(f"{url}{holiday.pk}/delete/").status_code == 302
    assert not Holiday.objects.exists()


def test_closed_day_moves_new_due_times(setup, actors):
    Holiday.objects.create(calendar=setup["calendar"], date=dt.date(2026, 11, 30), name="Company day")
    sla.forget_cached_calendars()
    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 27, 15, 30))
    sla.on_case_opened(case, now=case.opened_at)
    assert case.sla.first_response_due_at == oslo(2026, 12, 1, 8, 30)


def test_admin_saves_a_policy_and_errors_name_the_field(setup, actors, login):
    client = login(actors["admin"])
    data = {"name": "Urgent", "priority": "urgent", "value_tier": "", "calendar": setup["calendar"].pk,
            "first_response_minutes": "15", "resolution_minutes": "10", "warn_before_minutes": "5", "notify": "on",
            "is_active": "on"}
    response = client.post("/service/sla/policies/new/", data)
    assert response.status_code == 200 and b'data-field="resolution_minutes"' in response.content
    response = client.post("/service/sla/policies/new/", {**data, "resolution_minutes": "120"})
    assert response.status_code == 302
    assert SlaPolicy.objects.get(name="Urgent").resolution_minutes == 120


# --- API ---------------------------------------------------------------------------------------
def test_api_policies_and_calendars_by_role(setup, actors, client):
    for role in READERS:
        call = api(client, actors[role])
        assert call("get", "/service/sla/policies").status_code == 200
        assert call("get", f"/service/sla/calendars/{setup['calendar'].pk}").json()["country"] == "NO"
    for role in OUTSIDERS:
        call = api(client, actors[role])
        assert call("get", "/service/sla/policies").status_code == 403
        assert call("get", "/service/sla/calendars").status_code == 403
    manager = api(client, actors["manager_north"])
    assert manager("patch", f"/service/sla/policies/{setup['policy'].pk}", data={"name": "x"}).status_code == 403


def test_api_admin_writes(setup, actors, client):
    call = api(client, actors["admin"])
    created = call("post", "/service/sla/calendars", data={
        "name": "New York", "time_zone": "America/New_York", "country": "US",
        "weekly_hours": {"mon": [["09:00", "17:00"]]}})
    assert created.status_code == 201
    bad = call("post", "/service/sla/calendars", data={"name": "Bad", "weekly_hours": {"mon": [["17:00", "09:00"]]}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "weekly_hours"
    policy = call("post", "/service/sla/policies", data={
        "name": "Top any", "value_tier": "top", "calendar_id": created.json()["id"], "first_response_minutes": 30,
        "resolution_minutes": 240})
    assert policy.status_code == 201 and policy.json()["value_tier"] == "top"
    missing = call("post", "/service/sla/policies", data={
        "name": "Broken", "calendar_id": 999999, "first_response_minutes": 30, "resolution_minutes": 240})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "calendar_id"
    day = call("post", f"/service/sla/calendars/{setup['calendar'].pk}/closed-days",
               data={"date": "2026-12-31", "name": "New Year's Eve"})
    assert day.status_code == 201
    assert call("delete", f"/service/sla/calendars/{setup['calendar'].pk}/closed-days/{day.json()['id']}"
                ).status_code == 204


def test_api_case_clock_follows_case_access(setup, actors, client):
    north = make_person(owner=actors["rep_north"])
    case = make_case(person=north, opened_at=oslo(2026, 11, 23, 9, 0))
    sla.on_case_opened(case, now=case.opened_at)
    assert api(client, actors["service"])("get", f"/service/cases/{case.pk}/sla").json()["state"] == "running"
    assert api(client, actors["rep_north"])("get", f"/service/cases/{case.pk}/sla").status_code == 200
    assert api(client, actors["rep_south"])("get", f"/service/cases/{case.pk}/sla").status_code == 404
    assert api(client, actors["partner"])("get", f"/service/cases/{case.pk}/sla").status_code in (403, 404)


def test_badge_renders_time_left_paused_and_breached(setup, actors):
    from django.template.loader import render_to_string
    from django.utils import timezone

    now = timezone.now()
    case = make_case(person=make_person(), opened_at=now)
    sla.on_case_opened(case, now=now)
    case.refresh_from_db()
    html = render_to_string("service/_sla_badge.html", {"case": case})
    assert "sla-badge" in html and ("left" in html or "breached" in html)
    case.sla.state, case.sla.next_due_at = "paused", None
    assert "paused" in render_to_string("service/_sla_badge.html", {"case": case})
    case.sla.state, case.sla.next_due_at = "running", now - dt.timedelta(minutes=35)
    assert "breached 35 min ago" in render_to_string("service/_sla_badge.html", {"case": case})
    no_clock = make_case(person=make_person(), opened_at=now, priority="low")
    SlaPolicy.objects.all().delete()
    assert render_to_string("service/_sla_badge.html", {"case": no_clock}).strip() == ""


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_sla_list_page_query_count_does_not_grow(setup, actors, login):
    client = login(actors["admin"])
    few = _queries(client, "/service/sla/")
    for i in range(6):
        calendar = make_calendar(name=f"Cal {i}")
        make_policy(calendar, priority="high", name=f"P {i}")
    assert _queries(client, "/service/sla/") == few


def test_clock_detail_shows_both_targets_and_breaches(setup, django_assert_max_num_queries):
    from django.template import Context, Template

    case = make_case(person=make_person(), opened_at=oslo(2026, 11, 23, 9, 0))
    sla.on_case_opened(case, now=case.opened_at)
    sla.on_first_response(case, now=oslo(2026, 11, 23, 11, 0))  # an hour late
    case = type(case).objects.select_related("sla__policy").get(pk=case.pk)
    with django_assert_max_num_queries(1):
        html = Template("{% load sla_tags %}{% sla_detail case %}").render(Context({"case": case}))
    assert "late, took 2 h" in html and "First response breached" in html and "running" in html
