"""Insight demo: two years of repeat purchases, category spend estimates and price variation, and personas.

Runs last (see ``DEMO_EXTENSIONS``). The sales demo gives most customers one big order (a heat pump, a
solar kit); here the customers come back — service agreements, accessories, extensions, installer hours —
in patterns the value figures should tell apart:

- **champions**: buy every one to three months, recently, at full price;
- **loyal**: every three to five months, still buying;
- **at risk**: bought regularly, then nothing for half a year;
- **churned**: bought in the first year, nothing in the last ten months;
- **new**: a first order in the last two months;
- **one-time**: one order, long ago;
- **trade**: installer partners (organisations) ordering often at their trade discount.

Each order is a real ``Order`` with priced lines (list price and charged price, so the price premium can be
read) and its "Order placed" event on the log with the amount. Each customer also gets an estimate of their
yearly spend in the category when the relationship types' ``CategorySpend`` exists, chosen so that every
relationship type (best friend, guru–disciple, one-night stand, marriage of convenience, stranger, not yet
known) has customers. The figures themselves (RFM, CLV, tiers, relationship types, churn, offers) are computed
by the insight services after loading. Personas are defined (named in the demo's language) and assigned.

Deterministic for a seed and a day; every write is a ``bulk_create``.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.apps import apps
from django.utils import translation

from tillit.demo.names import INSTALLER
from tillit.demo.sales import CATALOGUE, CURRENCY_BY_COUNTRY, CURRENCY_FACTORS, SKU_PREFIX
from tillit.insight.models import Persona
from tillit.insight.personas import clean_persona_rules, personas_recompute
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.people.models import LifecycleStage
from tillit.sales import pricing
from tillit.sales.models import DeliveryStatus, Order, OrderLine, OrderStatus, Product

BUYING_ORGS = (LifecycleStage.CUSTOMER, LifecycleStage.REPEAT_CUSTOMER)
# Repeat purchases of a home: what people come back for (sku, quantity range).
HOME_REPEAT = (("NV-SA-BASIC", 1, 1), ("NV-SA-PLUS", 1, 1), ("NV-WIFI", 1, 2), ("NV-BRKT", 1, 2),
               ("NV-HOUR", 2, 6), ("NV-BAT-5X", 1, 1), ("NV-TANK-200", 1, 1), ("NV-INV-8", 1, 1))
TRADE_REPEAT = (("NV-LUFT-9", 2, 6), ("NV-LUFT-12A", 1, 4), ("NV-BRKT", 5, 20), ("NV-WIFI", 5, 15),
                ("NV-TANK-200", 1, 4))
BUSINESS_REPEAT = (("NV-SA-PRO", 1, 1), ("NV-MON-Y", 1, 1), ("NV-AUDIT", 1, 1), ("NV-HOUR", 4, 16))
# (first day ago, last day ago, days between purchases) per pattern.
PATTERNS = {
    "champion": (720, 5, (25, 80)),
    "loyal": (700, 60, (90, 150)),
    "at-risk": (700, 190, (60, 110)),
    "churned": (728, 320, (45, 100)),
    "new": (55, 3, (20, 40)),
    "one-time": (700, 380, None),
    "trade": (700, 4, (14, 45)),
}
# The relationship type each pattern mostly aims at: (share of their category spend, discount % range).
TARGETS = {
    "best-friend": (0.75, (0, 0)),
    "guru-disciple": (0.4, (0, 0)),
    "one-night-stand": (0.1, (0, 0)),
    "marriage-of-convenience": (0.5, (8, 15)),
    "stranger": (0.08, (10, 20)),
}
AIMS = {
    "champion": (("best-friend", 6), ("guru-disciple", 3), ("marriage-of-convenience", 1)),
    "loyal": (("guru-disciple", 4), ("marriage-of-convenience", 3), ("best-friend", 2), ("stranger", 1)),
    "at-risk": (("stranger", 5), ("one-night-stand", 2), ("marriage-of-convenience", 2)),
    "churned": (("stranger", 1),),
    "new": (("one-night-stand", 7), ("guru-disciple", 2)),
    "one-time": (("one-night-stand", 1),),
    "trade": (("marriage-of-convenience", 3), ("stranger", 1)),
}
# Demo personas: (English name, priority, description, rules). Names are records, written in the demo's language.
PERSONAS = (
    ("Installer partner", 10, "Certified installers who buy at trade prices and install for us.",
     {"attr": "organization.industry", "op": "eq", "value": INSTALLER}),
    ("Housing cooperative board", 20, "Board members and caretakers deciding for a whole cooperative.",
     {"attr": "organization.industry", "op": "eq", "value": "Housing cooperative"}),
    ("Property manager", 30, "Manages many buildings; buys service agreements and monitoring.",
     {"attr": "organization.industry", "op": "eq", "value": "Property management"}),
    ("Commercial facility manager", 40, "Hotels, farms, shops, factories and the public sector.",
     {"attr": "organization.name", "op": "not_empty"}),
    ("Valuable homeowner", 50, "A home customer worth 30 000 or more over the next year, not about to leave.",
     {"all": [{"attr": "clv", "op": "gte", "value": 30000},
              {"attr": "churn_level", "op": "ne", "value": "high"}]}),
    ("Energy-conscious homeowner", 60, "Reads about heat pumps and solar before deciding, or told us their roof.",
     {"any": [{"did": True, "kind": "content_read", "topic": "Heat pumps", "at_least": 2},
              {"did": True, "kind": "content_read", "topic": "Solar", "at_least": 2},
              {"attr": "custom.roof", "op": "not_empty"}]}),
    ("Cost-driven homeowner", 70, "Compares prices, subsidies and financing.",
     {"any": [{"did": True, "topic": topic, "at_least": 2, "days": 365}
              for topic in ("Financing", "Subsidies", "Electricity prices")]}),
    ("Cabin owner", 55, "Heats a cabin with a wood stove or radiators; buys small and seasonal.",
     {"attr": "custom.heating", "op": "in", "value": ["Wood stove", "Electric radiators"]}),
)
PERSONA_NAMES = {
    "sv": {"Installer partner": "Installatörspartner", "Housing cooperative board": "Bostadsrättsstyrelse",
           "Property manager": "Fastighetsförvaltare", "Commercial facility manager": "Driftchef företag",
           "Valuable homeowner": "Värdefull villaägare", "Energy-conscious homeowner": "Energimedveten villaägare",
           "Cost-driven homeowner": "Prismedveten villaägare", "Cabin owner": "Stugägare"},
    "da": {"Installer partner": "Installatørpartner", "Housing cooperative board": "Andelsboligbestyrelse",
           "Property manager": "Ejendomsadministrator", "Commercial facility manager": "Driftsleder erhverv",
           "Valuable homeowner": "Værdifuld husejer", "Energy-conscious homeowner": "Energibevidst husejer",
           "Cost-driven homeowner": "Prisbevidst husejer", "Cabin owner": "Sommerhusejer"},
    "nb": {"Installer partner": "Installatørpartner", "Housing cooperative board": "Borettslagsstyre",
           "Property manager": "Eiendomsforvalter", "Commercial facility manager": "Driftsleder næring",
           "Valuable homeowner": "Verdifull huseier", "Energy-conscious homeowner": "Energibevisst huseier",
           "Cost-driven homeowner": "Prisbevisst huseier", "Cabin owner": "Hytteeier"},
}


def persona_name(english: str, language: str | None = None) -> str:
    language = (language or translation.get_language() or "en").split("-")[0].lower()
    return PERSONA_NAMES.get(language, {}).get(english, english)


def _all_persona_names() -> list[str]:
    return [n for english, *_rest in PERSONAS for n in {english, *(t[english] for t in PERSONA_NAMES.values())}]


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"))


class _InsightDemo:
    def __init__(self, builder, say):
        self.b, self.say = builder, say
        self.rng = random.Random(builder.rng.randrange(2**32))
        self.now = builder.now
        self.today = builder.now.date()
        self.products = {p.sku: p for p in Product.objects.filter(sku__startswith=SKU_PREFIX)}
        self.list_nok = {p.sku: Decimal(p.price_nok) for p in CATALOGUE}
        self.orders: list[Order] = []
        self.lines: list[list[OrderLine]] = []
        self.revenue_12m: dict[tuple[str, int], Decimal] = {}
        self.aims: dict[tuple[str, int], tuple[str, str]] = {}  # party → (aim, currency)
        self.seq = 0
        self.patterns: dict[str, int] = {}

    # --- who buys how ---------------------------------------------------------------------------
    def customers(self) -> list[tuple[str, object, str, str]]:
        """``(kind, party, country, pattern)`` for the buyers, in a fixed order."""
        rng, out = self.rng, []
        for plan in self.b.plans:
            if plan.is_duplicate or plan.organization is not None:
                continue
            stage = plan.person.lifecycle_stage
            if plan.is_showcase:
                pattern = "champion"
            elif stage == LifecycleStage.REPEAT_CUSTOMER:
                pattern = rng.choices(("champion", "loyal", "at-risk"), weights=(4, 5, 1))[0]
            elif stage == LifecycleStage.FORMER:
                pattern = rng.choice(("churned", "churned", "one-time"))
            elif stage == LifecycleStage.CUSTOMER:
                pattern = rng.choices(("new", "one-time", "at-risk", "loyal", "churned"), weights=(3, 3, 2, 2, 1))[0]
            else:
                continue
            out.append(("person", plan.person, plan.country.code, pattern))
        for org, country, industry in self.b.orgs:
            if industry == INSTALLER:
                out.append(("organization", org, country.code, "trade"))
            elif org.lifecycle_stage in BUYING_ORGS and rng.random() < 0.6:
                pattern = rng.choice(("loyal", "champion", "at-risk", "churned"))
                out.append(("organization", org, country.code, pattern))
        return out

    def purchase_days(self, pattern: str) -> list[int]:
        """Days ago of each purchase, oldest first."""
        first, last, gap = PATTERNS[pattern]
        rng = self.rng
        start = rng.randint(min(last + 30, first), first) if pattern != "new" else rng.randint(last + 10, first)
        if gap is None:
            return [start]
        days, day = [], start
        while day >= last:
            days.append(day)
            day -= rng.randint(*gap)
        if pattern == "champion" and days[-1] > 35:
            days.append(rng.randint(3, 30))  # champions bought lately
        return days

    # --- orders -----------------------------------------------------------------------------------
    def order(self, kind: str, party, country: str, days_ago: int, pattern: str, discount: Decimal) -> None:
        rng = self.rng
        currency = CURRENCY_BY_COUNTRY[country]
        menu = TRADE_REPEAT if pattern == "trade" else BUSINESS_REPEAT if kind == "organization" else HOME_REPEAT
        picks = rng.sample(menu, k=1 if rng.random() < 0.7 else 2)
        order_date = self.today - dt.timedelta(days=days_ago)
        inputs, products = [], []
        for sku, low, high in picks:
            product = self.products.get(sku)
            if product is None:
                continue
            price = _money(self.list_nok[sku] * CURRENCY_FACTORS[currency])
            qty = Decimal(rng.randint(low, high))
            inputs.append(pricing.LineInput(qty, price, discount, product.vat_rate))
            products.append(product)
        if not products:
            return
        amounts = pricing.compute(inputs, quote_discount_percent=Decimal("0"), currency=currency)
        self.seq += 1
        person = party if kind == "person" else None
        organization = party if kind == "organization" else None
        delivered = order_date + dt.timedelta(days=rng.randint(2, 12))
        status = OrderStatus.DELIVERED if delivered < self.today else OrderStatus.CONFIRMED
        order = Order(
            number=f"R-{order_date.year}-{self.seq:05d}", status=status, order_date=order_date,
            delivered_on=delivered if status == OrderStatus.DELIVERED else None, person=person,
            organization=organization, owner=party.owner, team=party.team, currency=currency,
            subtotal=amounts.subtotal, discount_total=amounts.discount_total, vat_total=amounts.vat_total,
            total=amounts.total,
        )
        lines = [
            OrderLine(position=i, product=product, description=product.name, quantity=line.quantity,
                      unit=product.unit, list_price=line.unit_price, unit_price=line.unit_price,
                      discount_percent=line.discount_percent, vat_rate=line.vat_rate, net=a.net, vat=a.vat,
                      delivery_status=DeliveryStatus.DELIVERED if order.delivered_on else DeliveryStatus.PENDING,
                      delivered_on=order.delivered_on)
            for i, (product, line, a) in enumerate(zip(products, inputs, amounts.lines, strict=True))
        ]
        self.orders.append(order)
        self.lines.append(lines)
        if days_ago < 365:
            key = (kind, party.pk)
            self.revenue_12m[key] = self.revenue_12m.get(key, Decimal(0)) + amounts.total

    def plan(self) -> None:
        for kind, party, country, pattern in self.customers():
            self.patterns[pattern] = self.patterns.get(pattern, 0) + 1
            names, weights = zip(*AIMS[pattern], strict=True)
            aim = self.rng.choices(names, weights=weights)[0]
            low, high = TARGETS[aim][1]
            discount = Decimal(self.rng.randint(low, high))
            for days_ago in self.purchase_days(pattern):
                self.order(kind, party, country, days_ago, pattern, discount)
            self.aims[(kind, party.pk)] = (aim, CURRENCY_BY_COUNTRY[country])

    def write(self) -> int:
        Order.objects.bulk_create(self.orders, batch_size=500)
        for order, lines in zip(self.orders, self.lines, strict=True):
            for line in lines:
                line.order = order
        OrderLine.objects.bulk_create([ln for lines in self.lines for ln in lines], batch_size=1000)
        events = []
        for order, lines in zip(self.orders, self.lines, strict=True):
            placed = dt.datetime.combine(order.order_date, dt.time(9 + self.rng.randint(0, 8), self.rng.randint(0, 59)),
                                         tzinfo=dt.UTC)
            events.append(Interaction(
                channel=Channel.WEB if order.person_id else Channel.PORTAL, kind=Kind.ORDER,
                direction=Direction.INBOUND, occurred_at=placed, person_id=order.person_id,
                organization_id=order.organization_id, subject=f"Order {order.number} placed", outcome="placed",
                amount=order.total, currency=order.currency, source="tillit", external_id=f"order-{order.pk}-placed",
                payload={"order": order.pk}, product=lines[0].description[:100],
            ))
        Interaction.objects.bulk_create(events, batch_size=2000)
        return len(events)

    # --- spend estimates -------------------------------------------------------------------------
    def category_spend(self) -> int:
        """Estimated yearly category spend so that share of wallet lands where each customer's aim says."""
        try:
            model = apps.get_model("insight", "CategorySpend")
        except LookupError:  # the relationship types are not there (yet): nothing to estimate into
            return 0
        rows = []
        for (kind, pk), (aim, currency) in self.aims.items():
            if self.rng.random() < 0.12:
                continue  # some customers nobody asked: their type stays "not yet known"
            revenue = self.revenue_12m.get((kind, pk), Decimal(0))
            share = Decimal(str(TARGETS[aim][0])) * Decimal(str(self.rng.uniform(0.8, 1.2)))
            if revenue > 0:
                amount = (revenue / share / 1000).quantize(Decimal("1")) * 1000  # estimates are round
            else:
                amount = _money(Decimal(self.rng.randint(15, 90)) * 1000 * CURRENCY_FACTORS[currency])
            rows.append(model(**{f"{kind}_id": pk}, amount=max(amount, Decimal(1000)), currency=currency,
                              year=self.today.year, source="demo estimate"))
        model.objects.bulk_create(rows, batch_size=1000)
        return len(rows)

    # --- personas --------------------------------------------------------------------------------
    def personas(self) -> int:
        existing = set(Persona.objects.values_list("name", flat=True))
        Persona.objects.bulk_create([
            Persona(name=persona_name(name), priority=priority, description=description,
                    rules=clean_persona_rules(rules))
            for name, priority, description, rules in PERSONAS if persona_name(name) not in existing
        ])
        personas_recompute(now=self.now)
        return len(PERSONAS)

    def build(self) -> dict[str, int]:
        self.plan()
        orders = self.write()
        spend = self.category_spend()
        personas = self.personas()
        lines = sum(len(x) for x in self.lines)
        mix = ", ".join(f"{n} {p}" for p, n in sorted(self.patterns.items()))
        self.say(f"  Insight: {orders} repeat orders ({lines} lines) over two years — {mix}; "
                 f"{spend} category spend estimates; {personas} personas")
        return {"repeat orders": orders, "category spend estimates": spend, "personas": personas}


