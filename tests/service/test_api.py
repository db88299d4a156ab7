"""The service API: cases, replies, notes, PATCH with If-Match, queues and rules, inbound email — per role."""

import json

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.service import services
from tillit.service.models import Case, CaseStatus

API = "/api/v1/service"


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def _send(self, method, path, body=None, **headers):
        kwargs = {**self.auth, **headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(API + path, **kwargs)

    def get(self, path, params=None):
        return self.client.get(API + path, params or {}, **self.auth)

    def post(self, path, body=None, **headers):
        return self._send("post", path, body if body is not None else {}, **headers)

    def patch(self, path, body, **headers):
        return self._send("patch", path, body, **headers)

    def put(self, path, body, **headers):
        return self._send("put", path, body, **headers)

    def delete(self, path):
        return self._send("delete", path)

    def raw(self, path, data: bytes):
        return self.client.post(API + path, data=data, content_type="message/rfc822", **self.auth)


pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(actors, customers):
    svc = actors["service"]
    return {
        "kari": services.case_create(actor=svc, person=customers["kari"], subject="Kari's pump", body="Noisy"),
        "sven": services.case_create(actor=svc, person=customers["sven"], subject="Sven's bill", priority="high"),
    }


def test_create_get_and_list_cases(actors, customers):
    api = Api(actors["service"])
    response = api.post("/cases", {"subject": "Broken valve", "body": "Leaks", "kind": "complaint",
                                   "channel": "phone", "person_id": customers["kari"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("C-") and body["messages"][0]["body"] == "Leaks"
    assert response["ETag"] == '"1"'
    got = api.get(f"/cases/{body['id']}")
    assert got.status_code == 200 and got.json()["subject"] == "Broken valve"
    listed = api.get("/cases", {"status": "new", "kind": "complaint"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_create_names_the_bad_field(actors):
    api = Api(actors["service"])
    response = api.post("/cases", {"subject": "x", "kind": "moan", "customer_email": "a@b.no"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "kind"
    response = api.post("/cases", {"subject": "x", "queue_id": 999, "customer_email": "a@b.no"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "queue_id"


def test_an_unknown_email_becomes_a_lead(actors):
    response = Api(actors["service"]).post("/cases", {"subject": "Hi", "customer_email": "new@x.no"})
    assert response.status_code == 201 and response.json()["person_id"]


def test_patch_needs_if_match_and_refuses_a_stale_version(actors, cases):
    api = Api(actors["service"])
    case = cases["kari"]
    assert api.patch(f"/cases/{case.pk}", {"priority": "urgent"}).status_code == 428
    assert api.patch(f"/cases/{case.pk}", {"priority": "urgent"}, HTTP_IF_MATCH='"99"').status_code == 409
    response = api.patch(f"/cases/{case.pk}", {"priority": "urgent", "status": "waiting",
                                               "assignee_id": actors["service"].pk},
                         HTTP_IF_MATCH=f'"{case.version}"')
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert (case.priority, case.status, case.assignee) == ("urgent", "waiting", actors["service"])
    assert response["ETag"] == f'"{case.version}"'


def test_reply_and_note(actors, cases, mailoutbox):
    api = Api(actors["service"])
    case = cases["kari"]
    response = api.post(f"/cases/{case.pk}/replies", {"body": "Done", "status": "resolved"})
    assert response.status_code == 201 and response.json()["kind"] == "reply"
    assert mailoutbox[-1].to == ["kari@fjord.no"]
    assert api.post(f"/cases/{case.pk}/notes", {"body": "internal"}).status_code == 201
    assert api.post(f"/cases/{case.pk}/notes", {"body": " "}).json()["errors"][0]["field"] == "body"
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


def test_a_rep_reads_cases_of_their_customers_only_and_cannot_write(actors, cases):
    api = Api(actors["rep_north"])
    assert [c["id"] for c in api.get("/cases").json()["items"]] == [cases["kari"].pk]
    assert api.get(f"/cases/{cases['kari'].pk}").status_code == 200
    assert api.get(f"/cases/{cases['sven'].pk}").status_code == 404
    assert api.post(f"/cases/{cases['kari'].pk}/notes", {"body": "x"}).status_code == 403
    assert api.post(f"/cases/{cases['kari'].pk}/take").status_code == 403
    assert api.patch(f"/cases/{cases['kari'].pk}", {"priority": "low"}, HTTP_IF_MATCH='"1"').status_code == 403


@pytest.mark.parametrize("role", ["partner", "customer"])
def test_partners_and_customers_get_nothing(actors, cases, role):
    api = Api(actors[role])
    assert api.get("/cases").status_code == 403
    assert api.get(f"/cases/{cases['kari'].pk}").status_code == 404
    assert api.get("/queues").status_code == 403
    assert api.raw("/inbound-email", b"From: a@b.no\r\n\r\nx").status_code == 403


def test_listing_cases_takes_a_fixed_number_of_queries(actors, customers, django_assert_max_num_queries):
    for i in range(20):
        services.case_create(actor=actors["service"], person=customers["ola"], subject=f"Case {i}")
    api = Api(actors["service"])
    with django_assert_max_num_queries(8):
        assert api.get("/cases").json()["count"] == 20


def test_queues_members_and_rules_for_admins(actors):
    admin, svc = Api(actors["admin"]), Api(actors["service"])
    assert svc.post("/queues", {"name": "Mine"}).status_code == 403
    response = admin.post("/queues", {"name": "Returns", "assignment_mode": "round_robin"})
    assert response.status_code == 201
    queue_id = response.json()["id"]
    assert admin.post("/queues", {"name": "X", "assignment_mode": "lottery"}).json()["errors"][0]["field"] \
        == "assignment_mode"
    members = admin.put(f"/queues/{queue_id}/members", {"user_ids": [actors["service"].pk]})
    assert members.status_code == 200 and members.json()["member_ids"] == [actors["service"].pk]
    assert admin.patch(f"/queues/{queue_id}", {"description": "Returns and refunds"}).status_code == 200
    rule = admin.post("/rules", {"name": "Returns", "kind": "return", "queue_id": queue_id})
    assert rule.status_code == 201
    assert admin.post("/rules", {"name": "Nowhere"}).json()["errors"][0]["field"] == "queue"
    assert admin.patch(f"/rules/{rule.json()['id']}", {"position": 5}).json()["position"] == 5
    assert svc.get("/rules").status_code == 200 and svc.get("/queues").json()[0]["name"] == "Returns"
    assert admin.delete(f"/rules/{rule.json()['id']}").status_code == 204


def test_inbound_email_webhook(actors, customers):
    api = Api(actors["service"])
    raw = b"From: kari@fjord.no\r\nSubject: Help\r\nMessage-ID: <w1@fjord.no>\r\n\r\nPlease call me\r\n"
    response = api.raw("/inbound-email", raw)
    assert response.status_code == 201 and response.json()["status"] == "new_case"
    again = api.raw("/inbound-email", raw)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    bad = api.raw("/inbound-email", b"\r\n\r\n")
    assert bad.status_code == 422 and bad.json()["reason"]
    # The provider retrying the rejected message gets a duplicate of the one kept record.
    retried = api.raw("/inbound-email", b"\r\n\r\n")
    assert retried.status_code == 200 and retried.json()["status"] == "duplicate"
    assert retried.json()["inbound_id"] == bad.json()["inbound_id"]
    assert Case.objects.get().person == customers["kari"]


def test_inbound_email_needs_a_service_token(actors):
    assert Api(actors["rep_north"]).raw("/inbound-email", b"From: a@b.no\r\n\r\nx").status_code == 403
    assert Client().post(API + "/inbound-email", data=b"x", content_type="message/rfc822").status_code == 401


def test_a_customer_email_with_a_header_injection_is_refused(actors, customers):
    response = Api(actors["service"]).post("/cases", {"subject": "x", "person_id": customers["kari"].pk,
                                                      "customer_email": "a@b.no\r\nBcc: all@x.com"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "customer_email"
