"""person_merge: everything moves to the survivor, nothing is lost, and the merge is recorded."""

import datetime as dt

import pytest

from tillit.core.errors import Conflict, DomainError, NotFound, ValidationError
from tillit.interactions.models import Interaction
from tillit.interactions.services import log_interaction
from tillit.people.merge import merge_preview, person_merge
from tillit.people.models import Affiliation, Consent, Identity, MergeRecord, Person
from tillit.people.services import consent_record, organization_create, person_create


@pytest.fixture
def pair(actors):
    """Two records of Kari Nordmann at Fjord AS, as an import and a web form would leave them."""
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    havn = organization_create(actor=admin, name="Havn AS")
    kari = person_create(
        actor=admin, first_name="Kari", last_name="Nordmann", emails=["kari@fjord.no"], phones=["+47 912 34 567"],
        organization=fjord, title="CEO", lifecycle_stage="lead", owner=actors["rep_north"],
    )
    dup = person_create(
        actor=admin, first_name="Kari", last_name="Nordman", emails=["KARI@fjord.no", "kari.n@gmail.com"],
        phones=["912 34 568"], organization=fjord, title="ceo", is_decision_maker=True, lifecycle_stage="customer",
        city="Bergen", owner=actors["rep_north"], custom_fields={"shoe_size": 38},
    )
    Affiliation.objects.create(person=dup, organization=havn, title="Board member")
    consent_record(actor=admin, person=kari, purpose="newsletter", lawful_basis="consent")
    consent_record(actor=admin, person=dup, purpose="newsletter", lawful_basis="consent")
    consent_record(actor=admin, person=dup, purpose="profiling", lawful_basis="legitimate_interests")
    for i in range(3):
        log_interaction(actor=admin, channel="phone", kind="call", person=kari, direction="in", subject=f"call {i}")
    for i in range(4):
        log_interaction(actor=admin, channel="email", kind="email_opened", person=dup, subject=f"mail {i}")
    log_interaction(actor=admin, channel="meeting", kind="meeting", person=dup, organization=fjord)
    return kari, dup


def _counts(*persons):
    ids = [p.pk for p in persons]
    return {
        "interactions": Interaction.objects.filter(person_id__in=ids).count(),
        "consents": Consent.objects.filter(person_id__in=ids).count(),
        "roles": Affiliation.objects.filter(person_id__in=ids).count(),
        "identities": Identity.objects.filter(person_id__in=ids).count(),
    }


def test_merge_moves_every_interaction_identity_role_and_consent(actors, pair):
    kari, dup = pair
    before = _counts(kari, dup)

    person_merge(actor=actors["admin"], survivor=kari, other=dup)

    assert not Person.objects.filter(pk=dup.pk).exists()
    after = _counts(kari)
    # Nothing lost: every interaction and consent is now the survivor's (plus the merge note).
    assert after["interactions"] == before["interactions"] + 1
    assert after["consents"] == before["consents"]
    # The same email in another case is one identity, not two; the same role at Fjord is one role.
    assert after["identities"] == before["identities"] - 1
    assert after["roles"] == before["roles"] - 1
    emails = sorted(Identity.objects.filter(person=kari, kind="email").values_list("normalized", flat=True))
    assert emails == ["kari.n@gmail.com", "kari@fjord.no"]
    phones = sorted(Identity.objects.filter(person=kari, kind="phone").values_list("normalized", flat=True))
    assert phones == ["+4791234567", "+4791234568"]
    assert set(Affiliation.objects.filter(person=kari).values_list("organization__name", flat=True)) == {
        "Fjord AS", "Havn AS",
    }
    # The dropped duplicate role carried its decision-maker flag over.
    assert Affiliation.objects.get(person=kari, organization__name="Fjord AS").is_decision_maker


def test_merge_keeps_the_survivors_primary_contacts_and_bumps_its_version(actors, pair):
    kari, dup = pair
    version = kari.version

    person_merge(actor=actors["admin"], survivor=kari, other=dup)

    kari.refresh_from_db()
    assert kari.version == version + 1
    assert kari.primary_email == "kari@fjord.no"
    assert kari.primary_phone == "+4791234567"
    assert Identity.objects.filter(person=kari, kind="email", is_primary=True).count() == 1
    assert Identity.objects.filter(person=kari, kind="phone", is_primary=True).count() == 1


