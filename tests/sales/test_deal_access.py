"""Who sees which deals: pages (list, deal page, board, forecast) for every role."""

import datetime as dt

import pytest

from tests.sales.test_deals_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_deals_helpers import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(actors, customers, stages):
    return {
        key: make_deal(actors[key], customers[key][0], stages["Proposal"], title=f"Deal of {key}",
                       close=dt.date(2026, 6, 1))
        for key in ("rep_north", "rep_north2", "rep_south")
    }


# (actor, deals they must see); everyone else's deals they must not see.
SEES = {
    "admin": {"rep_north", "rep_north2", "rep_south"},
    "manager_north": {"rep_north", "rep_north2"},
    "rep_north": {"rep_north"},
    "rep_south": {"rep_south"},
}


@pytest.mark.parametrize("actor", list(SEES))
def test_list_board_and_deal_page(actor, actors, deals, login, pipeline):
    client = login(actors[actor])
    listing = client.get("/deals/?scope=all").content.decode()
    board = client.get(f"/deals/board/?pipeline={pipeline.pk}").content.decode()
    for key, deal in deals.items():
        visible = key in SEES[actor]
        assert (deal.title in listing) is visible, (actor, key, "list")
        assert (f'data-deal="{deal.pk}"' in board) is visible, (actor, key, "board")
        assert client.get(f"/deals/{deal.pk}/").status_code == (200 if visible else 404)
        assert client.get(f"/deals/{deal.pk}/edit/").status_code == (200 if visible else 404)
        assert client.get(f"/deals/{deal.pk}/card/").status_code == (200 if visible else 404)


@pytest.mark.parametrize("actor", ["partner", "customer"])
def test_outsiders_see_nothing(actor, actors, deals, login, pipeline):
    client = login(actors[actor])
    for url in ("/deals/", "/deals/board/", "/forecast/", f"/deals/{deals['rep_north'].pk}/"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"Deal of" not in response.content


def test_my_deals_scope(actors, deals, login):
    client = login(actors["manager_north"])
    mine = client.get("/deals/").content.decode()
    assert "Deal of rep_north" not in mine  # the manager owns none: "mine" is empty
    team = client.get("/deals/?scope=team").content.decode()
    assert "Deal of rep_north" in team and "Deal of rep_north2" in team and "Deal of rep_south" not in team


def test_forecast_page_per_role(actors, deals, login):
    for actor, keys in SEES.items():
        page = login(actors[actor]).get("/forecast/?period=quarter&group=owner").content.decode()
        for key in ("rep_north", "rep_north2", "rep_south"):
            assert (str(actors[key]) in page) is (key in keys), (actor, key)


def test_create_deal_for_invisible_person_is_refused(actors, customers, login, stages):
    person, _org = customers["rep_south"]
    client = login(actors["rep_north"])
    response = client.post("/deals/new/", {
        "title": "Sneaky", "person": f"{person.full_name} (#{person.pk})", "currency": "NOK",
        "stage": stages["Lead"].pk, "products-TOTAL_FORMS": "0", "products-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and b"that you can see" in response.content


def test_list_query_count(actors, customers, stages, login, django_assert_max_num_queries):
    for i in range(25):
        make_deal(actors["rep_north"], customers["rep_north"][0], stages["Lead"], title=f"D{i}")
    client = login(actors["rep_north"])
    with django_assert_max_num_queries(12):
        response = client.get("/deals/?status=any")
    assert response.content.decode().count('data-deal="') == 25


def test_deal_form_create_edit_and_actions(actors, customers, stages, login, reason):
    from tillit.sales.models import Deal, Product

    pump = Product.objects.create(sku="HP-9", name="Heat pump 9")
    person, org = customers["rep_north"]
    client = login(actors["rep_north"])
    assert client.get(f"/deals/new/?person={person.pk}").status_code == 200
    response = client.post("/deals/new/", {
        "title": "Pump", "person": f"{person.full_name} (#{person.pk})", "organization": f"{org.name} (#{org.pk})",
        "value": "", "currency": "NOK", "stage": stages["Qualified"].pk, "expected_close_date": "2026-09-30",
        "products-TOTAL_FORMS": "1", "products-INITIAL_FORMS": "0",
        "products-0-product": pump.pk, "products-0-quantity": "10", "products-0-unit_price": "15000",
    })
    deal = Deal.objects.get(title="Pump")
    assert response.status_code == 302 and deal.value == 150000 and deal.stage == stages["Qualified"]
    edit = client.get(f"/deals/{deal.pk}/edit/").content.decode()
    assert 'value="150000"' in edit and 'value="10"' in edit and "E+" not in edit
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Heat pump 9" in page and "Deal created: Pump" in page and f"/deals/{deal.pk}/quotes/new/" in page
    # Stale won click: refused with a message, nothing changed.
    client.post(f"/deals/{deal.pk}/won/", {"version": "0"})
    deal.refresh_from_db()
    assert deal.stage == stages["Qualified"]
    client.post(f"/deals/{deal.pk}/lost/", {"version": deal.version, "lost_reason": reason.pk, "lost_note": "x"})
    deal.refresh_from_db()
    assert deal.stage == stages["Lost"] and deal.lost_reason == reason
    client.post(f"/deals/{deal.pk}/reopen/", {"version": deal.version, "stage": stages["Proposal"].pk})
    deal.refresh_from_db()
    assert deal.stage == stages["Proposal"] and deal.closed_at is None
    client.post(f"/deals/{deal.pk}/won/", {"version": deal.version})
    deal.refresh_from_db()
    assert deal.stage == stages["Won"]
    history = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Deal won: Pump" in history and "Deal reopened in Proposal" in history


def test_pickers_offer_only_visible_customers(actors, customers, login):
    client = login(actors["rep_north"])
    html = client.get("/deals/person-options/?person=Kari").content.decode()
    mine, _ = customers["rep_north"]
    theirs, _ = customers["rep_south"]
    assert f"(#{mine.pk})" in html and f"(#{theirs.pk})" not in html
    html = client.get("/deals/organization-options/?organization=Org").content.decode()
    assert "Org of rep_north" in html and "Org of rep_south" not in html


def test_manager_filters_by_owner(actors, deals, login):
    html = login(actors["manager_north"]).get(f"/deals/?owner={actors['rep_north2'].pk}").content.decode()
    assert "Deal of rep_north2" in html and "Deal of rep_north<" not in html and "Deal of rep_south" not in html
    # An owner outside the manager's view shows nothing (not a leak).
    html = login(actors["manager_north"]).get(f"/deals/?owner={actors['rep_south'].pk}").content.decode()
    assert "Deal of rep_south" not in html
