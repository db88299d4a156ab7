"""Per-customer purchase summaries computed by the database, handed to NumPy as arrays.

A purchase is an interaction of kind ``order`` or ``payment`` with an amount. Purchases on the same
day (UTC) are one *purchase occasion*. One ``GROUP BY`` over the log per kind of party (persons,
organisations) yields, per customer: occasions, first and last purchase day, revenue in the base
currency and — when a calibration end and a hold-out are given — the calibration-period figures of the
BG/NBD model and the hold-out purchase counts. Amounts are converted to
``settings.TILLIT_BASE_CURRENCY`` inside the query (``amount × rate`` with the latest exchange rate
valid on the last day of the summary, read through the sales selector); a blank currency is the base
currency. A currency without a rate, or a negative amount, is refused naming the field: a figure built
on a guessed rate would be wrong on every card.

Days are whole days since 1970-01-01 (UTC) so the arrays stay plain integers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from tillit.core.errors import ValidationError
from tillit.interactions.models import Interaction, Kind
from tillit.sales.models import ExchangeRate
from tillit.sales.selectors.forecast import rates_on

KINDS = ("person", "organization")
PURCHASE_KINDS = (Kind.ORDER.value, Kind.PAYMENT.value)
EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def from_day_number(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(n))


@dataclass
class Summary:
    """Arrays aligned on ``party`` (person or organisation ids); days are day numbers (see module)."""

    kind: str
    party: np.ndarray          # int64 ids
    occasions: np.ndarray      # purchase occasions up to the end of the summary
    first: np.ndarray          # first purchase day
    last: np.ndarray           # last purchase day
    revenue: np.ndarray        # in the base currency
    end: int                   # the first day after the summary (purchases before it count)
    # Calibration (only when a calibration end was given; customers who first bought later have x = NaN).
    cal_occasions: np.ndarray | None = None
    cal_last: np.ndarray | None = None
    cal_revenue: np.ndarray | None = None
    holdout: np.ndarray | None = None
    calibration_end: int | None = None

    def __len__(self) -> int:
        return len(self.party)

    @property
    def in_calibration(self) -> np.ndarray:
        """Customers who bought at least once by the end of calibration (the fit's population)."""
        return self.cal_occasions > 0

    def calibration(self):
        """``(x, t_x, T, m, holdout)`` of the customers in the calibration population (BG/NBD inputs)."""
        keep = self.in_calibration
        first = self.first[keep]
        x = self.cal_occasions[keep] - 1
        t_x = self.cal_last[keep] - first
        T = self.calibration_end - first + 1.0  # the end day itself belongs to the calibration
        m = self.cal_revenue[keep] / self.cal_occasions[keep]
        return x, t_x, T, m, self.holdout[keep]

    def whole_history(self):
        """``(x, t_x, T, m)`` over all purchases up to the end (what customers are scored on)."""
        x = self.occasions - 1
        t_x = self.last - self.first
        T = self.end - self.first + 0.0
        m = np.divide(self.revenue, self.occasions, out=np.zeros_like(self.revenue), where=self.occasions > 0)
        return x, t_x, T, m


def _day_sql() -> str:
    if connection.vendor == "postgresql":
        return "((occurred_at AT TIME ZONE 'UTC')::date - DATE '1970-01-01')"
    # SQLite stores "YYYY-MM-DD HH:MM:SS" in UTC: julianday is a C function (no Python per row).
    return "CAST(julianday(substr(occurred_at, 1, 10)) - 2440587.5 AS INTEGER)"


def _amount_sql() -> str:
    return "CAST(amount AS DOUBLE PRECISION)" if connection.vendor == "postgresql" else "CAST(amount AS REAL)"


def known_rates(on: dt.date) -> dict[str, float]:
    """``{currency: rate to the base currency}`` for every currency with a rate valid on ``on``."""
    base = settings.TILLIT_BASE_CURRENCY
    currencies = set(ExchangeRate.objects.filter(valid_from__lte=on).values_list("currency", flat=True).distinct())
    rates = {c: float(r) for c, r in rates_on(currencies, on).items() if r is not None}
    rates[base] = 1.0
    rates[""] = 1.0  # a purchase logged without a currency is in the base currency
    return rates


def purchase_summary(kind: str, *, end: dt.date, calibration_end: dt.date | None = None,
                     holdout_days: int = 0) -> Summary:
    """The summary of every ``kind`` ("person" / "organization") with a purchase before ``end``.

    With ``calibration_end``, purchases up to and including that day are the calibration period and
    the ``holdout_days`` after it the hold-out. One query.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    rates = known_rates(end - dt.timedelta(days=1))
    column = f"{kind}_id"
    day, amount = _day_sql(), _amount_sql()
    currencies = sorted(rates)
    rate_case = "CASE currency " + " ".join("WHEN %s THEN %s" for _c in currencies) + " END"
    rate_params: list = [v for c in currencies for v in (c, rates[c])]
    cal = day_number(calibration_end) if calibration_end else -1
    hold_end = cal + holdout_days
    sql = f"""
        SELECT party,
               MAX(CASE WHEN rate IS NULL THEN currency END),
               MIN(amount),
               COUNT(DISTINCT day), MIN(day), MAX(day), SUM(amount * rate),
               COUNT(DISTINCT CASE WHEN day <= %s THEN day END),
               MAX(CASE WHEN day <= %s THEN day END),
               SUM(CASE WHEN day <= %s THEN amount * rate END),
               COUNT(DISTINCT CASE WHEN day > %s AND day <= %s THEN day END)
        FROM (
            SELECT {column} AS party, currency, {amount} AS amount, {day} AS day, {rate_case} AS rate
            FROM {Interaction._meta.db_table}
            WHERE kind IN (%s, %s) AND amount IS NOT NULL AND {column} IS NOT NULL AND occurred_at < %s
        ) purchases
        GROUP BY party
        ORDER BY party
    """
    end_at = connection.ops.adapt_datetimefield_value(dt.datetime.combine(end, dt.time.min, tzinfo=dt.UTC))
    params = [cal, cal, cal, cal, hold_end, *rate_params, *PURCHASE_KINDS, end_at]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    missing = sorted({r[1] for r in rows if r[1] is not None})
    if missing:
        raise ValidationError(
            _("No exchange rate to %(base)s for %(codes)s: add one under Exchange rates, then compute again.")
            % {"base": settings.TILLIT_BASE_CURRENCY, "codes": ", ".join(missing)}, field="currency")
    if any(r[2] is not None and r[2] < 0 for r in rows):
        count = sum(1 for r in rows if r[2] is not None and r[2] < 0)
        raise ValidationError(
            _("%(count)s customers have purchases with a negative amount; log refunds as their own "
              "interactions without an amount, or correct the amounts.") % {"count": count}, field="amount")
    data = np.array([(r[0], *r[3:]) for r in rows], dtype=float).reshape(-1, 9)
    summary = Summary(
        kind=kind, party=data[:, 0].astype(np.int64), occasions=data[:, 1], first=data[:, 2], last=data[:, 3],
        revenue=np.nan_to_num(data[:, 4]), end=day_number(end),
    )
    if calibration_end is not None:
        summary.calibration_end = cal
        summary.cal_occasions = data[:, 5]
        summary.cal_last = data[:, 6]
        summary.cal_revenue = np.nan_to_num(data[:, 7])
        summary.holdout = data[:, 8]
    return summary


def last_purchase_day(kind: str | None = None) -> dt.date | None:
    """The day of the latest purchase in the log (persons and organisations), or ``None``."""
    qs = Interaction.objects.filter(kind__in=PURCHASE_KINDS, amount__isnull=False)
    latest = qs.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    return latest.astimezone(dt.UTC).date() if latest else None
