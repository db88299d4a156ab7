"""Relationship types on two axes (seed 004; Avery, Fournier & Wittenbraker, HBR 2014).

*Share of the customer's business* = our revenue in the last 12 months ÷ the customer's estimated
yearly spend in the category (``CategorySpend``), both in the base currency.

*  Our revenue: the ``order`` and ``payment`` interactions on the log with an amount, in the last 365
   days. An order and its payment are the same money seen twice, so per customer we take the larger of
   the two sums (orders, or payments where a system only sends payments). Tillit's own order events
   after "placed" (confirmed, shipped, delivered, cancelled) repeat the order's amount and are not
   counted. Amounts are converted with the exchange rate valid today (``sales.selectors.forecast``);
   a currency without a rate is left out and reported.

*Price premium* = what they paid ÷ list price, over the priced lines of the last 365 days: lines of
orders that are not cancelled, and lines of accepted quotes that did not (yet) become an order.
premium = Σ line net ÷ Σ (quantity × list price), over lines with a catalogue product and a list
price above zero. Line discounts count (a 10 % discount is 0.90); a whole-quote discount applied to
the total is not on the lines and is not counted.

A person's figures use the records naming the person; an organisation's the records naming the
organisation (an order for Kari at Fjord Shipping counts for both).

Complexity: three grouped SQL statements (revenue, spend, premium: O(rows) in the database), one pass
in Python over the customers with figures, chunked set-based writes (``party_figures``), and one
``INSERT … SELECT`` plus one ``UPDATE`` per type for the classification and its history.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role
from tillit.core.access import ensure_can_change, ensure_staff, party_visibility_q
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.money import clean_currency, parse_money
from tillit.insight.models import CategorySpend, CustomerValue, RelationshipChange, RelationshipType
from tillit.insight.party_figures import ORGANIZATION, PERSON, current_rows, write_figures

WINDOW_DAYS = 365
# Tillit's order events that repeat the amount of an order already counted when it was placed.
ORDER_FOLLOW_UPS = ("confirmed", "shipped", "delivered", "cancelled")
SUM = DecimalField(max_digits=28, decimal_places=4)
THRESHOLDS = ("share_min", "share_max", "premium_min", "premium_max")


# --- relationship types: validation and editing ---------------------------------------------
def _num(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(str(value).replace(",", ".").strip())
    except ValueError:
        raise ValidationError(_("Write a number such as 0.25 or 1.1."), field=name) from None
    if not math.isfinite(number) or number < 0:
        raise ValidationError(_("Thresholds are zero or more."), field=name)
    return number


def check_types(rows: Sequence[Mapping[str, Any]]) -> None:
    """Refuse types whose regions overlap or leave a gap, naming the threshold (``"<key>.share_max"``).

    Every type but the catch-all covers [share_min, share_max) × [premium_min, premium_max) (empty minimum
    0, empty maximum open); together they must cover every point of the plane exactly once.
    """
    keys = [r["key"] for r in rows]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise ValidationError(_("Two types have the key “%(key)s”.") % {"key": dup}, field=f"{dup}.key")
    catch = [r for r in rows if r.get("catch_all")]
    if len(catch) != 1:
        raise ValidationError(_("Exactly one type must be the catch-all (for customers without figures)."),
                              field="catch_all")
    if any(r.get(t) is not None for t in THRESHOLDS for r in catch):
        raise ValidationError(_("The catch-all has no thresholds."), field=f"{catch[0]['key']}.share_min")
    regions = []
    for r in rows:
        if r.get("catch_all"):
            continue
        s0, s1 = r.get("share_min") or 0.0, r.get("share_max")
        p0, p1 = r.get("premium_min") or 0.0, r.get("premium_max")
        s1, p1 = math.inf if s1 is None else s1, math.inf if p1 is None else p1
        if s1 <= s0:
            raise ValidationError(_("“Share below” must be above “share from”."), field=f"{r['key']}.share_max")
        if p1 <= p0:
            raise ValidationError(_("“Premium below” must be above “premium from”."), field=f"{r['key']}.premium_max")
        regions.append((r["key"], s0, s1, p0, p1))
    if not regions:
        raise ValidationError(_("At least one type besides the catch-all is needed."), field="types")
    xs = sorted({0.0, math.inf, *(v for reg in regions for v in (reg[1], reg[2]))})
    ys = sorted({0.0, math.inf, *(v for reg in regions for v in (reg[3], reg[4]))})
    for x0, x1 in zip(xs, xs[1:], strict=False):
        for y0, y1 in zip(ys, ys[1:], strict=False):
            inside = [reg for reg in regions if reg[1] <= x0 and x1 <= reg[2] and reg[3] <= y0 and y1 <= reg[4]]
            if len(inside) > 1:
                a, b = inside[0], inside[1]
                name = _threshold_between(b, x0, x1, y0, y1)
                raise ValidationError(
                    _("“%(a)s” and “%(b)s” overlap at share %(share)s, premium %(premium)s.")
                    % {"a": a[0], "b": b[0], "share": _span(x0, x1), "premium": _span(y0, y1)},
                    field=f"{b[0]}.{name}")
            if not inside:
                key, name = _next_to_gap(regions, x0, x1, y0, y1)
                raise ValidationError(
                    _("No type covers share %(share)s, premium %(premium)s.")
                    % {"share": _span(x0, x1), "premium": _span(y0, y1)}, field=f"{key}.{name}")


def _span(lo: float, hi: float) -> str:
    return f"{lo:g}–{hi:g}" if math.isfinite(hi) else f"≥ {lo:g}"


def _threshold_between(reg, x0, x1, y0, y1) -> str:
    """The threshold of ``reg`` that, moved, would end the overlap with the cell: its nearest edge."""
    _key, s0, s1, p0, p1 = reg
    edges = [(x0 - s0, "share_min"), (s1 - x1, "share_max"), (y0 - p0, "premium_min"), (p1 - y1, "premium_max")]
    return min(edges, key=lambda e: e[0])[1]


def _next_to_gap(regions, x0, x1, y0, y1) -> tuple[str, str]:
    """A type whose edge borders the uncovered cell, and that edge (the threshold to move)."""
    for key, s0, s1, p0, p1 in regions:
        if s1 == x0 and p0 < y1 and y0 < p1:
            return key, "share_max"
        if s0 == x1 and p0 < y1 and y0 < p1:
            return key, "share_min"
        if p1 == y0 and s0 < x1 and x0 < s1:
            return key, "premium_max"
        if p0 == y1 and s0 < x1 and x0 < s1:
            return key, "premium_min"
    return regions[0][0], "share_min"


def ensure_can_edit_types(actor) -> None:
    ensure_staff(actor)
    if not (actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER)):
        raise AccessDenied(_("Only administrators and managers change the relationship types."))


TYPE_FIELDS = ("key", "name", "playbook", *THRESHOLDS, "priority", "catch_all", "color")


def clean_type_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Parse and check the editor's (or the API's) rows; errors name ``"<key>.<field>"``."""
    out = []
    for index, raw in enumerate(rows):
        key = str(raw.get("key") or "").strip().lower()
        if not key:
            raise ValidationError(_("A key is required (letters, digits and hyphens)."), field=f"{index}.key")
        if not all(c.isalnum() or c in "-_" for c in key) or len(key) > 40:
            raise ValidationError(_("Letters, digits and hyphens only, at most 40."), field=f"{key}.key")
        name = str(raw.get("name") or "").strip()
        if not name:
            raise ValidationError(_("A name is required."), field=f"{key}.name")
        color = str(raw.get("color") or "#2f6f8f").strip()
        if len(color) != 7 or not color.startswith("#") or any(c not in "0123456789abcdefABCDEF" for c in color[1:]):
            raise ValidationError(_("A colour like #2f6f8f."), field=f"{key}.color")
        try:
            priority = int(raw.get("priority") if raw.get("priority") not in (None, "") else 100)
        except (TypeError, ValueError):
            raise ValidationError(_("A whole number."), field=f"{key}.priority") from None
        row = {"key": key, "name": name[:80], "playbook": str(raw.get("playbook") or "").strip(),
               "priority": max(0, min(priority, 32767)), "catch_all": bool(raw.get("catch_all")), "color": color}
        for t in THRESHOLDS:
            row[t] = _num(raw.get(t), f"{key}.{t}")
        out.append(row)
    check_types(out)
    return out


