"""The insight API: start a fit and read its report, list fits, RFM classes and tier cut-offs; access."""

import datetime as dt
import json

import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.insight import fits
from tillit.insight.models import Fit, RfmClass

from .purchases import TODAY, buy, person, simulated_log

pytestmark = pytest.mark.django_db
API = "/api/v1"
D = dt.timedelta


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, url, **kw):
        return self.client.get(API + url, **self.auth, **kw)

    def send(self, method, url, data=None, **headers):
        return getattr(self.client, method)(API + url, json.dumps(data or {}), content_type="application/json",
                                            **self.auth, **headers)


@pytest.fixture
def api(actors):
    return lambda key: Api(actors[key])


def test_start_a_fit_and_read_its_report(api, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    simulated_log(300, start=TODAY - D(730), end=TODAY)
    manager = api("manager_north")
    bad = manager.send("post", "/insight/fits", {"calibration_end": str(TODAY - D(100)), "holdout_days": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "holdout_days"
    with django_capture_on_commit_callbacks(execute=True):
        started = manager.send("post", "/insight/fits",
                               {"calibration_end": str(TODAY - D(180)), "holdout_days": 150})
    assert started.status_code == 201 and started.json()["status"] == "queued"
    fit_id = started.json()["id"]
    body = manager.get(f"/insight/fits/{fit_id}").json()
    assert body["status"] in ("done", "failed")
    listed = manager.get("/insight/fits").json()
    assert [f["id"] for f in listed] == [fit_id] and "report" not in listed[0]


def test_report_shape(api, actors):
    simulated_log(300, start=TODAY - D(730), end=TODAY)
    fit = fits.fit_create(actor=actors["admin"], run=False, calibration_end=TODAY - D(180), holdout_days=180)
    fits.run_fit(fit.pk, today=TODAY)
    body = api("admin").get(f"/insight/fits/{fit.pk}").json()
    assert body["converged"] and body["in_use"] and set(body["bgnbd"]) == {"r", "alpha", "a", "b"}
    report = body["report"]
    assert [b["label"] for b in report["by_purchases"]][-1] == "7+"
    assert report["cumulative"][0]["day"] and report["scored"] == 300


@pytest.mark.parametrize("who", ["rep_north", "service", "marketing", "partner", "customer"])
def test_other_roles_are_refused(api, who):
    buy(person(), TODAY - D(10), "10")
    client = api(who)
    assert client.get("/insight/fits").status_code == 403
    assert client.get("/insight/rfm-classes").status_code == 403
    assert client.get("/insight/tiers").status_code == 403
    assert client.send("put", "/insight/rfm-classes/loyal", {"key": "loyal", "name": "X"}).status_code == 403
    assert client.send("post", "/insight/fits", {"calibration_end": str(TODAY - D(100)),
                                                 "holdout_days": 5}).status_code == 403
    assert not Fit.objects.exists()


def test_rfm_classes_read_and_edit(api):
    admin = api("admin")
    keys = [c["key"] for c in admin.get("/insight/rfm-classes").json()]
    assert keys[0] == "champions" and "lost" in keys
    changed = admin.send("put", "/insight/rfm-classes/loyal",
                         {"key": "loyal", "name": "Trofaste", "priority": 20, "recency_min": 3, "frequency_min": 3})
    assert changed.status_code == 200 and RfmClass.objects.get(key="loyal").name == "Trofaste"
    bad = admin.send("post", "/insight/rfm-classes", {"key": "x", "name": "X", "monetary_min": 4, "monetary_max": 2})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "monetary_min"
    assert admin.send("post", "/insight/rfm-classes", {"key": "vip", "name": "VIP"}).status_code == 201
    assert admin.send("delete", "/insight/rfm-classes/vip").status_code == 204
    assert admin.send("delete", "/insight/rfm-classes/vip").status_code == 404


def test_tiers_with_etag_and_if_match(api):
    admin = api("admin")
    read = admin.get("/insight/tiers")
    etag = read["ETag"]
    body = {"basis": "clv", "mode": "share", "platinum": 5, "gold": 4, "silver": 50}
    overlap = admin.send("put", "/insight/tiers", body, HTTP_IF_MATCH=etag)
    assert overlap.status_code == 422 and overlap.json()["errors"][0]["field"] == "gold"
    assert admin.send("put", "/insight/tiers", {**body, "gold": 20}).status_code == 428
    ok = admin.send("put", "/insight/tiers", {**body, "gold": 20}, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok["ETag"] != etag
    assert admin.send("put", "/insight/tiers", {**body, "gold": 25}, HTTP_IF_MATCH=etag).status_code == 409


def test_recompute_now(api, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    buy(person(), TODAY - D(10), "10")
    with django_capture_on_commit_callbacks(execute=True):
        started = api("manager_north").send("post", "/insight/recompute")
    assert started.status_code == 202
    run = api("manager_north").get(f"/insight/runs/{started.json()['id']}").json()
    assert run["status"] == "done" and run["customers"] == 1
