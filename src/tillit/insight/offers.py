"""Next best offer: item-to-item co-purchase over everything customers bought (implicit feedback).

What a customer *owns*: the catalogue products on the lines of their orders that are not cancelled, and
the products named on ``order`` interactions of the log (``Interaction.product`` matched to a product's
SKU or name, any case) — the log also holds orders from shops and ERPs. Persons and organisations are
customers of their own (an order for Kari at Fjord Shipping counts for both).

With B the binary customers × products matrix (``scipy.sparse``), C = BᵀB counts for every pair of
products the customers who bought both, and n the customers per product. For product i and j,
P(j | i) = C[i, j] ÷ n[i]: "bought by 34 % of the customers who bought i". A pair needs at least
``MIN_SUPPORT`` customers who bought both. A customer's score for a product j they do not own is the
largest P(j | i) over the products i they own, and i is the reason; the top ``TOP`` go into
``CustomerValue.next_offers`` as ``{"product": j, "share": 0.34, "because": i}``, best first (ties:
the lower product id first). Inactive products are not offered.

Complexity: one streamed read of the purchases, BᵀB in O(Σ basket²), scoring in chunks of customers in
O(Σ over owned products of the non-zeros of that product's row of P) with NumPy sorting, chunked writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy
from scipy import sparse

from tillit.insight.models import CustomerValue
from tillit.insight.party_figures import ORGANIZATION, PERSON, current_rows, write_figures
from tillit.interactions import messages

TOP = 3
MIN_SUPPORT = 2
CHUNK = 5_000  # customers per scoring block: bounds the expanded arrays (memory)


def register() -> None:
    messages.register("insight.offer.because",
                      gettext_lazy("Bought by %(percent)s %% of customers who bought %(product)s"))


def purchases() -> np.ndarray:
    """Distinct ``(kind code, party id, product id)`` rows (kind 0 = person, 1 = organisation) as an
    int64 array, from order lines and the log; NumPy rather than Python tuples so a million customers fit."""
    from tillit.interactions.models import Interaction
    from tillit.sales.models import OrderLine, OrderStatus, Product

    parts: list[np.ndarray] = []

    def collect(code: int, rows) -> None:
        flat = np.fromiter((v for row in rows for v in row), dtype=np.int64)
        if len(flat):
            pairs = flat.reshape(-1, 2)
            parts.append(np.column_stack([np.full(len(pairs), code, dtype=np.int64), pairs]))

    lines = OrderLine.objects.filter(product__isnull=False).exclude(order__status=OrderStatus.CANCELLED)
    for code, kind in enumerate((PERSON, ORGANIZATION)):
        collect(code, lines.filter(**{f"order__{kind}__isnull": False})
                .values_list(f"order__{kind}_id", "product_id").distinct().order_by().iterator(chunk_size=20000))
    by_ref: dict[str, int] = {}
    catalogue = list(Product.objects.values_list("pk", "sku", "name").order_by("-pk"))
    for pk, _sku, name in catalogue:
        by_ref[name.casefold()] = pk  # the oldest product wins a shared name (iterated last)
    for pk, sku, _name in catalogue:
        by_ref[sku.casefold()] = pk  # a SKU beats a name
    refs = Interaction.objects.filter(kind="order").exclude(product="").exclude(outcome="cancelled")
    for code, kind in enumerate((PERSON, ORGANIZATION)):
        rows = refs.filter(**{f"{kind}__isnull": False}).values_list(f"{kind}_id", "product").distinct().order_by()
        collect(code, ((party_id, by_ref[ref.casefold()]) for party_id, ref in rows.iterator(chunk_size=20000)
                       if ref.casefold() in by_ref))
    if not parts:
        return np.empty((0, 3), dtype=np.int64)
    return np.unique(np.concatenate(parts), axis=0)


def co_purchase(matrix: sparse.csr_matrix, *, min_support: int = MIN_SUPPORT) -> tuple[sparse.csr_matrix, np.ndarray]:
    """(P, n): P[i, j] = customers who bought i and j ÷ customers who bought i (i ≠ j, support applied)."""
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    both = (matrix.T @ matrix).tocsr().astype(np.float64)
    both.setdiag(0)
    both.data[both.data < min_support] = 0
    both.eliminate_zeros()
    inverse = sparse.diags(np.divide(1.0, counts, out=np.zeros_like(counts, dtype=float), where=counts > 0))
    return (inverse @ both).tocsr(), counts


def recommend(matrix: sparse.csr_matrix, p: sparse.csr_matrix, *, offerable: np.ndarray, top: int = TOP,
              chunk: int = CHUNK) -> list[list[tuple[int, float, int]]]:
    """Per row of ``matrix``: ``[(product column, share, because column)]``, best first, owned excluded."""
    n_customers, n_products = matrix.shape
    out: list[list[tuple[int, float, int]]] = [[] for _ in range(n_customers)]
    for start in range(0, n_customers, chunk):
        block = matrix[start:start + chunk].tocoo()
        if block.nnz == 0:
            continue
        expanded = p[block.col]  # one row of P per (customer, owned product)
        per_row = np.diff(expanded.indptr)
        customer = np.repeat(block.row.astype(np.int64), per_row)
        because = np.repeat(block.col.astype(np.int64), per_row)
        product = expanded.indices.astype(np.int64)
        share = expanded.data
        key = customer * n_products + product
        owned = block.row.astype(np.int64) * n_products + block.col
        keep = ~np.isin(key, owned) & offerable[product]
        customer, because, product, share, key = customer[keep], because[keep], product[keep], share[keep], key[keep]
        if not len(key):
            continue
        # Best reason per (customer, product): highest share, then the lowest product id as the reason.
        order = np.lexsort((because, -share, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        pick = order[first]
        customer, product, share, because = customer[pick], product[pick], share[pick], because[pick]
        # Top per customer: highest share, then the lowest product id.
        order = np.lexsort((product, -share, customer))
        customer, product, share, because = customer[order], product[order], share[order], because[order]
        starts = np.r_[0, np.flatnonzero(customer[1:] != customer[:-1]) + 1]
        rank = np.arange(len(customer)) - np.repeat(starts, np.diff(np.r_[starts, len(customer)]))
        for c, j, s, i in zip(customer[rank < top], product[rank < top], share[rank < top], because[rank < top],
                              strict=True):
            out[start + int(c)].append((int(j), float(s), int(i)))
    return out


def recompute_offers(*, now: dt.datetime | None = None) -> int:
    """Next best offers for every customer; idempotent, one transaction. Returns customers with offers."""
    from tillit.sales.models import Product

    now = now or timezone.now()
    bought = purchases()
    current = current_rows(["next_offers"])
    with transaction.atomic():
        if not len(bought):
            write_figures({}, ["next_offers"], now=now, current=current, empty={"next_offers": []})
            return 0
        customer_keys, rows = np.unique(bought[:, 0] + 2 * bought[:, 1], return_inverse=True)
        products, cols = np.unique(bought[:, 2], return_inverse=True)
        matrix = sparse.csr_matrix((np.ones(len(bought)), (rows.ravel(), cols.ravel())),
                                   shape=(len(customer_keys), len(products)))
        p, _counts = co_purchase(matrix)
        active = set(Product.objects.filter(is_active=True).values_list("pk", flat=True))
        offerable = np.array([int(pid) in active for pid in products], dtype=bool)
        offers = recommend(matrix, p, offerable=offerable)
        kinds = (PERSON, ORGANIZATION)
        values = {(kinds[int(key) % 2], int(key) // 2): {"next_offers": [
            {"product": int(products[j]), "share": round(s, 4), "because": int(products[b])} for j, s, b in found]}
            for key, found in zip(customer_keys, offers, strict=True) if found}
        write_figures(values, ["next_offers"], now=now, current=current, empty={"next_offers": []})
    return len(values)


def offers_display(offers: Sequence[Mapping] | None) -> list[dict]:
    """The stored offers with their products and the reason in the active language (one query)."""
    from tillit.sales.models import Product

    offers = [o for o in offers or [] if isinstance(o, Mapping) and "product" in o]
    ids = {o["product"] for o in offers} | {o.get("because") for o in offers if o.get("because")}
    products = {p.pk: p for p in Product.objects.filter(pk__in=ids)} if ids else {}
    out = []
    for o in offers:
        product = products.get(o["product"])
        if product is None:
            continue
        because = products.get(o.get("because"))
        share = float(o.get("share") or 0)
        reason = messages.render(messages.message(
            "insight.offer.because", percent=number_format(round(100 * share)),
            product=because.name if because else "?")) if because else ""
        out.append({"product": product, "share": share, "because": because, "reason": reason})
    return out


def customer_offers(*, actor, person=None, organization=None) -> list[dict]:
    """The next best offers of one customer the actor may read (404 otherwise)."""
    from tillit.core.access import ensure_can_read, ensure_staff

    ensure_staff(actor)
    party = person if person is not None else organization
    ensure_can_read(actor, party)
    q = Q(person=person) if person is not None else Q(organization=organization)
    row = CustomerValue.objects.filter(q).values_list("next_offers", flat=True).first()
    return offers_display(row)
