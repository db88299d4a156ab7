"""The forecast page (chart + table), its CSV export, and the sales-target grid."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tillit.accounts.models import STAFF_ROLES, Role, Team, User
from tillit.core import csvsafe
from tillit.core.charts import Series, bar_chart_svg
from tillit.core.errors import AccessDenied, DomainError
from tillit.sales.models import ExchangeRate, PeriodKind, SalesTarget
from tillit.sales.selectors.forecast import GROUPS, ensure_can_forecast, forecast, periods
from tillit.sales.services.forecast import can_set_targets, exchange_rate_set, target_set


def _params(request: HttpRequest) -> tuple[str, str]:
    kind = request.GET.get("period", PeriodKind.QUARTER)
    kind = kind if kind in PeriodKind.values else PeriodKind.QUARTER
    default_group = "owner"
    group = request.GET.get("group", default_group)
    return kind, group if group in GROUPS else default_group


def _forbidden(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return render(request, "403.html", {"message": exc.message}, status=403)


def _money(value) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def forecast_page(request: HttpRequest) -> HttpResponse:
    kind, group = _params(request)
    try:
        fc = forecast(actor=request.user, kind=kind, group=group)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    today = timezone.localdate()
    chart = bar_chart_svg(
        [p.label for p in fc.periods],
        [Series("won", _("Won"), [c.won for c in fc.totals], color="#2f6f8f"),
         Series("weighted", _("Weighted pipeline"), [c.weighted for c in fc.totals], color="#8fbcd4")],
        stacked=True,
        lines=[Series("target", _("Target"), [c.target for c in fc.totals], color="#c2410c")],
        title=_("Won and weighted pipeline against target, in %(currency)s") % {"currency": fc.currency},
        value_format=lambda v: f"{_money(v)} {fc.currency}",
        css_class="forecast-chart", width=1100, height=280,
    )
    current = next((i for i, p in enumerate(fc.periods) if p.start <= today < p.end), None)
    return render(request, "sales/forecast/forecast.html", {
        "fc": fc, "chart": chart, "kind": kind, "group": group, "current": current,
        "kinds": PeriodKind.choices,
        "groups": [("owner", _("Owner")), ("team", _("Team")), ("company", _("Company"))],
        "can_set_targets": can_set_targets(request.user),
        "querystring": f"period={kind}&group={group}",
    })


def forecast_csv(request: HttpRequest) -> HttpResponse:
    kind, group = _params(request)
    try:
        fc = forecast(actor=request.user, kind=kind, group=group)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="forecast-{kind}-{group}.csv"'
    writer = csvsafe.writer(response)
    writer.writerow([
        _("group"), _("period"), _("period start"), _("currency"), _("pipeline"), _("weighted"), _("committed"),
        _("won"), _("target"), _("Share of target"),
    ])
    for row in [*fc.rows, None]:
        label, cells = (row.label, row.cells) if row else (_("Total"), fc.totals)
        for period, cell in zip(fc.periods, cells, strict=True):
            writer.writerow([
                label, period.label, period.start.isoformat(), fc.currency, cell.pipeline, cell.weighted,
                cell.committed, cell.won, "" if cell.target is None else cell.target,
                "" if cell.percent is None else cell.percent,
            ])
    return response


def _target_rows(actor: User) -> list[tuple[str, User | None, Team | None]]:
    """The owners, teams (and for admins the company) whose targets the actor may set."""
    users = User.objects.filter(is_active=True, role__in=[Role.SALES, Role.MANAGER]).select_related("team")
    teams = Team.objects.all()
    if not (actor.is_superuser or actor.role == Role.ADMIN):
        users = users.filter(team_id=actor.team_id)
        teams = teams.filter(pk=actor.team_id)
    rows = [(str(u), u, None) for u in users if u.role in STAFF_ROLES]
    rows += [(_("Team %(name)s") % {"name": t.name}, None, t) for t in teams]
    if actor.is_superuser or actor.role == Role.ADMIN:
        rows.append((_("Company"), None, None))
    return rows


def targets_page(request: HttpRequest) -> HttpResponse:
    """A grid: one row per owner / team / company, one column per period of the chosen year."""
    if not can_set_targets(request.user):
        return _forbidden(request, AccessDenied(_("Only managers and administrators set sales targets.")))
    kind = request.GET.get("period", PeriodKind.MONTH)
    kind = kind if kind in PeriodKind.values else PeriodKind.MONTH
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    spans = periods(kind, today=dt.date(year, 1, 1), past=0, ahead=12 if kind == PeriodKind.MONTH else 4)
    rows = _target_rows(request.user)
    errors: list[str] = []
    if request.method == "POST":
        changed = 0
        for i, (label, owner, team) in enumerate(rows):
            for p in spans:
                name = f"t-{i}-{p.key}"
                if name not in request.POST:
                    continue
                raw = request.POST.get(name, "").strip()
                old = request.POST.get(f"old-{i}-{p.key}", "").strip()
                if raw == old:
                    continue
                try:
                    target_set(actor=request.user, period_kind=kind, period_start_on=p.start, owner=owner,
                               team=team, amount=raw)
                    changed += 1
                except DomainError as exc:
                    errors.append(f"{label}, {p.label}: {exc.message}")
        if not errors:
            messages.success(request, _("Targets saved (%(n)d changed).") % {"n": changed})
            return redirect(f"{request.path}?period={kind}&year={year}")
    existing = SalesTarget.objects.filter(period_kind=kind, period_start__gte=spans[0].start,
                                          period_start__lt=spans[-1].end)
    values = {(t.owner_id, t.team_id, t.period_start): t.amount for t in existing}
    grid = []
    for i, (label, owner, team) in enumerate(rows):
        cells = []
        for p in spans:
            amount = values.get((owner.pk if owner else None, team.pk if team else None, p.start))
            cells.append({"name": f"t-{i}-{p.key}", "old": f"old-{i}-{p.key}",
                          "value": "" if amount is None else f"{amount.normalize():f}"})
        grid.append({"label": label, "cells": cells, "is_team": team is not None or owner is None})
    return render(request, "sales/forecast/targets.html", {
        "grid": grid, "periods": spans, "kind": kind, "year": year, "errors": errors,
        "currency": settings.TILLIT_BASE_CURRENCY, "kinds": PeriodKind.choices,
        "years": [year - 1, year, year + 1],
    }, status=422 if errors else 200)


class RateForm(forms.Form):
    # Lazy: looked up when the form renders, in the reader's language (not once, at import).
    currency = forms.CharField(label=gettext_lazy("Currency"), max_length=3,
                               widget=forms.TextInput(attrs={"size": 4}))
    rate = forms.CharField(label=gettext_lazy("Rate"),
                           help_text=gettext_lazy("What one unit is worth in the base currency."),
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))


def rates_page(request: HttpRequest) -> HttpResponse:
    """Exchange rates to the base currency: everyone in sales reads them, administrators add them."""
    try:
        ensure_can_forecast(request.user)
    except AccessDenied as exc:
        return _forbidden(request, exc)
    is_admin = request.user.is_superuser or request.user.role == Role.ADMIN
    form = RateForm(request.POST or None, initial={"valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rate = exchange_rate_set(actor=request.user, **form.cleaned_data)
        except AccessDenied as exc:
            return _forbidden(request, exc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("1 %(currency)s = %(rate)s %(base)s from %(day)s.") % {
                "currency": rate.currency, "rate": number_format(rate.rate.normalize(), use_l10n=True),
                "base": settings.TILLIT_BASE_CURRENCY, "day": date_format(rate.valid_from, "SHORT_DATE_FORMAT")})
            return redirect("sales:rates")
    rates = list(ExchangeRate.objects.order_by("currency", "-valid_from")[:500])
    for r in rates:
        # 10, not 1E+1; 10,5 in nb/da/sv
        r.rate_text = number_format(r.rate.normalize(), use_l10n=True, force_grouping=True)
    return render(request, "sales/forecast/rates.html", {
        "rates": rates, "form": form if is_admin else None, "base": settings.TILLIT_BASE_CURRENCY,
    }, status=422 if form.errors else 200)
