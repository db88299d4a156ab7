"""``log_interactions``: the batch path — per-item answers, idempotence, people resolved in bulk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tillit.core.errors import AccessDenied, ValidationError
from tillit.interactions.models import Interaction
from tillit.interactions.services import log_interactions
from tillit.people.models import Identity, Person


def call(**extra):
    return {"channel": "phone", "kind": "call", **extra}


def test_valid_items_are_kept_and_invalid_ones_reported_with_index_field_and_reason(actors, north_person):
    result = log_interactions(
        actor=actors["rep_north"],
        items=[
            call(person_id=north_person.pk, duration_seconds=60),
            call(person_id=north_person.pk, share_watched=2),
            {"channel": "web", "kind": "page_view", "person_email": "kari@example.no"},
            call(),
            call(person_id=north_person.pk, amount="10"),
        ],
    )
    statuses = [a["status"] for a in result.items]
    assert statuses == ["accepted", "rejected", "accepted", "rejected", "rejected"]
    assert (result.accepted, result.duplicate, result.rejected) == (2, 0, 3)
    assert result.items[1]["index"] == 1
    assert result.items[1]["errors"][0]["field"] == "share_watched" and result.items[1]["errors"][0]["reason"]
    assert result.items[3]["errors"][0]["field"] == "person"
    assert result.items[4]["errors"][0]["field"] == "currency"
    stored = Interaction.objects.order_by("id")
    assert [i.pk for i in stored] == [result.items[0]["id"], result.items[2]["id"]]
    assert all(i.person_id == north_person.pk for i in stored)
    assert stored[0].duration_seconds == 60


def test_replayed_batch_creates_no_duplicates(actors, north_person):
    items = [call(person_id=north_person.pk, source="pbx", external_id=f"call-{n}") for n in range(5)]
    first = log_interactions(actor=actors["rep_north"], items=items)
    again = log_interactions(actor=actors["rep_north"], items=items)
    assert first.accepted == 5
    assert again.duplicate == 5 and again.accepted == 0
    assert [a["id"] for a in again.items] == [a["id"] for a in first.items]
    assert Interaction.objects.count() == 5


def test_the_same_external_id_twice_in_one_batch_keeps_the_first(actors, north_person):
    result = log_interactions(
        actor=actors["rep_north"],
        items=[
            call(person_id=north_person.pk, source="pbx", external_id="x", outcome="first"),
            call(person_id=north_person.pk, source="pbx", external_id="x", outcome="second"),
            call(person_id=north_person.pk, source="other", external_id="x"),
        ],
    )
    assert [a["status"] for a in result.items] == ["accepted", "duplicate", "accepted"]
    assert result.items[1]["id"] == result.items[0]["id"]
    assert Interaction.objects.get(source="pbx").outcome == "first"


def test_an_invalid_first_item_does_not_shadow_a_valid_repeat(actors, north_person):
    result = log_interactions(
        actor=actors["rep_north"],
        items=[
            call(person_id=north_person.pk, external_id="x", satisfaction=99),
            call(person_id=north_person.pk, external_id="x"),
        ],
    )
    assert [a["status"] for a in result.items] == ["rejected", "accepted"]


def test_email_in_any_case_phone_in_any_format_and_external_id_find_the_same_person(actors, north_person):
    result = log_interactions(
        actor=actors["rep_north"],
        items=[
            call(person_email="KARI@Example.NO"),
            call(person_phone="+47 912 34 567"),
            call(person_phone="91234567"),
            call(person_phone="0047-91234567"),
            call(person_external_id="C-100", person_source="erp"),
            call(source="erp", person_external_id="C-100"),
        ],
    )
    assert result.accepted == 6 and result.people_created == 0
    assert set(Interaction.objects.values_list("person_id", flat=True)) == {north_person.pk}


def test_unknown_people_become_leads_with_their_identities(actors, teams):
    rep = actors["rep_north"]
    result = log_interactions(
        actor=rep,
        items=[
            {"channel": "web", "kind": "form_submitted", "person_email": "Ny@Kunde.no",
             "person_phone": "+46 70 123 45 67", "person_first_name": "Nils", "person_last_name": "Ny"},
            {"channel": "web", "kind": "page_view", "person_email": "ny@kunde.no"},
            {"channel": "email", "kind": "email_opened", "person_external_id": "42", "person_source": "shop"},
        ],
    )
    assert result.accepted == 3 and result.people_created == 2
    nils = Person.objects.get(primary_email="ny@kunde.no")
    assert (nils.first_name, nils.last_name, nils.lifecycle_stage) == ("Nils", "Ny", "lead")
    assert nils.primary_phone == "+46701234567"
    assert nils.owner == rep and nils.team == teams["north"]
    kinds = set(nils.identities.values_list("kind", "normalized", "is_primary"))
    assert kinds == {("email", "ny@kunde.no", True), ("phone", "+46701234567", True)}
    assert Interaction.objects.filter(person=nils).count() == 2
    shop = Identity.objects.get(kind="external", system="shop", normalized="42").person
    assert shop.owner == rep
    # Replaying finds the leads instead of creating new ones.
    again = log_interactions(actor=rep, items=[call(person_external_id="42", person_source="shop"),
                                               call(person_email="NY@kunde.no")])
    assert again.people_created == 0
    assert [a["status"] for a in again.items] == ["accepted", "accepted"]


def test_a_bad_email_or_phone_reference_is_rejected_naming_it(actors):
    result = log_interactions(actor=actors["admin"], items=[call(person_email="not-an-email"),
                                                            call(person_phone="12")])
    assert [a["errors"][0]["field"] for a in result.items] == ["person_email", "person_phone"]
    assert not Person.objects.exists()


def test_more_than_the_limit_is_refused_naming_items(actors, settings):
    with pytest.raises(ValidationError) as raised:
        log_interactions(actor=actors["admin"], items=[call(person_id=1)] * (settings.TILLIT_BATCH_LIMIT + 1))
    assert raised.value.field == "items"


def test_a_rep_cannot_log_against_another_reps_person(actors, north_person, south_person):
    result = log_interactions(
        actor=actors["rep_north"],
        items=[call(person_id=south_person.pk), call(person_email="sven@example.se"), call(person_id=north_person.pk),
               call(person_id=999999)],
    )
    assert [a["status"] for a in result.items] == ["rejected", "rejected", "accepted", "rejected"]
    assert result.items[0]["errors"] == [{"field": "person_id", "reason": "No such person."}]
    assert result.items[1]["errors"][0]["field"] == "person_email"
    # Same answer for an invisible and a missing id: nothing learned about what exists.
    assert result.items[3]["errors"] == result.items[0]["errors"]
    assert not Interaction.objects.filter(person=south_person).exists()
    assert Person.objects.count() == 2


def test_organisations_must_be_visible(actors, north_org):
    result = log_interactions(actor=actors["rep_south"], items=[call(organization_id=north_org.pk)])
    assert result.items[0]["errors"][0]["field"] == "organization_id"
    ok = log_interactions(actor=actors["manager_north"], items=[call(organization_id=north_org.pk)])
    assert ok.accepted == 1


def test_partners_are_refused(actors, north_person):
    with pytest.raises(AccessDenied):
        log_interactions(actor=actors["partner"], items=[call(person_id=north_person.pk)])


def test_unknown_fields_are_reported_not_ignored(actors, north_person):
    result = log_interactions(actor=actors["admin"], items=[call(person_id=north_person.pk, duraton_seconds=5)])
    assert result.items[0]["errors"] == [{"field": "duraton_seconds", "reason": "Unknown field."}]


def test_a_500_item_batch_takes_a_bounded_number_of_queries(actors, north_person, north_org):
    items = []
    for n in range(500):
        ref = [{"person_id": north_person.pk}, {"person_email": f"lead{n % 50}@example.no"},
               {"person_phone": f"+47 40 00 {n % 50:04d}"}, {"person_external_id": f"E{n}", "person_source": "crm"},
               {"organization_id": north_org.pk}][n % 5]
        items.append(call(source="pbx", external_id=f"c{n}", handled_by_id=actors["rep_north"].pk, **ref))
    with CaptureQueriesContext(connection) as queries:
        result = log_interactions(actor=actors["rep_north"], items=items)
    assert result.accepted == 500
    assert len(queries) <= 20, [q["sql"][:120] for q in queries]
    assert Interaction.objects.count() == 500


def test_every_field_written_by_the_batch_path_reads_back_through_the_orm(actors, north_person, north_org):
    from datetime import UTC, datetime
    from decimal import Decimal

    tricky = "Tab\there, newline\nthere, back\\slash, quote \" and æøå 🙂"
    item = {
        "channel": "webinar", "kind": "webinar_watched", "direction": "in",
        "occurred_at": "2025-03-01T12:30:05.25+01:00",
        "person_id": north_person.pk, "organization_id": north_org.pk, "handled_by_id": actors["rep_north"].pk,
        "partner_id": north_org.pk, "subject": tricky[:200], "topic": "pricing", "product": "Pro", "amount": "-12.5",
        "currency": "sek", "satisfaction": 9, "duration_seconds": 3600, "wait_seconds": 0, "share_watched": 0.75,
        "outcome": "done", "text": tricky, "source": "zoom", "external_id": "w-1",
        "payload": {"nested": {"list": [1, 2.5, None, True]}, "text": tricky},
    }
    result = log_interactions(actor=actors["admin"], items=[item])
    stored = Interaction.objects.get(pk=result.items[0]["id"])
    assert stored.occurred_at == datetime(2025, 3, 1, 11, 30, 5, 250000, tzinfo=UTC)
    assert (stored.person_id, stored.organization_id) == (north_person.pk, north_org.pk)
    assert stored.partner_id == north_org.pk
    assert stored.handled_by_id == actors["rep_north"].pk
    assert (stored.subject, stored.text) == (tricky[:200], tricky)
    assert stored.amount == Decimal("-12.50") and stored.currency == "SEK"
    assert (stored.satisfaction, stored.duration_seconds, stored.wait_seconds) == (9, 3600, 0)
    assert stored.share_watched == 0.75
    assert stored.payload == item["payload"]
    assert stored.created_at is not None
    # Rows without a payload read back as an empty object.
    plain = log_interactions(actor=actors["admin"], items=[call(person_id=north_person.pk)])
    assert Interaction.objects.get(pk=plain.items[0]["id"]).payload == {}


def test_the_garbage_collector_is_on_again_after_a_batch_even_a_refused_one(actors, north_person, settings):
    import gc

    assert gc.isenabled()
    log_interactions(actor=actors["admin"], items=[call(person_id=north_person.pk)])
    assert gc.isenabled()
    with pytest.raises(ValidationError):
        log_interactions(actor=actors["admin"], items=[call()] * (settings.TILLIT_BATCH_LIMIT + 1))
    assert gc.isenabled()
