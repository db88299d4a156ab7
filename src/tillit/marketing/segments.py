"""The segment compiler and the functions other modules use to ask who is in a segment or list.

A rule tree (validated by ``tillit.marketing.rules``) becomes one ``Q`` over ``Person``: attribute
conditions are plain column tests, organisation conditions an ``Exists`` over current roles, consent an
``Exists`` over active consents. Behaviour "at least once" is an ``Exists`` correlated on ``person_id``
with a time range (the database may probe ``interaction_person_time`` per person or hash one scan of
the window, whichever its planner finds cheaper); "at least N times" is ``id IN (… GROUP BY person_id
HAVING COUNT(*) >= N)``. "Did not" is the negation of the same test (``~Exists`` / ``NOT IN``).
Nothing here loops over people in Python: ``segment_members`` is one SQL query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, IContains, IExact, In, IsNull, IStartsWith
from django.utils import timezone

from tillit.core.access import restrict
from tillit.interactions.models import Interaction
from tillit.marketing.models import Segment, StaticList, StaticListMember
from tillit.marketing.rules import EVENTS, resolve_attr, validate_rules
from tillit.people.models import Affiliation, Consent, Person

EVERYONE = Q(pk__isnull=False)
NOBODY = Q(pk__isnull=True)


# --- compiling ---------------------------------------------------------------------------------
def compile_rules(rules: Any, *, now: datetime | None = None, validated: bool = False) -> Q:
    """The ``Q`` over ``Person`` for a rule tree (validated here unless ``validated``)."""
    tree = rules if validated else validate_rules(rules)
    return _node(tree, now or timezone.now())


def _node(node: dict, now: datetime) -> Q:
    if "all" in node:
        parts = [_node(child, now) for child in node["all"]]
        return reduce(and_, parts) if parts else EVERYONE
    if "any" in node:
        parts = [_node(child, now) for child in node["any"]]
        return reduce(or_, parts) if parts else NOBODY
    if "not" in node:
        return ~_node(node["not"], now)
    if "attr" in node:
        return _attribute(node, now)
    if "event" in node:
        return _campaign(node, now)
    return _behaviour(node, now)


def _text_test(lhs, op: str, value) -> Q:
    """A test on a text expression (a column name or a JSON key); blanks and missing keys are "empty"."""
    if isinstance(lhs, str):
        lhs = F(lhs)
    missing = Q(IsNull(lhs, True))
    if op == "eq":
        return Q(IExact(lhs, value))
    if op == "ne":
        return missing | ~Q(IExact(lhs, value))
    if op == "in":
        return Q(In(lhs, value))
    if op == "not_in":
        return missing | ~Q(In(lhs, value))
    if op == "contains":
        return Q(IContains(lhs, value))
    if op == "starts_with":
        return Q(IStartsWith(lhs, value))
    if op == "empty":
        return missing | Q(Exact(lhs, ""))
    return ~missing & ~Q(Exact(lhs, ""))  # not_empty


def _ref_test(field: str, op: str, value) -> Q:
    if op == "empty":
        return Q(**{f"{field}__isnull": True})
    if op == "not_empty":
        return Q(**{f"{field}__isnull": False})
    values = value if isinstance(value, list) else [value]
    positive = Q(**{f"{field}__in": values})
    # Django's negation keeps rows whose column is NULL ("no owner" is "not Sara").
    return ~positive if op in ("ne", "not_in") else positive


def _number_test(field: str, op: str, value) -> Q:
    if op in ("empty", "not_empty"):
        return Q(**{f"{field}__isnull": op == "empty"})
    # A customer without the figure (no row yet) is neither at least nor at most anything.
    lookup = {"gte": "gte", "lte": "lte", "eq": "exact"}[op]
    return Q(**{f"{field}__{lookup}": Decimal(str(value))})


def _field_test(prefix: str, attr, key: str | None, op: str, value) -> Q:
    if attr.type == "number":
        return _number_test(prefix + attr.field, op, value)
    if attr.type == "ref":
        return _ref_test(prefix + attr.field, op, value)
    if key is not None:
        # Custom fields compare as text on both databases (SQLite's JSON numbers are not text).
        lhs = Cast(KeyTextTransform(key, prefix + "custom_fields"), CharField())
        return _text_test(lhs, op, value)
    if attr.type == "choice" and op in ("eq", "ne"):
        positive = Q(**{prefix + attr.field: value})
        return ~positive if op == "ne" else positive
    return _text_test(prefix + attr.field, op, value)


def _attribute(node: dict, now: datetime) -> Q:
    scope, attr, key = resolve_attr(node["attr"])
    op, value = node["op"], node.get("value")
    if attr.type == "consent":
        active = Consent.objects.filter(
            person_id=OuterRef("pk"), purpose__in=value, withdrawn_at__isnull=True, given_at__lte=now
        )
        return Q(Exists(active)) if op == "in" else ~Q(Exists(active))
    if scope == "person":
        return _field_test("", attr, key, op, value)
    # Organisation fields: the person has a current role at an organisation that matches.
    today = timezone.localdate(now)
    roles = Affiliation.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), person_id=OuterRef("pk")
    ).filter(_field_test("organization__", attr, key, op, value))
    return Q(Exists(roles))


def _window(qs: QuerySet, days: int | None, now: datetime) -> QuerySet:
    # Always bounded by now: a meeting booked for next week has not happened yet.
    if days:
        return qs.filter(occurred_at__gte=now - timedelta(days=days), occurred_at__lte=now)
    return qs.filter(occurred_at__lte=now)


def _behaviour(node: dict, now: datetime) -> Q:
    qs = Interaction.objects.all()
    for field in ("kind", "channel", "campaign"):
        if node.get(field):
            qs = qs.filter(**{field: node[field]})
    for field in ("topic", "product"):
        if node.get(field):
            qs = qs.filter(**{f"{field}__iexact": node[field]})
    qs = _window(qs, node.get("days"), now).order_by()
    at_least = node.get("at_least") or 1
    if at_least == 1:
        # EXISTS leaves the plan to the database: a probe of interaction_person_time per person, or one
        # scan of the time window hashed against the persons (a semi/anti join), whichever is cheaper.
        test = Q(Exists(qs.filter(person_id=OuterRef("pk"))))
    else:
        # Not a correlated COUNT per person: that forces one index probe for every candidate person
        # (measured 2x slower in bench/segment.py). The people who did it N times are found once,
        # grouped; NULL person ids (organisation-only rows) are left out so NOT IN stays correct.
        counted = (qs.filter(person_id__isnull=False).values("person_id")
                   .annotate(n=Count("pk")).filter(n__gte=at_least).values("person_id"))
        test = Q(pk__in=counted)
    return test if node.get("did", True) else ~test


def _campaign(node: dict, now: datetime) -> Q:
    qs = Interaction.objects.filter(person_id=OuterRef("pk"), campaign=node["campaign"], kind=EVENTS[node["event"]])
    test = Q(Exists(_window(qs, node.get("days"), now).order_by()))
    return test if node.get("did", True) else ~test


# --- the contract for other modules ---------------------------------------------------------------
def rules_members(rules: Any, *, actor=None, now: datetime | None = None) -> QuerySet[Person]:
    """Persons matching a rule tree (validated; ``ValidationError`` names the bad path)."""
    qs = Person.objects.filter(compile_rules(rules, now=now))
    return qs if actor is None else restrict(qs, actor)


def segment_members(segment: Segment, *, actor=None, now: datetime | None = None) -> QuerySet[Person]:
    """The segment's members as ONE query; ``actor`` restricts to persons they may see (None = system)."""
    return rules_members(segment.rules, actor=actor, now=now)


