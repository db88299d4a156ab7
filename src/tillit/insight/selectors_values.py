"""Reading the per-customer figures as a list and one at a time, with the caller's access.

A sales rep sees the figures of the customers she may read (owner scope or a relationship grant,
``tillit.core.access``) and nobody else's; the list is one query (plus its count) whatever its length.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from tillit.core.access import ensure_staff, party_visibility_q
from tillit.core.errors import ValidationError
from tillit.insight.card import _relationship_type_model
from tillit.insight.models import CustomerValue, RfmClass
from tillit.people.models import Organization, Person


def _visible(actor) -> Q | None:
    persons = party_visibility_q(actor, "person", field="person")
    orgs = party_visibility_q(actor, "organization", field="organization")
    if persons is None and orgs is None:
        return None
    return (Q(person__isnull=False) & (persons if persons is not None else Q())) | (
        Q(organization__isnull=False) & (orgs if orgs is not None else Q()))


def _with_names(qs: QuerySet) -> QuerySet:
    names = {"rfm_name": Subquery(RfmClass.objects.filter(key=OuterRef("rfm_class")).values("name")[:1])}
    model = _relationship_type_model()
    if model is not None:
        names["relationship_name"] = Subquery(model.objects.filter(key=OuterRef("relationship_type"))
                                              .values("name")[:1])
    return qs.select_related("person", "organization", "fit").annotate(**names)


def values_list(*, actor, kind: str = "", tier: str = "", rfm_class: str = "", relationship_type: str = "",
                churn_level: str = "", persona: str = "", clv_min: Decimal | None = None,
                clv_max: Decimal | None = None) -> QuerySet[CustomerValue]:
    """Figures of every customer the actor may read, filtered; highest CLV first (customers without a CLV last)."""
    ensure_staff(actor)
    if clv_min is not None and clv_max is not None and clv_min > clv_max:
        raise ValidationError(_("The lowest CLV is above the highest."), field="clv_min")
    qs = CustomerValue.objects.all()
    visible = _visible(actor)
    if visible is not None:
        qs = qs.filter(visible)
    if kind == "person":
        qs = qs.filter(person__isnull=False)
    elif kind == "organization":
        qs = qs.filter(organization__isnull=False)
    if tier:
        qs = qs.filter(Q(person__value_tier=tier) | Q(organization__value_tier=tier))
    for field, value in (("rfm_class", rfm_class), ("relationship_type", relationship_type),
                         ("churn_level", churn_level)):
        if value:
            qs = qs.filter(**{field: value})
    if persona:
        qs = qs.filter(person__persona=persona)
    if clv_min is not None:
        qs = qs.filter(clv__gte=clv_min)
    if clv_max is not None:
        qs = qs.filter(clv__lte=clv_max)
    return _with_names(qs).order_by(F("clv").desc(nulls_last=True), "pk")


def value_of(*, person: Person | None = None, organization: Organization | None = None) -> CustomerValue | None:
    """The figures of one party the caller already may read (the caller fetched it through people selectors)."""
    qs = CustomerValue.objects.filter(person=person) if person is not None else \
        CustomerValue.objects.filter(organization=organization)
    return _with_names(qs).first()
