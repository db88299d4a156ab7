"""Quotes and catalogue over the API: same rules as the pages, roles, If-Match, PDF, query counts."""

import pytest

from tests.people.test_api import Api
from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, make_deal, pdf_text
from tillit.sales.models import Quote, QuoteStatus
from tillit.sales.services import quotes as svc


@pytest.fixture
def as_user(actors):
    return lambda name: Api(actors[name])


def test_a_rep_builds_a_quote_over_the_api(as_user, deal, products, nok_list):
    api = as_user("rep_north")
    response = api.post("/quotes", {"deal_id": deal.pk})
    assert response.status_code == 201, response.content
    quote = response.json()
    assert quote["status"] == "draft" and quote["number"].startswith("Q-") and quote["currency"] == "NOK"
    line = api.post(f"/quotes/{quote['id']}/lines", {"product_id": products["pump"].pk, "quantity": "2",
                                                     "discount_percent": "10"})
    assert line.status_code == 201, line.content
    assert line.json()["list_price"] == "24990.0000" and line.json()["net"] == "44982.0000"
    free = api.post(f"/quotes/{quote['id']}/lines", {"description": "Frakt", "unit_price": "1 250,50"})
    assert free.status_code == 201 and free.json()["list_price"] is None
    got = api.get(f"/quotes/{quote['id']}")
    etag = got["ETag"]
    patched = api.patch(f"/quotes/{quote['id']}", {"discount_percent": "5"}, HTTP_IF_MATCH=etag)
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert len(body["lines"]) == 2
    assert body["total"] == str(Quote.objects.get(pk=quote["id"]).total)
    stale = api.patch(f"/quotes/{quote['id']}", {"discount_percent": "7"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert api.patch(f"/quotes/{quote['id']}", {"terms": "x"}).status_code == 428


def test_bad_line_input_is_422_naming_the_field(as_user, deal):
    api = as_user("rep_north")
    quote = api.post("/quotes", {"deal_id": deal.pk}).json()
    response = api.post(f"/quotes/{quote['id']}/lines", {"description": "x", "unit_price": "10",
                                                         "discount_percent": "150"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "discount_percent"
    assert api.post(f"/quotes/{quote['id']}/lines", {"product_id": 999999}).json()["errors"][0]["field"] == \
        "product_id"


def test_send_accept_and_order_over_the_api(as_user, smtp_server, deal, products, nok_list):
    api = as_user("rep_north")
    quote = api.post("/quotes", {"deal_id": deal.pk}).json()
    api.post(f"/quotes/{quote['id']}/lines", {"product_id": products["pump"].pk})
    sent = api.post(f"/quotes/{quote['id']}/send", {"to": ""})
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert len(smtp_server.messages) == 1
    assert api.post(f"/quotes/{quote['id']}/lines", {"description": "x", "unit_price": "1"}).status_code == 422
    accepted = api.post(f"/quotes/{quote['id']}/accept", {})
    assert accepted.status_code == 200, accepted.content
    order = api.get(f"/orders/{accepted.json()['order_id']}").json()
    assert order["quote_id"] == quote["id"] and order["total"] == sent.json()["total"]
    assert order["lines"][0]["list_price"] == "24990.0000"


def test_the_pdf_over_the_api(as_user, deal, products, nok_list):
    api = as_user("rep_north")
    quote = api.post("/quotes", {"deal_id": deal.pk}).json()
    api.post(f"/quotes/{quote['id']}/lines", {"product_id": products["pump"].pk})
    response = api.get(f"/quotes/{quote['id']}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert quote["number"] in pdf_text(response.content)
    assert as_user("rep_south").get(f"/quotes/{quote['id']}/pdf").status_code == 404
    assert as_user("partner").get(f"/quotes/{quote['id']}/pdf").status_code == 403


@pytest.mark.parametrize(("who", "sees"), [
    ("rep_north", {"north"}), ("rep_north2", set()), ("manager_north", {"north"}), ("rep_south", {"south"}),
    ("admin", {"north", "south"}), ("service", {"north", "south"}),
])
def test_quote_list_per_role(as_user, actors, pipeline, customer, who, sees):
    north = make_deal(actors, pipeline, customer, owner="rep_north", title="north")
    south = make_deal(actors, pipeline, customer, owner="rep_south", title="south")
    svc.quote_create(actor=actors["rep_north"], deal=north, today=TODAY)
    svc.quote_create(actor=actors["rep_south"], deal=south, today=TODAY)
    response = as_user(who).get("/quotes")
    assert response.status_code == 200
    assert {q["deal_id"] for q in response.json()["items"]} == {d.pk for d in (north, south) if d.title in sees}


@pytest.mark.parametrize("who", ["rep_north2", "rep_south"])
def test_outsiders_cannot_touch_a_quote(as_user, deal, who):
    quote = as_user("rep_north").post("/quotes", {"deal_id": deal.pk}).json()
    api = as_user(who)
    assert api.get(f"/quotes/{quote['id']}").status_code == 404
    assert api.post(f"/quotes/{quote['id']}/lines", {"description": "x", "unit_price": "1"}).status_code == 404
    assert api.post(f"/quotes/{quote['id']}/send", {}).status_code == 404
    assert api.post("/quotes", {"deal_id": deal.pk}).status_code == 422


@pytest.mark.parametrize("who", ["partner", "customer"])
def test_partners_and_customers_get_403(as_user, deal, who):
    assert as_user(who).get("/quotes").status_code == 403
    assert as_user(who).get("/products").status_code == 403
    assert as_user(who).post("/quotes", {"deal_id": deal.pk}).status_code == 403


def test_quote_list_query_count_does_not_grow(as_user, actors, deal, products, nok_list,
                                              django_assert_max_num_queries):
    api = as_user("rep_north")
    for _ in range(3):
        quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
        svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    api.get("/quotes")  # warm up the token look-up caches
    with django_assert_max_num_queries(6):
        small = api.get("/quotes")
    for _ in range(10):
        quote = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
        svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    with django_assert_max_num_queries(6):
        big = api.get("/quotes")
    assert len(big.json()["items"]) == 13 and len(small.json()["items"]) == 3


# --- catalogue ------------------------------------------------------------------------------
def test_managers_keep_the_catalogue_and_reps_read_it(as_user, products):
    manager, rep = as_user("manager_north"), as_user("rep_north")
    created = manager.post("/products", {"sku": "HP-12", "name": "Varmepumpe 12 kW", "vat_rate": "25",
                                         "warranty_months": 60})
    assert created.status_code == 201, created.content
    assert rep.post("/products", {"sku": "X", "name": "X"}).status_code == 403
    assert manager.post("/products", {"sku": "hp-12", "name": "Dup"}).json()["errors"][0]["field"] == "sku"
    listed = rep.get("/products", {"q": "varmepumpe"})
    assert {p["sku"] for p in listed.json()["items"]} == {"HP-9", "HP-12"}
    product_id = created.json()["id"]
    etag = manager.get(f"/products/{product_id}")["ETag"]
    assert manager.patch(f"/products/{product_id}", {"vat_rate": "15"}, HTTP_IF_MATCH=etag).json()["vat_rate"] == \
        "15.00"
    assert manager.patch(f"/products/{product_id}", {"vat_rate": "12"}, HTTP_IF_MATCH=etag).status_code == 409
    assert manager.patch(f"/products/{product_id}", {"vat_rate": "101"}, HTTP_IF_MATCH='"2"').status_code == 422


def test_price_lists_groups_and_price_resolution(as_user, products, nok_list, customer):
    admin = as_user("admin")
    group = admin.post("/customer-groups", {"name": "Installers", "organization_ids": [customer["org"].pk]})
    assert group.status_code == 201 and group.json()["organization_ids"] == [customer["org"].pk]
    special = admin.post("/price-lists", {"name": "Installers NOK", "currency": "nok",
                                          "customer_group_id": group.json()["id"]})
    assert special.status_code == 201 and special.json()["currency"] == "NOK"
    put = admin.put(f"/price-lists/{special.json()['id']}/prices/{products['pump'].pk}", {"unit_price": "19 990"})
    assert put.status_code == 200 and put.json()["unit_price"] == "19990.0000"
    prices = admin.get(f"/price-lists/{special.json()['id']}/prices").json()
    assert [p["sku"] for p in prices] == ["HP-9"]
    rep = as_user("rep_north")
    for_customer = rep.get(f"/products/{products['pump'].pk}/price",
                           {"currency": "NOK", "organization_id": customer["org"].pk}).json()
    assert for_customer["unit_price"] == "19990.0000"
    general = rep.get(f"/products/{products['pump'].pk}/price", {"currency": "NOK"}).json()
    assert general["unit_price"] == "24990.0000" and general["price_list_id"] == nok_list.pk
    assert rep.get(f"/products/{products['pump'].pk}/price", {"currency": "SEK"}).json()["unit_price"] is None
    bad = admin.post("/price-lists", {"name": "Bad", "currency": "kroner"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "currency"
    assert admin.put(f"/price-lists/{nok_list.pk}/prices/{products['book'].pk}",
                     {"unit_price": "-1"}).status_code == 422


def test_quote_status_filter(as_user, actors, deal):
    q1 = svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    Quote.objects.filter(pk=q1.pk).update(status=QuoteStatus.SENT)
    items = as_user("rep_north").get("/quotes", {"status": "sent"}).json()["items"]
    assert [q["id"] for q in items] == [q1.pk]


def test_catalogue_lists_query_counts(as_user, actors, django_assert_max_num_queries):
    from tillit.sales.models import Price, PriceList, Product
    from tillit.sales.services.catalog import customer_group_create

    api = as_user("rep_north")
    price_list = PriceList.objects.create(name="Big", currency="NOK")
    for n in range(40):
        product = Product.objects.create(sku=f"Q{n}", name=f"Q {n}")
        Price.objects.create(price_list=price_list, product=product, unit_price=n)
    for n in range(5):
        customer_group_create(actor=actors["admin"], name=f"G{n}")
    api.get("/products")
    with django_assert_max_num_queries(5):
        assert len(api.get("/products").json()["items"]) == 40
    with django_assert_max_num_queries(5):
        assert len(api.get(f"/price-lists/{price_list.pk}/prices").json()) == 40
    with django_assert_max_num_queries(6):
        assert len(api.get("/customer-groups").json()) == 5
    with django_assert_max_num_queries(5):
        api.get("/price-lists")
