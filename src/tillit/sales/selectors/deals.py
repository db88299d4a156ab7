"""Reads of pipelines, deals and the board, always filtered by what the actor may see.

Deals are visible by their owner and team (``tillit.core.access.restrict``): reps see their own
(or their team's, by role setting), managers their team's, admins all; partners and customers none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import User
from tillit.core.access import ensure_staff, restrict
from tillit.core.errors import NotFound
from tillit.core.money import round_money
from tillit.core.search import fold
from tillit.interactions.models import Interaction, Kind
from tillit.sales.models import Deal, DealProduct, LostReason, Pipeline, Stage, StageOutcome
from tillit.sales.selectors.forecast import rates_on

SCOPES = ("mine", "team", "all")
STATUSES = ("open", "won", "lost")
ORDERINGS = {
    "close": ("expected_close_date", "id"),
    "-close": ("-expected_close_date", "-id"),
    "value": ("value", "id"),
    "-value": ("-value", "-id"),
    "title": ("title", "id"),
    "updated": ("-updated_at", "-id"),
    "stage": ("pipeline__position", "stage__position", "id"),
}
BOARD_CARDS_PER_STAGE = 60
# Won and lost columns show only recently closed deals: the board is about what is moving.
BOARD_CLOSED_DAYS = 30
BOARD_CARD_FIELDS = (
    "id", "title", "value", "currency", "expected_close_date", "version", "stage_id", "person_id",
    "organization_id", "owner_id", "stage__outcome", "person__first_name", "person__last_name",
    "person__primary_email", "organization__name", "owner__first_name", "owner__last_name", "owner__username",
)


def visible_deals(*, actor: User) -> QuerySet[Deal]:
    ensure_staff(actor)
    return restrict(Deal.objects.all(), actor)


def _month(value: str) -> tuple[dt.date, dt.date] | None:
    try:
        start = dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, end


def deal_list(*, actor: User, scope: str = "all", pipeline_id: int | None = None, stage_id: int | None = None,
              status: str = "", close_month: str = "", owner_id: int | None = None, q: str = "",
              person_id: int | None = None, organization_id: int | None = None,
              order: str = "close") -> QuerySet[Deal]:
    """Deals the actor may see, narrowed by the filters; ``scope`` "mine" = owned by the actor,
    "team" = the actor's team, "all" = everything visible."""
    qs = visible_deals(actor=actor).select_related("person", "organization", "owner", "team", "stage", "pipeline")
    if scope == "mine":
        qs = qs.filter(owner=actor)
    elif scope == "team":
        qs = qs.filter(Q(team_id=actor.team_id) | Q(owner=actor)) if actor.team_id else qs.filter(owner=actor)
    if pipeline_id:
        qs = qs.filter(pipeline_id=pipeline_id)
    if stage_id:
        qs = qs.filter(stage_id=stage_id)
    if status in STATUSES:
        qs = qs.filter(stage__outcome=status)
    if month := _month(close_month):
        qs = qs.filter(expected_close_date__gte=month[0], expected_close_date__lt=month[1])
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    for word in " ".join((q or "").split()).split(" "):
        if word:
            # The customer's name accent- and case-insensitively ("brathen" finds Bråthen), as the person list.
            qs = qs.filter(
                Q(title__icontains=word) | Q(organization__search_key__contains=fold(word))
                | Q(person__search_key__contains=fold(word))
            )
    return qs.order_by(*ORDERINGS.get(order, ORDERINGS["close"]))


def deal_get(*, actor: User, deal_id: int, for_update: bool = False) -> Deal:
    qs = visible_deals(actor=actor).select_related(
        "person", "organization", "owner", "team", "stage", "pipeline", "lost_reason", "created_by"
    )
    deal = qs.filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(_("No such deal."))
    return deal


def deal_products(*, deal: Deal) -> list[DealProduct]:
    rows = list(DealProduct.objects.filter(deal=deal).select_related("product").order_by("id"))
    for row in rows:
        row.total = round_money(row.quantity * row.unit_price, deal.currency)
        row.quantity_text = f"{row.quantity.normalize():f}"  # 10, not 1E+1
    return rows


def deal_history(*, deal: Deal, limit: int = 100) -> QuerySet[Interaction]:
    """The deal's stage changes, wins and losses, newest first (from the interaction log)."""
    qs = Interaction.objects.filter(kind=Kind.DEAL, payload__deal=deal.pk)
    # Narrow by the indexed customer column first; the payload match then only scans their rows.
    qs = qs.filter(person_id=deal.person_id) if deal.person_id else qs.filter(organization_id=deal.organization_id)
    return qs.select_related("handled_by").order_by("-occurred_at", "-id")[:limit]


