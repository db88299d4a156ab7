"""The deals API: pipelines, lost reasons, deals (If-Match, 409, 428), move, forecast, targets; access per role."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.sales.test_deals_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_deals_helpers import make_deal
from tillit.accounts.services import api_token_create
from tillit.interactions.models import Interaction
from tillit.sales.models import Deal, Pipeline

pytestmark = pytest.mark.django_db
API = "/api/v1"


class Api:
    def __init__(self, user):
        _token, key = api_token_create(user=user, name="test")
        self.client = Client()
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, url, **kw):
        return self.client.get(API + url, **self.auth, **kw)

    def send(self, method, url, data, **headers):
        return getattr(self.client, method)(API + url, json.dumps(data), content_type="application/json",
                                            **self.auth, **headers)


@pytest.fixture
def api(actors):
    return lambda key: Api(actors[key])


def test_create_get_patch_with_etag(api, customers, stages):
    person, org = customers["rep_north"]
    rep = api("rep_north")
    r = rep.send("post", "/deals", {"title": "Pump", "person_id": person.pk, "organization_id": org.pk,
                                    "value": "1234.56", "currency": "SEK", "expected_close_date": "2026-06-30"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert Decimal(body["value"]) == Decimal("1234.56") and body["stage_name"] == "Lead" and r["ETag"] == '"1"'
    deal_id = body["id"]
    r = rep.get(f"/deals/{deal_id}")
    assert r.status_code == 200 and r["ETag"] == '"1"'
    # No version → 428; stale → 409; right → 200 with the new ETag.
    assert rep.send("patch", f"/deals/{deal_id}", {"title": "X"}).status_code == 428
    r = rep.send("patch", f"/deals/{deal_id}", {"title": "Bigger pump"}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r["ETag"] == '"2"' and r.json()["title"] == "Bigger pump"
    r = rep.send("patch", f"/deals/{deal_id}", {"title": "Lost write"}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 409
    assert r.json()["detail"].startswith("Rep North changed Title at ")  # who and which fields
    assert {"field": "title", "reason": "changed by Rep North"} in r.json()["errors"]
    assert Deal.objects.get(pk=deal_id).title == "Bigger pump"


def test_validation_errors_name_the_api_field(api, customers, stages):
    person, _org = customers["rep_north"]
    rep = api("rep_north")
    r = rep.send("post", "/deals", {"title": "T", "person_id": person.pk, "value": "-1"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "value"
    r = rep.send("post", "/deals", {"title": "T", "person_id": person.pk, "stage_id": 999999})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stage_id"
    r = rep.send("post", "/deals", {"title": "T", "person_id": person.pk, "products": [{"product_id": 9999}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "products.0.product_id"
    assert not Deal.objects.exists()


def test_create_for_invisible_person_is_404(api, customers, stages):
    person, _org = customers["rep_south"]
    r = api("rep_north").send("post", "/deals", {"title": "T", "person_id": person.pk})
    assert r.status_code == 404 and not Deal.objects.exists()


def test_move_with_if_match_409_and_428(api, actors, customers, stages, reason):
    deal = make_deal(actors["rep_north"], customers["rep_north"][0], stages["Lead"])
    rep = api("rep_north")
    url = f"/deals/{deal.pk}/move"
    assert rep.send("post", url, {"stage_id": stages["Proposal"].pk}).status_code == 428
    r = rep.send("post", url, {"stage_id": stages["Proposal"].pk}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r.json()["stage_name"] == "Proposal" and r["ETag"] == '"2"'
    # A second client still holding version 1 is refused and told who moved it and where it is now.
    r = api("manager_north").send("post", url, {"stage_id": stages["Negotiation"].pk}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 409
    body = r.json()
    assert body["moved_by"] == str(actors["rep_north"]) and body["deal"]["stage_name"] == "Proposal"
    assert r["ETag"] == '"2"'
    # Lost needs a reason; with one it is saved and logged.
    r = rep.send("post", url, {"stage_id": stages["Lost"].pk}, HTTP_IF_MATCH='"2"')
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_reason_id"
    r = rep.send("post", url, {"stage_id": stages["Lost"].pk, "lost_reason_id": reason.pk, "lost_note": "dear"},
                 HTTP_IF_MATCH='"2"')
    assert r.status_code == 200 and r.json()["outcome"] == "lost" and r.json()["lost_reason_id"] == reason.pk
    assert Interaction.objects.filter(payload__deal=deal.pk, outcome="lost").count() == 1


@pytest.mark.parametrize("actor,visible", [
    ("admin", {"rep_north", "rep_south"}), ("manager_north", {"rep_north"}), ("rep_north", {"rep_north"}),
    ("rep_south", {"rep_south"}),
])
def test_list_and_get_per_role(api, actors, customers, stages, actor, visible):
    deals = {k: make_deal(actors[k], customers[k][0], stages["Lead"], title=k) for k in ("rep_north", "rep_south")}
    client = api(actor)
    listed = {d["title"] for d in client.get("/deals").json()["items"]}
    assert listed == visible
    for key, deal in deals.items():
        assert client.get(f"/deals/{deal.pk}").status_code == (200 if key in visible else 404)
        r = client.send("post", f"/deals/{deal.pk}/move", {"stage_id": stages["Proposal"].pk}, HTTP_IF_MATCH='"1"')
        assert r.status_code == (200 if key in visible else 404)


@pytest.mark.parametrize("actor", ["partner", "customer"])
def test_outsiders_get_403(api, actor, pipeline):
    client = api(actor)
    for url in ("/deals", "/pipelines", "/forecast", "/targets", "/lost-reasons"):
        assert client.get(url).status_code == 403, url


def test_list_filters_and_query_count(api, actors, customers, stages, django_assert_max_num_queries):
    for i in range(12):
        make_deal(actors["rep_north"], customers["rep_north"][0], stages["Lead" if i % 2 else "Won"],
                  close=dt.date(2026, 6 if i < 6 else 7, 1))
    client = api("rep_north")
    with django_assert_max_num_queries(8):
        r = client.get("/deals?status=open&close_month=2026-06")
    assert r.json()["count"] == 3


def test_pipelines_admin_only_and_validation(api, pipeline):
    r = api("rep_north").send("post", "/pipelines", {"name": "Renewals"})
    assert r.status_code == 403
    admin = api("admin")
    r = admin.send("post", "/pipelines", {"name": "Renewals", "stages": [
        {"name": "Due", "probability": 60}, {"name": "Renewed", "probability": 100, "outcome": "won"}]})
    assert r.status_code == 422 and "lost" in r.json()["detail"]
    r = admin.send("post", "/pipelines", {"name": "Renewals"})
    assert r.status_code == 201 and [s["name"] for s in r.json()["stages"]][-2:] == ["Won", "Lost"]
    pid = r.json()["id"]
    stages = r.json()["stages"]
    reordered = [{"id": s["id"], "name": s["name"], "probability": s["probability"], "outcome": s["outcome"]}
                 for s in reversed(stages)]
    r = admin.send("patch", f"/pipelines/{pid}", {"stages": reordered})
    assert r.status_code == 200 and r.json()["stages"][0]["name"] == "Lost"
    assert [p["name"] for p in api("rep_north").get("/pipelines").json()] == ["New business", "Renewals"]
    assert Pipeline.objects.count() == 2


def test_forecast_and_targets(api, actors, customers, stages):
    make_deal(actors["rep_north"], customers["rep_north"][0], stages["Proposal"], value="1000",
              close=timezone.localdate())
    manager = api("manager_north")
    today = timezone.localdate()
    r = manager.send("put", "/targets", {"period_kind": "month", "period_start": today.isoformat(),
                                         "owner_id": actors["rep_north"].pk, "amount": "5000"})
    assert r.status_code == 200 and Decimal(r.json()["amount"]) == Decimal("5000")
    r = manager.send("put", "/targets", {"period_kind": "month", "period_start": today.isoformat(),
                                         "owner_id": actors["rep_south"].pk, "amount": "5000"})
    assert r.status_code == 403
    r = manager.get("/forecast?period=month&group=owner")
    assert r.status_code == 200
    row = next(x for x in r.json()["rows"] if x["key"] == actors["rep_north"].pk)
    cell = next(c for c in row["cells"] if c["period_start"] == today.replace(day=1).isoformat())
    assert Decimal(cell["pipeline"]) == Decimal("1000") and Decimal(cell["weighted"]) == Decimal("500")
    assert Decimal(cell["target"]) == Decimal("5000")
    assert len(api("rep_south").get("/targets").json()) == 0
    assert len(api("rep_north").get("/targets").json()) == 1


def test_won_lost_reopen_and_exchange_rates(api, actors, customers, stages, reason):
    deal = make_deal(actors["rep_north"], customers["rep_north"][0], stages["Proposal"])
    rep = api("rep_north")
    url = f"/deals/{deal.pk}"
    assert rep.send("post", f"{url}/won", {}).status_code == 428
    r = rep.send("post", f"{url}/lost", {}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lost_reason_id"
    r = rep.send("post", f"{url}/lost", {"lost_reason_id": reason.pk}, HTTP_IF_MATCH='"1"')
    assert r.status_code == 200 and r.json()["outcome"] == "lost"
    r = rep.send("post", f"{url}/reopen", {"stage_id": stages["Qualified"].pk}, HTTP_IF_MATCH='"2"')
    assert r.status_code == 200 and r.json()["stage_name"] == "Qualified" and r.json()["closed_at"] is None
    r = rep.send("post", f"{url}/won", {}, HTTP_IF_MATCH='"2"')
    assert r.status_code == 409
    r = rep.send("post", f"{url}/won", {"version": 3})
    assert r.status_code == 200 and r.json()["outcome"] == "won"
    assert rep.send("put", "/exchange-rates", {"currency": "EUR", "rate": "11.5", "valid_from": "2026-01-01"}
                    ).status_code == 403
    r = api("admin").send("put", "/exchange-rates", {"currency": "eur", "rate": "11.5", "valid_from": "2026-01-01"})
    assert r.status_code == 200 and r.json()["currency"] == "EUR"
    assert Decimal(rep.get("/exchange-rates?currency=EUR").json()[0]["rate"]) == Decimal("11.5")
