import datetime as dt

import pytest
from django.utils import timezone

from tillit.core.errors import AccessDenied, Conflict, NotFound, ValidationError
from tillit.people import services
from tillit.people.models import Affiliation, Consent, Identity, IdentityKind, LifecycleStage, Person


def test_person_create_normalises_emails_and_phones(actors):
    person = services.person_create(
        actor=actors["admin"], first_name=" Ola ", last_name="Nordmann",
        emails=["Ola.Nordmann@Example.NO", "ola@home.no"], phones=["+47 912 34 567", "0047-41234567"],
    )
    assert person.first_name == "Ola"
    assert person.primary_email == "ola.nordmann@example.no"
    assert person.primary_phone == "+4791234567"
    emails = list(person.identities.filter(kind=IdentityKind.EMAIL).values_list("normalized", "is_primary"))
    assert emails == [("ola.nordmann@example.no", True), ("ola@home.no", False)]
    phones = list(person.identities.filter(kind=IdentityKind.PHONE).values_list("normalized", flat=True))
    assert sorted(phones) == ["+4741234567", "+4791234567"]


def test_person_create_reads_local_numbers_in_the_default_region(actors):
    person = services.person_create(actor=actors["admin"], first_name="Kari", phones=["912 34 567"])
    assert person.primary_phone == "+4791234567"


def test_the_same_email_twice_is_stored_once(actors):
    person = services.person_create(actor=actors["admin"], emails=["a@b.no", "A@B.NO "])
    assert person.identities.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"first_name": "A", "emails": ["not-an-email"]}, "emails"),
        ({"first_name": "A", "phones": ["12"]}, "phones"),
        ({"first_name": "A", "phones": ["call me maybe"]}, "phones"),
        ({"first_name": "A", "lifecycle_stage": "golden"}, "lifecycle_stage"),
        ({"first_name": "A", "country": "Norway"}, "country"),
        ({"first_name": "A" * 101}, "first_name"),
        ({}, "first_name"),
        ({"first_name": "A", "custom_fields": ["x"]}, "custom_fields"),
        ({"first_name": "A", "external_ids": [{"id": "C-1"}]}, "system"),
    ],
)
def test_bad_input_names_the_field(actors, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=actors["admin"], **kwargs)
    assert exc.value.field == field
    assert exc.value.errors[0]["field"] == field
    assert Person.objects.count() == 0


def test_a_rep_without_owner_becomes_the_owner_and_team_follows(actors, teams):
    person = services.person_create(actor=actors["rep_north"], first_name="Lead")
    assert person.owner == actors["rep_north"]
    assert person.team == teams["north"]


def test_owner_given_without_team_gets_the_owners_team(actors, teams):
    person = services.person_create(actor=actors["admin"], first_name="X", owner=actors["rep_south"])
    assert person.team == teams["south"]


def test_a_manager_gives_new_unowned_records_to_the_team(actors, teams):
    person = services.person_create(actor=actors["manager_north"], first_name="X")
    assert person.owner is None and person.team == teams["north"]


def test_a_rep_cannot_hand_a_person_to_someone_else(actors):
    with pytest.raises(AccessDenied) as exc:
        services.person_create(actor=actors["rep_north"], first_name="X", owner=actors["rep_south"])
    assert exc.value.field == "owner"
    person = services.person_create(actor=actors["rep_north"], first_name="X")
    with pytest.raises(AccessDenied):
        services.person_update(actor=actors["rep_north"], person=person, expected_version=1, owner=actors["rep_north2"])
    with pytest.raises(AccessDenied):
        services.person_update(actor=actors["rep_north"], person=person, expected_version=1, owner=None)


def test_a_manager_can_hand_over_and_service_can_assign_anyone(actors):
    person = services.person_create(actor=actors["rep_north"], first_name="X")
    services.person_update(actor=actors["manager_north"], person=person, expected_version=1, owner=actors["rep_south"])
    person.refresh_from_db()
    assert person.owner == actors["rep_south"] and person.team.name == "South"
    other = services.person_create(actor=actors["service"], first_name="Y", owner=actors["rep_north"])
    assert other.owner == actors["rep_north"]


def test_owner_must_be_an_employee(actors):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=actors["admin"], first_name="X", owner=actors["customer"])
    assert exc.value.field == "owner"


def test_partner_and_customer_cannot_create(actors):
    for name in ("partner", "customer"):
        with pytest.raises(AccessDenied):
            services.person_create(actor=actors[name], first_name="X")


