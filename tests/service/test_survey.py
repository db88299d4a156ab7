"""CSAT and NPS surveys: sending over real SMTP, signed links, one answer each, periodic runs."""

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client

from tests.service.test_sla_support import make_case, make_person
from tillit.interactions.models import Interaction
from tillit.people.models import Person
from tillit.service import surveys
from tillit.service.models_sla import Survey, SurveyInvitation, SurveyRun

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE  # django-tasks resets its backends on setting_changed


def resolved_case(**extra):
    person = make_person(**extra)
    return make_case(person=person, opened_at=NOW - dt.timedelta(hours=3), status="resolved",
                     customer_email="kari@example.com")


def links(message) -> list[str]:
    return re.findall(r"https?://\S+/survey/\S+", message.get_content())


@pytest.fixture
def invitation(db, smtp_server, django_capture_on_commit_callbacks):
    case = resolved_case()
    with django_capture_on_commit_callbacks(execute=False):
        created = surveys.on_case_resolved(case, actor=None, now=NOW)
    surveys.send_pending(invitation_id=created.pk)
    return created


def test_resolving_sends_one_csat_mail_with_one_click_links(invitation, smtp_server):
    [message] = smtp_server.messages
    assert message["To"] == "kari@example.com"
    assert invitation.case.number in message["Subject"]
    assert len(links(message)) == 5 and links(message)[0].endswith("?score=1")
    again = surveys.on_case_resolved(invitation.case, actor=None, now=NOW + dt.timedelta(days=2))
    assert again is None and SurveyInvitation.objects.count() == 1
    assert SurveyInvitation.objects.get().sent_at is not None
    assert surveys.send_pending() == 0  # nothing sent twice


def test_the_send_is_queued_on_commit(db, smtp_server, immediate_tasks, django_capture_on_commit_callbacks):
    case = resolved_case()
    with django_capture_on_commit_callbacks(execute=True):
        surveys.on_case_resolved(case, actor=None, now=NOW)
    assert len(smtp_server.messages) == 1


def test_opening_a_link_records_nothing_and_posting_records_once(invitation, client: Client, smtp_server):
    token = surveys.token_for(invitation)
    page = client.get(f"/survey/{token}/?score=4")
    assert page.status_code == 200
    assert b'value="4" checked' in page.content
    invitation.refresh_from_db()
    assert invitation.answered_at is None  # a mail scanner's GET changes nothing
    answered = client.post(f"/survey/{token}/", {"score": "4", "comment": "Quick and friendly"})
    assert answered.status_code == 200 and b"Thank you" in answered.content
    invitation.refresh_from_db()
    assert (invitation.score, invitation.comment) == (4, "Quick and friendly")
    logged = Interaction.objects.get(kind="survey_answer")
    assert logged.satisfaction == 4 and logged.person == invitation.person
    assert logged.payload == {"survey": "csat", "invitation": invitation.pk, "case": invitation.case_id}
    replay = client.post(f"/survey/{token}/", {"score": "1"})
    assert replay.status_code == 410 and b"already been answered" in replay.content
    invitation.refresh_from_db()
    assert invitation.score == 4 and Interaction.objects.filter(kind="survey_answer").count() == 1


def test_forged_and_tampered_tokens_are_refused(invitation, client: Client):
    forged = signing.dumps({"i": invitation.pk}, salt="something else")
    for token in (forged, surveys.token_for(invitation)[:-2] + "xx", "nonsense"):
        response = client.get(f"/survey/{token}/")
        assert response.status_code == 404 and b"not valid" in response.content
        assert client.post(f"/survey/{token}/", {"score": "5"}).status_code == 404
    assert SurveyInvitation.objects.get().answered_at is None


def test_expired_links_are_refused(invitation, client: Client):
    SurveyInvitation.objects.filter(pk=invitation.pk).update(expires_at=NOW - dt.timedelta(seconds=1))
    response = client.get(f"/survey/{surveys.token_for(invitation)}/")
    assert response.status_code == 410 and b"expired" in response.content


def test_out_of_range_score_names_the_field(invitation, client: Client):
    token = surveys.token_for(invitation)
    response = client.post(f"/survey/{token}/", {"score": "9"})
    assert response.status_code == 200 and b'data-field="score"' in response.content
    with pytest.raises(surveys.ValidationError) as exc:
        surveys.survey_answer(token=token, score=0)
    assert exc.value.field == "score"


