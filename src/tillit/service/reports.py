"""Service reports: volume, response and resolution times, SLA compliance, CSAT, NPS and backlog.

Everything is aggregated in the database, over the cases the reader may see (the cases selector's
access rule). Medians and 90th percentiles are read off a histogram: the database counts cases per
(period bucket, whole minute of business time taken), and Python walks those counts — the rows that
leave the database are bounded by distinct minute values, never one row per case, and the same SQL
runs on SQLite and PostgreSQL. Times are business time (the policy calendar's opening hours, pauses
excluded), as stored on each case's SLA clock when the target was reached.

The number of queries is fixed (one per section), whatever the period or the number of cases.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, ExpressionWrapper, F, IntegerField, Q
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tillit.accounts.models import Role
from tillit.core import csvsafe
from tillit.core.access import visibility_q
from tillit.core.errors import AccessDenied
from tillit.interactions.models import Channel
from tillit.service.models import CaseKind
from tillit.service.models_sla import SurveyInvitation, SurveyKind

REPORT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVICE})
OPEN = ("new", "open", "waiting")
AGE_BUCKETS = [  # (key, lower bound in days, upper bound or None)
    ("d1", 0, 1), ("d3", 1, 3), ("d7", 3, 7), ("d30", 7, 30), ("older", 30, None),
]


def can_see_reports(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in REPORT_ROLES))


def ensure_can_see_reports(user) -> None:
    if not can_see_reports(user):
        raise AccessDenied(_("Only managers, the service team and administrators can see service reports."))


def visible_cases(actor):
    from tillit.service.selectors import visible_cases as cases_visible_to

    return cases_visible_to(actor)


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The nearest-rank percentile of values given as {value: count}."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, -(-int(share * total * 1000) // 1000))  # ceil(share × total) without float noise
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover


@dataclass
class Period:
    start: dt.date
    end: dt.date  # inclusive
    grain: str = field(init=False)

    def __post_init__(self):
        days = (self.end - self.start).days + 1
        self.grain = "day" if days <= 31 else "week" if days <= 190 else "month"

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    def trunc(self, field_name: str):
        fn = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[self.grain]
        return fn(field_name, tzinfo=timezone.get_current_timezone())

    def buckets(self) -> list[dt.date]:
        if self.grain == "day":
            first, step = self.start, dt.timedelta(days=1)
        elif self.grain == "week":
            first, step = self.start - dt.timedelta(days=self.start.weekday()), dt.timedelta(days=7)
        else:
            first = self.start.replace(day=1)
            result, current = [], first
            while current <= self.end:
                result.append(current)
                current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return result
        result, current = [], first
        while current <= self.end:
            result.append(current)
            current += step
        return result

    def label(self, bucket: dt.date) -> str:
        if self.grain == "month":
            return date_format(bucket, "M Y")
        return date_format(bucket, "j M")


def _day(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _minutes(expression: str):
    return ExpressionWrapper(F(expression) / 60, output_field=IntegerField())


@dataclass
class Report:
    period: Period
    buckets: list[dt.date]
    volume_by_channel: dict[str, list[int]]
    volume_by_kind: dict[str, list[int]]
    totals: dict
    times: dict[str, dict]  # metric → {"median": [...], "p90": [...], "overall": (median, p90, n)}
    compliance: dict[str, list[float | None]]
    compliance_overall: dict[str, float | None]
    csat: list[float | None]
    csat_counts: list[int]
    nps: list[dict]
    backlog: list[tuple[str, str, int]]

    @property
    def labels(self) -> list[str]:
        return [self.period.label(b) for b in self.buckets]


def _volume(cases, period: Period, buckets: list[dt.date], dimension: str) -> dict[str, list[int]]:
    index = {b: i for i, b in enumerate(buckets)}
    rows = (
        cases.filter(opened_at__gte=period.start_at, opened_at__lt=period.end_at)
        .annotate(bucket=period.trunc("opened_at")).values("bucket", dimension).annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[str, list[int]] = {}
    for row in rows:
        i = index.get(_day(row["bucket"]))
        if i is None:
            continue
        result.setdefault(row[dimension], [0] * len(buckets))[i] += row["n"]
    return dict(sorted(result.items(), key=lambda item: -sum(item[1])))


def _times(cases, period: Period, buckets: list[dt.date]) -> dict[str, dict]:
    index = {b: i for i, b in enumerate(buckets)}
    result = {}
    for metric in ("first_response", "resolution"):
        seconds = f"sla__{metric}_seconds"
        rows = (
            cases.filter(opened_at__gte=period.start_at, opened_at__lt=period.end_at, **{f"{seconds}__isnull": False})
            .annotate(bucket=period.trunc("opened_at"), minutes=_minutes(seconds))
            .values("bucket", "minutes").annotate(n=Count("pk")).order_by()
        )
        per_bucket: list[dict[int, int]] = [defaultdict(int) for _ in buckets]
        overall: dict[int, int] = defaultdict(int)
        for row in rows:
            overall[row["minutes"]] += row["n"]
            i = index.get(_day(row["bucket"]))
            if i is not None:
                per_bucket[i][row["minutes"]] += row["n"]
        result[metric] = {
            "median": [percentile(h, 0.5) for h in per_bucket],
            "p90": [percentile(h, 0.9) for h in per_bucket],
            "overall": (percentile(overall, 0.5), percentile(overall, 0.9), sum(overall.values())),
        }
    return result


def _compliance(cases, period: Period, buckets: list[dt.date]):
    index = {b: i for i, b in enumerate(buckets)}
    rows = (
        cases.filter(opened_at__gte=period.start_at, opened_at__lt=period.end_at, sla__isnull=False)
        .annotate(bucket=period.trunc("opened_at")).values("bucket")
        .annotate(
            fr_met=Count("pk", filter=Q(sla__first_response_met=True)),
            fr_decided=Count("pk", filter=Q(sla__first_response_met=True) | Q(sla__first_response_breached=True)),
            res_met=Count("pk", filter=Q(sla__resolution_met=True)),
            res_decided=Count("pk", filter=Q(sla__resolution_met=True) | Q(sla__resolution_breached=True)),
        ).order_by()
    )
    sums = {key: [0] * len(buckets) for key in ("fr_met", "fr_decided", "res_met", "res_decided")}
    for row in rows:
        i = index.get(_day(row["bucket"]))
        if i is not None:
            for key in sums:
                sums[key][i] += row[key]

    def share(met, decided):
        return round(100 * met / decided, 1) if decided else None

    per_bucket = {
        "first_response": [share(m, d) for m, d in zip(sums["fr_met"], sums["fr_decided"], strict=True)],
        "resolution": [share(m, d) for m, d in zip(sums["res_met"], sums["res_decided"], strict=True)],
    }
    overall = {
        "first_response": share(sum(sums["fr_met"]), sum(sums["fr_decided"])),
        "resolution": share(sum(sums["res_met"]), sum(sums["res_decided"])),
        "decided": sum(sums["fr_decided"]) + sum(sums["res_decided"]),
    }
    return per_bucket, overall


def _answers(actor, period: Period):
    answers = SurveyInvitation.objects.filter(answered_at__gte=period.start_at, answered_at__lt=period.end_at)
    q = visibility_q(actor, owner_field="person__owner", team_field="person__team")
    return answers if q is None else answers.filter(q)


def _csat(actor, period: Period, buckets: list[dt.date]):
    index = {b: i for i, b in enumerate(buckets)}
    rows = (
        _answers(actor, period).filter(survey__kind=SurveyKind.CSAT)
        .annotate(bucket=period.trunc("answered_at")).values("bucket")
        .annotate(avg=Avg("score"), n=Count("pk")).order_by()
    )
    averages: list[float | None] = [None] * len(buckets)
    counts = [0] * len(buckets)
    for row in rows:
        i = index.get(_day(row["bucket"]))
        if i is not None:
            averages[i], counts[i] = round(float(row["avg"]), 2), row["n"]
    return averages, counts


def nps_of(promoters: int, passives: int, detractors: int) -> int | None:
    total = promoters + passives + detractors
    return round(100 * (promoters - detractors) / total) if total else None


def _nps(actor, period: Period, buckets: list[dt.date]) -> list[dict]:
    index = {b: i for i, b in enumerate(buckets)}
    rows = (
        _answers(actor, period).filter(survey__kind=SurveyKind.NPS)
        .annotate(bucket=period.trunc("answered_at")).values("bucket")
        .annotate(promoters=Count("pk", filter=Q(score__gte=9)), passives=Count("pk", filter=Q(score__in=(7, 8))),
                  detractors=Count("pk", filter=Q(score__lte=6))).order_by()
    )
    result = [{"promoters": 0, "passives": 0, "detractors": 0} for _ in buckets]
    for row in rows:
        i = index.get(_day(row["bucket"]))
        if i is not None:
            for key in ("promoters", "passives", "detractors"):
                result[i][key] += row[key]
    for item in result:
        item["nps"] = nps_of(item["promoters"], item["passives"], item["detractors"])
    return result


def _backlog(cases, now: dt.datetime) -> list[tuple[str, str, int]]:
    counts = {}
    for key, low, high in AGE_BUCKETS:
        q = Q(opened_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            q &= Q(opened_at__gt=now - dt.timedelta(days=high))
        counts[key] = Count("pk", filter=q)
    row = cases.filter(status__in=OPEN).aggregate(**counts)
    labels = {"d1": _("< 1 day"), "d3": _("1–3 days"), "d7": _("3–7 days"), "d30": _("7–30 days"),
              "older": _("> 30 days")}
    return [(key, labels[key], row[key] or 0) for key, *_rest in AGE_BUCKETS]


def service_report(*, actor, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> Report:
    ensure_can_see_reports(actor)
    now = now or timezone.now()
    period = Period(start, end)
    buckets = period.buckets()
    cases = visible_cases(actor).order_by()
    by_channel = _volume(cases, period, buckets, "channel")
    by_kind = _volume(cases, period, buckets, "kind")
    compliance, compliance_overall = _compliance(cases, period, buckets)
    csat, csat_counts = _csat(actor, period, buckets)
    nps = _nps(actor, period, buckets)
    nps_total = {key: sum(item[key] for item in nps) for key in ("promoters", "passives", "detractors")}
    answered = sum(csat_counts)
    totals = {
        "opened": sum(sum(values) for values in by_channel.values()),
        "csat": round(sum((a or 0) * n for a, n in zip(csat, csat_counts, strict=True)) / answered, 2)
        if answered else None,
        "csat_answers": answered,
        "nps": nps_of(**nps_total),
        "nps_answers": sum(nps_total.values()),
        **{f"nps_{key}": value for key, value in nps_total.items()},
    }
    return Report(
        period=period, buckets=buckets, volume_by_channel=by_channel, volume_by_kind=by_kind, totals=totals,
        times=_times(cases, period, buckets), compliance=compliance, compliance_overall=compliance_overall,
        csat=csat, csat_counts=csat_counts, nps=nps, backlog=_backlog(cases, now),
    )


def channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def kind_label(value: str) -> str:
    try:
        return str(CaseKind(value).label)
    except ValueError:
        return value


def report_csv(report: Report) -> str:
    """One row per period bucket with every series, for spreadsheets."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    channels = list(report.volume_by_channel)
    kinds = list(report.volume_by_kind)
    writer.writerow([
        "period_start", "opened", *[f"channel_{c}" for c in channels], *[f"kind_{k}" for k in kinds],
        "first_response_median_min", "first_response_p90_min", "resolution_median_min", "resolution_p90_min",
        "first_response_sla_pct", "resolution_sla_pct", "csat_avg", "csat_answers", "nps", "nps_promoters",
        "nps_passives", "nps_detractors",
    ])
    for i, bucket in enumerate(report.buckets):
        by_channel = [report.volume_by_channel[c][i] for c in channels]
        writer.writerow([
            bucket.isoformat(), sum(by_channel), *by_channel, *[report.volume_by_kind[k][i] for k in kinds],
            *[_blank(report.times[m][s][i]) for m in ("first_response", "resolution") for s in ("median", "p90")],
            _blank(report.compliance["first_response"][i]), _blank(report.compliance["resolution"][i]),
            _blank(report.csat[i]), report.csat_counts[i], _blank(report.nps[i]["nps"]),
            report.nps[i]["promoters"], report.nps[i]["passives"], report.nps[i]["detractors"],
        ])
    return out.getvalue()


def _blank(value) -> str | int | float:
    return "" if value is None else value

