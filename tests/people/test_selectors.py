import pytest

from tillit.core.errors import AccessDenied, NotFound
from tillit.people import selectors, services


@pytest.fixture
def people(actors):
    admin = actors["admin"]
    fjord = services.organization_create(actor=admin, name="Fjordkraft AS", owner=actors["rep_north"])
    ola = services.person_create(
        actor=admin, first_name="Ola", last_name="Nordmann", emails=["Ola@Fjord.no"], phones=["+47 912 34 567"],
        owner=actors["rep_north"], organization=fjord, title="CEO", lifecycle_stage="customer",
    )
    kari = services.person_create(
        actor=admin, first_name="Kari", last_name="Nordmann", emails=["kari@example.se"], phones=["+46 70 123 45 67"],
        owner=actors["rep_south"], lifecycle_stage="lead",
    )
    per = services.person_create(
        actor=admin, first_name="Per", last_name="Hansen", phones=["41234567", "+47 22 11 00 99"],
        owner=actors["rep_north2"], lifecycle_stage="prospect",
    )
    return {"ola": ola, "kari": kari, "per": per, "fjord": fjord}


def names(qs):
    return sorted(p.first_name for p in qs)


@pytest.mark.parametrize("typed", ["+47 912 34 567", "91234567", "0047-91234567", "+4791234567", "912 34 567"])
def test_search_finds_a_phone_in_any_format(actors, people, typed):
    assert names(selectors.person_list(actor=actors["admin"], q=typed)) == ["Ola"]


def test_search_finds_a_secondary_phone(actors, people):
    assert names(selectors.person_list(actor=actors["admin"], q="22 11 00 99")) == ["Per"]


def test_search_finds_email_in_any_case(actors, people):
    assert names(selectors.person_list(actor=actors["admin"], q="OLA@FJORD.NO")) == ["Ola"]


def test_search_by_name_words_and_organisation(actors, people):
    assert names(selectors.person_list(actor=actors["admin"], q="nordmann")) == ["Kari", "Ola"]
    assert names(selectors.person_list(actor=actors["admin"], q="Ola Nordmann")) == ["Ola"]
    assert names(selectors.person_list(actor=actors["admin"], q="fjordkraft")) == ["Ola"]
    assert names(selectors.person_list(actor=actors["admin"], q="example.se")) == ["Kari"]
    assert names(selectors.person_list(actor=actors["admin"], q="nobody")) == []


def test_filters_by_stage_owner_and_organisation(actors, people):
    admin = actors["admin"]
    assert names(selectors.person_list(actor=admin, lifecycle_stage="lead")) == ["Kari"]
    assert names(selectors.person_list(actor=admin, lifecycle_stage="no-such")) == []
    assert names(selectors.person_list(actor=admin, owner_id=actors["rep_north2"].pk)) == ["Per"]
    assert names(selectors.person_list(actor=admin, organization_id=people["fjord"].pk)) == ["Ola"]


def test_list_rows_carry_the_current_organisation(actors, people):
    ola = selectors.person_list(actor=actors["admin"], q="Ola").get()
    [role] = ola.current_roles
    assert (role.organization, role.title) == (people["fjord"], "CEO")


def test_lists_are_restricted_to_what_the_actor_sees(actors, people):
    assert names(selectors.person_list(actor=actors["rep_north"])) == ["Ola"]
    assert names(selectors.person_list(actor=actors["manager_north"])) == ["Ola", "Per"]
    assert names(selectors.person_list(actor=actors["service"])) == ["Kari", "Ola", "Per"]
    # Searching cannot reach around the restriction.
    assert names(selectors.person_list(actor=actors["rep_north"], q="kari@example.se")) == []
    with pytest.raises(AccessDenied):
        selectors.person_list(actor=actors["partner"])


def test_get_raises_not_found_outside_visibility(actors, people):
    assert selectors.person_get(actor=actors["rep_north"], person_id=people["ola"].pk) == people["ola"]
    with pytest.raises(NotFound):
        selectors.person_get(actor=actors["rep_north"], person_id=people["kari"].pk)
    with pytest.raises(NotFound):
        selectors.organization_get(actor=actors["rep_south"], organization_id=people["fjord"].pk)
    assert selectors.organization_get(actor=actors["manager_north"], organization_id=people["fjord"].pk)


def test_organization_list_search_and_people_count(actors, people):
    services.organization_create(actor=actors["admin"], name="Bergen Bryggeri", city="Bergen")
    orgs = selectors.with_people_counts(selectors.organization_list(actor=actors["admin"], q="fjord"))
    assert [(o.name, o.people_count) for o in orgs] == [("Fjordkraft AS", 1)]
    assert [o.name for o in selectors.organization_list(actor=actors["admin"], q="bergen")] == ["Bergen Bryggeri"]
    assert [o.name for o in selectors.organization_list(actor=actors["rep_north"])] == ["Fjordkraft AS"]


def test_person_list_is_two_queries_however_many_rows(actors, people, django_assert_max_num_queries):
    for i in range(20):
        org = services.organization_create(actor=actors["admin"], name=f"Org {i}")
        services.person_create(actor=actors["admin"], first_name=f"P{i}", organization=org, owner=actors["admin"])
    with django_assert_max_num_queries(2):
        rows = [(p.full_name, p.owner, p.team, [r.organization.name for r in p.current_roles])
                for p in selectors.person_list(actor=actors["admin"])]
    assert len(rows) == 23


def test_organization_list_with_counts_is_two_queries(actors, people, django_assert_max_num_queries):
    for i in range(10):
        services.organization_create(actor=actors["admin"], name=f"Org {i}", owner=actors["rep_south"])
    with django_assert_max_num_queries(2):
        orgs = selectors.with_people_counts(selectors.organization_list(actor=actors["admin"]))
        rows = [(o.name, o.owner, o.team, o.people_count) for o in orgs]
    assert len(rows) == 11


def test_assignable_owners_follow_the_service_rule(actors):
    assert list(selectors.assignable_owners(actor=actors["rep_north"])) == [actors["rep_north"]]
    manager_sees = set(selectors.assignable_owners(actor=actors["manager_north"]))
    assert actors["rep_south"] in manager_sees
    assert actors["partner"] not in set(selectors.assignable_owners(actor=actors["admin"]))


def test_live_search_finds_while_the_user_is_still_typing(actors, people):
    assert names(selectors.person_list(actor=actors["admin"], q="912 34")) == ["Ola"]
    assert names(selectors.person_list(actor=actors["admin"], q="ola@fj")) == ["Ola"]
    assert names(selectors.person_list(actor=actors["admin"], q="Nordm")) == ["Kari", "Ola"]
