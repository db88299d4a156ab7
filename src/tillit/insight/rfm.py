"""RFM: recency, frequency and monetary value per customer, quintile scores 1–5 and named classes.

- **Recency** — days since the last purchase occasion (fewer is better).
- **Frequency** — purchase occasions (same-day purchases count once).
- **Monetary** — revenue in the base currency.

Each figure is scored 1–5 by quintile among the customers of the same kind (persons, organisations):
the customer's rank divided into five equal groups, 5 the best. Equal values always get the same
score (ranks of ties are averaged), so the result does not depend on the order rows come in.

Classes are ``RfmClass`` rows: the first class, by priority, whose three score ranges hold. A customer
whose class changes gets a ``ClassChange`` row (from → to, when). Everything is written in one
transaction: a failure leaves the previous figures as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.stats import rankdata

from tillit.core.errors import ValidationError
from tillit.insight.access import ensure_insight
from tillit.insight.models import ClassChange, CustomerValue, RfmClass
from tillit.insight.summary import KINDS, Summary, from_day_number, purchase_summary
from tillit.insight.writing import upsert_values

Progress = Callable[[int], None]
CENT = Decimal("0.01")
RFM_FIELDS = ("purchases", "frequency", "first_purchase", "last_purchase", "revenue", "spend_per_purchase",
              "recency_score", "frequency_score", "monetary_score", "rfm_class", "computed_at")


def quintile_scores(values: np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1–5 by quintile; ties share the score of their average rank."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    ranks = rankdata(values if higher_is_better else -values, method="average")
    return np.clip(np.ceil(ranks * 5 / n), 1, 5).astype(np.int8)


def classify(r: np.ndarray, f: np.ndarray, m: np.ndarray, classes: list[RfmClass]) -> np.ndarray:
    """The key of the first class (by priority) whose ranges hold; ``""`` where none does."""
    out = np.full(len(r), "", dtype=object)
    open_ = np.ones(len(r), dtype=bool)
    for c in sorted(classes, key=lambda c: (c.priority, c.key)):
        hit = (open_ & (r >= c.recency_min) & (r <= c.recency_max) & (f >= c.frequency_min)
               & (f <= c.frequency_max) & (m >= c.monetary_min) & (m <= c.monetary_max))
        out[hit] = c.key
        open_ &= ~hit
    return out


def rfm_scores(summary: Summary, today: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(recency days, R, F, M)`` for a summary ending after ``today``."""
    recency = (today - dt.date(1970, 1, 1)).days - summary.last
    return (recency, quintile_scores(recency, higher_is_better=False), quintile_scores(summary.occasions),
            quintile_scores(summary.revenue))


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP)


def recompute(*, today: dt.date | None = None, progress: Progress | None = None) -> dict:
    """RFM figures and classes for every person and organisation with purchases (idempotent).

    Returns ``{"customers": n, "changes": n}``. Called by the nightly task and by "Recompute now".
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    classes = list(RfmClass.objects.all())
    totals = {"customers": 0, "changes": 0}
    with transaction.atomic():
        for step, kind in enumerate(KINDS):
            summary = purchase_summary(kind, end=today + dt.timedelta(days=1))
            if progress:
                progress(10 + step * 45)
            _recency, r, f, m = rfm_scores(summary, today)
            keys = classify(r, f, m, classes)
            column = f"{kind}_id"
            previous = dict(CustomerValue.objects.filter(**{f"{column}__isnull": False})
                            .values_list(column, "rfm_class"))
            changes = []
            rows = []
            for i, party in enumerate(summary.party.tolist()):
                occasions = int(summary.occasions[i])
                revenue = float(summary.revenue[i])
                key = keys[i]
                if previous.get(party, "") != key:
                    changes.append(ClassChange(**{column: party}, from_class=previous.get(party, ""),
                                               to_class=key, changed_at=now))
                rows.append({
                    "party": party, "purchases": occasions, "frequency": max(occasions - 1, 0),
                    "first_purchase": from_day_number(summary.first[i]),
                    "last_purchase": from_day_number(summary.last[i]),
                    "revenue": _money(revenue), "spend_per_purchase": _money(revenue / occasions),
                    "recency_score": int(r[i]), "frequency_score": int(f[i]), "monetary_score": int(m[i]),
                    "rfm_class": key, "computed_at": now,
                })
            upsert_values(kind, rows, RFM_FIELDS)
            ClassChange.objects.bulk_create(changes, batch_size=2000)
            totals["customers"] += len(rows)
            totals["changes"] += len(changes)
            if progress:
                progress(30 + step * 45)
    return totals


# --- the classes (settings page and API) --------------------------------------------------------

SCORE_FIELDS = ("recency", "frequency", "monetary")


def _score(value, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("A score from 1 to 5."), field=field) from None
    if not 1 <= number <= 5:
        raise ValidationError(_("A score from 1 to 5."), field=field)
    return number


def rfm_class_list(*, actor) -> list[RfmClass]:
    ensure_insight(actor)
    return list(RfmClass.objects.all())


def rfm_class_save(*, actor, key: str, name: str, priority: int, recency: tuple[int, int],
                   frequency: tuple[int, int], monetary: tuple[int, int], rfm_class: RfmClass | None = None
                   ) -> RfmClass:
    """Create or change a class. Ranges are (from, to) scores 1–5 with from ≤ to; keys are unique."""
    from django.utils.text import slugify

    ensure_insight(actor)
    key = slugify(key or "")[:40]
    if not key:
        raise ValidationError(_("A short key of letters, digits and hyphens."), field="key")
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("A name is required."), field="name")
    if len(name) > 80:
        raise ValidationError(_("At most 80 characters."), field="name")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        raise ValidationError(_("A whole number; lower comes first."), field="priority") from None
    if not 0 <= priority <= 32767:
        raise ValidationError(_("A whole number from 0 to 32767; lower comes first."), field="priority")
    ranges = {}
    for field, (low, high) in zip(SCORE_FIELDS, (recency, frequency, monetary), strict=True):
        low, high = _score(low, f"{field}_min"), _score(high, f"{field}_max")
        if low > high:
            raise ValidationError(_("“From” must not be above “to”."), field=f"{field}_min")
        ranges[f"{field}_min"], ranges[f"{field}_max"] = low, high
    with transaction.atomic():
        clash = RfmClass.objects.filter(key=key)
        if rfm_class is not None:
            clash = clash.exclude(pk=rfm_class.pk)
        if clash.exists():
            raise ValidationError(_("Another class has this key."), field="key")
        target = rfm_class or RfmClass()
        old_key = target.key
        target.key, target.name, target.priority = key, name, priority
        for attr, value in ranges.items():
            setattr(target, attr, value)
        target.save()
        if rfm_class is not None and old_key != key:
            # The figures and history name the class by key: follow the rename.
            CustomerValue.objects.filter(rfm_class=old_key).update(rfm_class=key)
    return target


def rfm_class_delete(*, actor, rfm_class: RfmClass) -> None:
    ensure_insight(actor)
    rfm_class.delete()


def rfm_class_names() -> dict[str, str]:
    return dict(RfmClass.objects.values_list("key", "name"))
