"""Churn risk per customer: P(alive) and service signals combined in one transparent formula.

    risk = 1 − (1 − base) × (1 − 0.15)^complaints × (1 − 0.10)^breaches × (1 − 0.15)^[NPS fell]
                          × (1 − 0.10)^[latest NPS a detractor]

*  base = 1 − P(alive) where the value model gave one; otherwise, for a customer with at least two
   purchase occasions, how overdue they are: clip((days since the last purchase ÷ expected days between
   purchases − 1) ÷ 3, 0, 1) — 0 while on time, 1 at four times the usual gap.
*  complaints: open complaint cases (new, open, waiting), at most 2 counted;
   breaches: SLA breaches recorded on the customer's cases in the last 90 days, at most 3 counted;
   NPS fell: the latest NPS answer is at least 2 points below the one before;
   detractor: the latest NPS answer is 0–6.

Each signal multiplies what is left of "not leaving", so the risk stays in 0..1 and each signal can only
raise it. Level: high from 0.6, medium from 0.3, else low. A customer with no purchase history, no
P(alive) and no signal has no churn risk (empty), not a low one.

Reasons are stored as message codes with parameters (``tillit.interactions.messages``) and rendered in
the reader's language by ``reason_texts``. NPS answers are a person's; an organisation's signals are
the cases naming the organisation.

Complexity: four grouped SQL statements over service (complaints, breaches, NPS answers of the last two
years) and one streamed read of ``CustomerValue``; the formula is vectorised in NumPy; writes are
chunked (``party_figures``). O(customers + signals).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from tillit.insight.models import CustomerValue
from tillit.insight.party_figures import ORGANIZATION, PERSON, write_figures
from tillit.interactions import messages

COMPLAINT_WEIGHT, MAX_COMPLAINTS = 0.15, 2
BREACH_WEIGHT, MAX_BREACHES, BREACH_DAYS = 0.10, 3, 90
NPS_FALL_WEIGHT, NPS_FALL_POINTS = 0.15, 2
DETRACTOR_WEIGHT, DETRACTOR_MAX = 0.10, 6
OVERDUE_SPAN = 3.0  # base reaches 1 at (1 + OVERDUE_SPAN) × the usual gap
OVERDUE_REASON = 1.5  # "no order for …" is listed from 1.5 × the usual gap
P_ALIVE_REASON = 0.5
HIGH, MEDIUM = 0.6, 0.3
LOW_LEVEL, MEDIUM_LEVEL, HIGH_LEVEL = "low", "medium", "high"
LEVELS = {LOW_LEVEL: gettext_lazy("Low"), MEDIUM_LEVEL: gettext_lazy("Medium"), HIGH_LEVEL: gettext_lazy("High")}


def register() -> None:
    """The reason texts (called from ``InsightConfig.ready``)."""
    messages.register("insight.churn.overdue", gettext_lazy("No order for %(days)s days; expected every %(expected)s"))
    messages.register("insight.churn.p_alive",
                      gettext_lazy("Only %(percent)s %% likely to still be a customer"))
    messages.register("insight.churn.complaints", lambda p: ngettext(
        "%(count)s open complaint", "%(count)s open complaints", p["count"]) % p)
    messages.register("insight.churn.sla_breaches", lambda p: ngettext(
        "%(count)s SLA breach in the last %(days)s days", "%(count)s SLA breaches in the last %(days)s days",
        p["count"]) % p)
    messages.register("insight.churn.nps_fell", gettext_lazy("NPS answer fell from %(before)s to %(after)s"))
    messages.register("insight.churn.detractor", gettext_lazy("Latest NPS answer is %(score)s (a detractor)"))


def reason_texts(reasons: Sequence[Mapping] | None) -> list[str]:
    """The stored reasons in the active language (unknown codes are left out)."""
    return [text for text in (messages.render(r) for r in reasons or []) if text]


def level_label(level: str) -> str:
    return str(LEVELS.get(level, ""))


@dataclass
class Signals:
    complaints: dict
    breaches: dict
    nps: dict  # person id → (previous score or None, latest score)


def signals(*, now: dt.datetime) -> Signals:
    """Service signals per (kind, party id), read from service's tables (same floor)."""
    from tillit.service.models import OPEN_STATUSES, Case, CaseKind, SlaBreach, SurveyInvitation, SurveyKind

    complaints: dict = {}
    breaches: dict = {}
    for kind in (PERSON, ORGANIZATION):
        for party_id, n in (Case.objects.filter(kind=CaseKind.COMPLAINT, status__in=OPEN_STATUSES,
                                                **{f"{kind}__isnull": False})
                            .values_list(f"{kind}_id").annotate(n=Count("id")).order_by()):
            complaints[(kind, party_id)] = n
        for party_id, n in (SlaBreach.objects.filter(breached_at__gte=now - dt.timedelta(days=BREACH_DAYS),
                                                     **{f"case__{kind}__isnull": False})
                            .values_list(f"case__{kind}_id").annotate(n=Count("id")).order_by()):
            breaches[(kind, party_id)] = n
    nps: dict = {}
    answers = (SurveyInvitation.objects.filter(survey__kind=SurveyKind.NPS, score__isnull=False,
                                               answered_at__gte=now - dt.timedelta(days=730))
               .order_by("person_id", "answered_at", "id").values_list("person_id", "score"))
    for person_id, score in answers.iterator(chunk_size=20000):
        previous = nps.get((PERSON, person_id))
        nps[(PERSON, person_id)] = (previous[1] if previous else None, score)
    return Signals(complaints, breaches, nps)