def relationship_types_save(*, actor, rows: Iterable[Mapping[str, Any]], now: dt.datetime | None = None) -> list:
    """Replace the set of types (upsert by key, remove the rest) and reclassify every customer."""
    ensure_can_edit_types(actor)
    clean = clean_type_rows(rows)
    with transaction.atomic():
        keep = [r["key"] for r in clean]
        RelationshipType.objects.exclude(key__in=keep).delete()
        for r in clean:
            RelationshipType.objects.update_or_create(key=r["key"], defaults={k: r[k] for k in TYPE_FIELDS[1:]})
        classify(now=now)
    return list(RelationshipType.objects.all())


def relationship_types() -> list[RelationshipType]:
    return list(RelationshipType.objects.all())


# --- the estimated category spend -------------------------------------------------------------
def category_spend_upsert(*, actor, person=None, organization=None, amount: Any, currency: str = "",
                          year: int | None = None, source: str = "") -> CategorySpend:
    """Set (create or replace) one customer's estimated yearly spend in the category."""
    ensure_staff(actor)
    if (person is None) == (organization is None):
        raise ValidationError(_("Name a person or an organisation."), field="person")
    party = person or organization
    ensure_can_change(actor, party)
    value = parse_money(amount, field="amount")
    if value <= 0:
        raise ValidationError(_("The estimated spend must be above zero."), field="amount")
    code = clean_currency(currency or settings.TILLIT_BASE_CURRENCY)
    if year is not None and not (1900 <= int(year) <= 2999):
        raise ValidationError(_("A year such as 2026."), field="year")
    lookup = {"person": person} if person is not None else {"organization": organization}
    with transaction.atomic():
        spend, _created = CategorySpend.objects.update_or_create(
            **lookup, defaults={"amount": value, "currency": code, "year": year, "source": source[:60],
                                "updated_by": actor})
    return spend


