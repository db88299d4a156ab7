"""CSV import of products and deals: the person import's rules, the sales services' validation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tillit.core.errors import AccessDenied
from tillit.interactions.models import Interaction
from tillit.people.imports import IMPORTERS, import_job_create, sample_csv
from tillit.people.models import Identity, Organization, Person
from tillit.sales.imports import import_deals, import_products
from tillit.sales.models import Deal, LostReason, Pipeline, Price, PriceList, Product, Stage


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def problems(report):
    return [(p.line, p.column) for p in report.rejected]


# --- products ---------------------------------------------------------------------------------
def test_products_with_prices_in_each_currency_general_list(actors):
    data = csv(
        "SKU;Name;Description;Category;Unit;VAT;Warranty;Price;Currency",
        "HP-9;Heat pump 9 kW;Air to water;Heat pumps;piece;25;60;1 234,50;NOK",
        "HP-9;;;;;;;1099,90;SEK",  # the same product: skipped without --update … but see below
        "INST;Installation;;Services;hour;25;;950;",
    )
    report = import_products(actor=actors["admin"], file=data, dry_run=False, update=True)
    assert report.ok, report.rejected
    assert (report.created, report.updated) == (2, 1)
    pump = Product.objects.get(sku="HP-9")
    assert (pump.unit, pump.vat_rate, pump.warranty_months) == ("pcs", Decimal("25"), 60)
    assert Product.objects.get(sku="INST").unit == "h"
    prices = {(p.price_list.currency, p.product.sku): p.unit_price for p in Price.objects.select_related(
        "price_list", "product")}
    assert prices == {("NOK", "HP-9"): Decimal("1234.50"), ("SEK", "HP-9"): Decimal("1099.90"),
                      ("NOK", "INST"): Decimal("950")}
    assert set(PriceList.objects.values_list("currency", "customer_group")) == {("NOK", None), ("SEK", None)}


def test_existing_general_list_is_used_and_existing_products_skipped(actors):
    general = PriceList.objects.create(name="Prisliste", currency="NOK")
    Product.objects.create(sku="hp-9", name="Old name")
    report = import_products(actor=actors["admin"], file=csv("sku,name,price", "HP-9,New name,100"),
                             dry_run=False)
    assert report.skipped == 1 and "Already in Tillit" in report.skipped_rows[0].reason
    assert Product.objects.get().name == "Old name" and not Price.objects.exists()
    report = import_products(actor=actors["admin"], file=csv("sku,name,price", "HP-9,New name,100"),
                             dry_run=False, update=True)
    assert report.updated == 1 and Product.objects.get().name == "New name"
    assert Price.objects.get().price_list == general and PriceList.objects.count() == 1


def test_bad_product_rows_name_line_and_column_and_write_nothing(actors):
    data = csv(
        "sku,name,unit,vat_rate,warranty_months,price,currency",
        "A1,Fine,pcs,25,12,10,NOK",
        ",No sku,pcs,25,,,",
        "A2,Bad unit,crate,25,,,",
        "A3,Bad VAT,pcs,125,,,",
        "A4,Bad months,pcs,25,two years,,",
        "A5,Bad price,pcs,25,,ten,NOK",
        "A6,Bad currency,pcs,25,,10,KRONER",
        "A7,,pcs,25,,,",
    )
    report = import_products(actor=actors["admin"], file=data, dry_run=False)
    assert report.created == 1
    assert problems(report) == [(3, "sku"), (4, "unit"), (5, "vat_rate"), (6, "warranty_months"), (7, "price"),
                                (8, "currency"), (9, "name")]
    assert list(Product.objects.values_list("sku", flat=True)) == ["A1"]  # the bad-price product rolled back too


def test_only_catalogue_editors_import_products(actors):
    with pytest.raises(AccessDenied):
        import_products(actor=actors["rep_north"], file=csv("sku,name", "X,Y"), dry_run=True)
    with pytest.raises(AccessDenied):
        import_job_create(actor=actors["rep_north"], kind="products", file_name="p.csv", data=csv("sku,name", "X,Y"),
                          dry_run=True)


def test_dry_run_writes_nothing(actors):
    report = import_products(actor=actors["manager_north"], file=csv("sku,name,price", "X,Y,10"), dry_run=True)
    assert report.created == 1 and not Product.objects.exists() and not PriceList.objects.exists()


# --- deals ------------------------------------------------------------------------------------
@pytest.fixture
def crm(actors):
    north = actors["rep_north"]
    org = Organization.objects.create(name="Fjord Shipping AS", owner=north, team=north.team)
    south_org = Organization.objects.create(name="Syd AB", owner=actors["rep_south"], team=actors["rep_south"].team)
    kari = Person.objects.create(first_name="Kari", last_name="Nordmann", owner=north, team=north.team,
                                 primary_email="kari@fjord.no")
    Identity.objects.create(person=kari, kind="email", value="kari@fjord.no", normalized="kari@fjord.no",
                            is_primary=True)
    pipeline = Pipeline.objects.create(name="New business")
    for i, (name, probability, outcome) in enumerate(
        [("Lead", 10, "open"), ("Qualified", 25, "open"), ("Won", 100, "won"), ("Lost", 0, "lost")]
    ):
        Stage.objects.create(pipeline=pipeline, name=name, probability=probability, outcome=outcome, position=i)
    LostReason.objects.create(name="Price")
    return {"org": org, "south_org": south_org, "kari": kari, "pipeline": pipeline}


def test_deals_are_created_through_the_service_and_logged(actors, crm):
    data = csv(
        "title;organization;person_email;pipeline;stage;value;currency;expected_close_date;owner;external_id",
        "Office heating;fjord shipping as;;New business;Qualified;450 000,00;NOK;2026-09-30;;CRM-1",
        "House;;KARI@fjord.no;;;129 900;;31.08.2026;rep_north;CRM-2",
        "Lost one;Fjord Shipping AS;;New business;Lost;1000;EUR;;;",
    )
    data = data.replace(b"Lost;1000;EUR;;;", b"Lost;1000;EUR;;;")  # no lost reason: rejected, named
    report = import_deals(actor=actors["rep_north"], file=data, dry_run=False)
    assert report.created == 2 and problems(report) == [(4, "lost_reason")]
    office = Deal.objects.get(external_id="CRM-1")
    assert office.organization == crm["org"] and office.stage.name == "Qualified"
    assert office.value == Decimal("450000.00") and office.currency == "NOK"
    assert office.expected_close_date == dt.date(2026, 9, 30) and office.owner == actors["rep_north"]
    house = Deal.objects.get(external_id="CRM-2")
    assert house.person == crm["kari"] and house.stage.name == "Lead" and house.expected_close_date == dt.date(
        2026, 8, 31)
    assert Interaction.objects.filter(kind="deal", person=crm["kari"]).exists()


def test_deal_rows_are_matched_and_updated(actors, crm):
    header = "title,organization,stage,value,external_id"
    import_deals(actor=actors["rep_north"], file=csv(header, "Office,Fjord Shipping AS,Lead,100,"),
                 dry_run=False)
    again = import_deals(actor=actors["rep_north"], file=csv(header, "office,Fjord Shipping AS,Qualified,200,"),
                         dry_run=False)
    assert again.skipped == 1 and Deal.objects.get().value == Decimal("100")
    updated = import_deals(actor=actors["rep_north"], file=csv(header, "office,Fjord Shipping AS,Qualified,200,"),
                           dry_run=False, update=True)
    assert updated.updated == 1
    deal = Deal.objects.get()
    assert deal.value == Decimal("200") and deal.stage.name == "Qualified"


def test_bad_deal_rows_name_line_and_column(actors, crm):
    data = csv(
        "title,organization,person_email,pipeline,stage,value,currency,expected_close_date,owner",
        ",Fjord Shipping AS,,,,,,,",
        "No party,,,,,,,,",
        "Unknown org,Nowhere AS,,,,,,,",
        "Invisible org,Syd AB,,,,,,,",
        "Unknown person,,nobody@x.no,,,,,,",
        "Bad pipeline,Fjord Shipping AS,,Renewals,,,,,",
        "Bad stage,Fjord Shipping AS,,New business,Closing,,,,",
        "Bad value,Fjord Shipping AS,,,,a lot,,,",
        "Negative,Fjord Shipping AS,,,,-5,,,",
        "Bad currency,Fjord Shipping AS,,,,5,KRONER,,",
        "Bad date,Fjord Shipping AS,,,,5,,30 Sept,",
        "Bad owner,Fjord Shipping AS,,,,5,,,nobody",
        "Other owner,Fjord Shipping AS,,,,5,,,rep_south",
        "Fine,Fjord Shipping AS,,,,5,,,",
    )
    report = import_deals(actor=actors["rep_north"], file=data, dry_run=False)
    assert problems(report) == [
        (2, "title"), (3, "organization"), (4, "organization"), (5, "organization"), (6, "person_email"),
        (7, "pipeline"), (8, "stage"), (9, "value"), (10, "value"), (11, "currency"), (12, "expected_close_date"),
        (13, "owner"), (14, "owner"),
    ]
    assert list(Deal.objects.values_list("title", flat=True)) == ["Fine"]


def test_importers_are_registered_with_samples_and_the_command(actors, crm, tmp_path, capsys):
    assert {"products", "deals"} <= set(IMPORTERS)
    assert sample_csv("products").startswith("sku;name;") and sample_csv("deals").startswith("title;")
    path = tmp_path / "products.csv"
    path.write_text(sample_csv("products"), encoding="utf-8")
    call_command("import", "products", str(path), "--no-progress", "--update")
    assert Product.objects.filter(sku="NV-AW-9").exists()
    path = tmp_path / "deals.csv"
    path.write_text("title,organization,value\nBig,Nowhere,10\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import", "deals", str(path), "--no-progress")
    assert "column organization" in capsys.readouterr().out


def test_import_page_offers_the_new_kinds(login, actors):
    client = login(actors["admin"])
    html = client.get("/import/").content.decode()
    assert 'value="products"' in html and 'value="deals"' in html and "person_email" in html
    response = client.get("/import/?sample=deals")
    assert response.status_code == 200 and b"title;organization" in response.content


def test_the_newest_general_list_gets_the_price(actors):
    PriceList.objects.create(name="Undated", currency="EUR")
    newest = PriceList.objects.create(name="2026", currency="EUR", valid_from=dt.date(2026, 1, 1))
    PriceList.objects.create(name="2025", currency="EUR", valid_from=dt.date(2025, 1, 1))
    report = import_products(actor=actors["admin"], file=csv("sku;name;price;currency", "X;Y;1.234,50;eur"),
                             dry_run=False)
    assert report.ok, report.rejected
    price = Price.objects.get()
    assert price.price_list == newest and price.unit_price == Decimal("1234.50")


def test_a_deals_job_from_the_import_page_runs_in_the_background_task(actors, crm, django_capture_on_commit_callbacks):
    from tillit.people.imports import import_job_get, run_job

    with django_capture_on_commit_callbacks(execute=False):
        job = import_job_create(actor=actors["rep_north"], kind="deals", file_name="deals.csv",
                                data=csv("title;organization;value", "Office;Fjord Shipping AS;1 000,00",
                                         "Bad;Nowhere;1"), dry_run=False)
    run_job(job.pk)
    job = import_job_get(actor=actors["rep_north"], job_id=job.pk)
    assert job.status == "done" and job.report["created"] == 1
    assert [(p["line"], p["column"]) for p in job.report["rejected"]] == [(3, "organization")]
    assert Deal.objects.get().value == Decimal("1000.00")
