"""Hand-made value figures for the insight tests (the real figures come from the RFM/CLV/churn runs)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tillit.insight.models import CustomerValue, RfmClass
from tillit.people.models import Organization, Person

COMPUTED = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def person(name: str, **fields) -> Person:
    return Person.objects.create(first_name=name, last_name="Test", **fields)


def figures(party, **fields) -> CustomerValue:
    """A value row for a person or an organisation; every figure may be given."""
    key = "person" if isinstance(party, Person) else "organization"
    assert isinstance(party, (Person, Organization))
    values = {
        "purchases": 4, "frequency": 3, "first_purchase": date(2024, 6, 1), "last_purchase": date(2026, 3, 1),
        "revenue": Decimal("48000.00"), "spend_per_purchase": Decimal("12000.00"), "expected_purchases_12m": 1.6,
        "p_alive": 0.82, "expected_spend": Decimal("11500.00"), "clv": Decimal("21000.00"),
        "recency_score": 4, "frequency_score": 4, "monetary_score": 5, "rfm_class": "loyal",
        "churn_risk": 0.2, "churn_level": "low", "computed_at": COMPUTED,
    }
    values.update(fields)
    return CustomerValue.objects.create(**{key: party}, **values)


def rfm_classes() -> None:
    for i, (key, name) in enumerate((("champions", "Champions"), ("loyal", "Loyal"), ("at-risk", "At risk"),
                                     ("hibernating", "Hibernating"), ("new", "New"))):
        RfmClass.objects.get_or_create(key=key, defaults={"name": name, "priority": i})
