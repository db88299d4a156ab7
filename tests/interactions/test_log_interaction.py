"""``log_interaction``: one interaction, validated field by field, only against visible records."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tillit.core.errors import AccessDenied, NotFound, ValidationError
from tillit.interactions.models import Interaction
from tillit.interactions.services import log_interaction


def test_it_logs_a_call_with_its_details(actors, north_person):
    rep = actors["rep_north"]
    when = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    interaction = log_interaction(
        actor=rep, channel="phone", kind="call", person=north_person, direction="in", handled_by=rep,
        occurred_at=when, duration_seconds=310, wait_seconds=45, outcome="resolved", text="Asked about invoice",
    )
    stored = Interaction.objects.get(pk=interaction.pk)
    assert (stored.channel, stored.kind, stored.direction) == ("phone", "call", "in")
    assert stored.person == north_person and stored.handled_by == rep
    assert stored.occurred_at == when
    assert (stored.duration_seconds, stored.wait_seconds, stored.outcome) == (310, 45, "resolved")
    assert interaction.was_created


def test_occurred_at_defaults_to_now_and_handled_by_to_nobody(actors, north_person):
    before = datetime.now(UTC)
    interaction = log_interaction(actor=actors["rep_north"], channel="meeting", kind="note", person=north_person)
    assert interaction.occurred_at >= before
    assert interaction.handled_by is None


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "telepathy"}, "kind"),
        ({"direction": "sideways"}, "direction"),
        ({"share_watched": 1.5}, "share_watched"),
        ({"share_watched": -0.1}, "share_watched"),
        ({"satisfaction": 11}, "satisfaction"),
        ({"satisfaction": -1}, "satisfaction"),
        ({"amount": Decimal("100")}, "currency"),
        ({"amount": "100", "currency": "kroner"}, "currency"),
        ({"amount": "1.001", "currency": "NOK"}, "amount"),
        ({"amount": "a lot", "currency": "NOK"}, "amount"),
        ({"duration_seconds": -5}, "duration_seconds"),
        ({"wait_seconds": 1.5}, "wait_seconds"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"subject": "x" * 201}, "subject"),
        ({"payload": [1, 2]}, "payload"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_refused_naming_the_field(actors, north_person, fields, field):
    values = {"channel": "phone", "kind": "call", **fields}
    with pytest.raises(ValidationError) as raised:
        log_interaction(actor=actors["rep_north"], person=north_person, **values)
    assert raised.value.field == field
    assert not Interaction.objects.exists()


def test_it_needs_a_person_or_an_organisation(actors):
    with pytest.raises(ValidationError) as raised:
        log_interaction(actor=actors["admin"], channel="phone", kind="call")
    assert raised.value.field == "person"


def test_satisfaction_covers_csat_and_nps_and_amount_takes_a_currency(actors, north_person):
    interaction = log_interaction(
        actor=actors["rep_north"], channel="web", kind="order", person=north_person, satisfaction=0,
        amount="1499.50", currency="nok",
    )
    assert interaction.satisfaction == 0
    stored = Interaction.objects.get(pk=interaction.pk)
    assert stored.amount == Decimal("1499.50") and stored.currency == "NOK"


def test_a_rep_cannot_log_against_another_reps_person(actors, south_person):
    with pytest.raises(NotFound):
        log_interaction(actor=actors["rep_north"], channel="phone", kind="call", person=south_person)
    assert not Interaction.objects.exists()


def test_a_rep_cannot_log_against_an_invisible_organisation(actors, north_org):
    with pytest.raises(NotFound):
        log_interaction(actor=actors["rep_south"], channel="meeting", kind="meeting", organization=north_org)


def test_partners_may_not_log_through_the_staff_service(actors, north_person):
    with pytest.raises(AccessDenied):
        log_interaction(actor=actors["partner"], channel="phone", kind="call", person=north_person)


def test_replaying_the_same_external_id_returns_the_stored_interaction(actors, north_person):
    first = log_interaction(actor=actors["rep_north"], channel="email", kind="email_sent", person=north_person,
                            source="mailer", external_id="m-1")
    again = log_interaction(actor=actors["rep_north"], channel="email", kind="email_sent", person=north_person,
                            source="mailer", external_id="m-1")
    assert again.pk == first.pk and not again.was_created
    assert Interaction.objects.count() == 1


def test_the_system_may_log_without_an_actor(north_org):
    interaction = log_interaction(actor=None, channel="web", kind="page_view", organization=north_org)
    assert interaction.pk
