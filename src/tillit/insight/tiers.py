"""Value tiers: platinum, gold, silver and bronze from CLV or the RFM score, written to ``value_tier``.

The tiers map onto the people module's ``ValueTier`` (platinum → top, gold → high, silver → medium,
bronze → low), which SLA policies already read. Cut-offs are cumulative, so tiers can neither overlap
nor leave a gap: with shares, platinum is the top ``platinum`` % of customers and gold the top
``gold`` % after them (so ``gold`` must be above ``platinum``); with amounts, a customer worth at least
``platinum`` is platinum, at least ``gold`` gold, and so on (so ``gold`` must be below ``platinum``).
Cut-offs in the wrong order are refused naming the cut-off.

Customers without the figure (no purchases, or no CLV before the first fit) keep the tier they have.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tillit.core.errors import Conflict, ValidationError
from tillit.insight.access import ensure_insight
from tillit.insight.models import CustomerValue, TierBasis, TierMode, TierSettings
from tillit.insight.summary import KINDS
from tillit.people.models import ValueTier
from tillit.people.services import value_tiers_set

TIERS = ("platinum", "gold", "silver", "bronze")
TIER_TO_VALUE = {"platinum": ValueTier.TOP, "gold": ValueTier.HIGH, "silver": ValueTier.MEDIUM,
                 "bronze": ValueTier.LOW}
VALUE_TO_TIER = {v.value: k for k, v in TIER_TO_VALUE.items()}


def tier_settings() -> TierSettings:
    settings_, _created = TierSettings.objects.get_or_create(pk=1)
    return settings_


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("A number."), field=field) from None
    if not number.is_finite() or number < 0:
        raise ValidationError(_("A number of at least 0."), field=field)
    return number


def tier_settings_update(*, actor, basis: str, mode: str, platinum, gold, silver,
                         expected_version: int | None = None) -> TierSettings:
    ensure_insight(actor)
    if basis not in TierBasis.values:
        raise ValidationError(_("Choose CLV or the RFM score."), field="basis")
    if mode not in TierMode.values:
        raise ValidationError(_("Choose a share of customers or amounts."), field="mode")
    p, g, s = _decimal(platinum, "platinum"), _decimal(gold, "gold"), _decimal(silver, "silver")
    if mode == TierMode.SHARE:
        if not 0 < p < 100:
            raise ValidationError(_("A share above 0 and below 100 %."), field="platinum")
        if g <= p:
            raise ValidationError(_("Gold must be a larger share than platinum, or the tiers overlap."),
                                  field="gold")
        if s <= g:
            raise ValidationError(_("Silver must be a larger share than gold, or the tiers overlap."),
                                  field="silver")
        if s > 100:
            raise ValidationError(_("At most 100 %."), field="silver")
    else:
        if basis == TierBasis.RFM and p > 15:
            raise ValidationError(_("The RFM score is at most 15 (5 + 5 + 5)."), field="platinum")
        if g >= p:
            raise ValidationError(_("Gold must start below platinum, or the tiers overlap."), field="gold")
        if s >= g:
            raise ValidationError(_("Silver must start below gold, or the tiers overlap."), field="silver")
    with transaction.atomic():
        current = TierSettings.objects.select_for_update().get(pk=tier_settings().pk)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(_("Someone changed the tiers meanwhile; reload and try again."))
        current.basis, current.mode, current.platinum, current.gold, current.silver = basis, mode, p, g, s
        current.version = F("version") + 1
        current.save()
        current.refresh_from_db()
    return current


def assign(values: np.ndarray, config: TierSettings, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """The tier name per value (higher is better). With shares, equal values are ordered by ``tiebreak``
    (higher first; the RFM basis passes revenue), then by the earlier row: the same data, the same tiers."""
    n = len(values)
    out = np.full(n, "bronze", dtype=object)
    if n == 0:
        return out
    if config.mode == TierMode.SHARE:
        second = np.zeros(n) if tiebreak is None else -np.asarray(tiebreak, dtype=float)
        order = np.lexsort((np.arange(n), second, -values))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        share = (rank + 1) / n * 100
        cuts = [("platinum", float(config.platinum)), ("gold", float(config.gold)), ("silver", float(config.silver))]
        for name, cut in reversed(cuts):
            out[share <= cut] = name
    else:
        for name, cut in (("silver", config.silver), ("gold", config.gold), ("platinum", config.platinum)):
            out[values >= float(cut)] = name
    return out


def apply_tiers(config: TierSettings | None = None) -> dict[str, int]:
    """Compute and write the tiers of every customer with the figure; ``{tier: count}``."""
    config = config or tier_settings()
    counts = dict.fromkeys(TIERS, 0)
    for kind in KINDS:
        column = f"{kind}_id"
        qs = CustomerValue.objects.filter(**{f"{column}__isnull": False}).order_by(column)
        if config.basis == TierBasis.CLV:
            rows = [(pk, v, 0) for pk, v in qs.filter(clv__isnull=False).values_list(column, "clv")]
        else:
            rows = [(pk, r + f + m, revenue) for pk, r, f, m, revenue in qs.filter(recency_score__isnull=False)
                    .values_list(column, "recency_score", "frequency_score", "monetary_score", "revenue")]
        if not rows:
            continue
        ids = [r[0] for r in rows]
        tiers = assign(np.array([float(r[1]) for r in rows]), config, np.array([float(r[2]) for r in rows]))
        for t in tiers:
            counts[t] += 1
        value_tiers_set(kind=kind, tiers={pk: TIER_TO_VALUE[t].value for pk, t in zip(ids, tiers, strict=True)})
    return counts