def build(builder, say) -> dict[str, int]:
    counts = _InsightDemo(builder, say).build()
    counts.update(compute_figures(builder, say))
    return counts


def compute_figures(builder, say) -> dict[str, int]:
    """What the worker would compute overnight, done now so the demo's cards, scatter chart and personas show
    figures at once: a value fit (a year of calibration, 180 days of hold-out), RFM classes and tiers,
    relationship types, churn risk, next best offers, and the personas that read them."""
    from tillit.accounts.models import User
    from tillit.core.errors import DomainError
    from tillit.insight import fits, runs
    from tillit.insight.churn import recompute_churn
    from tillit.insight.offers import recompute_offers
    from tillit.insight.personas import personas_recompute
    from tillit.insight.relationships import recompute_relationships

    admin = User.objects.filter(username="admin").first()
    fitted = 0
    try:
        fit = fits.fit_create(actor=admin, calibration_end=builder.now.date() - dt.timedelta(days=180),
                              holdout_days=180, run=False)
        fits.run_fit(fit.pk)
        fitted = 1
    except DomainError as exc:  # a demo too small to fit still loads; the fit page explains why
        say(f"  Insight: no value fit ({exc.message})")
    runs.execute(None)
    recompute_relationships()
    churned = recompute_churn()
    offers = recompute_offers()
    personas_recompute()
    say(f"  Insight figures: value fit {'done' if fitted else 'skipped'}, RFM classes, relationship types, "
        f"churn risk, next best offers")
    return {"value fits": fitted, "churn figures": churned or 0, "offer figures": offers or 0}


def delete(*, persons, organizations) -> None:
    """The demo's orders go with the sales demo's (by customer); its personas go here (in any language)."""
    Persona.objects.filter(name__in=_all_persona_names()).delete()