def test_public_api_answer_endpoint(invitation, client: Client):
    token = surveys.token_for(invitation)
    response = client.post("/api/v1/service/survey-answers", {"token": token, "score": 5, "comment": ""},
                           content_type="application/json")
    assert response.status_code == 201 and response.json() == {"ok": True, "survey": "csat", "score": 5}
    replay = client.post("/api/v1/service/survey-answers", {"token": token, "score": 1},
                         content_type="application/json")
    assert replay.status_code == 410
    forged = client.post("/api/v1/service/survey-answers", {"token": "x" + token, "score": 1},
                         content_type="application/json")
    assert forged.status_code == 404


def test_no_survey_without_an_email_or_when_switched_off(db, smtp_server):
    case = make_case(person=make_person(email=""), opened_at=NOW, status="resolved")
    assert surveys.on_case_resolved(case, actor=None, now=NOW) is None
    Survey.objects.filter(kind="csat").update(is_active=False)
    assert surveys.on_case_resolved(resolved_case(), actor=None, now=NOW) is None


# --- NPS -----------------------------------------------------------------------------------------
@pytest.fixture
def customers(actors):
    people = {
        "top": make_person(first_name="Top", email="top@example.com", lifecycle_stage="customer", value_tier="top"),
        "repeat": make_person(first_name="Rep", email="rep@example.com", lifecycle_stage="repeat_customer"),
        "lead": make_person(first_name="Lead", email="lead@example.com", lifecycle_stage="lead"),
        "nomail": make_person(first_name="No", email="", lifecycle_stage="customer"),
    }
    survey = surveys.survey_create(actor=actors["admin"], kind="nps", name="NPS", every_days=90)
    return {"survey": survey, **people}


def test_nps_run_invites_customers_with_an_email(customers, actors, smtp_server,
                                                 django_capture_on_commit_callbacks):
    run = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    invited = set(SurveyInvitation.objects.filter(run=run).values_list("person__first_name", flat=True))
    assert invited == {"Top", "Rep"} and (run.invited, run.skipped) == (2, 0)
    assert surveys.send_pending(run_id=run.pk) == 2
    assert {m["To"] for m in smtp_server.messages} == {"top@example.com", "rep@example.com"}
    assert len(links(smtp_server.messages[0])) == 11


def test_nobody_is_asked_twice_within_the_period(customers, actors):
    surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    second = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"],
                                      now=NOW + dt.timedelta(days=30))
    assert (second.invited, second.skipped) == (0, 2)
    later = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"],
                                     now=NOW + dt.timedelta(days=91))
    assert later.invited == 2


def test_tier_filter(customers, actors):
    surveys.survey_update(actor=actors["admin"], survey=customers["survey"], value_tier="top")
    run = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    assert list(SurveyInvitation.objects.filter(run=run).values_list("person", flat=True)) == [customers["top"].pk]


def test_periodic_runs_start_once_per_period(customers):
    assert surveys.run_due_surveys(now=NOW)["started"] == 1
    assert surveys.run_due_surveys(now=NOW + dt.timedelta(days=10))["started"] == 0
    assert surveys.run_due_surveys(now=NOW + dt.timedelta(days=90))["started"] == 1
    assert SurveyRun.objects.count() == 2


def test_nps_answer_is_an_interaction_on_the_scale_0_to_10(customers, actors):
    run = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    invitation = SurveyInvitation.objects.filter(run=run).first()
    surveys.survey_answer(token=surveys.token_for(invitation), score=0, comment="Never again",
                          now=NOW + dt.timedelta(hours=1))
    logged = Interaction.objects.get(kind="survey_answer")
    assert logged.satisfaction == 0 and logged.payload["survey"] == "nps"


def test_only_admins_start_runs_and_change_surveys(customers, actors):
    for role in ("manager_north", "service", "rep_north", "partner"):
        with pytest.raises(surveys.AccessDenied):
            surveys.survey_run_start(actor=actors[role], survey=customers["survey"], now=NOW)
    assert Person.objects.count() == 4


def test_run_and_answers_pages_and_api_by_role(customers, actors, login):
    survey = customers["survey"]
    client = login(actors["admin"])
    response = client.post(f"/service/surveys/{survey.pk}/run/")
    assert response.status_code == 302 and SurveyRun.objects.count() == 1
    assert client.get(f"/service/surveys/{survey.pk}/").status_code == 200
    for role, status in (("manager_north", 200), ("service", 200), ("rep_north", 403), ("partner", 403),
                         ("customer", 403)):
        assert login(actors[role]).get(f"/service/surveys/{survey.pk}/").status_code == status, role
        assert login(actors[role]).get("/service/surveys/").status_code == status, role
    assert login(actors["service"]).post(f"/service/surveys/{survey.pk}/run/").status_code == 403
    assert SurveyRun.objects.count() == 1


