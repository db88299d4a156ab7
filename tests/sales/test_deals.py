"""Deal services: create, update, move, win, lose, reopen — and the log they write."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.sales.test_deals_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_deals_helpers import NOW
from tillit.core.errors import AccessDenied, Conflict, NotFound, ValidationError
from tillit.interactions.models import Interaction
from tillit.sales.models import Deal, StageOutcome
from tillit.sales.services import deals as svc

pytestmark = pytest.mark.django_db


def _create(actors, customers, **kw):
    person, org = customers["rep_north"]
    values = {"actor": actors["rep_north"], "title": "Heat pump for the cabin", "person": person,
              "organization": org, "value": "12500.50", "currency": "nok", "now": NOW}
    values.update(kw)
    return svc.deal_create(**values)


def test_create_defaults_owner_team_pipeline_and_first_open_stage(actors, customers, stages):
    deal = _create(actors, customers)
    assert deal.owner == actors["rep_north"] and deal.team == actors["rep_north"].team
    assert deal.stage == stages["Lead"] and deal.value == Decimal("12500.50") and deal.currency == "NOK"
    assert isinstance(deal.value, Decimal)
    assert deal.closed_at is None and deal.stage_changed_at == NOW and deal.version == 1
    log = Interaction.objects.get(payload__deal=deal.pk)
    assert log.kind == "deal" and log.channel == "internal" and log.handled_by == actors["rep_north"]
    assert log.person == deal.person and log.organization == deal.organization and log.outcome == "created"


def test_create_for_a_person_the_rep_cannot_see_is_not_found(actors, customers, stages):
    person, _org = customers["rep_south"]
    with pytest.raises(NotFound):
        svc.deal_create(actor=actors["rep_north"], title="X", person=person, value="1")
    assert not Deal.objects.exists()


def test_create_validation_names_the_field(actors, customers, stages):
    with pytest.raises(ValidationError) as exc:
        _create(actors, customers, title="  ")
    assert exc.value.field == "title"
    with pytest.raises(ValidationError) as exc:
        _create(actors, customers, value="-5")
    assert exc.value.field == "value"
    with pytest.raises(ValidationError) as exc:
        _create(actors, customers, value="lots")
    assert exc.value.field == "value"
    with pytest.raises(ValidationError) as exc:
        _create(actors, customers, currency="kroner")
    assert exc.value.field == "currency"
    with pytest.raises(ValidationError) as exc:
        _create(actors, customers, person=None, organization=None)
    assert exc.value.field == "person"
    with pytest.raises(ValidationError) as exc:
        _create(actors, customers, expected_close_date="31.12.2026")
    assert exc.value.field == "expected_close_date"
    assert not Deal.objects.exists()


def test_rep_cannot_give_a_deal_to_a_colleague_but_manager_can(actors, customers, stages):
    with pytest.raises(AccessDenied):
        _create(actors, customers, owner=actors["rep_north2"])
    person, _ = customers["rep_north"]
    deal = svc.deal_create(actor=actors["manager_north"], title="T", person=person, value="1",
                           owner=actors["rep_north2"])
    assert deal.owner == actors["rep_north2"]


def test_move_logs_and_bumps_version(actors, customers, stages):
    deal = _create(actors, customers)
    later = NOW + dt.timedelta(days=2)
    svc.deal_move(actor=actors["rep_north"], deal=deal, stage=stages["Proposal"], expected_version=1, now=later)
    deal.refresh_from_db()
    assert deal.stage == stages["Proposal"] and deal.version == 2 and deal.stage_changed_at == later
    log = Interaction.objects.get(outcome="stage_changed")
    assert log.subject == "Deal moved to Proposal"
    assert log.payload["from"] == "Lead" and log.payload["to"] == "Proposal" and log.payload["deal"] == deal.pk
    assert log.amount == Decimal("12500.50") and log.currency == "NOK"
    assert log.external_id == f"deal:{deal.pk}:v2"


def test_stale_move_is_a_conflict_and_changes_nothing(actors, customers, stages):
    deal = _create(actors, customers)
    svc.deal_move(actor=actors["rep_north"], deal=deal, stage=stages["Proposal"], expected_version=1)
    stale = Deal.objects.get(pk=deal.pk)
    stale.version = 1
    with pytest.raises(Conflict):
        svc.deal_move(actor=actors["rep_north"], deal=stale, stage=stages["Negotiation"], expected_version=1)
    deal.refresh_from_db()
    assert deal.stage == stages["Proposal"]
    assert Interaction.objects.filter(outcome="stage_changed").count() == 1


def test_lost_needs_a_reason_and_reopen_clears_it(actors, customers, stages, reason):
    deal = _create(actors, customers)
    with pytest.raises(ValidationError) as exc:
        svc.deal_move(actor=actors["rep_north"], deal=deal, stage=stages["Lost"], expected_version=1)
    assert exc.value.field == "lost_reason"
    deal = Deal.objects.get(pk=deal.pk)
    svc.deal_mark_lost(actor=actors["rep_north"], deal=deal, lost_reason=reason, lost_note="Too dear",
                       expected_version=1, now=NOW)
    deal.refresh_from_db()
    assert deal.stage.outcome == StageOutcome.LOST and deal.closed_at == NOW and deal.lost_reason == reason
    assert Interaction.objects.get(outcome="lost").payload["lost_reason"] == "Price"
    svc.deal_reopen(actor=actors["rep_north"], deal=deal, expected_version=2)
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"] and deal.closed_at is None and deal.lost_reason is None
    assert Interaction.objects.filter(outcome="reopened").count() == 1


def test_mark_won_is_idempotent(actors, customers, stages):
    deal = _create(actors, customers)
    svc.deal_mark_won(actor=actors["rep_north"], deal=deal, now=NOW)
    assert deal.stage == stages["Won"] and deal.closed_at == NOW and deal.version == 2
    svc.deal_mark_won(actor=actors["rep_north"], deal=deal, expected_version=2)
    assert deal.version == 2
    assert Interaction.objects.filter(outcome="won").count() == 1


def test_mark_won_by_someone_who_cannot_see_the_deal(actors, customers, stages):
    deal = _create(actors, customers)
    with pytest.raises(NotFound):
        svc.deal_mark_won(actor=actors["rep_south"], deal=deal)


def test_update_fields_and_products_total(actors, customers, stages):
    from tillit.sales.models import Product

    p1 = Product.objects.create(sku="HP-1", name="Heat pump")
    p2 = Product.objects.create(sku="INST", name="Installation")
    deal = _create(actors, customers)
    svc.deal_update(actors["rep_north"], deal, 1, value=None, products=[
        {"product": p1, "quantity": "2", "unit_price": "10000.125"},
        {"product": p2, "quantity": "1.5", "unit_price": "999.99"},
    ], title="Two pumps")
    deal.refresh_from_db()
    # 20000.25 + 1499.985 = 21500.235 → 21500.24 (half up)
    assert deal.value == Decimal("21500.24") and deal.title == "Two pumps" and deal.version == 2
    assert deal.products.count() == 2
    with pytest.raises(Conflict):
        svc.deal_update(actors["rep_north"], deal, 1, title="stale")
    with pytest.raises(ValidationError) as exc:
        svc.deal_update(actors["rep_north"], deal, 2, products=[{"product": p1, "quantity": "0"}])
    assert exc.value.field == "products.0.quantity"