# --- computing the axes ---------------------------------------------------------------------
@dataclass
class Result:
    customers: int = 0
    created: int = 0
    changed: int = 0
    warnings: list[str] = field(default_factory=list)


def _rates(currencies: Iterable[str], today: dt.date) -> dict[str, Decimal | None]:
    from tillit.sales.selectors.forecast import rates_on  # same floor: read through the sales selector

    base = settings.TILLIT_BASE_CURRENCY
    return rates_on({c or base for c in currencies}, today)


def _grouped(qs, party: str, kind_field: str | None, amount) -> list[tuple]:
    group = [f"{party}_id", "currency"] + ([kind_field] if kind_field else [])
    return list(qs.filter(**{f"{party}__isnull": False}).values_list(*group).annotate(total=amount).order_by())


def axes(*, today: dt.date | None = None) -> tuple[dict, dict, list[str]]:
    """``({(kind, id): share}, {(kind, id): premium}, warnings)`` from the log, the spend and the lines."""
    from tillit.interactions.models import Interaction
    from tillit.sales.models import OrderLine, OrderStatus, QuoteLine, QuoteStatus

    today = today or timezone.localdate()
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    since_day = today - dt.timedelta(days=WINDOW_DAYS)
    base = settings.TILLIT_BASE_CURRENCY
    log = (Interaction.objects.filter(kind__in=("order", "payment"), amount__isnull=False, occurred_at__gte=since)
           .exclude(kind="order", outcome__in=ORDER_FOLLOW_UPS))
    revenue_rows = {p: _grouped(log, p, "kind", Sum("amount")) for p in (PERSON, ORGANIZATION)}
    spend_rows = list(CategorySpend.objects.values_list("person_id", "organization_id", "currency", "amount"))
    listed = ExpressionWrapper(F("quantity") * F("list_price"), output_field=SUM)
    priced = Q(product__isnull=False, list_price__gt=0)
    order_lines = OrderLine.objects.filter(priced, order__order_date__gte=since_day).exclude(
        order__status=OrderStatus.CANCELLED)
    quote_lines = QuoteLine.objects.filter(priced, quote__status=QuoteStatus.ACCEPTED, quote__decided_at__gte=since,
                                           quote__order__isnull=True)
    line_rows = []
    for lines, doc in ((order_lines, "order"), (quote_lines, "quote")):
        for p in (PERSON, ORGANIZATION):
            line_rows += [(p, *row) for row in lines.filter(**{f"{doc}__{p}__isnull": False})
                          .values_list(f"{doc}__{p}_id", f"{doc}__currency")
                          .annotate(paid=Sum("net"), listed=Sum(listed)).order_by()]
    currencies = {r[1] for rows in revenue_rows.values() for r in rows} | {r[2] for r in spend_rows} \
        | {r[2] for r in line_rows}
    rates = _rates(currencies, today)
    missing: set[str] = set()

    def convert(amount, currency) -> float | None:
        rate = rates.get(currency or base)
        if rate is None:
            missing.add(currency)
            return None
        return float(Decimal(amount or 0) * rate)

    revenue: dict[tuple, dict[str, float]] = defaultdict(lambda: {"order": 0.0, "payment": 0.0})
    for p, rows in revenue_rows.items():
        for party_id, currency, kind, total in rows:
            value = convert(total, currency)
            if value is not None:
                revenue[(p, party_id)][kind] += value
    spend: dict[tuple, float] = {}
    for person_id, organization_id, currency, amount in spend_rows:
        value = convert(amount, currency)
        if value is not None and value > 0:
            spend[(PERSON, person_id) if person_id else (ORGANIZATION, organization_id)] = value
    paid: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for p, party_id, currency, net, listed_total in line_rows:
        a, b = convert(net, currency), convert(listed_total, currency)
        if a is not None and b is not None:
            paid[(p, party_id)][0] += a
            paid[(p, party_id)][1] += b
    share = {key: max(revenue[key].values()) / amount if key in revenue else 0.0 for key, amount in spend.items()}
    premium = {key: a / b for key, (a, b) in paid.items() if b > 0}
    warnings = [_("No exchange rate for %(currency)s to %(base)s: its amounts are left out.")
                % {"currency": c, "base": base} for c in sorted(missing)]
    return share, premium, warnings