def test_person_update_bumps_version_and_stale_version_conflicts(actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola")
    services.person_update(actor=actors["admin"], person=person, expected_version=1, last_name="Nordmann")
    assert person.version == 2
    stale = Person.objects.get(pk=person.pk)
    stale.version = 1
    with pytest.raises(Conflict) as exc:
        services.person_update(actor=actors["admin"], person=stale, expected_version=1, last_name="Hansen")
    assert exc.value.status == 409
    person.refresh_from_db()
    assert person.last_name == "Nordmann" and person.version == 2


def test_stale_update_leaves_identities_untouched(actors):
    person = services.person_create(actor=actors["admin"], first_name="Ola", emails=["a@x.no"])
    services.person_update(actor=actors["admin"], person=person, expected_version=1, city="Oslo")
    with pytest.raises(Conflict):
        services.person_update(actor=actors["admin"], person=person, expected_version=1, emails=["b@x.no"])
    assert list(Identity.objects.filter(person=person).values_list("normalized", flat=True)) == ["a@x.no"]


def test_person_update_replaces_emails_and_phones_and_keeps_primary_in_step(actors):
    person = services.person_create(actor=actors["admin"], first_name="O", emails=["a@x.no", "b@x.no"],
                                    phones=["91234567"])
    services.person_update(actor=actors["admin"], person=person, expected_version=1,
                           emails=["B@x.no", "c@x.no"], phones=[])
    person.refresh_from_db()
    assert person.primary_email == "b@x.no"
    assert person.primary_phone == ""
    rows = list(person.identities.order_by("-is_primary", "normalized").values_list("normalized", "is_primary"))
    assert rows == [("b@x.no", True), ("c@x.no", False)]


def test_person_update_rejects_unknown_fields_and_bad_values(actors):
    person = services.person_create(actor=actors["admin"], first_name="O")
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=actors["admin"], person=person, expected_version=1, shoe_size=44)
    assert exc.value.field == "shoe_size"
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=actors["admin"], person=person, expected_version=1, phones=["abc"])
    assert exc.value.field == "phones"


def test_invisible_person_is_not_found_for_update(actors):
    person = services.person_create(actor=actors["rep_south"], first_name="South")
    with pytest.raises(NotFound):
        services.person_update(actor=actors["rep_north"], person=person, expected_version=1, city="X")
    with pytest.raises(NotFound):
        services.identity_add(actor=actors["manager_north"], person=person, kind="email", value="x@y.no")


def test_identity_add_is_idempotent_and_first_becomes_primary(actors):
    person = services.person_create(actor=actors["admin"], first_name="O")
    first = services.identity_add(actor=actors["admin"], person=person, kind="email", value="A@x.no")
    again = services.identity_add(actor=actors["admin"], person=person, kind="email", value="a@X.no")
    assert first.pk == again.pk and first.is_primary
    person.refresh_from_db()
    assert person.primary_email == "a@x.no"
    second = services.identity_add(actor=actors["admin"], person=person, kind="email", value="b@x.no",
                                   is_primary=True)
    person.refresh_from_db()
    assert second.is_primary and person.primary_email == "b@x.no"
    assert person.identities.filter(is_primary=True, kind="email").count() == 1


def test_identity_remove_promotes_the_next_primary(actors):
    person = services.person_create(actor=actors["admin"], first_name="O", phones=["91234567", "41234567"])
    primary = person.identities.get(is_primary=True)
    services.identity_remove(actor=actors["admin"], identity=primary)
    person.refresh_from_db()
    assert person.primary_phone == "+4741234567"


def test_social_handles_and_external_ids(actors):
    person = services.person_create(
        actor=actors["admin"], first_name="O", social_handles=[{"system": "LinkedIn", "value": "@OlaN"}],
        external_ids=[{"system": "erp", "id": "C-17"}],
    )
    social = person.identities.get(kind=IdentityKind.SOCIAL)
    assert (social.system, social.normalized) == ("linkedin", "linkedin:olan")
    external = person.identities.get(kind=IdentityKind.EXTERNAL)
    assert (external.system, external.normalized) == ("erp", "C-17")


def test_person_with_organisation_gets_a_role(actors):
    org = services.organization_create(actor=actors["admin"], name="Fjord AS")
    person = services.person_create(actor=actors["admin"], first_name="O", organization=org, title="CEO",
                                    is_decision_maker=True)
    role = person.affiliations.get()
    assert (role.organization, role.title, role.is_decision_maker) == (org, "CEO", True)