def _api(client, user):
    from tillit.accounts.services import api_token_create

    _token, key = api_token_create(user=user, name="test")
    return lambda method, path, **kw: getattr(client, method)(
        f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key}", content_type="application/json", **kw)


def test_survey_api_by_role(customers, actors, client):
    survey = customers["survey"]
    for role in ("admin", "manager_north", "service"):
        assert _api(client, actors[role])("get", "/service/surveys").status_code == 200
        assert _api(client, actors[role])("get", f"/service/surveys/{survey.pk}/answers").status_code == 200
    for role in ("rep_north", "marketing", "partner", "customer"):
        assert _api(client, actors[role])("get", "/service/surveys").status_code == 403
        assert _api(client, actors[role])("get", f"/service/surveys/{survey.pk}/answers").status_code == 403
    for role in ("manager_north", "service"):
        call = _api(client, actors[role])
        assert call("post", f"/service/surveys/{survey.pk}/runs").status_code == 403
        assert call("patch", f"/service/surveys/{survey.pk}", data={"name": "x"}).status_code == 403
        assert call("post", "/service/surveys", data={"kind": "nps", "name": "Mine"}).status_code == 403
    admin = _api(client, actors["admin"])
    created = admin("post", "/service/surveys", data={"kind": "nps", "name": "Top NPS", "value_tier": "top",
                                                       "every_days": 180})
    assert created.status_code == 201 and created.json()["every_days"] == 180
    bad = admin("post", "/service/surveys", data={"kind": "nope", "name": "X"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    run = admin("post", f"/service/surveys/{survey.pk}/runs")
    assert run.status_code == 201 and run.json()["invited"] == 2
    csat = admin("post", f"/service/surveys/{surveys.csat_survey().pk}/runs")
    assert csat.status_code == 422 and csat.json()["errors"][0]["field"] == "survey"


def test_answers_list_only_customers_the_reader_may_see(actors, client):
    north = make_person(first_name="North", email="north@example.com", owner=actors["rep_north"],
                        team=actors["rep_north"].team, lifecycle_stage="customer")
    south = make_person(first_name="South", email="south@example.com", owner=actors["rep_south"],
                        team=actors["rep_south"].team, lifecycle_stage="customer")
    survey = surveys.survey_create(actor=actors["admin"], kind="nps", name="NPS")
    run = surveys.survey_run_start(actor=actors["admin"], survey=survey, now=NOW)
    for invitation in SurveyInvitation.objects.filter(run=run):
        surveys.survey_answer(token=surveys.token_for(invitation), score=9, now=NOW + dt.timedelta(hours=1))
    seen = {a["person_id"] for a in _api(client, actors["manager_north"])(
        "get", f"/service/surveys/{survey.pk}/answers").json()["items"]}
    assert seen == {north.pk}
    seen = {a["person_id"] for a in _api(client, actors["service"])(
        "get", f"/service/surveys/{survey.pk}/answers").json()["items"]}
    assert seen == {north.pk, south.pk}


def test_answer_list_query_count(customers, actors, django_assert_max_num_queries):
    run = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    for invitation in SurveyInvitation.objects.filter(run=run):
        surveys.survey_answer(token=surveys.token_for(invitation), score=7, now=NOW + dt.timedelta(hours=1))
    with django_assert_max_num_queries(3):
        rows = list(surveys.answer_list(actor=actors["service"], survey=customers["survey"]))
        assert [str(r.person) for r in rows] and all(r.case is None for r in rows)


def test_survey_pages_query_count_does_not_grow(customers, actors, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(actors["service"])

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    url = f"/service/surveys/{customers['survey'].pk}/"
    first = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    surveys.survey_answer(token=surveys.token_for(first.invitations.first()), score=6, now=NOW)
    few, few_list = count(url), count("/service/surveys/")
    for i in range(8):
        make_person(first_name=f"P{i}", email=f"p{i}@example.com", lifecycle_stage="customer")
    run = surveys.survey_run_start(actor=actors["admin"], survey=customers["survey"], now=NOW)
    for invitation in SurveyInvitation.objects.filter(run=run):
        surveys.survey_answer(token=surveys.token_for(invitation), score=10, now=NOW + dt.timedelta(hours=1))
    assert count(url) == few and count("/service/surveys/") == few_list
