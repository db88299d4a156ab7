"""The sales forecast: per month or quarter, per owner, team or the whole company.

For every period and group:

- **pipeline** — open deals whose expected close date falls in the period (Σ value);
- **weighted** — the same deals, Σ value × stage probability / 100;
- **committed** — open deals in stages that count as committed;
- **won** — deals closed won in the period (by ``closed_at``);
- **target** — the ``SalesTarget`` for that owner / team / the company (a quarter without its own target
  adds up its months' targets), and won as a percentage of it.

Everything is summed by the database (one aggregate query for open deals, one for won deals, one
for targets, one for exchange rates) — never a Python loop over deals. Amounts are converted to
``settings.TILLIT_BASE_CURRENCY`` with the latest ``ExchangeRate`` valid on the period's first day;
a currency without a rate is left out of that period and reported in ``warnings`` (never counted
as 1:1). ``Decimal`` throughout, rounded half-up to the base currency's minor unit at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, Team, User, Visibility
from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.money import round_money
from tillit.sales.models import Deal, ExchangeRate, PeriodKind, SalesTarget, StageOutcome

GROUPS = ("owner", "team", "company")
# Periods shown before and after the current one (the current one counts as "ahead").
RANGE = {PeriodKind.MONTH: (3, 12), PeriodKind.QUARTER: (4, 4)}
SUM = DecimalField(max_digits=28, decimal_places=4)
ZERO = Decimal("0")


# --- exchange rates -------------------------------------------------------------------------
def rates_on(currencies: Iterable[str], on: dt.date) -> dict[str, Decimal | None]:
    """``{currency: rate to the base currency}`` valid on ``on``; ``None`` where no rate is known."""
    return {c: r for (c, _d), r in rates_for(currencies, [on]).items()}


def rates_for(currencies: Iterable[str], days: list[dt.date]) -> dict[tuple[str, dt.date], Decimal | None]:
    """The latest rate valid on each day for each currency, in one query."""
    base = settings.TILLIT_BASE_CURRENCY
    currencies = set(currencies)
    out: dict[tuple[str, dt.date], Decimal | None] = {}
    foreign = sorted(c for c in currencies if c != base)
    rows: dict[str, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    if foreign and days:
        for currency, valid_from, rate in (
            ExchangeRate.objects.filter(currency__in=foreign, valid_from__lte=max(days))
            .order_by("currency", "valid_from").values_list("currency", "valid_from", "rate")
        ):
            rows[currency].append((valid_from, rate))
    for currency in currencies:
        for day in days:
            if currency == base:
                out[(currency, day)] = Decimal("1")
                continue
            valid = [rate for valid_from, rate in rows.get(currency, []) if valid_from <= day]
            out[(currency, day)] = valid[-1] if valid else None
    return out


# --- periods --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # exclusive

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.QUARTER:
            return _("Q%(q)d %(year)d") % {"q": (self.start.month - 1) // 3 + 1, "year": self.start.year}
        return date_format(self.start, "M Y")

    @property
    def key(self) -> str:
        return self.start.isoformat()


def period_start(day: dt.date, kind: str) -> dt.date:
    if kind == PeriodKind.QUARTER:
        return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def periods(kind: str, *, today: dt.date, past: int | None = None, ahead: int | None = None) -> list[Period]:
    default_past, default_ahead = RANGE[kind]
    past = default_past if past is None else past
    ahead = default_ahead if ahead is None else ahead
    step = 3 if kind == PeriodKind.QUARTER else 1
    first = _add_months(period_start(today, kind), -past * step)
    out = []
    for i in range(past + ahead):
        start = _add_months(first, i * step)
        out.append(Period(kind, start, _add_months(start, step)))
    return out


# --- the forecast ---------------------------------------------------------------------------
@dataclass
class Cell:
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    committed: Decimal = ZERO
    won: Decimal = ZERO
    target: Decimal | None = None

    @property
    def percent(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.won * 100 / self.target).quantize(Decimal("0.1"))

    def add(self, other: Cell) -> None:
        self.pipeline += other.pipeline
        self.weighted += other.weighted
        self.committed += other.committed
        self.won += other.won
        if other.target is not None:
            self.target = (self.target or ZERO) + other.target


@dataclass
class Row:
    key: int | None
    label: str
    cells: list[Cell]


@dataclass
class Forecast:
    kind: str
    group: str
    currency: str
    periods: list[Period]
    rows: list[Row]
    totals: list[Cell]
    warnings: list[str] = field(default_factory=list)


def ensure_can_forecast(actor: User) -> None:
    ensure_staff(actor)
    if not (actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER, Role.SALES)):
        raise AccessDenied(_("The forecast is for sales people and their managers."))


def _period_of(value, kind: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return period_start(value, kind)


def forecast(*, actor: User, kind: str = PeriodKind.QUARTER, group: str = "owner", today: dt.date | None = None,
             past: int | None = None, ahead: int | None = None) -> Forecast:
    ensure_can_forecast(actor)
    if kind not in PeriodKind.values:
        raise ValidationError(_("Choose month or quarter."), field="period")
    if group not in GROUPS:
        raise ValidationError(_("Group by owner, team or company."), field="group")
    today = today or timezone.localdate()
    base = settings.TILLIT_BASE_CURRENCY
    spans = periods(kind, today=today, past=past, ahead=ahead)
    starts = {p.start: i for i, p in enumerate(spans)}
    first, last = spans[0].start, spans[-1].end
    group_field = {"owner": "owner_id", "team": "team_id", "company": None}[group]
    keys = [group_field] if group_field else []

    deals = restrict(Deal.objects.all(), actor)
    open_rows = (
        deals.filter(stage__outcome=StageOutcome.OPEN, expected_close_date__gte=first, expected_close_date__lt=last)
        .annotate(period=Trunc("expected_close_date", kind))
        .values(*keys, "period", "currency")
        .annotate(
            pipeline=Sum("value", output_field=SUM),
            weighted=Sum(ExpressionWrapper(F("value") * F("stage__probability"), output_field=SUM)),
            committed=Sum("value", filter=Q(stage__is_committed=True), output_field=SUM),
        )
        .order_by()
    )
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end_at = dt.datetime.combine(last, dt.time.min, tzinfo=tz)
    won_rows = (
        deals.filter(stage__outcome=StageOutcome.WON, closed_at__gte=start_at, closed_at__lt=end_at)
        .annotate(period=Trunc("closed_at", kind))
        .values(*keys, "period", "currency")
        .annotate(won=Sum("value", output_field=SUM))
        .order_by()
    )
    open_rows, won_rows = list(open_rows), list(won_rows)
    targets = _targets(actor, kind, group, first, last)
    currencies = {r["currency"] for r in open_rows} | {r["currency"] for r in won_rows}
    currencies |= {t.currency for t in targets}
    rates = rates_for(currencies, list(starts))

    grid: dict[int | None, list[Cell]] = defaultdict(lambda: [Cell() for _p in spans])
    if group == "company":
        grid[None]  # noqa: B018 — the company row is shown even when empty
    elif group == "owner" and actor.role == Role.SALES:
        grid[actor.pk]  # noqa: B018 — a rep always sees their own row
    missing: set[tuple[str, dt.date]] = set()

    def convert(amount: Decimal | None, currency: str, start: dt.date) -> Decimal | None:
        rate = rates.get((currency, start))
        if rate is None:
            missing.add((currency, start))
            return None
        return (amount or ZERO) * rate

    for r in open_rows:
        start = _period_of(r["period"], kind)
        if start not in starts:
            continue
        cell = grid[r.get(group_field) if group_field else None][starts[start]]
        for name, amount in (("pipeline", r["pipeline"]), ("weighted", (r["weighted"] or ZERO) / 100),
                             ("committed", r["committed"])):
            value = convert(amount, r["currency"], start)
            if value is not None:
                setattr(cell, name, getattr(cell, name) + value)
    for r in won_rows:
        start = _period_of(r["period"], kind)
        if start not in starts:
            continue
        value = convert(r["won"], r["currency"], start)
        if value is not None:
            cell = grid[r.get(group_field) if group_field else None][starts[start]]
            cell.won += value
    _apply_targets(grid, targets, group_field, kind, spans, starts, convert)

    rows = [Row(key, label, cells) for key, label in _labels(group, list(grid))
            for cells in [grid[key]]]
    totals = [Cell() for _p in spans]
    for row in rows:
        for i, cell in enumerate(row.cells):
            _round(cell, base)
            totals[i].add(cell)
    for cell in totals:
        _round(cell, base)
    warnings = [
        _("No exchange rate for %(currency)s on %(day)s: its amounts are left out of %(period)s.")
        % {"currency": c, "day": date_format(d, "SHORT_DATE_FORMAT"), "period": spans[starts[d]].label}
        for c, d in sorted(missing)
    ]
    return Forecast(kind=kind, group=group, currency=base, periods=spans, rows=rows, totals=totals,
                    warnings=warnings)


def _round(cell: Cell, currency: str) -> None:
    for name in ("pipeline", "weighted", "committed", "won"):
        setattr(cell, name, round_money(getattr(cell, name), currency))
    if cell.target is not None:
        cell.target = round_money(cell.target, currency)


def visible_owner_q(actor: User) -> Q | None:
    """Which owners' targets the actor may see (the same rule as their records); ``None`` = all."""
    scope = actor.effective_visibility
    if actor.is_superuser or scope == Visibility.ALL:
        return None
    if scope == Visibility.TEAM and actor.team_id:
        return Q(owner__team_id=actor.team_id) | Q(owner_id=actor.pk)
    return Q(owner_id=actor.pk)


