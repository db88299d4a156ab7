"""Sales demo data for Nordlys Varme AS: pipelines, catalogue and prices, deals, quotes, orders, targets, tasks.

``build(builder, say)`` runs after the people and the log are written (see ``tillit.demo.generator``).
Everything is generated from ``builder.rng`` and ``builder.now`` (deterministic for a seed and a day)
and written with ``bulk_create``; amounts are ``Decimal`` and quote/order totals come from
``tillit.sales.pricing`` exactly as the services compute them. The matching deal, quote and order
interactions go on the customers' timelines with the services' ``external_id`` and ``payload`` shapes.

- Deals span two years before and one year after "today": won deals for customers, lost ones for
  former customers and some prospects, open deals in every stage for leads and prospects.
- Every quote state and every order / delivery state occurs; older deliveries of products with a
  short warranty have an expired warranty.
- Kari Bråthen (the showcase person) has an open deal with a sent quote, a delivered heat pump under
  warranty and an open task for Sara.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from tillit.demo.names import INSTALLER
from tillit.demo.translated import all_names
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.people.models import LifecycleStage
from tillit.sales import pricing
from tillit.sales.models import (
    CustomerGroup,
    Deal,
    DealProduct,
    DeliveryStatus,
    ExchangeRate,
    LostReason,
    Order,
    OrderLine,
    OrderStatus,
    Pipeline,
    Price,
    PriceList,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
    SalesTarget,
    Stage,
    StageOutcome,
)
from tillit.tasks.models import Priority, Task

SKU_PREFIX = "NV-"
INSTALLER_GROUP = "Installers"
NEW_BUSINESS, RENEWALS = "New business", "Renewals"
PIPELINES = {
    NEW_BUSINESS: (
        ("Lead", 10, StageOutcome.OPEN, False), ("Qualified", 25, StageOutcome.OPEN, False),
        ("Proposal", 50, StageOutcome.OPEN, False), ("Negotiation", 75, StageOutcome.OPEN, True),
        ("Won", 100, StageOutcome.WON, False), ("Lost", 0, StageOutcome.LOST, False),
    ),
    RENEWALS: (
        ("Up for renewal", 40, StageOutcome.OPEN, False), ("Renewal offered", 70, StageOutcome.OPEN, False),
        ("Verbally agreed", 90, StageOutcome.OPEN, True), ("Renewed", 100, StageOutcome.WON, False),
        ("Not renewed", 0, StageOutcome.LOST, False),
    ),
}
LOST_REASONS = ("Price", "Chose a competitor", "No budget", "Timing", "No decision")


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    category: str
    unit: str
    price_nok: int
    warranty_months: int | None = None
    vat: str = "25"
    business: bool = False


CATALOGUE = (
    DemoProduct("NV-LUFT-9", "Nordlys Luft 9 air-to-air heat pump", "Heat pumps", "pcs", 21_990, 60),
    DemoProduct("NV-LUFT-12A", "Nordlys Luft 12 Arctic heat pump", "Heat pumps", "pcs", 29_990, 60),
    DemoProduct("NV-VANN-12", "Nordlys Vann 12 air-to-water heat pump", "Heat pumps", "pcs", 119_000, 60),
    DemoProduct("NV-BERG-16", "Nordlys Berg 16 ground-source heat pump", "Heat pumps", "pcs", 169_000, 60),
    DemoProduct("NV-BORE-150", "Energy well drilling, 150 m", "Heat pumps", "m", 450),
    DemoProduct("NV-SOL-6", "Solis 6 kW rooftop solar kit", "Solar", "pcs", 99_000, 24),
    DemoProduct("NV-SOL-10", "Solis 10 kW rooftop solar kit", "Solar", "pcs", 139_000, 24),
    DemoProduct("NV-INV-8", "Solis hybrid inverter 8 kW", "Solar", "pcs", 18_900, 24),
    DemoProduct("NV-BAT-10", "Lager 10 kWh home battery", "Batteries", "pcs", 79_000, 36),
    DemoProduct("NV-BAT-5X", "Lager 5 kWh extension module", "Batteries", "pcs", 34_000, 36),
    DemoProduct("NV-TANK-200", "Hot water tank 200 l", "Accessories", "pcs", 14_900, 24),
    DemoProduct("NV-WIFI", "Nordlys Wi-Fi control module", "Accessories", "pcs", 2_490, 12),
    DemoProduct("NV-BRKT", "Wall bracket and drip tray", "Accessories", "pcs", 1_890, 12),
    DemoProduct("NV-INST-AA", "Installation, air-to-air", "Installation", "pcs", 8_000),
    DemoProduct("NV-INST-AW", "Installation, air-to-water", "Installation", "pcs", 30_000),
    DemoProduct("NV-INST-SOL", "Installation, solar", "Installation", "pcs", 20_000),
    DemoProduct("NV-HOUR", "Installer hour", "Installation", "h", 950),
    DemoProduct("NV-SA-BASIC", "Service agreement Basic", "Service agreements", "year", 1_990),
    DemoProduct("NV-SA-PLUS", "Service agreement Plus", "Service agreements", "year", 3_490),
    DemoProduct("NV-SA-PRO", "Service agreement Commercial", "Service agreements", "year", 24_000, business=True),
    DemoProduct("NV-PRO-60", "Nordlys Pro 60 commercial heat pump", "Commercial heat pumps", "pcs", 890_000, 60,
                business=True),
    DemoProduct("NV-SOL-100", "Solis 100 kW commercial solar plant", "Commercial solar", "pcs", 1_350_000, 24,
                business=True),
    DemoProduct("NV-CARPORT-8", "Solar carport, 8 spaces", "Commercial solar", "pcs", 640_000, 24, business=True),
    DemoProduct("NV-MON-Y", "Energy monitoring for buildings", "Energy monitoring", "year", 24_000, business=True),
    DemoProduct("NV-AUDIT", "Energy audit", "Energy monitoring", "pcs", 12_500, business=True),
)
# Home bundles: (main product, add-ons); business bundles likewise.
HOME_BUNDLES = (
    ("NV-LUFT-9", ("NV-INST-AA", "NV-WIFI")), ("NV-LUFT-12A", ("NV-INST-AA", "NV-BRKT")),
    ("NV-VANN-12", ("NV-INST-AW", "NV-TANK-200")), ("NV-BERG-16", ("NV-BORE-150", "NV-INST-AW")),
    ("NV-SOL-6", ("NV-INST-SOL", "NV-INV-8")), ("NV-SOL-10", ("NV-INST-SOL", "NV-BAT-10")),
    ("NV-BAT-10", ("NV-BAT-5X", "NV-HOUR")),
)
BUSINESS_BUNDLES = (
    ("NV-PRO-60", ("NV-SA-PRO", "NV-HOUR")), ("NV-SOL-100", ("NV-MON-Y",)), ("NV-CARPORT-8", ("NV-AUDIT",)),
    ("NV-MON-Y", ("NV-AUDIT",)),
)
# Price lists: NOK is the base; the others are the NOK price × factor, rounded to a whole unit.
CURRENCY_FACTORS = {"NOK": Decimal("1"), "SEK": Decimal("1.02"), "DKK": Decimal("0.66"), "EUR": Decimal("0.088")}
# NOK per unit of the currency (``ExchangeRate``: one unit is worth ``rate`` of the base currency).
RATES = {"SEK": Decimal("0.98"), "DKK": Decimal("1.55"), "EUR": Decimal("11.60")}
CURRENCY_BY_COUNTRY = {"NO": "NOK", "SE": "SEK", "DK": "DKK"}
REP_BY_COUNTRY = {"NO": "sara", "SE": "lars", "DK": "mads"}
MONTHLY_TARGET_NOK = {"sara": 900_000, "lars": 750_000, "mads": 650_000}
INSTALLER_DISCOUNT = Decimal("0.85")
ZERO = Decimal(0)


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"))


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)), tzinfo=dt.UTC)


class _SalesDemo:
    def __init__(self, builder, say):
        self.b, self.say = builder, say
        self.rng = random.Random(builder.rng.random())  # own stream: the other modules' data stays as it was
        self.now: dt.datetime = builder.now
        self.today: dt.date = builder.now.date()
        self.users = builder.users
        self.products: dict[str, Product] = {}
        self.prices: dict[tuple[str, str], Decimal] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.interactions: list[Interaction] = []
        self.tasks: list[Task] = []
        self.seq: dict[tuple[str, int], int] = defaultdict(int)

    # --- reference data ------------------------------------------------------------------------
    def pipelines(self) -> None:
        self.stages: dict[str, dict[str, Stage]] = {}
        for position, (name, stages) in enumerate(PIPELINES.items()):
            pipeline, _created = Pipeline.objects.get_or_create(name=name, defaults={"position": position})
            existing = {s.name: s for s in pipeline.stages.all()}
            new = [Stage(pipeline=pipeline, name=s, position=i, probability=p, outcome=o, is_committed=c)
                   for i, (s, p, o, c) in enumerate(stages) if s not in existing]
            Stage.objects.bulk_create(new)
            self.stages[name] = {s.name: s for s in pipeline.stages.all()}
            self.stages[name]["_pipeline"] = pipeline  # type: ignore[assignment]
        for i, name in enumerate(LOST_REASONS):
            LostReason.objects.get_or_create(name=name, defaults={"position": i})
        self.lost_reasons = list(LostReason.objects.filter(is_active=True))
        self.counts["pipelines"] = len(PIPELINES)

    def catalogue(self) -> None:
        existing = {p.sku: p for p in Product.objects.filter(sku__startswith=SKU_PREFIX)}
        new = [Product(sku=p.sku, name=p.name, category=p.category, unit=p.unit, vat_rate=Decimal(p.vat),
                       warranty_months=p.warranty_months, description=f"{p.name}. {p.category}, Nordlys Varme AS.")
               for p in CATALOGUE if p.sku not in existing]
        Product.objects.bulk_create(new)
        self.products = {p.sku: p for p in Product.objects.filter(sku__startswith=SKU_PREFIX)}
        group, _created = CustomerGroup.objects.get_or_create(
            name=INSTALLER_GROUP, defaults={"description": "Certified installer partners: trade prices."}
        )
        group.organizations.add(*[o for o, _c, industry in self.b.orgs if industry == INSTALLER])
        lists = []
        for currency in CURRENCY_FACTORS:
            lists.append((currency, f"Nordlys {currency}", None))
        lists.append(("NOK", "Nordlys installers NOK", group))
        for currency, name, customer_group in lists:
            price_list, _created = PriceList.objects.get_or_create(
                name=name, defaults={"currency": currency, "customer_group": customer_group,
                                     "valid_from": (self.now - relativedelta(years=3)).date()},
            )
            rows = []
            for p in CATALOGUE:
                amount = _money(Decimal(p.price_nok) * CURRENCY_FACTORS[currency])
                if customer_group is not None:
                    amount = _money(amount * INSTALLER_DISCOUNT)
                else:
                    self.prices[(p.sku, currency)] = amount
                rows.append(Price(price_list=price_list, product=self.products[p.sku], unit_price=amount))
            Price.objects.bulk_create(rows, ignore_conflicts=True)
        self.counts["products"] = len(self.products)
        self.counts["price lists"] = len(lists)

    def exchange_rates(self) -> None:
        rows = []
        start = (self.today - relativedelta(months=26)).replace(day=1)
        for currency, base in RATES.items():
            month, drift = start, Decimal(0)
            while month <= self.today:
                drift += Decimal(self.rng.randint(-15, 15)) / Decimal(1000)
                rate = (base * (1 + drift / 10)).quantize(Decimal("0.0001"))
                rows.append(ExchangeRate(currency=currency, rate=rate, valid_from=month))
                month += relativedelta(months=1)
        ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)
        self.counts["exchange rates"] = len(rows)

    def targets(self) -> None:
        rows = []
        first = (self.today - relativedelta(months=24)).replace(day=1)
        for i in range(37):
            month = first + relativedelta(months=i)
            season = Decimal("1.25") if month.month in (9, 10, 11) else Decimal("0.8") if month.month == 7 else 1
            growth = 1 + Decimal(i) / Decimal(100)
            for username, base in MONTHLY_TARGET_NOK.items():
                user = self.users[username]
                amount = _money(Decimal(base) * season * growth / 1000) * 1000
                rows.append(SalesTarget(period_start=month, owner=user, amount=amount, currency="NOK"))
                rows.append(SalesTarget(period_start=month, team=user.team, amount=amount * 2, currency="NOK"))
        SalesTarget.objects.bulk_create(rows, ignore_conflicts=True)
        self.counts["sales targets"] = len(rows)

    # --- deals ---------------------------------------------------------------------------------
    def parties(self) -> list[dict]:
        """Who buys: persons in a buying or almost-buying stage, and organisations (with a contact)."""
        out = []
        contacts: dict[int, object] = {}
        for plan in self.b.plans:
            if plan.organization is not None and not plan.is_duplicate:
                contacts.setdefault(plan.organization.pk, plan.person)
        for plan in self.b.plans:
            person = plan.person
            if plan.is_duplicate or plan.organization is not None:
                continue
            if person.lifecycle_stage == LifecycleStage.SUBSCRIBER and not plan.is_showcase:
                continue
            out.append({"person": person, "organization": None, "country": plan.country.code,
                        "stage": person.lifecycle_stage, "business": False, "showcase": plan.is_showcase})
        for org, country, industry in self.b.orgs:
            out.append({"person": contacts.get(org.pk), "organization": org, "country": country.code,
                        "stage": org.lifecycle_stage, "business": industry != INSTALLER, "showcase": False,
                        "installer": industry == INSTALLER})
        return out

    def lines_for(self, party: dict, currency: str) -> list[tuple[Product, Decimal, Decimal, Decimal]]:
        """``(product, quantity, unit price, line discount %)`` for a bundle that suits the customer."""
        rng = self.rng
        if party.get("installer"):
            main, extras = rng.choice(HOME_BUNDLES)
            quantity = Decimal(rng.choice((4, 6, 10, 12)))
            lines = [(main, quantity)] + [(e, quantity) for e in extras[:1]]
        elif party["business"]:
            main, extras = rng.choice(BUSINESS_BUNDLES)
            lines = [(main, Decimal(rng.choice((1, 1, 2))))] + [(e, Decimal(1)) for e in extras]
        else:
            main, extras = rng.choice(HOME_BUNDLES)
            lines = [(main, Decimal(1))] + [(e, Decimal(12) if e == "NV-HOUR" else
                                             Decimal(150) if e == "NV-BORE-150" else Decimal(1)) for e in extras]
            if rng.random() < 0.4:
                lines.append((rng.choice(("NV-SA-BASIC", "NV-SA-PLUS")), Decimal(1)))
        out = []
        for sku, quantity in lines:
            discount = Decimal(rng.choice((0, 0, 0, 5, 10))) if rng.random() < 0.5 else ZERO
            out.append((self.products[sku], quantity, self.prices[(sku, currency)], discount))
        return out

    def plan_deals(self) -> None:
        rng = self.rng
        self.deals: list[Deal] = []
        self.deal_lines: dict[int, list] = {}
        self.deal_meta: list[dict] = []
        for party in self.parties():
            stage = party["stage"]
            if party["showcase"]:
                plans = [("won", 420), ("open", None)]
            elif stage in (LifecycleStage.CUSTOMER, LifecycleStage.REPEAT_CUSTOMER):
                plans = [("won", rng.randint(2, 700))]
                if stage == LifecycleStage.REPEAT_CUSTOMER or rng.random() < 0.3:
                    plans.append(("won", rng.randint(2, 700)) if rng.random() < 0.5 else ("open", None))
                if rng.random() < 0.15:
                    plans.append(("lost", rng.randint(2, 700)))
            elif stage == LifecycleStage.FORMER:
                plans = [("won", rng.randint(500, 720)), ("lost", rng.randint(60, 400))]
            elif stage == LifecycleStage.PROSPECT:
                plans = [("open", None)] if rng.random() < 0.8 else [("lost", rng.randint(2, 300))]
            elif stage == LifecycleStage.LEAD:
                plans = [("open", None)] if rng.random() < 0.55 else []
            else:
                plans = [("open", None)] if party["showcase"] else []
            for outcome, days_ago in plans:
                self.plan_deal(party, outcome, days_ago)
        self.renewals()
        self.cover_recent_orders()

    def cover_recent_orders(self) -> None:
        """Even a tiny demo has a recent order in each not-yet-delivered state (the card and lists show them)."""
        won = sorted((m for m in self.deal_meta if m["outcome"] == "won" and not m["party"]["showcase"]),
                     key=lambda m: m["deal"].closed_at, reverse=True)
        forced = ((OrderStatus.REGISTERED, 2), (OrderStatus.CONFIRMED, 9), (OrderStatus.SHIPPED, 25),
                  (OrderStatus.CANCELLED, 12))
        for meta, (status, days_ago) in zip(won, forced, strict=False):
            deal = meta["deal"]
            close = self.today - dt.timedelta(days=days_ago)
            deal.expected_close_date = close
            deal.closed_at = deal.stage_changed_at = _at(close, self.rng)
            deal.demo_created = deal.closed_at - dt.timedelta(days=30)
            meta["force_order"] = status

    def owner_for(self, party: dict):
        return self.users[REP_BY_COUNTRY[party["country"]]]

    def plan_deal(self, party: dict, outcome: str, days_ago: int | None, pipeline_name: str = NEW_BUSINESS,
                  lines=None, title: str | None = None) -> Deal:
        rng = self.rng
        stages = self.stages[pipeline_name]
        owner = self.owner_for(party)
        currency = CURRENCY_BY_COUNTRY[party["country"]]
        if party["business"] and party["country"] == "DK" and outcome == "open" and rng.random() < 0.3:
            currency = "EUR"  # some open export deals in euro (the forecast converts them); orders stay Nordic
        lines = lines or self.lines_for(party, currency)
        if party["showcase"] and pipeline_name == NEW_BUSINESS:
            if outcome == "won":
                lines = [(self.products["NV-VANN-12"], Decimal(1), self.prices[("NV-VANN-12", "NOK")], ZERO),
                         (self.products["NV-INST-AW"], Decimal(1), self.prices[("NV-INST-AW", "NOK")], ZERO),
                         (self.products["NV-SA-PLUS"], Decimal(1), self.prices[("NV-SA-PLUS", "NOK")], ZERO)]
            else:
                lines = [(self.products["NV-SOL-10"], Decimal(1), self.prices[("NV-SOL-10", "NOK")], Decimal(5)),
                         (self.products["NV-INST-SOL"], Decimal(1), self.prices[("NV-INST-SOL", "NOK")], ZERO),
                         (self.products["NV-BAT-10"], Decimal(1), self.prices[("NV-BAT-10", "NOK")], ZERO)]
        value = sum((pricing.line_net(pricing.LineInput(q, p, d), currency) for _prod, q, p, d in lines), ZERO)
        if outcome == "open":
            stage = rng.choice([s for s in stages.values() if isinstance(s, Stage) and s.outcome == "open"])
            if party["showcase"]:
                stage = stages["Proposal"]
            # Mostly closing in the coming year; some slipped past their date.
            close = self.today + dt.timedelta(days=rng.randint(-30, 365) if not party["showcase"] else 21)
            created = self.today - dt.timedelta(days=rng.randint(5, 120))
            closed_at = None
        else:
            stage = next(s for s in stages.values() if isinstance(s, Stage) and s.outcome == outcome)
            close = self.today - dt.timedelta(days=days_ago)
            created = close - dt.timedelta(days=rng.randint(14, 120))
            closed_at = _at(close, rng)
        main = lines[0][0]
        who = party["organization"].name if party["organization"] is not None else party["person"].last_name
        deal = Deal(
            title=title or f"{main.name.split(',')[0]} – {who}"[:200], pipeline=stages["_pipeline"], stage=stage,
            person=party["person"], organization=party["organization"], owner=owner, team=owner.team,
            value=value, currency=currency, expected_close_date=close, closed_at=closed_at,
            stage_changed_at=closed_at or _at(created + dt.timedelta(days=rng.randint(0, 20)), rng),
            lost_reason=rng.choice(self.lost_reasons) if outcome == "lost" else None,
            lost_note="Went with a cheaper offer." if outcome == "lost" and rng.random() < 0.3 else "",
            source=rng.choice(("Website", "Referral", "Campaign", "Phone", "Fair", "Partner")),
            created_by=owner, version=1 if outcome == "open" else 2,
        )
        deal.demo_created = _at(created, rng)
        self.deals.append(deal)
        self.deal_meta.append({"deal": deal, "lines": lines, "party": party, "outcome": outcome})
        return deal

    def renewals(self) -> None:
        """Service agreements up for renewal: the Renewals pipeline, in every stage."""
        rng = self.rng
        candidates = [m for m in self.deal_meta if m["outcome"] == "won" and not m["party"]["showcase"]
                      and any(p.sku.startswith("NV-SA-") for p, *_r in m["lines"])]
        for meta in candidates[: max(6, len(candidates) // 2)]:
            sa = next(line for line in meta["lines"] if line[0].sku.startswith("NV-SA-"))
            outcome = rng.choice(("open", "open", "won", "lost"))
            customer = meta["deal"].title.split(" – ")[-1]
            self.plan_deal(meta["party"], outcome, rng.randint(5, 200) if outcome != "open" else None,
                           pipeline_name=RENEWALS, lines=[sa], title=f"Renewal: {sa[0].name} – {customer}"[:200])

    def write_deals(self) -> None:
        Deal.objects.bulk_create(self.deals, batch_size=500)
        rows = []
        for meta in self.deal_meta:
            seen = set()
            for product, quantity, price, _discount in meta["lines"]:
                if product.pk in seen:
                    continue
                seen.add(product.pk)
                rows.append(DealProduct(deal=meta["deal"], product=product, quantity=quantity, unit_price=price))
        DealProduct.objects.bulk_create(rows, batch_size=1000)
        # created_at is auto_now_add: put the story's dates back (bulk_update does not touch auto fields).
        for deal in self.deals:
            deal.created_at, deal.updated_at = deal.demo_created, deal.closed_at or deal.stage_changed_at
        Deal.objects.bulk_update(self.deals, ["created_at", "updated_at"], batch_size=500)
        for meta in self.deal_meta:
            deal = meta["deal"]
            self.log_deal(deal, "created", deal.demo_created, None, self.first_stage(deal))
            if deal.closed_at is not None:
                self.log_deal(deal, deal.stage.outcome, deal.closed_at, self.first_stage(deal), deal.stage)
        self.counts["deals"] = len(self.deals)

    def first_stage(self, deal: Deal) -> Stage:
        return min((s for s in self.stages[deal.pipeline.name].values() if isinstance(s, Stage)),
                   key=lambda s: s.position)

    # --- quotes and orders ---------------------------------------------------------------------
    def number(self, prefix: str, year: int) -> str:
        self.seq[(prefix, year)] += 1
        return f"{prefix}-{year}-{self.seq[(prefix, year)] + 9000:04d}"  # 9000+: clear of numbers made by hand

    def plan_quotes_and_orders(self) -> None:
        rng = self.rng
        self.quotes: list[Quote] = []
        self.quote_lines: list[tuple[Quote, list[QuoteLine]]] = []
        self.orders: list[Order] = []
        self.order_lines: list[tuple[Order, list[OrderLine]]] = []
        for meta in self.deal_meta:
            deal, outcome = meta["deal"], meta["outcome"]
            stage = deal.stage.name
            if outcome == "open" and stage not in ("Proposal", "Negotiation", "Renewal offered", "Verbally agreed"):
                continue
            if outcome == "open":
                status = QuoteStatus.SENT if rng.random() < 0.75 or meta["party"]["showcase"] else QuoteStatus.DRAFT
                if status == QuoteStatus.SENT and rng.random() < 0.15 and not meta["party"]["showcase"]:
                    status = QuoteStatus.EXPIRED
            elif outcome == "won":
                status = QuoteStatus.ACCEPTED
            else:
                status = QuoteStatus.DECLINED if rng.random() < 0.7 else QuoteStatus.EXPIRED
            quote, lines = self.quote(deal, meta["lines"], status)
            meta["quote"] = quote
            if outcome == "won":
                self.order(deal, quote, lines, meta)
        self.counts["quotes"] = len(self.quotes)
        self.counts["orders"] = len(self.orders)

    def quote(self, deal: Deal, lines, status: str) -> tuple[Quote, list[QuoteLine]]:
        rng = self.rng
        created = deal.demo_created + dt.timedelta(days=rng.randint(2, 10))
        if deal.closed_at is not None:
            created = min(created, deal.closed_at - dt.timedelta(days=3))
        if status in (QuoteStatus.SENT, QuoteStatus.DRAFT):
            created = min(created, self.now - dt.timedelta(days=rng.randint(1, 20)))
        discount = Decimal(rng.choice((0, 0, 0, 3, 5))) if len(lines) > 1 else ZERO
        amounts = pricing.compute([pricing.LineInput(q, p, d, product.vat_rate) for product, q, p, d in lines],
                                  quote_discount_percent=discount, currency=deal.currency)
        valid_until = (created + dt.timedelta(days=30)).date()
        if status == QuoteStatus.EXPIRED:
            valid_until = min(valid_until, self.today - dt.timedelta(days=rng.randint(1, 60)))
        elif status == QuoteStatus.SENT:
            valid_until = max(valid_until, self.today + dt.timedelta(days=rng.randint(3, 25)))
        sent_at = created + dt.timedelta(hours=rng.randint(1, 30)) if status != QuoteStatus.DRAFT else None
        decided = deal.closed_at if status in (QuoteStatus.ACCEPTED, QuoteStatus.DECLINED) else None
        quote = Quote(
            number=self.number("Q", created.year), deal=deal, status=status, person=deal.person,
            organization=deal.organization, owner=deal.owner, team=deal.team, currency=deal.currency,
            discount_percent=discount, valid_until=valid_until, subtotal=amounts.subtotal,
            discount_total=amounts.discount_total, vat_total=amounts.vat_total, total=amounts.total,
            introduction="Thank you for your interest in Nordlys Varme. Here is our offer.",
            terms="Payment 14 days net. Installation by a certified Nordlys installer.",
            recipient_email=getattr(deal.person, "primary_email", "") or "", sent_at=sent_at, decided_at=decided,
            created_by=deal.owner,
        )
        quote.demo_created = created
        qlines = [
            QuoteLine(quote=quote, position=i, product=product, description=product.name, quantity=q,
                      unit=product.unit, list_price=p, unit_price=p, discount_percent=d, vat_rate=product.vat_rate,
                      net=a.net, vat=a.vat)
            for i, ((product, q, p, d), a) in enumerate(zip(lines, amounts.lines, strict=True))
        ]
        self.quotes.append(quote)
        self.quote_lines.append((quote, qlines))
        return quote, qlines

    def order(self, deal: Deal, quote: Quote, qlines: list[QuoteLine], meta: dict) -> None:
        rng = self.rng
        order_date = deal.closed_at.date()
        age = (self.today - order_date).days
        if meta["party"]["showcase"]:
            status = OrderStatus.DELIVERED
        elif meta.get("force_order"):
            status = meta["force_order"]
        elif age > 90:
            status = OrderStatus.DELIVERED if rng.random() < 0.95 else OrderStatus.CANCELLED
        elif age > 45:
            status = rng.choice((OrderStatus.DELIVERED, OrderStatus.DELIVERED, OrderStatus.SHIPPED))
        elif age > 14:
            status = rng.choice((OrderStatus.SHIPPED, OrderStatus.CONFIRMED, OrderStatus.DELIVERED))
        else:
            status = rng.choice((OrderStatus.REGISTERED, OrderStatus.CONFIRMED, OrderStatus.CANCELLED))
        delivered_on = None
        if status == OrderStatus.DELIVERED:
            delivered_on = min(order_date + dt.timedelta(days=rng.randint(10, 45)), self.today - dt.timedelta(days=1))
        order = Order(
            number=self.number("O", order_date.year), quote=quote, deal=deal, status=status, order_date=order_date,
            delivered_on=delivered_on, person=deal.person, organization=deal.organization, owner=deal.owner,
            team=deal.team, currency=quote.currency, subtotal=quote.subtotal, discount_total=quote.discount_total,
            vat_total=quote.vat_total, total=quote.total, created_by=deal.owner,
        )
        lines = []
        for i, ql in enumerate(qlines):
            delivery = {OrderStatus.DELIVERED: DeliveryStatus.DELIVERED, OrderStatus.SHIPPED: DeliveryStatus.SHIPPED,
                        OrderStatus.CANCELLED: DeliveryStatus.CANCELLED}.get(status, DeliveryStatus.PENDING)
            if status == OrderStatus.SHIPPED and i > 0 and rng.random() < 0.4:
                delivery = DeliveryStatus.DELIVERED  # the installation went first
            line_delivered = (delivered_on or order_date + dt.timedelta(days=rng.randint(3, 10))
                              if delivery == DeliveryStatus.DELIVERED else None)
            warranty = (line_delivered + relativedelta(months=ql.product.warranty_months)
                        if line_delivered and ql.product.warranty_months else None)
            lines.append(OrderLine(
                order=order, position=i, product=ql.product, description=ql.description, quantity=ql.quantity,
                unit=ql.unit, list_price=ql.list_price, unit_price=ql.unit_price,
                discount_percent=ql.discount_percent, vat_rate=ql.vat_rate, net=ql.net, vat=ql.vat,
                delivery_status=delivery, delivered_on=line_delivered, warranty_until=warranty,
            ))
        self.orders.append(order)
        self.order_lines.append((order, lines))

    def write_quotes_and_orders(self) -> None:
        Quote.objects.bulk_create(self.quotes, batch_size=500)
        for quote, lines in self.quote_lines:
            for line in lines:
                line.quote = quote
        QuoteLine.objects.bulk_create([ln for _q, lines in self.quote_lines for ln in lines], batch_size=1000)
        for order in self.orders:
            order.quote_id = order.quote.pk
        Order.objects.bulk_create(self.orders, batch_size=500)
        for order, lines in self.order_lines:
            for line in lines:
                line.order = order
        OrderLine.objects.bulk_create([ln for _o, lines in self.order_lines for ln in lines], batch_size=1000)
        for quote in self.quotes:
            quote.created_at = quote.demo_created
            quote.updated_at = quote.decided_at or quote.sent_at or quote.demo_created
        Quote.objects.bulk_update(self.quotes, ["created_at", "updated_at"], batch_size=500)
        for order in self.orders:
            order.created_at = order.updated_at = order.deal.closed_at + dt.timedelta(minutes=5)
        Order.objects.bulk_update(self.orders, ["created_at", "updated_at"], batch_size=500)
        for quote in self.quotes:
            if quote.sent_at:
                self.log(quote.deal, Kind.QUOTE, Channel.EMAIL, quote.sent_at, f"Quote {quote.number} sent", "sent",
                         quote.total, quote.currency, f"quote-{quote.pk}-sent",
                         {"quote": quote.pk, "deal": quote.deal_id}, direction=Direction.OUTBOUND)
            if quote.decided_at:
                event = quote.status
                self.log(quote.deal, Kind.QUOTE, Channel.EMAIL, quote.decided_at, f"Quote {quote.number} {event}",
                         event, quote.total, quote.currency, f"quote-{quote.pk}-{event}",
                         {"quote": quote.pk, "deal": quote.deal_id}, direction=Direction.INBOUND)
        for order in self.orders:
            payload = {"order": order.pk, "quote": order.quote_id, "deal": order.deal_id}
            placed = order.deal.closed_at + dt.timedelta(minutes=5)
            self.log(order.deal, Kind.ORDER, Channel.INTERNAL, placed, f"Order {order.number} placed", "placed",
                     order.total, order.currency, f"order-{order.pk}-placed", payload)
            if order.status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED):
                when = _at(order.delivered_on, self.rng) if order.delivered_on else placed + dt.timedelta(days=2)
                self.log(order.deal, Kind.ORDER, Channel.INTERNAL, when, f"Order {order.number} {order.status}",
                         order.status, order.total, order.currency, f"order-{order.pk}-{order.status}", payload)

    # --- tasks and the log ---------------------------------------------------------------------
    def plan_tasks(self) -> None:
        rng = self.rng
        titles = ("Call to follow up the offer", "Book a site visit", "Send reference projects",
                  "Check the subsidy application", "Confirm installation date", "Chase signed contract",
                  "Ask about the decision date", "Prepare revised quote")
        for meta in self.deal_meta:
            deal = meta["deal"]
            if meta["outcome"] != "open" or meta["party"]["showcase"]:
                continue
            roll = rng.random()
            if roll < 0.2:
                due, done = self.today - dt.timedelta(days=rng.randint(1, 14)), False  # overdue
            elif roll < 0.3:
                due, done = self.today, False
            elif roll < 0.75:
                due, done = self.today + dt.timedelta(days=rng.randint(1, 30)), False
            elif roll < 0.85:
                due, done = None, False
            else:
                due, done = self.today - dt.timedelta(days=rng.randint(1, 30)), True
            remind = _at(due - dt.timedelta(days=1), rng) if due and not done and rng.random() < 0.3 else None
            self.tasks.append(Task(
                title=rng.choice(titles), deal=deal, person=deal.person, organization=deal.organization,
                assignee=deal.owner, created_by=deal.owner, due_date=due, priority=rng.choice(
                    (Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW)),
                remind_at=remind, reminded_at=remind if remind and remind < self.now else None,
                done_at=_at(due, rng) if done else None, done_by=deal.owner if done else None,
            ))
        for meta in self.deal_meta:
            if meta["party"]["showcase"] and meta["outcome"] == "open":
                deal = meta["deal"]
                self.tasks.append(Task(
                    title="Call Kari about the solar and battery offer", deal=deal, person=deal.person,
                    assignee=self.users["sara"], created_by=self.users["sara"], priority=Priority.HIGH,
                    due_date=self.today + dt.timedelta(days=2),
                    description="She asked about the Enova subsidy and whether the battery can be added later.",
                    remind_at=_at(self.today + dt.timedelta(days=2), rng),
                ))
        # The manager's own follow-ups: the biggest open deal of her team, and a pipeline review.
        ingrid = self.users["ingrid"]
        oslo = [m["deal"] for m in self.deal_meta if m["outcome"] == "open" and m["deal"].team_id == ingrid.team_id]
        if oslo:
            biggest = max(oslo, key=lambda d: (d.value, d.title))
            self.tasks.append(Task(title="Join the negotiation meeting", deal=biggest, person=biggest.person,
                                   organization=biggest.organization, assignee=ingrid, created_by=biggest.owner,
                                   priority=Priority.HIGH, due_date=self.today + dt.timedelta(days=3)))
        self.tasks.append(Task(title="Review the Oslo pipeline with Sara", assignee=ingrid, created_by=ingrid,
                               due_date=self.today - dt.timedelta(days=1)))
        Task.objects.bulk_create(self.tasks, batch_size=1000)
        self.counts["tasks"] = len(self.tasks)

    def log_deal(self, deal: Deal, event: str, when: dt.datetime, from_stage: Stage | None, to_stage: Stage) -> None:
        subject = {"created": f"Deal created: {deal.title}", "won": f"Deal won: {deal.title}",
                   "lost": f"Deal lost: {deal.title}"}[event]
        version = 1 if event == "created" else 2
        payload = {"deal": deal.pk, "from": from_stage.name if from_stage else None,
                   "from_stage": from_stage.pk if from_stage else None, "to": to_stage.name,
                   "to_stage": to_stage.pk, "pipeline": deal.pipeline_id}
        if event == "lost" and deal.lost_reason:
            payload["lost_reason"] = deal.lost_reason.name
        self.log(deal, Kind.DEAL, Channel.INTERNAL, when, subject[:200], event, deal.value, deal.currency,
                 f"deal:{deal.pk}:v{version}", payload)

    def log(self, deal: Deal, kind: str, channel: str, when: dt.datetime, subject: str, outcome: str,
            amount: Decimal, currency: str, external_id: str, payload: dict, direction: str = "") -> None:
        self.interactions.append(Interaction(
            channel=channel, kind=kind, direction=direction or Direction.INTERNAL, occurred_at=when,
            person=deal.person, organization=deal.organization, handled_by=deal.owner, subject=subject[:200],
            outcome=outcome, amount=amount.quantize(Decimal("0.01")), currency=currency, source="tillit",
            external_id=external_id, payload=payload, product=deal.title[:100] if kind == Kind.DEAL else "",
        ))

    def build(self) -> dict[str, int]:
        self.pipelines()
        self.catalogue()
        self.exchange_rates()
        self.targets()
        self.plan_deals()
        self.write_deals()
        self.plan_quotes_and_orders()
        self.write_quotes_and_orders()
        self.plan_tasks()
        Interaction.objects.bulk_create(self.interactions, batch_size=2000)
        self.counts["sales interactions"] = len(self.interactions)
        self.say(f"Sales: {self.counts['deals']} deals, {self.counts['quotes']} quotes, "
                 f"{self.counts['orders']} orders, {self.counts['tasks']} tasks.")
        return dict(self.counts)


def build(builder, say) -> dict[str, int]:
    return _SalesDemo(builder, say).build()


def delete(*, persons, organizations) -> None:
    """Remove the sales records of the demo's customers, then the demo catalogue and pipelines if unused."""
    party = Q(person__in=persons) | Q(organization__in=organizations)
    deals = Deal.objects.filter(party)
    from tillit.demo.generator import DEMO_USERNAMES  # the generator imports this module

    # Tasks on the demo's customers, and every task of the demo users (they are deleted next).
    Task.objects.filter(party | Q(deal__in=deals) | Q(assignee__username__in=DEMO_USERNAMES)).delete()
    orders = Order.objects.filter(party | Q(deal__in=deals))
    OrderLine.objects.filter(order__in=orders).delete()
    orders.delete()
    quotes = Quote.objects.filter(party | Q(deal__in=deals))
    QuoteLine.objects.filter(quote__in=quotes).delete()
    quotes.delete()
    DealProduct.objects.filter(deal__in=deals).delete()
    deals.delete()
    # The catalogue and pipelines are the company's: remove the demo's only where nothing else uses them.
    used = (set(DealProduct.objects.values_list("product_id", flat=True))
            | set(QuoteLine.objects.exclude(product=None).values_list("product_id", flat=True))
            | set(OrderLine.objects.exclude(product=None).values_list("product_id", flat=True)))
    Product.objects.filter(sku__startswith=SKU_PREFIX).exclude(pk__in=used).delete()
    demo_lists = [f"Nordlys {c}" for c in CURRENCY_FACTORS] + ["Nordlys installers NOK"]
    PriceList.objects.filter(name__in=demo_lists, prices__isnull=True).delete()
    CustomerGroup.objects.filter(name=INSTALLER_GROUP, price_lists__isnull=True).delete()
    # Loaded in another language, the demo's pipelines carry that language's names (demo.translated).
    Pipeline.objects.filter(name__in=[n for name in PIPELINES for n in all_names(name)], deals__isnull=True).delete()
