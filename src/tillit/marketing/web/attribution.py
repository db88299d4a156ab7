"""Attribution: which touchpoints get the credit for a new lead or a won deal.

The models are pure functions from the touch times of one conversion to credits that sum to 1
(n touches t₁ ≤ … ≤ tₙ before the conversion at T):

- **first touch**: 1 to t₁;  **last touch**: 1 to tₙ;  **linear**: 1/n each;
- **time decay** (half-life h = 7 days): wᵢ = 2^(−(T − tᵢ)/h), credit wᵢ / Σw;
- **position based** (40/20/40): 0.4 to the first and the last, 0.2 shared by the ones between;
  one touch gets 1, two get 0.5 each.

``attribution_report`` gathers the conversions of a period (leads by ``Person.created_at``, deals by
``closed_at`` in a won stage) and the touches of all converting persons in ONE ordered query, so the
query count does not grow with the number of conversions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import ValidationError
from tillit.core.money import round_money
from tillit.interactions.models import Interaction, Kind
from tillit.people.models import Person

HALF_LIFE_DAYS = 7
DEFAULT_LOOKBACK_DAYS = 90

# What counts as a marketing touch: the customer engaged with content, an email or a campaign.
TOUCH_KINDS = (
    Kind.PAGE_VIEW, Kind.CONTENT_READ, Kind.VIDEO_WATCHED, Kind.WEBINAR_WATCHED, Kind.FORM_SUBMITTED,
    Kind.EMAIL_OPENED, Kind.EMAIL_CLICKED,
)
# A content read is the end of the page view it follows: one visit is one touch.
SAME_VISIT = dt.timedelta(hours=1)


# --- the models (pure) ------------------------------------------------------------------------
def first_touch(times: Sequence[dt.datetime], conversion: dt.datetime) -> list[float]:
    return [1.0 if i == 0 else 0.0 for i in range(len(times))]


def last_touch(times: Sequence[dt.datetime], conversion: dt.datetime) -> list[float]:
    n = len(times)
    return [1.0 if i == n - 1 else 0.0 for i in range(n)]


def linear(times: Sequence[dt.datetime], conversion: dt.datetime) -> list[float]:
    n = len(times)
    return [1.0 / n] * n if n else []


def time_decay(times: Sequence[dt.datetime], conversion: dt.datetime, *, half_life_days: float = HALF_LIFE_DAYS
               ) -> list[float]:
    if not times:
        return []
    half_life = half_life_days * 86400
    weights = [2 ** (-max((conversion - t).total_seconds(), 0) / half_life) for t in times]
    total = sum(weights)
    return [w / total for w in weights]


def position_based(times: Sequence[dt.datetime], conversion: dt.datetime) -> list[float]:
    n = len(times)
    if n <= 2:
        return [1.0 / n] * n if n else []
    middle = 0.2 / (n - 2)
    return [0.4] + [middle] * (n - 2) + [0.4]


@dataclass(frozen=True)
class Model:
    key: str
    label: str
    credit: Callable[[Sequence[dt.datetime], dt.datetime], list[float]]
    short: str = ""


MODELS = (
    Model("first", gettext_lazy("First touch"), first_touch, gettext_lazy("First")),
    Model("last", gettext_lazy("Last touch"), last_touch, gettext_lazy("Last")),
    Model("linear", gettext_lazy("Linear"), linear, gettext_lazy("Linear")),
    Model("decay", gettext_lazy("Time decay (7-day half-life)"), time_decay, gettext_lazy("Time decay")),
    Model("position", gettext_lazy("Position based (40/20/40)"), position_based, gettext_lazy("Position")),
)
MODEL_KEYS = tuple(m.key for m in MODELS)

DIMENSIONS = {
    "campaign": gettext_lazy("Campaign"),
    "channel": gettext_lazy("Channel"),
    "page": gettext_lazy("Page / content"),
    "content_type": gettext_lazy("Content type"),
}
NONE_LABEL = gettext_lazy("(none)")
NO_CAMPAIGN = gettext_lazy("(no campaign)")
KIND_LABELS = dict(Kind.choices)


# --- touches and their dimensions ---------------------------------------------------------------
@dataclass
class Touch:
    person_id: int
    occurred_at: dt.datetime
    kind: str
    channel: str
    campaign: str
    subject: str
    payload: dict

    def dimension(self, name: str) -> str:
        utm = self.payload.get("utm") or {}
        if name == "campaign":
            return self.campaign or str(NO_CAMPAIGN)
        if name == "channel":
            if utm.get("medium"):
                return utm["medium"].lower()
            if self.channel == "web":
                return "referral" if self.payload.get("referrer") else "direct"
            return self.channel
        if name == "page":
            url = self.payload.get("url") or ""
            path = urlsplit(url).path if url else ""
            return path or self.subject or str(NONE_LABEL)
        return self.payload.get("content_type") or str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def page_key(self) -> str:
        return (self.payload.get("url") or "").split("?")[0] or self.subject


def merge_visits(touches: list[Touch]) -> list[Touch]:
    """Drop a content read that closes a page view of the same page (one visit, one touch)."""
    out: list[Touch] = []
    for touch in touches:
        if touch.kind == Kind.CONTENT_READ and out:
            prev = out[-1]
            if (prev.kind == Kind.PAGE_VIEW and prev.person_id == touch.person_id
                    and prev.page_key == touch.page_key and touch.occurred_at - prev.occurred_at <= SAME_VISIT):
                continue
        out.append(touch)
    return out


# --- the report ---------------------------------------------------------------------------------
@dataclass
class Conversion:
    kind: str  # "lead" | "deal"
    person_id: int
    at: dt.datetime
    value: Decimal = Decimal("0")
    label: str = ""


@dataclass
class Row:
    value: str
    label: str = ""
    leads: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MODEL_KEYS, 0.0))
    revenue: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(MODEL_KEYS, Decimal("0")))

    @property
    def lead_cells(self) -> list[float]:
        """Leads credited, in the order of ``MODELS`` (for tables)."""
        return [self.leads[k] for k in MODEL_KEYS]

    @property
    def revenue_cells(self) -> list[Decimal]:
        return [self.revenue[k] for k in MODEL_KEYS]


@dataclass
class Report:
    start: dt.date
    end: dt.date
    dimension: str
    lookback_days: int
    currency: str
    rows: list[Row]
    leads: int
    deals: int
    revenue: Decimal
    untouched_leads: int
    untouched_deals: int
    top_pages: list[Row]
    top_content_types: list[Row]
    warnings: list[str]

    @property
    def models(self):
        return MODELS


def credit_conversion(touches: list[Touch], conversion_at: dt.datetime) -> dict[str, list[float]]:
    times = [t.occurred_at for t in touches]
    return {m.key: m.credit(times, conversion_at) for m in MODELS}


def _credit_rows(conversions, touches_by_person, dimension: str, lookback: dt.timedelta) -> tuple[dict, int, int]:
    rows: dict[str, Row] = {}
    untouched = {"lead": 0, "deal": 0}
    for conv in conversions:
        touches = [
            t for t in touches_by_person.get(conv.person_id, ())
            if conv.at - lookback <= t.occurred_at <= conv.at
        ]
        if not touches:
            untouched[conv.kind] += 1
            continue
        credits = credit_conversion(touches, conv.at)
        for i, touch in enumerate(touches):
            value = touch.dimension(dimension)
            row = rows.get(value) or rows.setdefault(value, Row(value))
            for key in MODEL_KEYS:
                share = credits[key][i]
                if conv.kind == "lead":
                    row.leads[key] += share
                else:
                    row.revenue[key] += conv.value * Decimal(repr(share))
    return rows, untouched["lead"], untouched["deal"]


def attribution_report(
    *, actor, start: dt.date, end: dt.date, dimension: str = "campaign", lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    sort_model: str = "linear",
) -> Report:
    """Leads created and deals won from ``start`` to ``end`` (inclusive), credited by every model.

    Only persons and deals the actor may see count. Revenue is the won value in the base currency
    (converted with the rate valid on the day it was won; a deal without a rate is left out and named
    in ``warnings``).
    """
    from tillit.sales.models import Deal, StageOutcome
    from tillit.sales.selectors.forecast import rates_for

    ensure_staff(actor)
    if dimension not in DIMENSIONS:
        raise ValidationError(_("Unknown dimension; use one of: %(v)s.") % {"v": ", ".join(DIMENSIONS)},
                              field="dimension")
    if sort_model not in MODEL_KEYS:
        raise ValidationError(_("Unknown model; use one of: %(v)s.") % {"v": ", ".join(MODEL_KEYS)}, field="model")
    if end < start:
        raise ValidationError(_("The end date is before the start date."), field="end")
    if not 1 <= lookback_days <= 730:
        raise ValidationError(_("The look-back window is 1 to 730 days."), field="lookback")
    start_at = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    end_at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    lookback = dt.timedelta(days=lookback_days)
    base = settings.TILLIT_BASE_CURRENCY
    warnings: list[str] = []

    persons = restrict(Person.objects.all(), actor)
    lead_qs = persons.filter(created_at__gte=start_at, created_at__lt=end_at)
    leads = [Conversion("lead", pk, created) for pk, created in lead_qs.values_list("pk", "created_at")]
    deal_qs = (
        restrict(Deal.objects.all(), actor)
        .filter(stage__outcome=StageOutcome.WON, closed_at__gte=start_at, closed_at__lt=end_at, person__isnull=False)
    )
    deal_rows = list(deal_qs.values_list("pk", "person_id", "closed_at", "value", "currency", "title"))
    rates = rates_for({r[4] for r in deal_rows}, sorted({r[2].date() for r in deal_rows}))
    deals, missing = [], set()
    for _pk, person_id, closed_at, value, currency, title in deal_rows:
        rate = rates.get((currency, closed_at.date()))
        if rate is None:
            missing.add(currency)
            continue
        deals.append(Conversion("deal", person_id, closed_at, value * rate, title))
    if missing:
        warnings.append(_("Deals in %(c)s have no exchange rate to %(base)s and are left out.")
                        % {"c": ", ".join(sorted(missing)), "base": base})

    conversions = leads + deals
    touches_by_person: dict[int, list[Touch]] = defaultdict(list)
    if conversions:
        earliest = min(c.at for c in conversions) - lookback
        # Subqueries, not id lists: a year of leads must not hit the database's parameter limit.
        converting = Q(person__in=lead_qs.values("pk")) | Q(person__in=deal_qs.values("person_id"))
        qs = (
            Interaction.objects.filter(converting, occurred_at__gte=earliest, occurred_at__lt=end_at)
            .filter(Q(kind__in=TOUCH_KINDS) | (~Q(campaign="") & ~Q(kind=Kind.EMAIL_SENT)))
            .order_by("person_id", "occurred_at", "id")
            .values_list("person_id", "occurred_at", "kind", "channel", "campaign", "subject", "payload")
        )
        for row in qs.iterator(chunk_size=5000):
            touches_by_person[row[0]].append(Touch(*row[:6], payload=row[6] or {}))
        for pid, touches in touches_by_person.items():
            touches_by_person[pid] = merge_visits(touches)

    rows, untouched_leads, untouched_deals = _credit_rows(conversions, touches_by_person, dimension, lookback)
    pages, _ul, _ud = _credit_rows(conversions, touches_by_person, "page", lookback)
    types, _ul, _ud = _credit_rows(conversions, touches_by_person, "content_type", lookback)

    def rounded(rs):
        for r in rs:
            r.revenue = {k: round_money(v, base) for k, v in r.revenue.items()}
        return sorted(rs, key=lambda r: (-r.revenue[sort_model], -r.leads[sort_model], r.value))

    report_rows = rounded(list(rows.values()))
    if dimension == "campaign":
        from tillit.marketing.web.models import Campaign

        names = dict(Campaign.objects.filter(code__in=[r.value for r in report_rows]).values_list("code", "name"))
        for r in report_rows:
            r.label = names.get(r.value, "")
    return Report(
        start=start, end=end, dimension=dimension, lookback_days=lookback_days, currency=base,
        rows=report_rows, leads=len(leads), deals=len(deals),
        revenue=round_money(sum((c.value for c in deals), Decimal("0")), base),
        untouched_leads=untouched_leads, untouched_deals=untouched_deals,
        top_pages=rounded(list(pages.values()))[:10], top_content_types=rounded(list(types.values()))[:10],
        warnings=warnings,
    )
