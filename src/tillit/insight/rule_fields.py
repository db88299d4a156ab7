"""Insight's figures as fields of the segment rule language (registered from ``InsightConfig.ready``).

Marketing's compiler knows nothing of insight: each field is a lookup path through the person's (or the
organisation's) ``insight_value`` row, so "CLV ≥ 10 000 and churn risk high" is one query like any other
segment. A person without figures yet matches no "at least"/"at most"/"is" test on them.
The value tier and the persona are the person's own fields (``value_tier``, ``persona``: already in the rule
language), which insight keeps up to date.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from tillit.marketing.rules import Attr, register_attr


def _rfm_classes() -> list:
    from tillit.insight.models import RfmClass

    return list(RfmClass.objects.values_list("key", "name"))


def _relationship_types() -> list:
    try:
        model = apps.get_model("insight", "RelationshipType")
    except LookupError:  # until the relationship types exist, offer the keys the figures hold
        from tillit.insight.models import CustomerValue

        keys = (CustomerValue.objects.exclude(relationship_type="").order_by("relationship_type")
                .values_list("relationship_type", flat=True).distinct())
        return [(k, k) for k in keys]
    return list(model.objects.values_list("key", "name"))


def _churn_levels() -> list:
    return [("low", _("Low")), ("medium", _("Medium")), ("high", _("High"))]


def _fields() -> dict[str, Attr]:
    v = "insight_value__"
    return {
        "clv": Attr(v + "clv", _("Customer lifetime value"), "number"),
        "revenue": Attr(v + "revenue", _("Revenue to date"), "number"),
        "purchases": Attr(v + "purchases", _("Purchase occasions"), "number"),
        "spend_per_purchase": Attr(v + "spend_per_purchase", _("Spend per purchase"), "number"),
        "p_alive": Attr(v + "p_alive", _("Probability still a customer (0–1)"), "number"),
        "churn_risk": Attr(v + "churn_risk", _("Churn risk (0–1)"), "number"),
        "churn_level": Attr(v + "churn_level", _("Churn risk level"), "choice", options=_churn_levels),
        "rfm_class": Attr(v + "rfm_class", _("RFM class"), "choice", options=_rfm_classes),
        "relationship_type": Attr(v + "relationship_type", _("Relationship type"), "choice",
                                  options=_relationship_types),
    }


def register() -> None:
    # Attr.field is relative to the model the condition runs on; the compiler adds "organization__" itself.
    for name, attr in _fields().items():
        register_attr("person", name, attr)
        register_attr("organization", name, attr)
