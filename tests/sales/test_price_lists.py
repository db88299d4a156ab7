"""Price lists: the customer's group list beats the general one; dates and inactive lists; pages per role."""

import datetime as dt

import pytest

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_quotes_helpers import D
from tillit.core.errors import ValidationError
from tillit.sales.models import Price, PriceList
from tillit.sales.services import catalog as svc

ON = dt.date(2026, 6, 1)


@pytest.fixture
def installers(actors, customer, products):
    group = svc.customer_group_create(actor=actors["admin"], name="Installers", persons=[customer["person"]])
    price_list = svc.price_list_create(actor=actors["admin"], name="Installers NOK", currency="NOK",
                                       customer_group=group)
    svc.price_set(actor=actors["admin"], price_list=price_list, product=products["pump"], unit_price="19990")
    return price_list


def test_the_general_list_of_the_currency(products, nok_list):
    assert svc.price_for(products["pump"], "NOK", on=ON).unit_price == D("24990")
    assert svc.price_for(products["pump"], "SEK", on=ON) is None
    assert svc.price_for(products["book"], "NOK", on=ON) is None


def test_a_member_of_the_group_gets_the_group_price(products, nok_list, installers, customer):
    assert svc.price_for(products["pump"], "NOK", person=customer["person"], on=ON).unit_price == D("19990")
    assert svc.price_for(products["pump"], "NOK", organization=customer["org"], on=ON).unit_price == D("24990")
    # The group's list lacks installation: the general price applies.
    assert svc.price_for(products["install"], "NOK", person=customer["person"], on=ON).unit_price == D("950")


def test_lists_outside_their_dates_or_inactive_do_not_count(products, nok_list, installers, customer):
    PriceList.objects.filter(pk=installers.pk).update(valid_until=ON - dt.timedelta(days=1))
    assert svc.price_for(products["pump"], "NOK", person=customer["person"], on=ON).unit_price == D("24990")
    PriceList.objects.filter(pk=installers.pk).update(valid_until=None, valid_from=ON + dt.timedelta(days=1))
    assert svc.price_for(products["pump"], "NOK", person=customer["person"], on=ON).unit_price == D("24990")
    PriceList.objects.filter(pk=nok_list.pk).update(is_active=False)
    assert svc.price_for(products["pump"], "NOK", on=ON) is None


def test_the_newest_of_two_valid_general_lists_wins(actors, products, nok_list):
    spring = svc.price_list_create(actor=actors["admin"], name="Spring 2026", currency="NOK",
                                   valid_from=dt.date(2026, 3, 1))
    svc.price_set(actor=actors["admin"], price_list=spring, product=products["pump"], unit_price="22990")
    assert svc.price_for(products["pump"], "NOK", on=ON).unit_price == D("22990")
    assert svc.price_for(products["pump"], "NOK", on=dt.date(2026, 2, 1)).unit_price == D("24990")


def test_price_list_rules(actors, nok_list, products):
    with pytest.raises(ValidationError) as error:
        svc.price_list_create(actor=actors["admin"], name="Bad dates", currency="NOK", valid_from=ON,
                              valid_until=ON - dt.timedelta(days=1))
    assert error.value.field == "valid_until"
    with pytest.raises(ValidationError) as error:
        svc.price_list_update(actor=actors["admin"], price_list=nok_list, expected_version=None, currency="SEK")
    assert error.value.field == "currency"
    with pytest.raises(ValidationError) as error:
        svc.price_set(actor=actors["admin"], price_list=nok_list, product=products["book"], unit_price="1,2,3")
    assert error.value.field == "unit_price"
    svc.price_set(actor=actors["admin"], price_list=nok_list, product=products["pump"], unit_price="23 990,50")
    assert Price.objects.get(price_list=nok_list, product=products["pump"]).unit_price == D("23990.50")


@pytest.mark.parametrize(("who", "status", "edit"), [
    ("admin", 200, True), ("manager_north", 200, True), ("rep_north", 200, False), ("partner", 403, False),
])
def test_price_list_pages_per_role(login, actors, nok_list, who, status, edit):
    client = login(actors[who])
    assert client.get("/price-lists/").status_code == status
    response = client.get(f"/price-lists/{nok_list.pk}/")
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "24,990.00" in body
        assert ("Set a price" in body) == edit


def test_setting_a_price_on_the_page(login, actors, nok_list, products):
    client = login(actors["manager_north"])
    response = client.post(f"/price-lists/{nok_list.pk}/", {"product": products["book"].pk, "unit_price": "x"})
    assert response.status_code == 422
    response = client.post(f"/price-lists/{nok_list.pk}/", {"product": products["book"].pk, "unit_price": "249"})
    assert response.status_code == 302
    assert Price.objects.get(price_list=nok_list, product=products["book"]).unit_price == D("249")
    assert login(actors["rep_north"]).post(f"/price-lists/{nok_list.pk}/",
                                           {"product": products["book"].pk, "unit_price": "1"}).status_code == 403


def test_price_list_form_and_group_pages(login, actors, customer):
    client = login(actors["admin"])
    response = client.post("/customer-groups/", {"name": "Borettslag"})
    assert response.status_code == 302
    group_url = response["Location"]
    org = customer["org"]
    assert client.post(group_url, {"organization": f"{org.name} (#{org.pk})"}).status_code == 302
    assert org.name in client.get(group_url).content.decode()
    response = client.post("/price-lists/new/", {"name": "Borettslag NOK", "currency": "nok", "is_active": "on",
                                                 "customer_group": group_url.rstrip("/").rsplit("/", 1)[1]})
    assert response.status_code == 302
    assert PriceList.objects.get(name="Borettslag NOK").currency == "NOK"
    response = client.post("/price-lists/new/", {"name": "Bad", "currency": "N0K"})
    assert response.status_code == 200 and "three-letter" in response.content.decode()


def test_price_list_page_query_count(login, actors, nok_list, django_assert_max_num_queries):
    from tillit.sales.models import Product

    for n in range(20):
        product = Product.objects.create(sku=f"S{n}", name=f"Spare {n}")
        Price.objects.create(price_list=nok_list, product=product, unit_price=D(n))
    client = login(actors["rep_north"])
    with django_assert_max_num_queries(8):
        client.get(f"/price-lists/{nok_list.pk}/")
    with django_assert_max_num_queries(8):
        client.get("/price-lists/")


def test_adding_a_person_to_a_group_by_email(login, actors, customer):
    group = svc.customer_group_create(actor=actors["admin"], name="VIP")
    client = login(actors["manager_north"])
    response = client.post(f"/customer-groups/{group.pk}/", {"person_email": "nobody@example.com"})
    assert response.status_code == 200 and "No person you can see" in response.content.decode()
    response = client.post(f"/customer-groups/{group.pk}/", {"person_email": "ase@fjord.example"})
    assert response.status_code == 302
    assert list(group.persons.all()) == [customer["person"]]
    assert client.post(f"/customer-groups/{group.pk}/", {}).status_code == 200
