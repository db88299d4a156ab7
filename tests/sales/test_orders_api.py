"""Orders over the API: ERP-style registration by SKU (idempotent), If-Match status changes, deliveries, roles."""

import pytest

from tests.people.test_api import Api
from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tillit.sales.models import Order


@pytest.fixture
def as_user(actors):
    return lambda name: Api(actors[name])


def _register(api, customer, **extra):
    return api.post("/orders", {"organization_id": customer["org"].pk, "currency": "NOK",
                                "lines": [{"sku": "HP-9", "quantity": "1"},
                                          {"description": "Frakt", "unit_price": "499.00"}], **extra})


def test_register_by_sku_and_replay_by_external_id(as_user, customer, products, nok_list):
    api = as_user("rep_north")
    first = _register(api, customer, external_id="ERP-77")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["lines"][0]["product_id"] == products["pump"].pk and body["lines"][0]["list_price"] == "24990.0000"
    assert body["external_id"] == "ERP-77" and first["ETag"] == '"1"'
    again = _register(api, customer, external_id="ERP-77")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Order.objects.count() == 1


def test_bad_order_input_names_the_line(as_user, customer, products):
    api = as_user("rep_north")
    response = api.post("/orders", {"organization_id": customer["org"].pk, "currency": "NOK",
                                    "lines": [{"description": "ok", "unit_price": "1"}, {"sku": "NOPE"}]})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "lines[1].sku"
    response = api.post("/orders", {"organization_id": customer["org"].pk, "currency": "NOK",
                                    "lines": [{"description": "x", "unit_price": "1", "discount_percent": "200"}]})
    assert response.json()["errors"][0]["field"] == "lines[0].discount_percent"
    assert api.post("/orders", {"currency": "NOK", "lines": []}).status_code == 422
    assert not Order.objects.exists()


def test_status_change_needs_if_match(as_user, customer, products, nok_list):
    api = as_user("rep_north")
    order = _register(api, customer).json()
    path = f"/orders/{order['id']}/status"
    assert api.post(path, {"status": "confirmed"}).status_code == 428
    ok = api.post(path, {"status": "confirmed"}, HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed" and ok["ETag"] == '"2"'
    assert api.post(path, {"status": "shipped"}, HTTP_IF_MATCH='"1"').status_code == 409
    assert api.post(path, {"status": "registered"}, HTTP_IF_MATCH='"2"').status_code == 422
    delivered = api.post(path, {"status": "delivered"}, HTTP_IF_MATCH='"2"').json()
    pump = delivered["lines"][0]
    assert pump["delivery_status"] == "delivered" and pump["warranty_until"]


def test_a_line_delivery_over_the_api(as_user, customer, products, nok_list):
    api = as_user("rep_north")
    order = _register(api, customer).json()
    line_id = order["lines"][0]["id"]
    response = api.patch(f"/orders/{order['id']}/lines/{line_id}",
                         {"delivery_status": "delivered", "delivered_on": "2026-01-15"})
    assert response.status_code == 200
    assert response.json()["warranty_until"] == "2031-01-15"
    bad = api.patch(f"/orders/{order['id']}/lines/{line_id}", {"delivery_status": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "delivery_status"


@pytest.mark.parametrize(("who", "status"), [
    ("rep_north", 200), ("manager_north", 200), ("admin", 200), ("service", 200),
    ("rep_north2", 404), ("rep_south", 404), ("partner", 403), ("customer", 403),
])
def test_order_access_per_role(as_user, customer, products, nok_list, who, status):
    order = _register(as_user("rep_north"), customer).json()
    assert as_user(who).get(f"/orders/{order['id']}").status_code == status
    listed = as_user(who).get("/orders")
    if status == 403:
        assert listed.status_code == 403
    else:
        assert (order["id"] in [o["id"] for o in listed.json()["items"]]) == (status == 200)


def test_a_rep_cannot_register_for_someone_elses_customer(as_user, customer):
    response = _register(as_user("rep_south"), customer)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "organization_id"


def test_order_list_query_count(as_user, customer, products, nok_list, django_assert_max_num_queries):
    api = as_user("rep_north")
    for _ in range(3):
        _register(api, customer)
    api.get("/orders")
    with django_assert_max_num_queries(6):
        few = api.get("/orders").json()["items"]
    for _ in range(8):
        _register(api, customer)
    with django_assert_max_num_queries(6):
        many = api.get("/orders").json()["items"]
    assert (len(few), len(many)) == (3, 11)