def recompute_relationships(*, now: dt.datetime | None = None) -> Result:
    """Share of wallet and price premium for every customer, then their relationship type (with history).

    Idempotent; one transaction, so a failure leaves the previous figures in place.
    """
    now = now or timezone.now()
    share, premium, warnings = axes(today=timezone.localdate(now))
    keys = set(share) | set(premium)
    values = {key: {"share_of_wallet": _rounded(share.get(key)), "price_premium": _rounded(premium.get(key))}
              for key in keys}
    fields = ["share_of_wallet", "price_premium"]
    with transaction.atomic():
        # Customers whose figures vanished (estimate deleted, lines older than a year) lose them.
        created = write_figures(values, fields, now=now, current=current_rows(fields),
                                empty={"share_of_wallet": None, "price_premium": None})
        changed = classify(now=now)
    return Result(customers=len(keys), created=created, changed=changed, warnings=warnings)


def _rounded(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 4)


def type_q(t: RelationshipType) -> Q:
    """The rows of ``t``: both figures known and inside its region (minimum included, maximum not)."""
    q = Q(share_of_wallet__isnull=False, price_premium__isnull=False)
    if t.share_min:
        q &= Q(share_of_wallet__gte=t.share_min)
    if t.share_max is not None:
        q &= Q(share_of_wallet__lt=t.share_max)
    if t.premium_min:
        q &= Q(price_premium__gte=t.premium_min)
    if t.premium_max is not None:
        q &= Q(price_premium__lt=t.premium_max)
    return q


