"""Small builders for the relationship, churn and offer tests: rows straight in the tables they read."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tillit.insight.models import CustomerValue
from tillit.interactions.models import Interaction
from tillit.people.models import Organization, Person
from tillit.sales.models import Order, OrderLine, Product

_counter = [0]


def person(owner=None, first="Kari", last="Nordmann", **fields) -> Person:
    return Person.objects.create(first_name=first, last_name=last, owner=owner,
                                 team=getattr(owner, "team", None), **fields)


def organization(owner=None, name="Fjord Shipping AS") -> Organization:
    return Organization.objects.create(name=name, owner=owner, team=getattr(owner, "team", None))


def product(sku: str, name: str = "", **fields) -> Product:
    return Product.objects.create(sku=sku, name=name or sku, **fields)


def order(party, lines, *, days_ago: int = 10, status: str = "delivered", currency: str = "NOK") -> Order:
    """``lines``: [(product, quantity, unit_price, list_price, discount_percent)]."""
    _counter[0] += 1
    kind = "person" if isinstance(party, Person) else "organization"
    placed = timezone.localdate() - dt.timedelta(days=days_ago)
    o = Order.objects.create(number=f"T-{_counter[0]}", order_date=placed, status=status, currency=currency,
                             **{kind: party})
    total = Decimal(0)
    for position, (prod, qty, unit, listed, discount) in enumerate(lines):
        net = (Decimal(qty) * Decimal(unit) * (1 - Decimal(discount) / 100)).quantize(Decimal("0.01"))
        total += net
        OrderLine.objects.create(order=o, position=position, product=prod, description=prod.name, quantity=qty,
                                 unit_price=unit, list_price=listed, discount_percent=discount, net=net)
    o.total = total
    o.save(update_fields=["total"])
    return o


def logged(party, kind: str, amount, *, days_ago: int = 10, currency: str = "NOK", outcome: str = "",
           product_ref: str = "") -> Interaction:
    field = "person" if isinstance(party, Person) else "organization"
    return Interaction.objects.create(channel="web", kind=kind, occurred_at=timezone.now() - dt.timedelta(
        days=days_ago), amount=amount, currency=currency, outcome=outcome, product=product_ref, **{field: party})


def value(party, **figures) -> CustomerValue:
    field = "person" if isinstance(party, Person) else "organization"
    return CustomerValue.objects.create(computed_at=timezone.now(), **{field: party}, **figures)