def test_merge_is_recorded_with_a_snapshot_and_the_moved_counts(actors, pair):
    kari, dup = pair
    dup_id = dup.pk

    record = person_merge(actor=actors["admin"], survivor=kari, other=dup)

    assert MergeRecord.objects.get() == record
    assert record.survivor == kari and record.merged_person_id == dup_id and record.merged_by == actors["admin"]
    snap = record.merged_snapshot
    assert snap["person"]["last_name"] == "Nordman" and snap["person"]["city"] == "Bergen"
    assert {i["normalized"] for i in snap["identities"]} == {"kari@fjord.no", "kari.n@gmail.com", "+4791234568"}
    assert len(snap["affiliations"]) == 2 and len(snap["consents"]) == 2
    # The dropped exact duplicates are kept in the snapshot, so nothing is really gone.
    assert [i["normalized"] for i in snap["duplicates_dropped"]["identities"]] == ["kari@fjord.no"]
    counts = record.moved_counts
    assert counts["interactions"] == 5
    assert counts["identities"] == 2
    assert counts["affiliations"] == 1
    assert counts["consents"] == 2
    assert counts["duplicates_dropped"] == {"identities": 1, "affiliations": 1}


def test_merge_leaves_a_note_on_the_survivors_timeline(actors, pair):
    kari, dup = pair
    dup_id = dup.pk

    person_merge(actor=actors["admin"], survivor=kari, other=dup)

    note = Interaction.objects.get(person=kari, kind="note")
    assert "Kari Nordman" in note.subject and f"#{dup_id}" in note.subject
    assert note.handled_by == actors["admin"]
    assert "5 interactions" in note.text


def test_merge_keeps_chosen_values_and_fills_blanks_from_the_other(actors, pair):
    kari, dup = pair

    person_merge(actor=actors["admin"], survivor=kari, other=dup, field_choices={"last_name": dup.pk})

    kari.refresh_from_db()
    assert kari.last_name == "Nordman"  # chosen
    assert kari.city == "Bergen"  # the survivor had none
    assert kari.lifecycle_stage == "customer"  # the further-advanced stage by default
    assert kari.custom_fields == {"shoe_size": 38}


def test_merge_keeps_the_survivors_value_when_chosen_over_a_more_advanced_stage(actors, pair):
    kari, dup = pair

    person_merge(actor=actors["admin"], survivor=kari, other=dup, field_choices={"lifecycle_stage": kari.pk})

    kari.refresh_from_db()
    assert kari.lifecycle_stage == "lead"


def test_earlier_merges_follow_the_survivor(actors, pair):
    kari, dup = pair
    third = person_create(actor=actors["admin"], first_name="K.", last_name="Nordmann", emails=["kn@fjord.no"])
    person_merge(actor=actors["admin"], survivor=dup, other=third)

    person_merge(actor=actors["admin"], survivor=kari, other=dup)

    assert MergeRecord.objects.filter(survivor=kari).count() == 2
    assert Identity.objects.filter(person=kari, normalized="kn@fjord.no").exists()


def test_merging_a_person_into_themselves_is_refused(actors, pair):
    kari, _dup = pair
    with pytest.raises(ValidationError):
        person_merge(actor=actors["admin"], survivor=kari, other=kari)
    assert Person.objects.filter(pk=kari.pk).exists()


def test_unknown_field_choice_is_refused_and_nothing_moves(actors, pair):
    kari, dup = pair
    before = _counts(kari, dup)
    with pytest.raises(ValidationError) as exc:
        person_merge(actor=actors["admin"], survivor=kari, other=dup, field_choices={"city": 999_999})
    assert exc.value.field == "city"
    assert _counts(kari, dup) == before


def test_stale_merge_page_gets_a_conflict(actors, pair):
    kari, dup = pair
    with pytest.raises(Conflict):
        person_merge(actor=actors["admin"], survivor=kari, other=dup, expected_versions={dup.pk: dup.version - 1})
    assert Person.objects.filter(pk=dup.pk).exists()


