from decimal import Decimal

from django.utils import translation

from tillit.core.templatetags.tillit_tags import field_label, money, phone


def test_phone_is_shown_in_international_groups():
    assert phone("+4791234567") == "+47 91 23 45 67"
    assert phone("") == ""


def test_money_is_grouped_the_way_each_language_writes_it():
    with translation.override("en"):
        assert money(Decimal("1349990.00"), "SEK") == "1,349,990.00 SEK"
    with translation.override("sv"):
        assert money(Decimal("1349990.00"), "SEK") == "1\xa0349\xa0990,00 SEK"
    assert money(None, "NOK") == ""


def test_custom_field_keys_read_as_labels():
    assert field_label("house_m2") == "House m2"
    assert field_label("Heating") == "Heating"