def test_changing_organisation_ends_the_old_role_and_keeps_history(actors):
    a = services.organization_create(actor=actors["admin"], name="A AS")
    b = services.organization_create(actor=actors["admin"], name="B AS")
    person = services.person_create(actor=actors["admin"], first_name="O", organization=a, title="CTO")
    services.person_update(actor=actors["admin"], person=person, expected_version=1, organization=a, title="CEO")
    assert person.affiliations.get().title == "CEO"
    services.person_update(actor=actors["admin"], person=person, expected_version=2, organization=b, title="CFO")
    old, new = person.affiliations.order_by("id")
    assert old.end_date == timezone.localdate() and new.organization == b and new.end_date is None
    assert services.person_main_affiliation(person) == new


def test_a_rep_cannot_attach_a_person_to_an_organisation_they_cannot_see(actors):
    org = services.organization_create(actor=actors["rep_south"], name="South AS")
    with pytest.raises(NotFound):
        services.person_create(actor=actors["rep_north"], first_name="O", organization=org)
    assert Person.objects.count() == 0


def test_organization_create_and_update_validate(actors):
    with pytest.raises(ValidationError) as exc:
        services.organization_create(actor=actors["admin"], name="  ")
    assert exc.value.field == "name"
    with pytest.raises(ValidationError) as exc:
        services.organization_create(actor=actors["admin"], name="X", phone="nope")
    assert exc.value.field == "phone"
    org = services.organization_create(actor=actors["admin"], name="X", phone="22 33 44 55",
                                       domain="https://www.Fjord.no/about", country="no")
    assert (org.phone, org.domain, org.country) == ("+4722334455", "fjord.no", "NO")
    services.organization_update(actor=actors["admin"], organization=org, expected_version=1, city="Bergen")
    with pytest.raises(Conflict):
        services.organization_update(actor=actors["admin"], organization=org, expected_version=1, city="Oslo")


def test_affiliation_lifecycle(actors):
    org = services.organization_create(actor=actors["admin"], name="X")
    person = services.person_create(actor=actors["admin"], first_name="O")
    role = services.affiliation_create(actor=actors["admin"], person=person, organization=org, title="Buyer",
                                       buying_role="economic_buyer", start_date=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.affiliation_update(actor=actors["admin"], affiliation=role, expected_version=1,
                                    end_date=dt.date(2023, 1, 1))
    assert exc.value.field == "end_date"
    with pytest.raises(ValidationError) as exc:
        services.affiliation_update(actor=actors["admin"], affiliation=role, expected_version=1, buying_role="boss")
    assert exc.value.field == "buying_role"
    services.affiliation_update(actor=actors["admin"], affiliation=role, expected_version=1, title="Head buyer")
    with pytest.raises(Conflict):
        services.affiliation_update(actor=actors["admin"], affiliation=role, expected_version=1, title="Y")
    services.affiliation_end(actor=actors["admin"], affiliation=role, end_date=dt.date(2025, 6, 30))
    role.refresh_from_db()
    assert role.end_date == dt.date(2025, 6, 30) and not role.is_current
    services.affiliation_delete(actor=actors["admin"], affiliation=role)
    assert not Affiliation.objects.exists()


def test_consent_record_and_withdraw(actors):
    person = services.person_create(actor=actors["admin"], first_name="O")
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=actors["admin"], person=person, purpose="newsletter", lawful_basis="vibes")
    assert exc.value.field == "lawful_basis"
    consent = services.consent_record(actor=actors["admin"], person=person, purpose="Newsletter",
                                      lawful_basis="consent", source="web form")
    assert consent.purpose == "newsletter" and consent.is_active
    services.consent_withdraw(actor=actors["admin"], consent=consent)
    first = consent.withdrawn_at
    services.consent_withdraw(actor=actors["admin"], consent=consent)
    consent.refresh_from_db()
    assert consent.withdrawn_at == first and not consent.is_active
    assert Consent.objects.count() == 1


def test_delete_refuses_when_interactions_exist(actors):
    from tillit.interactions.models import Interaction

    person = services.person_create(actor=actors["admin"], first_name="O")
    Interaction.objects.create(channel="phone", kind="call", person=person, occurred_at=timezone.now())
    with pytest.raises(Conflict):
        services.person_delete(actor=actors["admin"], person=person)
    empty = services.person_create(actor=actors["admin"], first_name="P")
    services.person_delete(actor=actors["admin"], person=empty)
    assert not Person.objects.filter(pk=empty.pk).exists()


def test_organization_delete_keeps_its_people(actors):
    org = services.organization_create(actor=actors["admin"], name="X")
    person = services.person_create(actor=actors["admin"], first_name="O", organization=org)
    services.organization_delete(actor=actors["admin"], organization=org)
    assert Person.objects.filter(pk=person.pk).exists()
    assert not Affiliation.objects.exists()


def test_lifecycle_stage_default_is_lead(actors):
    assert services.person_create(actor=actors["admin"], first_name="O").lifecycle_stage == LifecycleStage.LEAD