@pytest.mark.parametrize("name", ["rep_south", "rep_north2", "partner", "customer"])
def test_someone_who_cannot_see_both_cannot_merge(actors, pair, name):
    kari, dup = pair  # both owned by rep_north
    with pytest.raises(DomainError) as exc:
        person_merge(actor=actors[name], survivor=kari, other=dup)
    assert exc.value.status in (403, 404)
    assert Person.objects.filter(pk=dup.pk).exists()


def test_rep_cannot_merge_a_visible_person_with_an_invisible_one(actors, pair):
    kari, _dup = pair
    south = person_create(actor=actors["rep_south"], first_name="Kari", last_name="Nordmann")
    with pytest.raises(NotFound):
        person_merge(actor=actors["rep_north"], survivor=kari, other=south)
    with pytest.raises(NotFound):
        merge_preview(actor=actors["rep_north"], survivor_id=kari.pk, other_id=south.pk)


@pytest.mark.parametrize("name", ["rep_north", "manager_north", "service", "admin"])
def test_everyone_who_sees_both_can_merge(actors, pair, name):
    kari, dup = pair
    person_merge(actor=actors[name], survivor=kari, other=dup)
    assert not Person.objects.filter(pk=dup.pk).exists()


def test_preview_shows_differences_and_what_will_move(actors, pair, django_assert_max_num_queries):
    kari, dup = pair
    with django_assert_max_num_queries(6):
        preview = merge_preview(actor=actors["admin"], survivor_id=kari.pk, other_id=dup.pk)
        moving = dict((key, n) for key, _label, n in preview.moving)
    assert moving == {"interactions": 5, "identities": 2, "affiliations": 2, "consents": 2}
    assert preview.duplicate_identities == 1
    differing = {f.name: f for f in preview.differing_fields}
    assert set(differing) == {"last_name", "lifecycle_stage", "city", "custom.shoe_size"}
    assert differing["lifecycle_stage"].default_choice == "other"
    assert differing["last_name"].default_choice == "survivor"


def test_merge_with_dated_roles_keeps_role_history(actors, pair):
    kari, dup = pair
    fjord = Affiliation.objects.get(person=kari).organization
    Affiliation.objects.create(
        person=dup, organization=fjord, title="Sales manager", start_date=dt.date(2015, 1, 1),
        end_date=dt.date(2019, 12, 31),
    )
    person_merge(actor=actors["admin"], survivor=kari, other=dup)
    assert Affiliation.objects.filter(person=kari, organization=fjord).count() == 2


# --- the merge page -------------------------------------------------------------------------
def _url(a, b):
    return f"/persons/{a.pk}/merge/{b.pk}/"


def test_merge_page_shows_both_side_by_side_with_choices_and_what_moves(actors, pair, login,
                                                                         django_assert_max_num_queries):
    kari, dup = pair
    client = login(actors["admin"])
    with django_assert_max_num_queries(12):
        response = client.get(_url(kari, dup))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kari Nordmann" in html and "Kari Nordman" in html
    assert 'data-testid="differs-last_name"' in html and 'data-testid="differs-city"' in html
    assert 'data-testid="differs-first_name"' not in html  # the same in both: nothing to choose
    assert "<li>5 interactions</li>" in html
    assert "in both" in html  # kari@fjord.no is on both records


def test_merge_page_merges_and_lands_on_the_survivors_card(actors, pair, login):
    kari, dup = pair
    client = login(actors["admin"])
    form = client.get(_url(kari, dup)).context["form"]
    data = {"keep": kari.pk, "version_a": kari.version, "version_b": dup.version}
    for mf, name in form.choice_fields:
        data[name] = dup.pk if mf.name == "last_name" else kari.pk

    response = client.post(_url(kari, dup), data, follow=False)

    assert response.status_code == 302 and response["Location"] == f"/persons/{kari.pk}/"
    kari.refresh_from_db()
    assert kari.last_name == "Nordman" and kari.lifecycle_stage == "lead"
    assert not Person.objects.filter(pk=dup.pk).exists()
    message = [str(m) for m in response.wsgi_request._messages]
    assert message == [
        "Kari Nordman is merged into Kari Nordman. Moved: 5 interactions, 2 emails, phones or other ids, 1 role, "
        "2 consents."
    ]