def classify(*, now: dt.datetime | None = None) -> int:
    """Set ``relationship_type`` of every row, set-based, recording each change. Returns the changes."""
    now = now or timezone.now()
    types = list(RelationshipType.objects.all())
    catch = next((t for t in types if t.catch_all), None)
    regions = [t for t in types if not t.catch_all]
    changed = 0
    with transaction.atomic():
        for t in regions + ([catch] if catch else []):
            q = (Q(share_of_wallet__isnull=True) | Q(price_premium__isnull=True)) if t.catch_all else type_q(t)
            moving = CustomerValue.objects.filter(q).exclude(relationship_type=t.key)
            changed += _record_changes(moving, t.key, now)
            moving.update(relationship_type=t.key)
    return changed


def _record_changes(moving, to_key: str, now: dt.datetime) -> int:
    """``INSERT … SELECT`` the history rows of ``moving`` (no rows through Python)."""
    sql, params = moving.values("person_id", "organization_id", "relationship_type").query.sql_with_params()
    table = connection.ops.quote_name(RelationshipChange._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (person_id, organization_id, from_type, to_type, changed_at) "
            f"SELECT sub.person_id, sub.organization_id, sub.relationship_type, %s, %s FROM ({sql}) sub",
            [to_key, connection.ops.adapt_datetimefield_value(now), *params])
        return cursor.rowcount


# --- reading ----------------------------------------------------------------------------------
def visible_values(actor):
    """``CustomerValue`` rows of the customers ``actor`` may read (owner scope or a relationship grant)."""
    ensure_staff(actor)
    qs = CustomerValue.objects.all()
    person_q = party_visibility_q(actor, PERSON, field="person")
    org_q = party_visibility_q(actor, ORGANIZATION, field="organization")
    if person_q is None and org_q is None:
        return qs
    return qs.filter((Q(person__isnull=False) & (person_q or Q())) | (Q(organization__isnull=False) & (org_q or Q())))


@dataclass(frozen=True)
class Point:
    kind: str
    id: int
    name: str
    share: float
    premium: float
    type: str


def scatter_points(*, actor, limit: int = 20000) -> list[Point]:
    """The customers the actor may read with both figures, for the scatter chart (one query)."""
    rows = (visible_values(actor).filter(share_of_wallet__isnull=False, price_premium__isnull=False)
            .order_by("id")
            .values_list("person_id", "organization_id", "share_of_wallet", "price_premium", "relationship_type",
                         "person__first_name", "person__last_name", "organization__name")[:limit])
    out = []
    for person_id, org_id, share, premium, key, first, last, org_name in rows:
        if person_id:
            out.append(Point(PERSON, person_id, " ".join(p for p in (first, last) if p) or f"#{person_id}",
                             share, premium, key))
        else:
            out.append(Point(ORGANIZATION, org_id, org_name, share, premium, key))
    return out


def type_counts(*, actor) -> dict[str, int]:
    from django.db.models import Count

    return dict(visible_values(actor).values_list("relationship_type").annotate(n=Count("id")).order_by())


def changes_for(*, person=None, organization=None, limit: int = 20) -> list[RelationshipChange]:
    qs = RelationshipChange.objects.filter(person=person) if person is not None else \
        RelationshipChange.objects.filter(organization=organization)
    return list(qs[:limit])
