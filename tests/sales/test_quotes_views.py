"""Quote pages: create from a deal, the htmx editor with live totals, list filters, roles, query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import TODAY, D, make_deal
from tillit.sales.models import Order, Quote, QuoteStatus
from tillit.sales.services import quotes as svc

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def quote(actors, deal):
    return svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)


def test_a_quote_is_created_from_the_deal(login, actors, deal):
    client = login(actors["rep_north"])
    page = client.get(f"/deals/{deal.pk}/quotes/new/")
    assert page.status_code == 200 and deal.title in page.content.decode()
    response = client.post(f"/deals/{deal.pk}/quotes/new/", {"valid_until": ""})
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/quotes/{quote.pk}/"
    assert quote.owner == actors["rep_north"]


@pytest.mark.parametrize(("who", "status"), [("rep_south", 404), ("rep_north2", 404), ("partner", 403)])
def test_outsiders_cannot_quote_the_deal(login, actors, deal, who, status):
    assert login(actors[who]).post(f"/deals/{deal.pk}/quotes/new/", {}).status_code == status
    assert not Quote.objects.exists()


def test_the_editor_adds_lines_and_shows_live_totals(login, actors, quote, products, nok_list):
    client = login(actors["rep_north"])
    response = client.post(f"/quotes/{quote.pk}/lines/", {"product": products["pump"].pk, "quantity": "2"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="editor"')  # only the partial for htmx
    assert "49,980.00" in body and "62,475.00" in body
    response = client.post(f"/quotes/{quote.pk}/lines/", {"description": "Frakt", "unit_price": "500",
                                                          "vat_rate": "25", "discount_percent": "10"}, **HTMX)
    assert "450.00" in response.content.decode()
    quote.refresh_from_db()
    response = client.post(f"/quotes/{quote.pk}/settings/", {
        "discount_percent": "10", "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "recipient_email": "",
        "introduction": "", "terms": "", "version": quote.version}, **HTMX)
    assert response.status_code == 200
    quote.refresh_from_db()
    assert quote.discount_total == D("4998.00") + D("45.00")
    assert f"{quote.total:,.2f}" in response.content.decode()


def test_editing_a_line_inline_recalculates(login, actors, quote, products, nok_list):
    line = svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    client = login(actors["rep_north"])
    response = client.post(f"/quotes/{quote.pk}/lines/{line.pk}/", {
        "description": line.description, "quantity": "3", "unit_price": "20000", "discount_percent": "",
        "vat_rate": "25"}, **HTMX)
    assert response.status_code == 200 and "60,000.00" in response.content.decode()
    line.refresh_from_db()
    assert (line.list_price, line.unit_price) == (D("24990"), D("20000"))
    bad = client.post(f"/quotes/{quote.pk}/lines/{line.pk}/", {
        "description": line.description, "quantity": "0", "unit_price": "1", "vat_rate": "25"}, **HTMX)
    assert bad.status_code == 200 and "more than zero" in bad.content.decode()
    removed = client.post(f"/quotes/{quote.pk}/lines/{line.pk}/remove/", **HTMX)
    assert removed.status_code == 200 and not quote.lines.exists()


def test_a_line_without_a_price_shows_the_error_on_the_field(login, actors, quote, products):
    response = login(actors["rep_north"]).post(f"/quotes/{quote.pk}/lines/", {"product": products["book"].pk},
                                               **HTMX)
    assert response.status_code == 200  # htmx only swaps 2xx; the error is in the HTML
    assert 'data-field="unit_price"' in response.content.decode()


def test_a_sent_quote_is_read_only_and_offers_a_revision(login, actors, quote, products, nok_list):
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT)
    client = login(actors["rep_north"])
    body = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert 'data-testid="add-line"' not in body and "Make a revised copy" in body and 'data-testid="accept"' in body
    response = client.post(f"/quotes/{quote.pk}/lines/", {"description": "x", "unit_price": "1"}, **HTMX)
    assert response.status_code == 200 and "revised copy" in response.content.decode()
    no_htmx = client.post(f"/quotes/{quote.pk}/lines/", {"description": "x", "unit_price": "1"})
    assert no_htmx.status_code == 422 and "revised copy" in no_htmx.content.decode()
    response = client.post(f"/quotes/{quote.pk}/revise/")
    copy = Quote.objects.exclude(pk=quote.pk).get()
    assert response["Location"] == f"/quotes/{copy.pk}/" and copy.status == QuoteStatus.DRAFT


def test_accept_on_the_page_leads_to_the_order(login, actors, quote, products, nok_list):
    svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT)
    response = login(actors["rep_north"]).post(f"/quotes/{quote.pk}/accept/", follow=True)
    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert "the deal is won" in response.content.decode()


def test_declining_on_the_page(login, actors, quote):
    Quote.objects.filter(pk=quote.pk).update(status=QuoteStatus.SENT)
    login(actors["rep_north"]).post(f"/quotes/{quote.pk}/decline/", {"reason": "Valgte en annen"})
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DECLINED


@pytest.mark.parametrize(("who", "status"), [
    ("rep_north", 200), ("manager_north", 200), ("admin", 200), ("service", 200),
    ("rep_north2", 404), ("rep_south", 404), ("partner", 403), ("customer", 403),
])
def test_quote_page_per_role(login, actors, quote, who, status):
    assert login(actors[who]).get(f"/quotes/{quote.pk}/").status_code == status
    post = login(actors[who]).post(f"/quotes/{quote.pk}/lines/", {"description": "x", "unit_price": "1"})
    assert post.status_code == (302 if status == 200 else status)


def test_quote_list_mine_and_status_filters(login, actors, pipeline, customer):
    north = make_deal(actors, pipeline, customer, owner="rep_north", title="Nordlys")
    other = make_deal(actors, pipeline, customer, owner="rep_north2", title="Annen")
    mine = svc.quote_create(actor=actors["rep_north"], deal=north, today=TODAY)
    theirs = svc.quote_create(actor=actors["rep_north2"], deal=other, today=TODAY)
    rep = login(actors["rep_north"]).get("/quotes/").content.decode()
    assert mine.number in rep and theirs.number not in rep
    manager = login(actors["manager_north"])
    assert theirs.number not in manager.get("/quotes/?scope=mine").content.decode()
    everything = manager.get("/quotes/?scope=all").content.decode()
    assert mine.number in everything and theirs.number in everything
    assert mine.number not in manager.get("/quotes/?scope=all&status=sent").content.decode()


def test_quote_list_query_count(login, actors, deal, django_assert_max_num_queries):
    for _ in range(25):
        svc.quote_create(actor=actors["rep_north"], deal=deal, today=TODAY)
    client = login(actors["rep_north"])
    with django_assert_max_num_queries(8):
        body = client.get("/quotes/").content.decode()
    assert body.count('href="/quotes/') >= 25


def test_quote_editor_query_count(login, actors, quote, products, nok_list, django_assert_max_num_queries):
    for _ in range(8):
        svc.quote_line_add(actor=actors["rep_north"], quote=quote, product=products["pump"], today=TODAY)
    client = login(actors["rep_north"])
    with django_assert_max_num_queries(14):
        client.get(f"/quotes/{quote.pk}/")


def test_picking_a_product_shows_the_customers_price(login, actors, quote, products, nok_list):
    client = login(actors["rep_north"])
    body = client.get(f"/quotes/{quote.pk}/price/", {"product": products["pump"].pk}, **HTMX).content.decode()
    assert "24,990.00 NOK" in body and "Standard NOK" in body
    body = client.get(f"/quotes/{quote.pk}/price/", {"product": products["book"].pk}, **HTMX).content.decode()
    assert "enter a unit price" in body
    assert login(actors["rep_south"]).get(f"/quotes/{quote.pk}/price/", {"product": products["pump"].pk}
                                          ).status_code == 404
