"""The forecast: arithmetic, currency conversion, rounding, targets and who sees what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.sales.test_deals_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_deals_helpers import make_deal
from tillit.core.errors import AccessDenied
from tillit.sales.models import ExchangeRate, SalesTarget
from tillit.sales.selectors.forecast import forecast, periods
from tillit.sales.services.forecast import target_set

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 5, 15)


def _won(owner, person, stage, value, closed, currency="NOK"):
    deal = make_deal(owner, person, stage, value=value, currency=currency)
    deal.closed_at = timezone.make_aware(dt.datetime.combine(closed, dt.time(12)))
    deal.save()
    return deal


def _col(fc, start):
    return [p.start for p in fc.periods].index(start)


def test_periods_quarter_and_month():
    qs = periods("quarter", today=TODAY)
    assert [p.start for p in qs][:2] == [dt.date(2025, 4, 1), dt.date(2025, 7, 1)]
    assert qs[4].start == dt.date(2026, 4, 1) and len(qs) == 8 and qs[-1].end == dt.date(2027, 4, 1)
    ms = periods("month", today=dt.date(2026, 1, 31), past=1, ahead=2)
    assert [(p.start, p.end) for p in ms] == [
        (dt.date(2025, 12, 1), dt.date(2026, 1, 1)), (dt.date(2026, 1, 1), dt.date(2026, 2, 1)),
        (dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
    ]
    assert ms[1].label and qs[4].label == "Q2 2026"


def test_pipeline_weighted_committed_won_and_target(actors, customers, stages):
    rep = actors["rep_north"]
    person, _org = customers["rep_north"]
    make_deal(rep, person, stages["Proposal"], value="1000.00", close=dt.date(2026, 5, 20))  # 50 %
    make_deal(rep, person, stages["Negotiation"], value="333.33", close=dt.date(2026, 6, 30))  # 75 %, committed
    make_deal(rep, person, stages["Lead"], value="100", close=dt.date(2026, 7, 1))  # next quarter
    _won(rep, person, stages["Won"], "500", dt.date(2026, 4, 2))
    target_set(actor=actors["manager_north"], period_kind="quarter", period_start_on=dt.date(2026, 4, 1),
               owner=rep, amount="2000")
    fc = forecast(actor=rep, kind="quarter", group="owner", today=TODAY)
    (row,) = fc.rows
    cell = row.cells[_col(fc, dt.date(2026, 4, 1))]
    assert cell.pipeline == Decimal("1333.33")
    # 1000 × 0.5 + 333.33 × 0.75 = 500 + 249.9975 → 749.9975 → 750.00 (half up, NOK has two decimals)
    assert cell.weighted == Decimal("750.00")
    assert cell.committed == Decimal("333.33") and cell.won == Decimal("500.00")
    assert cell.target == Decimal("2000.00") and cell.percent == Decimal("25.0")
    assert row.cells[_col(fc, dt.date(2026, 7, 1))].pipeline == Decimal("100.00")
    assert all(isinstance(v, Decimal) for v in (cell.pipeline, cell.weighted, cell.won, cell.target))


def test_currency_conversion_uses_rate_valid_on_period_start_and_warns_when_missing(actors, customers, stages):
    rep = actors["rep_north"]
    person, _org = customers["rep_north"]
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("11.5"), valid_from=dt.date(2026, 1, 1))
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("99"), valid_from=dt.date(2026, 5, 2))  # too late
    make_deal(rep, person, stages["Proposal"], value="100.01", currency="EUR", close=dt.date(2026, 5, 3))
    make_deal(rep, person, stages["Proposal"], value="1000", currency="SEK", close=dt.date(2026, 5, 3))
    fc = forecast(actor=rep, kind="month", group="company", today=TODAY)
    cell = fc.rows[0].cells[_col(fc, dt.date(2026, 5, 1))]
    # 100.01 EUR × 11.5 = 1150.115 → 1150.12 NOK; SEK has no rate: left out and reported.
    assert cell.pipeline == Decimal("1150.12")
    assert any("SEK" in w for w in fc.warnings)


def test_targets_quarter_falls_back_to_sum_of_months(actors, customers, stages):
    rep = actors["rep_north"]
    for month in (4, 5):
        SalesTarget.objects.create(period_kind="month", period_start=dt.date(2026, month, 1), owner=rep,
                                   amount=Decimal("100"))
    fc = forecast(actor=actors["manager_north"], kind="quarter", group="owner", today=TODAY)
    row = next(r for r in fc.rows if r.key == rep.pk)
    assert row.cells[_col(fc, dt.date(2026, 4, 1))].target == Decimal("200.00")


def test_who_sees_what(actors, customers, stages):
    for key in ("rep_north", "rep_north2", "rep_south"):
        make_deal(actors[key], customers[key][0], stages["Proposal"], value="10", close=dt.date(2026, 5, 3))

    def owners(user):
        return {r.key for r in forecast(actor=user, kind="quarter", group="owner", today=TODAY).rows}

    assert owners(actors["rep_north"]) == {actors["rep_north"].pk}
    assert owners(actors["manager_north"]) == {actors["rep_north"].pk, actors["rep_north2"].pk}
    assert owners(actors["admin"]) == {actors[k].pk for k in ("rep_north", "rep_north2", "rep_south")}
    for key in ("partner", "customer", "service"):
        with pytest.raises(AccessDenied):
            forecast(actor=actors[key], today=TODAY)


def test_forecast_query_count_does_not_grow_with_deals(actors, customers, stages, django_assert_max_num_queries):
    rep = actors["rep_north"]
    person, _org = customers["rep_north"]
    for i in range(30):
        make_deal(rep, person, stages["Proposal"], value=str(i), close=dt.date(2026, 5, 1) + dt.timedelta(days=i))
    with django_assert_max_num_queries(6):
        forecast(actor=actors["admin"], kind="month", group="owner", today=TODAY)


def test_manager_sets_targets_for_own_team_only(actors):
    target_set(actor=actors["manager_north"], period_kind="month", period_start_on="2026-05-17",
               owner=actors["rep_north"], amount="1 000,50")
    t = SalesTarget.objects.get()
    assert t.period_start == dt.date(2026, 5, 1) and t.amount == Decimal("1000.50")
    with pytest.raises(AccessDenied):
        target_set(actor=actors["manager_north"], period_kind="month", period_start_on="2026-05-01",
                   owner=actors["rep_south"], amount="1")
    with pytest.raises(AccessDenied):
        target_set(actor=actors["rep_north"], period_kind="month", period_start_on="2026-05-01",
                   owner=actors["rep_north"], amount="1")
    target_set(actor=actors["manager_north"], period_kind="month", period_start_on="2026-05-01",
               owner=actors["rep_north"], amount="")
    assert not SalesTarget.objects.exists()


def test_forecast_page_csv_and_targets_grid(actors, customers, stages, login, django_assert_max_num_queries):
    rep = actors["rep_north"]
    today = timezone.localdate()
    for _i in range(10):
        make_deal(rep, customers["rep_north"][0], stages["Proposal"], value="100.005", close=today)
    client = login(actors["manager_north"])
    with django_assert_max_num_queries(12):
        page = client.get("/forecast/?period=month&group=owner")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "Rep North" in html and "Targets" in html
    csv_text = client.get("/forecast/export.csv?period=month&group=owner").content.decode()
    line = next(x for x in csv_text.splitlines() if x.startswith("Rep North") and today.replace(day=1).isoformat() in x)
    # 10 × 100.005 = 1000.05 pipeline; weighted 500.025 → 500.03
    assert ",1000.05,500.03," in line
    grid = client.get(f"/forecast/targets/?period=month&year={today.year}")
    assert grid.status_code == 200 and "Rep North" in grid.content.decode()
    rows = [r["label"] for r in grid.context["grid"]]
    i = rows.index(str(rep))
    key = f"t-{i}-{today.replace(day=1).isoformat()}"
    response = client.post(f"/forecast/targets/?period=month&year={today.year}", {key: "12 500", f"old-{key[2:]}": ""})
    assert response.status_code == 302
    assert SalesTarget.objects.get(owner=rep).amount == Decimal("12500")
    response = client.post(f"/forecast/targets/?period=month&year={today.year}", {key: "lots"})
    assert response.status_code == 422 and "Enter an amount" in response.content.decode()
    assert login(actors["rep_north"]).get("/forecast/targets/").status_code == 403


def test_exchange_rate_page(actors, login):
    admin = login(actors["admin"])
    response = admin.post("/forecast/rates/", {"currency": "eur", "rate": "11,50", "valid_from": "2026-01-01"})
    assert response.status_code == 302
    assert ExchangeRate.objects.get(currency="EUR").rate == Decimal("11.5")
    assert admin.post("/forecast/rates/", {"currency": "EUR", "rate": "0", "valid_from": "2026-01-01"}
                      ).status_code == 422
    html = login(actors["rep_north"]).get("/forecast/rates/").content.decode()
    assert "11.5" in html and "Add a rate" not in html
    assert login(actors["rep_north"]).post("/forecast/rates/", {"currency": "SEK", "rate": "1",
                                                                 "valid_from": "2026-01-01"}).status_code == 403
    assert login(actors["partner"]).get("/forecast/rates/").status_code == 403
