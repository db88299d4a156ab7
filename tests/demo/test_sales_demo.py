"""The sales demo: every pipeline stage, quote state, order and delivery state; Kari's card; clean delete."""

import datetime as dt
from decimal import Decimal

import pytest

from tillit.demo.generator import delete_demo_data, load_demo
from tillit.interactions.models import Interaction
from tillit.people.models import Person
from tillit.sales.models import (
    Deal,
    DeliveryStatus,
    ExchangeRate,
    Order,
    OrderLine,
    OrderStatus,
    Pipeline,
    PriceList,
    Product,
    Quote,
    QuoteStatus,
    SalesTarget,
    Stage,
)
from tillit.sales.selectors.card import sales_card
from tillit.tasks.models import Task

TODAY = dt.date(2026, 5, 4)


def _load():
    return load_demo(seed=3, persons=120, organizations=20, interactions_per_person=4, today=TODAY)


def _fingerprint():
    def rows(qs, *fields):
        return sorted(qs.values_list(*fields), key=str)  # a full sort: titles and values can repeat

    return (
        rows(Deal.objects, "title", "stage__name", "value", "currency", "expected_close_date", "owner__username"),
        rows(Quote.objects, "number", "status", "total"),
        rows(OrderLine.objects, "order__number", "position", "delivery_status", "warranty_until", "net"),
        rows(Task.objects, "title", "due_date", "done_at", "assignee__username"),
    )


@pytest.mark.django_db(transaction=True)
def test_sales_demo_covers_every_state_and_deletes_cleanly():
    summary = _load()
    assert summary.extra["deals"] == Deal.objects.count() > 50
    # Two pipelines with the stages from the brief; a deal in every stage of "New business".
    nb = Pipeline.objects.get(name="New business")
    assert [(s.name, s.probability, s.is_committed) for s in nb.stages.order_by("position")] == [
        ("Lead", 10, False), ("Qualified", 25, False), ("Proposal", 50, False), ("Negotiation", 75, True),
        ("Won", 100, False), ("Lost", 0, False)]
    assert Pipeline.objects.filter(name="Renewals").exists()
    for stage in Stage.objects.filter(pipeline=nb):
        assert Deal.objects.filter(stage=stage).exists(), stage.name
    assert Deal.objects.filter(stage__outcome="lost", lost_reason__isnull=True).count() == 0
    owners = set(Deal.objects.values_list("owner__username", flat=True))
    assert owners == {"sara", "lars", "mads"}
    closes = Deal.objects.values_list("expected_close_date", flat=True)
    assert min(closes) < TODAY - dt.timedelta(days=600) and max(closes) > TODAY + dt.timedelta(days=200)
    # The catalogue, price lists in four currencies and an installer group.
    assert Product.objects.filter(sku__startswith="NV-").count() >= 25
    assert set(PriceList.objects.values_list("currency", flat=True)) == {"NOK", "SEK", "DKK", "EUR"}
    assert PriceList.objects.filter(customer_group__name="Installers").exists()
    assert ExchangeRate.objects.filter(currency="EUR").count() >= 24
    assert SalesTarget.objects.filter(owner__username="sara").count() >= 36
    assert SalesTarget.objects.filter(team__name="Oslo").exists()
    # Every quote state, every order state and delivery state; expired and valid warranties.
    assert set(Quote.objects.values_list("status", flat=True)) == set(QuoteStatus.values)
    assert set(Order.objects.values_list("status", flat=True)) == set(OrderStatus.values)
    assert set(OrderLine.objects.values_list("delivery_status", flat=True)) == set(DeliveryStatus.values)
    assert OrderLine.objects.filter(warranty_until__lt=TODAY).exists()
    assert OrderLine.objects.filter(warranty_until__gte=TODAY).exists()
    for quote in Quote.objects.prefetch_related("lines")[:30]:
        lines = list(quote.lines.all())
        assert sum((ln.net for ln in lines), Decimal(0)) == quote.subtotal
        assert quote.subtotal - quote.discount_total + quote.vat_total == quote.total
    # Tasks, some overdue; interactions of the sales kinds on the timelines.
    assert Task.objects.filter(done_at__isnull=True, due_date__lt=TODAY).exists()
    assert Task.objects.filter(done_at__isnull=False).exists()
    for kind in ("deal", "quote", "order"):
        assert Interaction.objects.filter(kind=kind, handled_by__isnull=False).exists(), kind
    # Kari Bråthen: an open deal, a delivered heat pump under warranty and an open task.
    kari = Person.objects.get(first_name="Kari", last_name="Bråthen")
    sara = kari.owner
    card = sales_card(actor=sara, person=kari, today=TODAY)
    assert card.deals and card.quotes
    assert any(line.product.sku == "NV-VANN-12" and line.warranty_state == "under"
               and line.delivery_status == "delivered" for line in card.products)
    assert Task.objects.filter(person=kari, done_at__isnull=True, assignee=sara).exists()

    # Deterministic: the same seed and day give the same sales data.
    first = _fingerprint()
    delete_demo_data()
    assert not Deal.objects.exists() and not Quote.objects.exists() and not Order.objects.exists()
    assert not Task.objects.exists() and not Product.objects.filter(sku__startswith="NV-").exists()
    assert not Pipeline.objects.exists() and not SalesTarget.objects.exists()
    _load()
    assert _fingerprint() == first


@pytest.mark.django_db(transaction=True)
def test_demo_loaded_in_norwegian_has_norwegian_names_and_deletes_cleanly():
    from tillit.sales.models import LostReason
    from tillit.service.models_sla import SlaPolicy

    load_demo(seed=3, persons=40, organizations=8, interactions_per_person=2, today=TODAY, language="nb")
    assert set(Pipeline.objects.values_list("name", flat=True)) >= {"Nysalg", "Fornyelser"}
    stages = set(Stage.objects.values_list("name", flat=True))
    assert {"Kvalifisert", "Tilbud", "Forhandling", "Vunnet", "Tapt", "Ikke fornyet"} <= stages
    assert not stages & {"Qualified", "Proposal", "Won", "Lost"}
    assert Deal.objects.filter(stage__name="Vunnet").exists()
    assert {"Pris", "Valgte en konkurrent"} <= set(LostReason.objects.values_list("name", flat=True))
    assert SlaPolicy.objects.filter(name="Haster · toppkunder").exists()
    assert not SlaPolicy.objects.filter(name="Urgent").exists()
    delete_demo_data()
    assert not Pipeline.objects.exists() and not SlaPolicy.objects.exists()