def deal_quotes(*, deal: Deal):
    return deal.quotes.order_by("-created_at", "-id")


# --- pipelines ------------------------------------------------------------------------------
def pipeline_list(*, actor: User, active_only: bool = False) -> QuerySet[Pipeline]:
    ensure_staff(actor)
    qs = Pipeline.objects.prefetch_related(Prefetch("stages", Stage.objects.order_by("position", "id")))
    return qs.filter(is_active=True) if active_only else qs


def pipeline_get(*, actor: User, pipeline_id: int) -> Pipeline:
    pipeline = pipeline_list(actor=actor).filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFound(_("No such pipeline."))
    return pipeline


def default_pipeline(*, actor: User) -> Pipeline | None:
    return pipeline_list(actor=actor, active_only=True).first()


def stage_get(*, stage_id: int) -> Stage:
    stage = Stage.objects.select_related("pipeline").filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(_("No such stage."))
    return stage


def lost_reasons(*, active_only: bool = True) -> QuerySet[LostReason]:
    qs = LostReason.objects.all()
    return qs.filter(is_active=True) if active_only else qs


# --- the board ------------------------------------------------------------------------------
@dataclass
class Column:
    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal("0")
    weighted: Decimal = Decimal("0")
    missing_rates: list[str] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.deals), 0)


def board(*, actor: User, pipeline: Pipeline, scope: str = "all", owner_id: int | None = None,
          today: dt.date | None = None, now: dt.datetime | None = None, cards: bool = True) -> list[Column]:
    """One column per stage: its deals (a bounded number of cards), count, sum and weighted sum.

    Sums are in the base currency (``settings.TILLIT_BASE_CURRENCY``) at today's rates; a currency
    without a rate is left out of the sum and named in ``missing_rates``. A fixed number of queries.
    ``cards=False`` reads only the sums (the board refreshes its totals after a move).
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    base = settings.TILLIT_BASE_CURRENCY
    qs = deal_list(actor=actor, scope=scope, pipeline_id=pipeline.pk, owner_id=owner_id)
    qs = qs.filter(Q(stage__outcome=StageOutcome.OPEN) | Q(closed_at__gte=now - dt.timedelta(days=BOARD_CLOSED_DAYS)))
    stages = list(pipeline.stages.all())
    columns = {s.pk: Column(stage=s) for s in stages}
    sums = list(qs.order_by().values("stage_id", "currency").annotate(n=Count("id"), total=Sum("value")))
    rates = rates_on({row["currency"] for row in sums}, today)
    for row in sums:
        column = columns.get(row["stage_id"])
        if column is None:
            continue
        column.count += row["n"]
        rate = rates.get(row["currency"])
        if rate is None:
            column.missing_rates.append(row["currency"])
            continue
        column.total += row["total"] * rate
    for column in columns.values():
        column.total = round_money(column.total, base)
        column.weighted = round_money(column.total * column.stage.probability / 100, base)
    if not cards:
        return [columns[s.pk] for s in stages]
    # Cards: the most urgent first (earliest close date), at most BOARD_CARDS_PER_STAGE per column,
    # cut in the database (a window per stage) so a big pipeline never loads every deal.
    rank = Window(RowNumber(), partition_by=[F("stage_id")],
                  order_by=[F("expected_close_date").asc(nulls_last=True), F("id").asc()])
    # Only what a card shows: a few hundred cards with six joined models each was half the page's time.
    cards = (qs.select_related(None).select_related("person", "organization", "owner", "stage")
             .only(*BOARD_CARD_FIELDS).annotate(rank=rank).filter(rank__lte=BOARD_CARDS_PER_STAGE).order_by("rank"))
    for deal in cards:
        if deal.stage_id in columns:
            deal.overdue = _overdue(deal, today)
            columns[deal.stage_id].deals.append(deal)
    return [columns[s.pk] for s in stages]


def board_card(*, actor: User, deal_id: int, today: dt.date | None = None) -> Deal:
    deal = deal_get(actor=actor, deal_id=deal_id)
    today = today or timezone.localdate()
    deal.overdue = _overdue(deal, today)
    return deal


def _overdue(deal: Deal, today: dt.date) -> bool:
    return bool(deal.expected_close_date and deal.expected_close_date < today
                and deal.stage.outcome == StageOutcome.OPEN)
