"""The attribution report over the database: conversions, touches in the window, access, queries, CSV, API."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from tests.marketing.web.conftest import campaign, make_deal, make_person, pipeline_stages, touch
from tillit.core.errors import ValidationError
from tillit.marketing.web.attribution import attribution_report

pytestmark = pytest.mark.django_db
UTC = dt.UTC
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def at(month, day, hour=12):
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def world(actors):
    north = actors["rep_north"]
    campaign("spring", name="Spring heat pumps")
    # A lead on 10 March after three touches: spring (1 Mar), newsletter (8 Mar), spring (10 Mar 10:00).
    ada = make_person("ada@x.example", owner=north, team=north.team, created=at(3, 10))
    touch(ada, at(3, 1), campaign="spring", url="https://n.example/heat-pumps/")
    touch(ada, at(3, 8), campaign="newsletter", kind="email_clicked", channel="email")
    touch(ada, at(3, 10, 10), campaign="spring", url="https://n.example/contact/")
    touch(ada, at(3, 11), campaign="late")  # after the conversion: no credit
    touch(ada, at(1, 1), campaign="ancient")  # outside the 30-day window used below
    # A lead with no touches at all.
    make_person("bo@x.example", owner=north, team=north.team, created=at(3, 15))
    # South's customer won a deal of 10 000 EUR... in NOK via the rate; one touch.
    south = actors["rep_south"]
    cy = make_person("cy@x.example", owner=south, team=south.team, created=at(1, 2))
    touch(cy, at(3, 2), campaign="spring", url="https://n.example/heat-pumps/")
    stages = pipeline_stages()
    make_deal(cy, stages["won"], created=at(2, 1), value="20000", closed=at(3, 20))
    make_deal(cy, stages["lost"], created=at(2, 1), value="9999", closed=at(3, 21))
    return {"ada": ada, "cy": cy}


def rows(report):
    return {r.value: r for r in report.rows}


def test_credits_per_model_by_campaign(world, actors):
    report = attribution_report(actor=actors["admin"], start=START, end=END, lookback_days=30)
    assert (report.leads, report.untouched_leads, report.deals, report.untouched_deals) == (2, 1, 1, 0)
    assert report.revenue == Decimal("20000.00")
    by = rows(report)
    assert set(by) == {"spring", "newsletter"}
    # Ada: touches spring, newsletter, spring.
    assert by["spring"].leads["first"] == 1 and by["spring"].leads["last"] == 1
    assert by["newsletter"].leads["first"] == 0
    assert by["spring"].leads["linear"] == pytest.approx(2 / 3)
    assert by["spring"].leads["position"] == pytest.approx(0.8)
    assert by["newsletter"].leads["position"] == pytest.approx(0.2)
    # Time decay: 9 days, 2 days and 2 hours before the conversion (10 Mar 12:00).
    w = [2 ** (-9 / 7), 2 ** (-2 / 7), 2 ** (-(2 / 24) / 7)]
    assert by["newsletter"].leads["decay"] == pytest.approx(w[1] / sum(w))
    # Cy's deal: one spring touch gets all 20 000 in every model.
    for key in ("first", "last", "linear", "decay", "position"):
        assert by["spring"].revenue[key] == Decimal("20000.00")
        assert sum(r.leads[key] for r in report.rows) == pytest.approx(1.0)
    assert by["spring"].label == "Spring heat pumps"


def test_dimensions_and_top_pages(world, actors):
    report = attribution_report(actor=actors["admin"], start=START, end=END, lookback_days=30, dimension="page")
    pages = rows(report)
    assert pages["/heat-pumps/"].revenue["linear"] == Decimal("20000.00")
    assert pages["/contact/"].leads["last"] == 1
    assert report.top_pages[0].value == "/heat-pumps/"
    channel = rows(attribution_report(actor=actors["admin"], start=START, end=END, lookback_days=30,
                                      dimension="channel"))
    assert set(channel) == {"direct", "email"}


def test_a_rep_sees_only_own_conversions(world, actors):
    north = attribution_report(actor=actors["rep_north"], start=START, end=END, lookback_days=30)
    assert (north.leads, north.deals, north.revenue) == (2, 0, Decimal("0.00"))
    south = attribution_report(actor=actors["rep_south"], start=START, end=END, lookback_days=30)
    assert (south.leads, south.deals) == (0, 1)


def test_bad_parameters_name_the_field(actors, db):
    with pytest.raises(ValidationError) as exc:
        attribution_report(actor=actors["admin"], start=END, end=START)
    assert exc.value.field == "end"
    with pytest.raises(ValidationError) as exc:
        attribution_report(actor=actors["admin"], start=START, end=END, dimension="color")
    assert exc.value.field == "dimension"
    with pytest.raises(ValidationError) as exc:
        attribution_report(actor=actors["admin"], start=START, end=END, lookback_days=0)
    assert exc.value.field == "lookback"


def test_queries_do_not_grow_with_conversions(world, actors, django_assert_max_num_queries):
    for i in range(30):
        person = make_person(f"p{i}@x.example", created=at(3, 20))
        touch(person, at(3, 19), campaign="spring")
        touch(person, at(3, 19, 13))
    with django_assert_max_num_queries(6):
        report = attribution_report(actor=actors["admin"], start=START, end=END, lookback_days=30)
    assert report.leads == 32


def test_the_page_per_role_and_its_csv(world, actors, login):
    client = login(actors["marketing"])
    url = "/marketing/attribution/?start=2026-03-01&end=2026-03-31&lookback=30"
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    for label in ("First", "Last", "Linear", "Time decay", "Position"):
        assert label in page
    assert "Spring heat pumps" in page and "<svg" in page
    export = client.get(url + "&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(export.content.decode())))
    assert table[0][:3] == ["Campaign", "name", "leads first"]
    spring = next(r for r in table if r[0] == "spring")
    assert spring[1] == "Spring heat pumps" and spring[2] == "1.0000"
    assert "20000.00" in spring
    bad = client.get("/marketing/attribution/?start=2026-04-01&end=2026-03-01")
    assert bad.status_code == 200 and b'data-testid="error"' in bad.content
    login(actors["partner"])
    assert client.get(url).status_code == 403


def test_the_api_report(world, actors, login):
    client = login(actors["admin"])
    body = client.get("/api/v1/marketing/attribution?start=2026-03-01&end=2026-03-31&lookback=30&dimension=page"
                      ).json()
    assert body["models"] == ["first", "last", "linear", "decay", "position"]
    assert body["revenue"] == "20000.00"
    heat = next(r for r in body["rows"] if r["value"] == "/heat-pumps/")
    assert heat["revenue"]["linear"] == "20000.00"
    response = client.get("/api/v1/marketing/attribution?dimension=color")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "dimension"


def test_the_api_report_per_role(world, actors, login):
    url = "/api/v1/marketing/attribution?start=2026-03-01&end=2026-03-31&lookback=30"
    client = login(actors["rep_north"])
    body = client.get(url).json()
    assert (body["leads"], body["deals"]) == (2, 0)
    login(actors["rep_south"])
    assert client.get(url).json()["deals"] == 1
    login(actors["customer"])
    assert client.get(url).status_code == 403
