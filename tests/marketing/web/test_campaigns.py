"""Campaigns: leads and deals they touched, cost per lead, pages and API per role, query counts."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.marketing.web.conftest import campaign, make_deal, make_person, pipeline_stages, touch
from tillit.marketing.web import selectors
from tillit.marketing.web.models import Campaign, CampaignStatus
from tillit.sales.models import ExchangeRate

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(month, day, hour=12):
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def world(actors):
    """Spring campaign (March–May). North's rep owns Ada, Bo and Cy; South's rep owns Dag."""
    north, south = actors["rep_north"], actors["rep_south"]
    spring = campaign("spring", budget=Decimal("9000"), currency="NOK")
    ada = make_person("ada@x.example", owner=north, team=north.team, created=at(3, 2))
    bo = make_person("bo@x.example", owner=north, team=north.team, created=at(4, 10))
    cy = make_person("cy@x.example", owner=north, team=north.team, created=at(1, 5))
    dag = make_person("dag@x.example", owner=south, team=south.team, created=at(3, 3))
    # Ada's first touch is the campaign: a lead of it.
    touch(ada, at(3, 1), campaign="spring")
    touch(ada, at(3, 5))
    # Bo was around before (other touch first) but became a lead during the campaign after its touch.
    touch(bo, at(2, 1))
    touch(bo, at(4, 1), campaign="spring")
    # Cy was a lead long before; a campaign touch does not make Cy its lead.
    touch(cy, at(1, 1))
    touch(cy, at(3, 20), campaign="spring", kind="email_opened", channel="email")
    touch(dag, at(3, 2), campaign="spring")
    stages = pipeline_stages()
    won = make_deal(ada, stages["won"], created=at(3, 10), value="50000", closed=at(4, 1))
    eur = make_deal(bo, stages["won"], created=at(4, 20), value="1000", currency="EUR", closed=at(5, 1))
    make_deal(cy, stages["open"], created=at(3, 25))
    early = make_deal(cy, stages["won"], created=at(2, 1), value="7000", closed=at(2, 20))  # before the touch
    south_deal = make_deal(dag, stages["won"], created=at(3, 5), value="3000", closed=at(3, 30))
    ExchangeRate.objects.create(currency="EUR", rate=Decimal("11.5"), valid_from=dt.date(2026, 1, 1))
    return {"spring": spring, "ada": ada, "bo": bo, "cy": cy, "dag": dag, "won": won, "eur": eur, "early": early,
            "south_deal": south_deal}


def test_leads_are_first_touches_or_created_during_the_campaign_after_a_touch(world, actors):
    leads = selectors.campaign_leads(actor=actors["admin"], campaign=world["spring"])
    assert {p.primary_email for p in leads} == {"ada@x.example", "bo@x.example", "dag@x.example"}


def test_deals_touched_and_won_value_in_base_currency(world, actors):
    stats = selectors.campaign_stats(actor=actors["admin"], campaign=world["spring"])
    assert stats.deal_count == 4  # Ada's, Bo's, Cy's open deal, Dag's — not Cy's earlier deal
    assert world["early"].pk not in {d.pk for d in stats.deals}
    assert stats.won_count == 3
    assert stats.won_value == Decimal("50000") + Decimal("11500") + Decimal("3000")
    assert stats.lead_count == 3
    assert stats.cost_per_lead == Decimal("3000.00")
    assert stats.persons_touched == 4
    assert stats.touches == {"page_view": 3, "email_opened": 1}


def test_a_rep_counts_only_what_the_rep_may_see(world, actors):
    stats = selectors.campaign_stats(actor=actors["rep_north"], campaign=world["spring"])
    assert stats.lead_count == 2
    assert stats.deal_count == 3
    assert stats.won_value == Decimal("61500.00")
    assert stats.persons_touched == 3
    south = selectors.campaign_stats(actor=actors["rep_south"], campaign=world["spring"])
    assert (south.lead_count, south.deal_count, south.won_value) == (1, 1, Decimal("3000.00"))


def test_a_missing_exchange_rate_is_named_not_counted_as_one(world, actors):
    ExchangeRate.objects.all().delete()
    stats = selectors.campaign_stats(actor=actors["admin"], campaign=world["spring"])
    assert stats.won_value == Decimal("53000.00")
    assert "EUR" in stats.warnings[0]


@pytest.mark.parametrize("who", ["admin", "manager_north", "rep_north", "service", "marketing"])
def test_staff_see_campaign_pages(world, actors, login, who):
    client = login(actors[who])
    response = client.get("/marketing/campaigns/")
    assert response.status_code == 200
    assert b"Spring" in response.content
    response = client.get(f"/marketing/campaigns/{world['spring'].pk}/")
    assert response.status_code == 200
    assert b'data-testid="lead-count">' in response.content
    assert b"<svg" in response.content  # touches per week


def test_touches_per_week(world, actors):
    weeks = selectors.weekly_touches(actor=actors["admin"], campaign=world["spring"])
    assert sum(e for _w, e, _x in weeks) == 1 and sum(x for _w, _e, x in weeks) == 3
    assert all(w.weekday() == 0 for w, _e, _x in weeks)


@pytest.mark.parametrize("who", ["partner", "customer"])
def test_partners_and_customers_see_no_campaigns(world, actors, login, who):
    client = login(actors[who])
    assert client.get("/marketing/campaigns/").status_code == 403
    assert client.get(f"/marketing/campaigns/{world['spring'].pk}/").status_code == 403
    assert client.get("/api/v1/marketing/campaigns").status_code == 403


def test_the_page_shows_only_visible_leads(world, actors, login):
    content = login(actors["rep_south"]).get(f"/marketing/campaigns/{world['spring'].pk}/").content.decode()
    assert "Dag" in content and "Ada" not in content


@pytest.mark.parametrize("who,status", [("rep_north", 403), ("service", 403), ("marketing", 302),
                                        ("manager_north", 302), ("admin", 302)])
def test_who_may_create_campaigns(actors, login, who, status):
    client = login(actors[who])
    response = client.post("/marketing/campaigns/new/", {
        "name": "Autumn service", "code": "", "status": "planned", "budget": "12 500,50", "currency": "nok",
        "starts_on": "2026-09-01", "ends_on": "2026-10-15", "goal": "Book visits",
    })
    assert response.status_code == status
    if status == 302:
        made = Campaign.objects.get()
        assert (made.code, made.budget, made.currency, made.owner) == (
            "autumn-service", Decimal("12500.50"), "NOK", actors[who])


def test_form_errors_name_the_field_and_nothing_is_saved(actors, login):
    campaign("taken")
    client = login(actors["marketing"])
    response = client.post("/marketing/campaigns/new/", {"name": "X", "code": "taken", "status": "planned"})
    assert b'data-field="code"' in response.content
    response = client.post("/marketing/campaigns/new/", {"name": "Y", "code": "Not A Slug!", "status": "planned"})
    assert b'data-field="code"' in response.content
    response = client.post("/marketing/campaigns/new/", {"name": "Z", "status": "planned", "starts_on": "2026-05-01",
                                                         "ends_on": "2026-04-01"})
    assert b'data-field="ends_on"' in response.content
    response = client.post("/marketing/campaigns/new/", {"name": "W", "status": "planned", "budget": "lots"})
    assert b'data-field="budget"' in response.content
    assert Campaign.objects.count() == 1


def test_edit_with_a_stale_version_is_refused(world, actors, login):
    client = login(actors["marketing"])
    spring = world["spring"]
    form = {"version": spring.version, "name": "Spring 2026", "code": "spring", "status": "active"}
    assert client.post(f"/marketing/campaigns/{spring.pk}/edit/", form).status_code == 302
    response = client.post(f"/marketing/campaigns/{spring.pk}/edit/", dict(form, name="Lost write"))
    assert response.status_code == 409
    spring.refresh_from_db()
    assert (spring.name, spring.status) == ("Spring 2026", CampaignStatus.ACTIVE)


def test_learnings_stay_editable_on_a_finished_campaign(world, actors, login):
    spring = world["spring"]
    Campaign.objects.filter(pk=spring.pk).update(status=CampaignStatus.FINISHED)
    client = login(actors["marketing"])
    response = client.post(f"/marketing/campaigns/{spring.pk}/learnings/",
                           {"version": spring.version, "learnings": "Search ads beat social."}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Saved." in response.content
    spring.refresh_from_db()
    assert spring.learnings == "Search ads beat social."
    page = client.get(f"/marketing/campaigns/{spring.pk}/").content.decode()
    # Shown prominently (highlighted, before the numbers) once the campaign is finished.
    assert page.index('data-testid="learnings"') < page.index('data-testid="campaign-kpis"')
    stale = client.post(f"/marketing/campaigns/{spring.pk}/learnings/",
                        {"version": 1, "learnings": "Overwrite"}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409
    login(actors["rep_north"])
    assert client.post(f"/marketing/campaigns/{spring.pk}/learnings/",
                       {"version": 2, "learnings": "x"}).status_code == 403


def test_delete_keeps_the_touches(world, actors, login):
    client = login(actors["marketing"])
    assert client.post(f"/marketing/campaigns/{world['spring'].pk}/delete/").status_code == 302
    assert not Campaign.objects.exists()
    assert world["ada"].interactions.filter(campaign="spring").exists()


def test_list_and_detail_query_counts_do_not_grow(world, actors, login, django_assert_max_num_queries):
    client = login(actors["admin"])
    for i in range(15):
        campaign(f"c{i}")
    with django_assert_max_num_queries(8):
        response = client.get("/marketing/campaigns/")
    assert response.status_code == 200
    spring_row = response.content.decode().split(f'href="/marketing/campaigns/{world["spring"].pk}/"')[1]
    assert '<td class="num">4</td><td class="num">4</td>' in spring_row.split("</tr>")[0]
    for i in range(20):
        person = make_person(f"extra{i}@x.example", created=at(3, 15))
        touch(person, at(3, 14), campaign="spring")
    with django_assert_max_num_queries(16):
        response = client.get(f"/marketing/campaigns/{world['spring'].pk}/")
    assert response.status_code == 200


# --- API --------------------------------------------------------------------------------------
def test_api_crud_with_if_match(actors, login):
    client = login(actors["marketing"])
    response = client.post("/api/v1/marketing/campaigns", {
        "name": "Webinar", "code": "webinar-1", "channel": "webinar", "budget": "4500.00", "currency": "NOK",
        "starts_on": "2026-06-01", "ends_on": "2026-06-30",
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["budget"], body["version"]) == ("webinar-1", "4500.00", 1)
    url = f"/api/v1/marketing/campaigns/{body['id']}"
    assert client.get(url)["ETag"] == '"1"'
    assert client.patch(url, {"status": "active"}, content_type="application/json").status_code == 428
    response = client.patch(url, {"status": "active", "learnings": "Tuesdays work."}, content_type="application/json",
                            HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert client.patch(url, {"status": "finished"}, content_type="application/json",
                        HTTP_IF_MATCH='"1"').status_code == 409
    response = client.patch(url, {"channel": "pigeon"}, content_type="application/json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"
    response = client.patch(url, {"owner_id": 999999}, content_type="application/json", HTTP_IF_MATCH='"2"')
    assert response.json()["errors"][0]["field"] == "owner_id"
    assert client.get("/api/v1/marketing/campaigns?status=active").json()["count"] == 1
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_api_writes_are_refused_for_reps_and_reads_show_stats(world, actors, login):
    client = login(actors["rep_north"])
    url = f"/api/v1/marketing/campaigns/{world['spring'].pk}"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"name": "x"}, content_type="application/json",
                        HTTP_IF_MATCH='"1"').status_code == 403
    assert client.post("/api/v1/marketing/campaigns", {"name": "x"}, content_type="application/json").status_code == 403
    stats = client.get(url + "/stats").json()
    assert (stats["lead_count"], stats["deal_count"], stats["won_value"]) == (2, 3, "61500.00")
    assert {p["name"] for p in stats["leads"]} == {"Ada", "Bo"}


def test_api_list_query_count_does_not_grow(actors, login, django_assert_max_num_queries):
    from tillit.marketing.models import Segment

    segment = Segment.objects.create(name="All", rules={"all": []})
    for i in range(25):
        campaign(f"c{i}").segments.add(segment)
    client = login(actors["admin"])
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/marketing/campaigns").json()
    assert body["count"] == 25 and body["items"][0]["segment_ids"] == [segment.pk]