def score(*, p_alive, purchases, first_day, last_day, today_ordinal: int, complaints, breaches, nps_prev,
          nps_last) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The formula on arrays (NaN = unknown). Returns (risk, base, gap days, expected gap days)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(purchases >= 2, (last_day - first_day) / np.maximum(purchases - 1, 1), np.nan)
        expected = np.where(expected > 0, expected, np.nan)
        gap = today_ordinal - last_day
        overdue = np.clip((gap / expected - 1) / OVERDUE_SPAN, 0, 1)
    base = np.where(np.isnan(p_alive), overdue, 1 - np.clip(p_alive, 0, 1))
    keep = (1 - np.nan_to_num(base)) \
        * (1 - COMPLAINT_WEIGHT) ** np.minimum(complaints, MAX_COMPLAINTS) \
        * (1 - BREACH_WEIGHT) ** np.minimum(breaches, MAX_BREACHES)
    fell = (~np.isnan(nps_prev)) & (~np.isnan(nps_last)) & (nps_prev - nps_last >= NPS_FALL_POINTS)
    detractor = (~np.isnan(nps_last)) & (nps_last <= DETRACTOR_MAX)
    keep = keep * np.where(fell, 1 - NPS_FALL_WEIGHT, 1) * np.where(detractor, 1 - DETRACTOR_WEIGHT, 1)
    risk = 1 - keep
    known = (~np.isnan(base)) | (complaints > 0) | (breaches > 0) | fell | detractor
    return np.where(known, risk, np.nan), base, gap, expected


def level_of(risk: float | None) -> str:
    if risk is None:
        return ""
    return HIGH_LEVEL if risk >= HIGH else MEDIUM_LEVEL if risk >= MEDIUM else LOW_LEVEL


