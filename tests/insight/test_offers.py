"""Next best offer: item-to-item co-purchase with its reason, excluding what the customer owns."""

import numpy as np
import pytest
from scipy import sparse

from tillit.core.errors import NotFound
from tillit.insight import offers
from tillit.insight.models import CustomerValue

from .relationship_helpers import logged, order, organization, person, product

pytestmark = pytest.mark.django_db


def test_recommend_takes_the_best_reason_and_skips_owned_products():
    # customers × products: 0 = pump, 1 = filter, 2 = service, 3 = cable
    b = sparse.csr_matrix(np.array([
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [1, 0, 1, 0],
        [1, 0, 0, 0],
        [0, 1, 1, 1],
        [0, 0, 0, 1],
    ], dtype=float))
    p, counts = offers.co_purchase(b, min_support=1)
    assert counts.tolist() == [4, 3, 3, 2]
    assert p[0, 1] == pytest.approx(2 / 4) and p[1, 0] == pytest.approx(2 / 3)
    result = offers.recommend(b, p, offerable=np.ones(4, dtype=bool), top=3)
    # Customer 3 owns the pump only: filter and service each 2/4 of pump buyers (ties: lower id first).
    assert result[3] == [(1, 0.5, 0), (2, 0.5, 0)]
    # Customer 0 owns pump + filter: service via filter (2/3) beats via pump (2/4); cable via filter 1/3.
    assert result[0] == [(2, pytest.approx(2 / 3), 1), (3, pytest.approx(1 / 3), 1)]
    assert all(j not in (0, 1) for j, _s, _i in result[0])


def test_minimum_support_drops_single_coincidences():
    b = sparse.csr_matrix(np.array([[1, 1], [1, 0]], dtype=float))
    p, _ = offers.co_purchase(b, min_support=2)
    assert p.nnz == 0


def _fixture(actors):
    pump, filt, service = product("VP-PRO", "Varmepumpe Pro"), product("FLT", "Filter"), product("SRV", "Service")
    buyers = [person(actors["rep_north"], first=f"P{i}") for i in range(5)]
    for who in buyers[:4]:
        order(who, [(pump, 1, "100", "100", 0)])
    for who in buyers[:3]:
        order(who, [(filt, 1, "10", "10", 0)])
    logged(buyers[0], "order", 50, product_ref="srv")  # from a shop, by SKU
    logged(buyers[1], "order", 50, product_ref="Service")  # by name
    return pump, filt, service, buyers


def test_recompute_writes_top_offers_with_reasons(actors):
    pump, filt, service, buyers = _fixture(actors)
    assert offers.recompute_offers() >= 1
    row = CustomerValue.objects.get(person=buyers[3])  # owns the pump only
    assert row.next_offers == [{"product": filt.pk, "share": 0.75, "because": pump.pk},
                               {"product": service.pk, "share": 0.5, "because": pump.pk}]
    shown = offers.customer_offers(actor=actors["rep_north"], person=buyers[3])
    assert shown[0]["product"] == filt
    assert shown[0]["reason"] == "Bought by 75 % of customers who bought Varmepumpe Pro"


def test_owned_products_are_never_offered_and_inactive_ones_neither(actors):
    pump, filt, service, buyers = _fixture(actors)
    filt.is_active = False
    filt.save(update_fields=["is_active"])
    offers.recompute_offers()
    for row in CustomerValue.objects.exclude(next_offers=[]):
        products = {o["product"] for o in row.next_offers}
        assert filt.pk not in products
    # Buyer 0 owns the pump, the filter and the service: nothing is left to offer.
    assert not CustomerValue.objects.filter(person=buyers[0]).exclude(next_offers=[]).exists()


def test_offers_of_a_customer_one_may_not_see_are_not_found(actors):
    _fixture(actors)
    org = organization(actors["rep_south"], name="Sør AS")
    with pytest.raises(NotFound):
        offers.customer_offers(actor=actors["rep_north"], organization=org)
