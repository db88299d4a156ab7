"""Product pages and services: who may change the catalogue, search, SKU uniqueness, query counts."""

import pytest

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import D
from tillit.core.errors import AccessDenied, Conflict, ValidationError
from tillit.sales.models import Product
from tillit.sales.services import catalog as svc


def test_create_and_update_a_product(actors):
    product = svc.product_create(actor=actors["manager_north"], sku=" VP-1 ", name="Varmepumpe", vat_rate="25,0",
                                 warranty_months=24, unit="pcs")
    assert (product.sku, product.vat_rate, product.warranty_months) == ("VP-1", D("25.0"), 24)
    svc.product_update(actor=actors["admin"], product=product, expected_version=1, name="Varmepumpe Pro")
    with pytest.raises(Conflict):
        svc.product_update(actor=actors["admin"], product=product, expected_version=1, name="Old")


@pytest.mark.parametrize(("fields", "field"), [
    ({"sku": "", "name": "x"}, "sku"),
    ({"sku": "A", "name": ""}, "name"),
    ({"sku": "A", "name": "x", "vat_rate": "101"}, "vat_rate"),
    ({"sku": "A", "name": "x", "vat_rate": "abc"}, "vat_rate"),
    ({"sku": "A", "name": "x", "unit": "parsec"}, "unit"),
    ({"sku": "A", "name": "x", "warranty_months": -1}, "warranty_months"),
    ({"sku": "HP-9", "name": "dup"}, "sku"),
])
def test_bad_product_input_names_the_field(actors, products, fields, field):
    with pytest.raises(ValidationError) as error:
        svc.product_create(actor=actors["admin"], **fields)
    assert error.value.field == field


@pytest.mark.parametrize("who", ["rep_north", "service", "marketing", "partner"])
def test_only_admins_and_managers_change_the_catalogue(actors, who):
    with pytest.raises(AccessDenied):
        svc.product_create(actor=actors[who], sku="X", name="X")


@pytest.mark.parametrize(("who", "status"), [
    ("admin", 200), ("manager_north", 200), ("rep_north", 200), ("service", 200), ("partner", 403), ("customer", 403),
])
def test_product_list_page_per_role(login, actors, products, who, status):
    response = login(actors[who]).get("/products/")
    assert response.status_code == status
    if status == 200:
        assert "Varmepumpe Fjordvarme 9 kW" in response.content.decode()
        can_edit = who in ("admin", "manager_north")
        assert ("/products/new/" in response.content.decode()) == can_edit


def test_reps_cannot_open_the_product_form(login, actors, products):
    client = login(actors["rep_north"])
    assert client.get("/products/new/").status_code == 403
    assert client.get(f"/products/{products['pump'].pk}/edit/").status_code == 403


def test_product_search_and_filters(login, actors, products):
    client = login(actors["rep_north"])
    body = client.get("/products/", {"q": "håndbok"}).content.decode()
    assert "Brukerhåndbok" in body and "Varmepumpe" not in body
    body = client.get("/products/", {"category": "Heat pumps"}).content.decode()
    assert "Varmepumpe" in body and "Installasjon" not in body
    Product.objects.filter(pk=products["book"].pk).update(is_active=False)
    assert "Brukerhåndbok" not in client.get("/products/").content.decode()
    assert "Brukerhåndbok" in client.get("/products/", {"show": "inactive"}).content.decode()
    assert 'data-testid="empty"' in client.get("/products/", {"q": "zzz"}).content.decode()


def test_product_form_creates_and_shows_errors(login, actors, products):
    client = login(actors["manager_north"])
    response = client.post("/products/new/", {"sku": "HP-9", "name": "Dup", "unit": "pcs", "vat_rate": "25"})
    assert response.status_code == 200 and "already has SKU" in response.content.decode()
    response = client.post("/products/new/", {"sku": "HP-12", "name": "Ny pumpe", "unit": "pcs", "vat_rate": "25",
                                              "is_active": "on", "warranty_months": "36"})
    assert response.status_code == 302
    assert Product.objects.get(sku="HP-12").warranty_months == 36


def test_product_edit_with_a_stale_version_is_409(login, actors, products):
    client = login(actors["manager_north"])
    pump = products["pump"]
    data = {"sku": "HP-9", "name": "Ny", "unit": "pcs", "vat_rate": "25", "version": pump.version}
    assert client.post(f"/products/{pump.pk}/edit/", data).status_code == 302
    assert client.post(f"/products/{pump.pk}/edit/", data).status_code == 409


def test_product_list_query_count(login, actors, django_assert_max_num_queries):
    client = login(actors["rep_north"])
    for n in range(30):
        Product.objects.create(sku=f"P{n}", name=f"Product {n}", category=f"C{n % 3}")
    with django_assert_max_num_queries(8):
        response = client.get("/products/")
    assert response.content.decode().count("<code>P") == 30