def recompute_churn(*, now: dt.datetime | None = None) -> int:
    """Churn risk, level and reasons for every customer with a value row or a service signal.

    Idempotent, one transaction (a failure leaves the previous figures). Returns the customers scored.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    sig = signals(now=now)
    fields = ["churn_risk", "churn_level", "churn_reasons"]
    current = {}
    rows = {}
    # The stored reasons are read as text and compared with the new ones written the same way: parsing a
    # million JSON lists only to compare them costs more than the whole formula.
    as_text = _jsonb_text if connection.vendor == "postgresql" else json.dumps
    for pk, person_id, org_id, p_alive, purchases, first, last, risk, level, reasons in (
            CustomerValue.objects.values_list("pk", "person_id", "organization_id", "p_alive", "purchases",
                                              "first_purchase", "last_purchase", "churn_risk", "churn_level",
                                              Cast("churn_reasons", TextField()))
            .iterator(chunk_size=20000)):
        key = (PERSON, person_id) if person_id else (ORGANIZATION, org_id)
        rows[key] = (p_alive, purchases, first, last)
        current[key] = (pk, (risk, level, reasons))
    for key in set(sig.complaints) | set(sig.breaches) | set(sig.nps):
        rows.setdefault(key, (None, 0, None, None))
    keys = list(rows)
    if not keys:
        return 0
    nan = float("nan")
    cols = list(zip(*(rows[k] for k in keys), strict=True))
    p_alive = np.array([nan if v is None else v for v in cols[0]], dtype=float)
    purchases = np.array(cols[1], dtype=float)
    first_day = np.array([nan if d is None else d.toordinal() for d in cols[2]], dtype=float)
    last_day = np.array([nan if d is None else d.toordinal() for d in cols[3]], dtype=float)
    complaints = np.array([sig.complaints.get(k, 0) for k in keys], dtype=float)
    breaches = np.array([sig.breaches.get(k, 0) for k in keys], dtype=float)
    nps = [sig.nps.get(k, (None, None)) for k in keys]
    nps_prev = np.array([nan if a is None else a for a, _b in nps], dtype=float)
    nps_last = np.array([nan if b is None else b for _a, b in nps], dtype=float)
    risk, _base, gap, expected = score(p_alive=p_alive, purchases=purchases, first_day=first_day,
                                       last_day=last_day, today_ordinal=today.toordinal(), complaints=complaints,
                                       breaches=breaches, nps_prev=nps_prev, nps_last=nps_last)
    values = {}
    for i, key in enumerate(keys):
        r = None if np.isnan(risk[i]) else round(float(risk[i]), 4)
        values[key] = {"churn_risk": r, "churn_level": level_of(r), "churn_reasons": _reasons(
            i, p_alive, gap, expected, complaints, breaches, nps_prev, nps_last) if r is not None else []}
    with transaction.atomic():
        write_figures(values, fields, now=now, current=current, compare=lambda v: (
            v["churn_risk"], v["churn_level"], as_text(v["churn_reasons"])))
    return len(keys)


def _jsonb_text(value) -> str:
    """``value`` as PostgreSQL prints a jsonb: object keys by length, then bytes; ", " and ": " between."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_jsonb_text(value[k])}" for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_jsonb_text(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _reasons(i, p_alive, gap, expected, complaints, breaches, nps_prev, nps_last) -> list[dict]:
    out = []
    if not np.isnan(expected[i]) and gap[i] >= OVERDUE_REASON * expected[i]:
        out.append(messages.message("insight.churn.overdue", days=int(gap[i]), expected=int(round(expected[i]))))
    if not np.isnan(p_alive[i]) and p_alive[i] < P_ALIVE_REASON:
        out.append(messages.message("insight.churn.p_alive", percent=int(round(100 * p_alive[i]))))
    if complaints[i]:
        out.append(messages.message("insight.churn.complaints", count=int(complaints[i])))
    if breaches[i]:
        out.append(messages.message("insight.churn.sla_breaches", count=int(breaches[i]), days=BREACH_DAYS))
    if not np.isnan(nps_prev[i]) and not np.isnan(nps_last[i]) and nps_prev[i] - nps_last[i] >= NPS_FALL_POINTS:
        out.append(messages.message("insight.churn.nps_fell", before=int(nps_prev[i]), after=int(nps_last[i])))
    if not np.isnan(nps_last[i]) and nps_last[i] <= DETRACTOR_MAX:
        out.append(messages.message("insight.churn.detractor", score=int(nps_last[i])))
    return out
