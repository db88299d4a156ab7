"""Relationship types: share of wallet, price premium, the types' thresholds, history and access."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tillit.core.errors import AccessDenied, NotFound, ValidationError
from tillit.insight import relationships
from tillit.insight.models import CategorySpend, CustomerValue, RelationshipChange, RelationshipType
from tillit.insight.relationship_defaults import DEFAULT_TYPES
from tillit.sales.models import ExchangeRate

from .relationship_helpers import logged, order, organization, person, product, value

pytestmark = pytest.mark.django_db


def _rows():
    return [dict(r) for r in DEFAULT_TYPES]


def test_default_types_are_seeded_and_tile_the_plane():
    assert set(RelationshipType.objects.values_list("key", flat=True)) == {r["key"] for r in DEFAULT_TYPES}
    relationships.check_types(_rows())  # no error


def test_overlapping_thresholds_are_refused_naming_the_threshold():
    rows = _rows()
    next(r for r in rows if r["key"] == "stranger")["share_max"] = 0.3  # into marriage-of-convenience
    with pytest.raises(ValidationError) as exc:
        relationships.check_types(rows)
    assert exc.value.field in ("stranger.share_max", "marriage-of-convenience.share_min")
    assert "overlap" in exc.value.message


def test_a_gap_is_refused_naming_the_threshold_next_to_it():
    rows = _rows()
    next(r for r in rows if r["key"] == "best-friend")["share_min"] = 0.7  # 0.6–0.7 at a premium: nobody
    with pytest.raises(ValidationError) as exc:
        relationships.check_types(rows)
    assert exc.value.field in ("guru-disciple.share_max", "best-friend.share_min")
    assert "0.6–0.7" in exc.value.message


def test_exactly_one_catch_all_and_it_has_no_thresholds():
    rows = [r for r in _rows() if not r.get("catch_all")]
    with pytest.raises(ValidationError) as exc:
        relationships.check_types(rows)
    assert exc.value.field == "catch_all"


def test_a_threshold_that_is_not_a_number_names_its_field(actors):
    rows = _rows()
    rows[0]["premium_min"] = "lots"
    with pytest.raises(ValidationError) as exc:
        relationships.relationship_types_save(actor=actors["admin"], rows=rows)
    assert exc.value.field == "best-friend.premium_min"


def test_only_admins_and_managers_edit_types(actors):
    with pytest.raises(AccessDenied):
        relationships.relationship_types_save(actor=actors["rep_north"], rows=_rows())
    rows = _rows()
    rows[0]["name"] = "Bestie"
    relationships.relationship_types_save(actor=actors["manager_north"], rows=rows)
    assert RelationshipType.objects.get(key="best-friend").name == "Bestie"


def test_share_of_wallet_counts_an_order_and_its_payment_once_and_converts_currencies(actors):
    kari = person(actors["rep_north"])
    ExchangeRate.objects.create(currency="SEK", rate=Decimal("1.0"), valid_from=dt.date(2020, 1, 1))
    logged(kari, "order", Decimal("30000"))
    logged(kari, "order", Decimal("30000"), outcome="delivered")  # Tillit's follow-up event: same money
    logged(kari, "payment", Decimal("30000"))  # the payment of that order: same money
    logged(kari, "order", Decimal("10000"), currency="SEK")
    logged(kari, "order", Decimal("99999"), days_ago=400)  # older than a year
    relationships.category_spend_upsert(actor=actors["rep_north"], person=kari, amount="80 000", currency="NOK")
    relationships.recompute_relationships()
    assert CustomerValue.objects.get(person=kari).share_of_wallet == pytest.approx(0.5)


def test_a_currency_without_rate_is_left_out_and_reported(actors):
    kari = person(actors["rep_north"])
    logged(kari, "order", Decimal("500"), currency="EUR")
    relationships.category_spend_upsert(actor=actors["rep_north"], person=kari, amount="1000")
    result = relationships.recompute_relationships()
    assert CustomerValue.objects.get(person=kari).share_of_wallet == 0
    assert any("EUR" in w for w in result.warnings)


def test_price_premium_is_paid_over_list_price_of_lines_not_cancelled(actors):
    kari = person(actors["rep_north"])
    pump, service = product("VP-PRO", "Varmepumpe Pro"), product("SRV", "Service")
    order(kari, [(pump, 1, "90000", "100000", 0), (service, 2, "1000", "1000", 10)])  # 91 800 / 102 000
    order(kari, [(pump, 1, "1", "100000", 0)], status="cancelled")
    relationships.recompute_relationships()
    assert CustomerValue.objects.get(person=kari).price_premium == pytest.approx(91800 / 102000, abs=1e-4)


def test_customers_are_classified_and_changes_are_history(actors):
    kari, ola = person(actors["rep_north"]), person(actors["rep_north"], first="Ola")
    unknown = person(actors["rep_north"], first="Nils")
    value(unknown, purchases=1)
    pump = product("VP-PRO", "Varmepumpe Pro")
    for who in (kari, ola):
        order(who, [(pump, 1, "100000", "100000", 0)])
        logged(who, "order", Decimal("100000"))
    relationships.category_spend_upsert(actor=actors["admin"], person=kari, amount="120000")  # share 0.83
    relationships.category_spend_upsert(actor=actors["admin"], person=ola, amount="1000000")  # share 0.1
    result = relationships.recompute_relationships()
    types = dict(CustomerValue.objects.values_list("person_id", "relationship_type"))
    assert types == {kari.pk: "best-friend", ola.pk: "one-night-stand", unknown.pk: "unknown"}
    assert result.changed == 3
    # Ola's estimate falls: more of his business is ours now; a second run records only that change.
    relationships.category_spend_upsert(actor=actors["admin"], person=ola, amount="200000")
    relationships.recompute_relationships()
    change = RelationshipChange.objects.filter(person=ola).first()
    assert (change.from_type, change.to_type) == ("one-night-stand", "guru-disciple")
    assert RelationshipChange.objects.count() == 4


def test_editing_thresholds_reclassifies_at_once(actors):
    kari = person(actors["rep_north"])
    value(kari, share_of_wallet=0.5, price_premium=1.05)
    relationships.classify()
    assert CustomerValue.objects.get(person=kari).relationship_type == "guru-disciple"
    rows = _rows()
    for r in rows:
        if r["key"] == "best-friend":
            r["share_min"] = 0.4
        if r["key"] == "guru-disciple":
            r["share_max"] = 0.4
    relationships.relationship_types_save(actor=actors["admin"], rows=rows)
    assert CustomerValue.objects.get(person=kari).relationship_type == "best-friend"


def test_spend_upsert_replaces_and_validates(actors):
    org = organization(actors["rep_north"])
    relationships.category_spend_upsert(actor=actors["rep_north"], organization=org, amount="1000", year=2026)
    relationships.category_spend_upsert(actor=actors["rep_north"], organization=org, amount="2000,50",
                                        currency="sek")
    spend = CategorySpend.objects.get(organization=org)
    assert (spend.amount, spend.currency, spend.year) == (Decimal("2000.50"), "SEK", None)
    with pytest.raises(ValidationError) as exc:
        relationships.category_spend_upsert(actor=actors["rep_north"], organization=org, amount="-5")
    assert exc.value.field == "amount"
    with pytest.raises(ValidationError) as exc:
        relationships.category_spend_upsert(actor=actors["rep_north"], organization=org, amount="5", currency="x")
    assert exc.value.field == "currency"


def test_spend_of_a_customer_one_may_not_change_is_refused(actors):
    kari = person(actors["rep_north"])
    with pytest.raises(NotFound):
        relationships.category_spend_upsert(actor=actors["rep_south"], person=kari, amount="1000")


def test_scatter_shows_only_customers_the_rep_may_see(actors, django_assert_max_num_queries):
    mine, theirs = person(actors["rep_north"]), person(actors["rep_south"], first="Sven")
    org = organization(actors["rep_south"], name="Sør AS")
    for party in (mine, theirs, org):
        value(party, share_of_wallet=0.3, price_premium=1.0)
    with django_assert_max_num_queries(4):
        points = relationships.scatter_points(actor=actors["rep_north"])
    assert [(p.kind, p.id) for p in points] == [("person", mine.pk)]
    everyone = relationships.scatter_points(actor=actors["admin"])
    assert {(p.kind, p.id) for p in everyone} == {("person", mine.pk), ("person", theirs.pk),
                                                 ("organization", org.pk)}


def test_scatter_is_refused_to_customers_and_partners(actors):
    with pytest.raises(AccessDenied):
        relationships.scatter_points(actor=actors["customer"])


def test_figures_that_vanish_are_cleared(actors):
    kari = person(actors["rep_north"])
    value(kari, share_of_wallet=0.9, price_premium=1.2, relationship_type="best-friend")
    relationships.recompute_relationships(now=timezone.now())
    row = CustomerValue.objects.get(person=kari)
    assert (row.share_of_wallet, row.price_premium, row.relationship_type) == (None, None, "unknown")


def test_many_rows_are_written_in_bulk_and_only_changes_on_a_rerun():
    from tillit.insight.party_figures import CHUNK, current_rows, write_figures
    from tillit.people.models import Person

    people = Person.objects.bulk_create([Person(first_name=f"P{i}") for i in range(CHUNK + 500)])
    CustomerValue.objects.bulk_create([CustomerValue(person=p, computed_at=timezone.now()) for p in people])
    fields = ["share_of_wallet", "next_offers"]
    values = {("person", p.pk): {"share_of_wallet": i / 10_000, "next_offers": [{"product": i}]}
              for i, p in enumerate(people)}
    write_figures(values, fields, current=current_rows(fields), empty={"share_of_wallet": None, "next_offers": []})
    row = CustomerValue.objects.get(person=people[-1])
    assert row.share_of_wallet == pytest.approx((CHUNK + 499) / 10_000)
    assert row.next_offers == [{"product": CHUNK + 499}]
    later = timezone.now() + dt.timedelta(hours=1)
    values[("person", people[0].pk)] = {"share_of_wallet": 0.9, "next_offers": []}
    write_figures(values, fields, now=later, current=current_rows(fields))
    assert list(CustomerValue.objects.filter(computed_at=later).values_list("person_id", flat=True)) == [people[0].pk]