def list_members(static_list: StaticList, *, actor=None) -> QuerySet[Person]:
    qs = Person.objects.filter(pk__in=StaticListMember.objects.filter(static_list=static_list).values("person_id"))
    return qs if actor is None else restrict(qs, actor)


def audience(*, segments: Iterable[Segment] = (), static_lists: Iterable[StaticList] = (), actor=None,
             now: datetime | None = None) -> QuerySet[Person]:
    """Everyone in any of the segments or lists, each person once (one query)."""
    now = now or timezone.now()
    parts = [compile_rules(s.rules, now=now) for s in segments]
    # A queryset of lists stays a subquery (no extra round trip); a sequence becomes ids.
    list_ids = static_lists.values("pk") if isinstance(static_lists, QuerySet) else [sl.pk for sl in static_lists]
    if isinstance(list_ids, QuerySet) or list_ids:
        parts.append(Q(pk__in=StaticListMember.objects.filter(static_list_id__in=list_ids).values("person_id")))
    if not parts:
        return Person.objects.none()
    qs = Person.objects.filter(reduce(or_, parts))
    return qs if actor is None else restrict(qs, actor)


def person_segments(person: Person, segments: Sequence[Segment] | QuerySet[Segment], *,
                    now: datetime | None = None) -> list[Segment]:
    """Which of ``segments`` the person is in: one query for the segments (if a queryset), one to test."""
    segments = list(segments)
    if not segments:
        return []
    now = now or timezone.now()
    flags = {
        f"s{i}": ExpressionWrapper(compile_rules(s.rules, now=now), output_field=BooleanField())
        for i, s in enumerate(segments)
    }
    row = Person.objects.filter(pk=person.pk).values(**flags).first() or {}
    return [s for i, s in enumerate(segments) if row.get(f"s{i}")]


def segment_counts(segments: Sequence[Segment], *, actor=None, now: datetime | None = None) -> dict[int, int]:
    """Member counts of many segments in ONE query (a filtered COUNT per segment)."""
    segments = list(segments)
    if not segments:
        return {}
    now = now or timezone.now()
    qs = Person.objects.all() if actor is None else restrict(Person.objects.all(), actor)
    counts = qs.aggregate(**{f"s{s.pk}": Count("pk", filter=compile_rules(s.rules, now=now)) for s in segments})
    return {s.pk: counts[f"s{s.pk}"] or 0 for s in segments}
