"""The board page: columns with count, sum and weighted sum, cards, bounded queries — and in a real browser,
drag and drop that is saved, survives a reload, and a stale move that is refused."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.sales.test_deals_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_deals_helpers import make_deal
from tillit.sales.models import Deal, ExchangeRate
from tillit.sales.selectors.deals import board
from tillit.sales.services.deals import deal_move


@pytest.mark.django_db
def test_columns_sum_weighted_and_convert_currencies(actors, customers, stages, pipeline):
    rep = actors["rep_north"]
    person = customers["rep_north"][0]
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("11.25"), valid_from=dt.date(2020, 1, 1))
    make_deal(rep, person, stages["Proposal"], value="1000.10")
    make_deal(rep, person, stages["Proposal"], value="10", currency="EUR")  # 112.50 NOK
    make_deal(rep, person, stages["Proposal"], value="5", currency="USD")  # no rate: left out, named
    old_win = make_deal(rep, person, stages["Won"], value="7")
    Deal.objects.filter(pk=old_win.pk).update(closed_at=timezone.now() - dt.timedelta(days=90))
    columns = {c.stage.name: c for c in board(actor=rep, pipeline=pipeline)}
    proposal = columns["Proposal"]
    assert proposal.count == 3 and len(proposal.deals) == 3
    assert proposal.total == Decimal("1112.60") and proposal.weighted == Decimal("556.30")
    assert proposal.missing_rates == ["USD"]
    assert columns["Won"].count == 0  # closed long ago: off the board


@pytest.mark.django_db
def test_board_page_and_query_count(actors, customers, stages, pipeline, login, django_assert_max_num_queries):
    rep = actors["rep_north"]
    for i in range(20):
        make_deal(rep, customers["rep_north"][0], stages["Lead" if i % 2 else "Proposal"], title=f"Deal {i}",
                  close=dt.date(2020, 1, 1) if i == 0 else None)
    client = login(rep)
    with django_assert_max_num_queries(12):
        html = client.get("/deals/board/").content.decode()
    assert html.count('class="dealcard') == 20
    assert re.search(r'data-testid="column-Lead".*?<span class="count" data-testid="count">10</span>', html, re.S)
    assert "is-overdue" in html  # the deal due in 2020


def _digits(text: str) -> str:
    """An amount's digits whatever the language's separators: "1 500,00" and "1,500.00" → "150000"."""
    return re.sub(r"\D", "", text)


@pytest.mark.django_db
def test_totals_fragment_swaps_every_header_and_the_top_totals(actors, customers, stages, pipeline, login,
                                                                django_assert_max_num_queries):
    rep = actors["rep_north"]
    make_deal(rep, customers["rep_north"][0], stages["Lead"], value="1000")
    make_deal(rep, customers["rep_north"][0], stages["Proposal"], value="500")
    make_deal(actors["rep_south"], customers["rep_south"][0], stages["Proposal"], value="9999")  # not hers
    client = login(rep)
    with django_assert_max_num_queries(8):
        html = client.get(f"/deals/board/totals/?pipeline={pipeline.pk}&scope=all").content.decode()
    assert 'dealcard' not in html  # only the sums are read and sent
    assert html.count('hx-swap-oob="true"') == 1 + len(stages)
    proposal = re.search(rf'<header id="col-head-{stages["Proposal"].pk}" hx-swap-oob="true">(.*?)</header>',
                         html, re.S)
    assert 'data-testid="count">1<' in proposal[1] and _digits(re.search(r'"sum">([^<]*)', proposal[1])[1]) == "50000"
    kpis = re.search(r'id="board-kpis" hx-swap-oob="true"(.*?)</div>\s*</div>\s*</div>', html, re.S)[1]
    assert re.search(r'"open-count">2<', kpis) and _digits(re.search(r'"open-total">([^<]*)', kpis)[1]) == "150000"
    assert _digits(re.search(r'"open-weighted">([^<]*)', kpis)[1]) == "35000"  # 10 % of 1000 + 50 % of 500


@pytest.mark.django_db
def test_totals_fragment_needs_a_pipeline(actors, login):
    assert login(actors["admin"]).get("/deals/board/totals/").status_code == 404


@pytest.mark.django_db
def test_admin_board_of_many_owners_and_customers_reads_a_fixed_number_of_queries(
        actors, customers, stages, pipeline, login, django_assert_max_num_queries):
    # Every card names its customer (person or organisation) and owner: those must come with the cards.
    for i, key in enumerate(["rep_north", "rep_north2", "rep_south"] * 10):
        person, org = customers[key]
        make_deal(actors[key], person, list(stages.values())[i % 4], title=f"Deal {i}",
                  organization=org if i % 2 else None)
    client = login(actors["admin"])
    with django_assert_max_num_queries(12):
        html = client.get("/deals/board/").content.decode()
    assert html.count('class="dealcard') == 30
    assert "Org of rep_south" in html and "Kari rep_north2" in html
    card = html[html.index('data-testid="card-'):]
    assert '<option value="' in card and "selected" in card


@pytest.mark.django_db
def test_one_card_fragment_is_the_boards_card(actors, customers, stages, pipeline, login):
    deal = make_deal(actors["rep_north"], customers["rep_north"][0], stages["Lead"], title="Tom & Jerry <AS>",
                     close=dt.date(2020, 1, 1))
    client = login(actors["rep_north"])
    board_html = client.get("/deals/board/").content.decode()
    fragment = client.get(f"/deals/{deal.pk}/card/").content.decode().strip()
    assert fragment in board_html
    assert "Tom &amp; Jerry &lt;AS&gt;" in fragment and "<AS>" not in fragment
    assert 'class="dealcard is-overdue"' in fragment
    assert f'value="{stages["Lead"].pk}" data-outcome="open" selected' in fragment


@pytest.mark.django_db
def test_board_without_pipeline_shows_how_to_start(actors, login):
    html = login(actors["admin"]).get("/deals/board/").content.decode()
    assert "No pipeline yet" in html and "/pipelines/new/" in html


# --- real browser --------------------------------------------------------------------------
@pytest.fixture
def board_deal(transactional_db, actors, customers, stages, reason):
    return make_deal(actors["rep_north"], customers["rep_north"][0], stages["Lead"], title="Sauna heater",
                     close=dt.date(2030, 1, 1))


def test_drag_a_deal_to_another_stage_and_reload(board_deal, stages, actors, browser_login):
    page = browser_login(actors["rep_north"])
    page.goto("/deals/board/")
    card = page.locator(f"[data-testid=card-{board_deal.pk}]")
    target = page.locator("[data-testid='column-Proposal'] .cards")
    card.drag_to(target)
    page.locator("#board-status.ok").wait_for()
    assert "Proposal" in page.locator("#board-status").inner_text()
    assert page.locator(f"[data-testid='column-Proposal'] [data-testid=card-{board_deal.pk}]").count() == 1
    board_deal.refresh_from_db()
    assert board_deal.stage == stages["Proposal"] and board_deal.version == 2
    page.reload()
    assert page.locator(f"[data-testid='column-Proposal'] [data-testid=card-{board_deal.pk}]").count() == 1
    assert page.locator("[data-testid='column-Proposal'] [data-testid=count]").inner_text() == "1"

    # Someone else moves it meanwhile; our (now stale) drag is refused and the card snaps to where it really is.
    deal_move(actor=actors["manager_north"], deal=Deal.objects.get(pk=board_deal.pk), stage=stages["Negotiation"],
              expected_version=2)
    card = page.locator(f"[data-testid=card-{board_deal.pk}]")
    card.drag_to(page.locator("[data-testid='column-Qualified'] .cards"))
    page.locator("#board-status.warn").wait_for()
    status = page.locator("#board-status").inner_text()
    assert "was moved by Manager North" in status and "reloaded" in status
    assert page.locator(f"[data-testid='column-Negotiation'] [data-testid=card-{board_deal.pk}]").count() == 1
    assert Deal.objects.get(pk=board_deal.pk).stage == stages["Negotiation"]


def _text(page, selector: str) -> str:
    return _digits(page.locator(selector).inner_text())


def test_column_sums_and_totals_follow_a_drag_and_a_refused_move(board_deal, stages, actors, customers,
                                                                    browser_login):
    make_deal(actors["rep_north"], customers["rep_north"][0], stages["Proposal"], value="500", title="Tank")
    page = browser_login(actors["rep_north"])
    page.goto("/deals/board/")
    lead, proposal = "[data-testid='column-Lead']", "[data-testid='column-Proposal']"
    assert _text(page, f"{lead} [data-testid=sum]") == "100000"
    assert _text(page, f"{proposal} [data-testid=sum]") == "50000"
    assert _text(page, "[data-testid=open-weighted]") == "35000"
    page.locator(f"[data-testid=card-{board_deal.pk}]").drag_to(page.locator(f"{proposal} .cards"))
    page.wait_for_function("() =>  document.querySelector(\"[data-testid='column-Proposal'] [data-testid=sum]\")"
                           ".textContent.replace(/\\D/g, '') === '150000'")
    assert _text(page, f"{lead} [data-testid=sum]") == "000" and _text(page, f"{lead} [data-testid=count]") == "0"
    assert _text(page, f"{proposal} [data-testid=count]") == "2"
    assert _text(page, f"{proposal} [data-testid=weighted]") == "75000"
    assert _text(page, "[data-testid=open-total]") == "150000" and _text(page, "[data-testid=open-weighted]") == "75000"
    assert _text(page, "[data-testid=open-count]") == "2"

    # Someone wins it meanwhile: our stale drag is refused, and the totals show the deal in Won, not open.
    deal_move(actor=actors["manager_north"], deal=Deal.objects.get(pk=board_deal.pk), stage=stages["Won"],
              expected_version=2)
    page.locator(f"[data-testid=card-{board_deal.pk}]").drag_to(page.locator("[data-testid='column-Qualified'] .cards"))
    page.locator("#board-status.warn").wait_for()
    page.wait_for_function("() =>  document.querySelector('[data-testid=open-total]')"
                           ".textContent.replace(/\\D/g, '') === '50000'")
    assert _text(page, "[data-testid='column-Won'] [data-testid=sum]") == "100000"
    assert _text(page, "[data-testid='column-Won'] [data-testid=count]") == "1"
    assert _text(page, f"{proposal} [data-testid=count]") == "1" and _text(page, "[data-testid=open-count]") == "1"
    assert _text(page, "[data-testid='column-Qualified'] [data-testid=count]") == "0"


def test_keyboard_move_into_lost_asks_for_a_reason(board_deal, stages, actors, reason, browser_login):
    page = browser_login(actors["rep_north"])
    page.goto("/deals/board/")
    page.select_option(f"[data-testid=move-{board_deal.pk}]", str(stages["Lost"].pk))
    dialog = page.locator("#lost-dialog")
    dialog.wait_for(state="visible")
    page.select_option("#lost-reason", str(reason.pk))
    page.fill("#lost-note", "Went with oil")
    dialog.locator("button.primary").click()
    page.locator("#board-status.ok").wait_for()
    deal = Deal.objects.get(pk=board_deal.pk)
    assert deal.stage == stages["Lost"] and deal.lost_reason == reason and deal.lost_note == "Went with oil"


def test_enter_in_a_pipeline_field_saves_without_moving_a_stage(browser_login, actors, pipeline, stages):
    page = browser_login(actors["admin"])
    page.goto(f"/pipelines/{pipeline.pk}/")
    before = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    name = page.locator("input[value='Lead']")
    name.fill("Inbound lead")
    name.press("Enter")
    page.wait_for_url(f"**/pipelines/{pipeline.pk}/")
    page.wait_for_load_state()
    after = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    assert after == ["Inbound lead" if n == "Lead" else n for n in before]
