"""The relationship pages and API: the scatter (access, query count), the types editor, the spend import."""

import pytest

from tests.people.test_api import Api
from tillit.insight.models import CategorySpend, CustomerValue, RelationshipType
from tillit.insight.relationship_defaults import DEFAULT_TYPES

from .relationship_helpers import order, organization, person, product, value

pytestmark = pytest.mark.django_db


def _editor_post(rows, catch_all_index):
    data = {"rows": str(len(rows)), "catch_all": str(catch_all_index)}
    for i, r in enumerate(rows):
        for f in ("key", "name", "playbook", "share_min", "share_max", "premium_min", "premium_max", "priority",
                  "color"):
            v = r.get(f)
            data[f"t{i}-{f}"] = "" if v is None else str(v)
    return data


def test_scatter_page_draws_only_visible_customers_linking_to_their_cards(actors, login,
                                                                          django_assert_max_num_queries):
    mine = person(actors["rep_north"])
    theirs = person(actors["rep_south"], first="Sven")
    org = organization(actors["rep_north"])
    value(mine, share_of_wallet=0.7, price_premium=1.1, relationship_type="best-friend")
    value(theirs, share_of_wallet=0.1, price_premium=0.9, relationship_type="stranger")
    value(org, share_of_wallet=0.1, price_premium=0.9, relationship_type="stranger")
    client = login(actors["rep_north"])
    with django_assert_max_num_queries(12):
        response = client.get("/insight/relationships/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/persons/{mine.pk}/"' in html and f'href="/organizations/{org.pk}/"' in html
    assert f'href="/persons/{theirs.pk}/"' not in html
    assert 'class="threshold"' in html and "Best friend" in html
    assert "Edit types" not in html  # a rep does not edit the types


def test_scatter_page_empty_state(actors, login):
    response = login(actors["admin"]).get("/insight/relationships/")
    assert 'data-testid="empty"' in response.content.decode()


def test_pages_are_refused_to_customers_and_the_editor_to_reps(actors, login):
    assert login(actors["customer"]).get("/insight/relationships/").status_code == 403
    assert login(actors["rep_north"]).get("/insight/relationships/types/").status_code == 403
    assert login(actors["rep_north"]).post("/insight/relationships/recompute/").status_code == 403


def test_types_editor_saves_and_shows_a_gap_at_its_threshold(actors, login):
    client = login(actors["manager_north"])
    assert client.get("/insight/relationships/types/").status_code == 200
    rows = [dict(r) for r in DEFAULT_TYPES]
    catch = next(i for i, r in enumerate(rows) if r.get("catch_all"))
    next(r for r in rows if r["key"] == "best-friend")["share_min"] = 0.7
    response = client.post("/insight/relationships/types/", _editor_post(rows, catch))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-field="guru-disciple.share_max"' in html or 'data-field="best-friend.share_min"' in html
    assert RelationshipType.objects.get(key="best-friend").share_min == 0.6  # nothing written
    next(r for r in rows if r["key"] == "guru-disciple")["share_max"] = 0.7
    response = client.post("/insight/relationships/types/", _editor_post(rows, catch))
    assert response.status_code == 302
    assert RelationshipType.objects.get(key="best-friend").share_min == 0.7


def test_spend_import_reports_rejected_rows_and_upserts(actors, login):
    org = organization(actors["rep_north"])
    kari = person(actors["rep_north"], primary_email="")
    from tillit.people.models import Identity, IdentityKind

    Identity.objects.create(person=kari, kind=IdentityKind.EMAIL, value="kari@fjord.no", normalized="kari@fjord.no")
    organization(actors["rep_south"], name="Sør AS")
    csv = ("organization;email;amount;currency;year\r\n"
           "Fjord Shipping AS;;450 000,00;NOK;2026\r\n"
           ";kari@fjord.no;85000;;\r\n"
           "Sør AS;;1000;NOK;\r\n"
           "Fjord Shipping AS;;-5;NOK;\r\n")
    client = login(actors["rep_north"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/insight/relationships/spend/import/", {
        "file": SimpleUploadedFile("spend.csv", csv.encode()), "update": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="rejected-row"') == 2  # Sør AS is not hers; a negative amount
    assert CategorySpend.objects.get(organization=org).amount == 450000
    assert CategorySpend.objects.get(person=kari).currency == "NOK"
    assert client.get("/insight/relationships/spend/import/?sample=1").status_code == 200


def test_api_scatter_types_spend_and_offers(actors):
    rep, admin = Api(actors["rep_north"]), Api(actors["admin"])
    mine, theirs = person(actors["rep_north"]), person(actors["rep_south"], first="Sven")
    value(mine, share_of_wallet=0.3, price_premium=1.0, relationship_type="guru-disciple")
    value(theirs, share_of_wallet=0.3, price_premium=1.0)
    body = rep.get("/insight/relationships/scatter").json()
    assert [p["id"] for p in body["points"]] == [mine.pk]
    assert {t["key"] for t in body["types"]} == {r["key"] for r in DEFAULT_TYPES}
    # Types: a rep may read but not replace; an overlap is refused naming the threshold.
    types = rep.get("/insight/relationship-types").json()
    assert rep.put("/insight/relationship-types", {"types": types}).status_code == 403
    bad = [dict(t) for t in types]
    next(t for t in bad if t["key"] == "stranger")["share_max"] = 0.3
    response = admin.put("/insight/relationship-types", {"types": bad})
    assert response.status_code == 422
    keys = [t["key"] for t in bad]  # the API names the list item: types[i].field
    assert response.json()["errors"][0]["field"] in (f"types[{keys.index('stranger')}].share_max",
                                                     f"types[{keys.index('marriage-of-convenience')}].share_min")
    assert admin.put("/insight/relationship-types", {"types": types}).status_code == 200
    # Spend: upsert, and not for a customer she may not change.
    response = rep.put("/insight/category-spend", {"person_id": mine.pk, "amount": "120000.00", "currency": "NOK"})
    assert response.status_code == 200 and float(response.json()["amount"]) == 120000
    response = rep.put("/insight/category-spend", {"person_id": mine.pk, "amount": "99000"})
    assert CategorySpend.objects.get(person=mine).amount == 99000
    assert rep.put("/insight/category-spend", {"person_id": theirs.pk, "amount": "1"}).status_code == 404
    response = rep.put("/insight/category-spend", {"person_id": mine.pk, "amount": "0"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "amount"
    # Offers with their reason; another rep's customer is not found.
    pump, filt = product("VP-PRO", "Varmepumpe Pro"), product("FLT", "Filter")
    others = [person(actors["rep_north"], first=f"B{i}") for i in range(3)]
    for who in others:
        order(who, [(pump, 1, "1", "1", 0), (filt, 1, "1", "1", 0)])
    order(mine, [(pump, 1, "1", "1", 0)])
    from tillit.insight.offers import recompute_offers

    recompute_offers()
    offers = rep.get(f"/insight/offers/persons/{mine.pk}").json()
    assert offers == [{"product_id": filt.pk, "product": "Filter", "sku": "FLT", "share": 0.75,
                       "because_id": pump.pk, "because": "Varmepumpe Pro",
                       "reason": "Bought by 75 % of customers who bought Varmepumpe Pro"}]
    assert rep.get(f"/insight/offers/persons/{theirs.pk}").status_code == 404
    assert CustomerValue.objects.get(person=mine).next_offers[0]["because"] == pump.pk


@pytest.mark.django_db(transaction=True)
def test_recompute_now_queues_the_three_nightly_tasks(actors, login):
    from django_tasks_db.models import DBTaskResult

    response = login(actors["manager_north"]).post("/insight/relationships/recompute/")
    assert response.status_code == 302
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == {f"tillit.insight.tasks_relationships.{name}" for name in (
        "recompute_relationships_task", "recompute_churn_task", "recompute_offers_task")}


def test_spend_import_dry_run_writes_nothing(actors, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    organization(actors["rep_north"])
    response = login(actors["rep_north"]).post("/insight/relationships/spend/import/", {
        "file": SimpleUploadedFile("spend.csv", b"organization;amount\r\nFjord Shipping AS;1000\r\n"), "dry_run": "1"})
    assert "Dry run" in response.content.decode()
    assert not CategorySpend.objects.exists()