def _targets(actor: User, kind: str, group: str, first: dt.date, last: dt.date) -> list[SalesTarget]:
    qs = SalesTarget.objects.filter(period_start__gte=first, period_start__lt=last)
    if kind == PeriodKind.MONTH:
        qs = qs.filter(period_kind=PeriodKind.MONTH)
    scope = actor.effective_visibility
    every = actor.is_superuser or scope == Visibility.ALL
    if group == "owner":
        qs = qs.filter(owner__isnull=False)
        q = visible_owner_q(actor)
        if q is not None:
            qs = qs.filter(q)
    elif group == "team":
        qs = qs.filter(team__isnull=False)
        if not every:
            qs = qs.filter(team_id=actor.team_id) if actor.team_id and scope == Visibility.TEAM else qs.none()
    else:
        # The company's target only means something to someone who sees the company's deals.
        qs = qs.filter(owner__isnull=True, team__isnull=True) if every else qs.none()
    return list(qs)


def _apply_targets(grid, targets, group_field, kind, spans, starts, convert) -> None:
    # A quarter's own target wins over the sum of its months' targets.
    quarterly: dict[tuple, Decimal] = {}
    monthly: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    for t in targets:
        key = getattr(t, group_field) if group_field else None
        start = period_start(t.period_start, kind)
        if start not in starts:
            continue
        value = convert(t.amount, t.currency, start)
        if value is None:
            continue
        if t.period_kind == kind:
            quarterly[(key, start)] = quarterly.get((key, start), ZERO) + value
        else:
            monthly[(key, start)] += value
    for (key, start), value in {**monthly, **quarterly}.items():
        grid[key][starts[start]].target = value


def _labels(group: str, keys: list[int | None]) -> list[tuple[int | None, str]]:
    if group == "company":
        return [(None, _("Company"))]
    if group == "owner":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=[k for k in keys if k])}
        missing = _("No owner")
    else:
        names = {t.pk: t.name for t in Team.objects.filter(pk__in=[k for k in keys if k])}
        missing = _("No team")
    labelled = [(k, names.get(k, missing) if k else missing) for k in keys]
    return sorted(labelled, key=lambda kv: (kv[0] is None, kv[1].lower()))