def test_merge_page_can_keep_the_other_record(actors, pair, login):
    kari, dup = pair
    client = login(actors["admin"])
    response = client.post(_url(kari, dup), {"keep": dup.pk, "version_a": kari.version, "version_b": dup.version,
                                             "choice_0": kari.pk, "choice_1": dup.pk, "choice_2": dup.pk,
                                             "choice_3": dup.pk})
    assert response["Location"] == f"/persons/{dup.pk}/"
    assert not Person.objects.filter(pk=kari.pk).exists()
    assert Interaction.objects.filter(person=dup).count() == 9


def test_merge_page_with_a_stale_version_shows_an_error_and_merges_nothing(actors, pair, login):
    kari, dup = pair
    client = login(actors["admin"])
    response = client.post(_url(kari, dup), {"keep": kari.pk, "version_a": kari.version - 1,
                                             "version_b": dup.version})
    assert response.status_code == 200
    assert "was changed by someone else" in response.content.decode()
    assert Person.objects.filter(pk=dup.pk).exists()


def test_merge_page_of_a_person_with_themselves_goes_back_to_the_list(actors, pair, login):
    kari, _dup = pair
    response = login(actors["admin"]).get(_url(kari, kari))
    assert response.status_code == 302 and response["Location"] == "/duplicates/"


@pytest.mark.parametrize("name", ["rep_south", "rep_north2"])
def test_merge_page_is_404_for_persons_outside_your_visibility(actors, pair, login, name):
    kari, dup = pair
    client = login(actors[name])
    assert client.get(_url(kari, dup)).status_code == 404
    assert client.post(_url(kari, dup), {"keep": kari.pk, "version_a": 1, "version_b": 1}).status_code == 404
    assert Person.objects.filter(pk=dup.pk).exists()


def test_merge_page_is_404_for_a_person_that_no_longer_exists(actors, pair, login):
    kari, dup = pair
    assert login(actors["admin"]).get(f"/persons/{kari.pk}/merge/999999/").status_code == 404


@pytest.mark.parametrize("name", ["partner", "customer"])
def test_merge_page_is_forbidden_for_non_employees(actors, pair, login, name):
    kari, dup = pair
    assert login(actors[name]).get(_url(kari, dup)).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_rows_of_tables_added_by_later_apps_move_too(actors):
    """A model added later (here one made up for the test) is found through Person's relations."""
    from django.apps import apps
    from django.db import connection, models

    class Membership(models.Model):
        person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="probe_memberships")
        segment = models.CharField(max_length=20)

        class Meta:
            app_label = "people"
            constraints = [models.UniqueConstraint(fields=["person", "segment"], name="probe_once")]

        def __str__(self) -> str:
            return self.segment

    try:
        with connection.schema_editor() as editor:
            editor.create_model(Membership)
        admin = actors["admin"]
        kari = person_create(actor=admin, first_name="Kari", emails=["kari@fjord.no"])
        dup = person_create(actor=admin, first_name="Kari", emails=["kari@fjord.no"])
        Membership.objects.create(person=kari, segment="vip")
        Membership.objects.create(person=dup, segment="vip")  # the same membership: dropped, kept in the snapshot
        Membership.objects.create(person=dup, segment="newsletter")

        record = person_merge(actor=admin, survivor=kari, other=dup)

        assert sorted(Membership.objects.filter(person=kari).values_list("segment", flat=True)) == [
            "newsletter", "vip",
        ]
        assert record.moved_counts["probe_memberships"] == 1
        assert record.moved_counts["duplicates_dropped"]["probe_memberships"] == 1
        assert record.merged_snapshot["duplicates_dropped"]["probe_memberships"][0]["segment"] == "vip"
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Membership)
        del apps.all_models["people"]["membership"]
        apps.clear_cache()
