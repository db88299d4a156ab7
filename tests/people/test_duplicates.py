"""duplicate_candidates: same email (any case), same phone (any format), similar names in one organisation."""

import pytest

from tillit.interactions.services import log_interaction
from tillit.people.duplicates import duplicate_candidates, normalize_name
from tillit.people.services import organization_create, person_create


def _pairs(actor, **kw):
    return {frozenset((p.first.pk, p.second.pk)): p for p in duplicate_candidates(actor=actor, **kw)}


def test_same_email_in_another_case_is_a_duplicate(actors):
    admin = actors["admin"]
    a = person_create(actor=admin, first_name="Kari", last_name="Nordmann", emails=["kari@fjord.no"])
    b = person_create(actor=admin, first_name="Kari", last_name="Nordmann", emails=["Kari@Fjord.NO"])
    person_create(actor=admin, first_name="Ola", last_name="Nordmann", emails=["ola@fjord.no"])

    pairs = _pairs(admin)

    assert set(pairs) == {frozenset((a.pk, b.pk))}
    pair = pairs[frozenset((a.pk, b.pk))]
    assert pair.reasons == ["email"] and pair.emails == ["kari@fjord.no"]
    assert "Same email: kari@fjord.no" in pair.reason


def test_same_phone_in_any_format_is_a_duplicate(actors):
    admin = actors["admin"]
    a = person_create(actor=admin, first_name="Per", last_name="Hansen", phones=["+47 912 34 567"])
    b = person_create(actor=admin, first_name="Per", last_name="Hansen", phones=["0047-91234567"])
    c = person_create(actor=admin, first_name="P.", last_name="Hansen", phones=["91234567"])

    pairs = _pairs(admin)

    assert set(pairs) == {frozenset(x) for x in ((a.pk, b.pk), (a.pk, c.pk), (b.pk, c.pk))}
    assert all(p.reasons == ["phone"] and p.phones == ["+4791234567"] for p in pairs.values())
    assert "Same phone: +47 91 23 45 67" in pairs[frozenset((a.pk, b.pk))].reason


def test_similar_names_in_the_same_organisation_are_duplicates(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    havn = organization_create(actor=admin, name="Havn AS")
    a = person_create(actor=admin, first_name="Øystein", last_name="Ødegård", organization=fjord)
    b = person_create(actor=admin, first_name="Oystein", last_name="Odegard", organization=fjord)
    person_create(actor=admin, first_name="Ingrid", last_name="Berg", organization=fjord)
    # The same name in another organisation is somebody else until an email or phone says otherwise.
    person_create(actor=admin, first_name="Øystein", last_name="Ødegård", organization=havn)

    pairs = _pairs(admin)

    assert set(pairs) == {frozenset((a.pk, b.pk))}
    pair = pairs[frozenset((a.pk, b.pk))]
    assert pair.reasons == ["name"] and pair.organization_names == ["Fjord AS"]
    assert "Similar name at Fjord AS (100 %)" in pair.reason


def test_swapped_first_and_last_name_is_similar(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    a = person_create(actor=admin, first_name="Nordmann", last_name="Kari", organization=fjord)
    b = person_create(actor=admin, first_name="Kari", last_name="Nordman", organization=fjord)
    assert set(_pairs(admin)) == {frozenset((a.pk, b.pk))}


def test_different_names_in_one_organisation_are_not_duplicates(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    person_create(actor=admin, first_name="Kari", last_name="Nordmann", organization=fjord)
    person_create(actor=admin, first_name="Kristian", last_name="Nilsen", organization=fjord)
    assert duplicate_candidates(actor=admin) == []


def test_strongest_evidence_comes_first(actors):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    weak = [person_create(actor=admin, first_name="Anne", last_name=n, organization=fjord) for n in ("Lie", "Lie")]
    phone = [person_create(actor=admin, first_name="Bo", last_name="Ek", phones=["+46 70 123 45 67"]) for _ in "ab"]
    both = [
        person_create(actor=admin, first_name="Jens", last_name="Jensen", emails=["jens@firma.dk"],
                      phones=["+45 20 12 34 56"])
        for _ in "ab"
    ]
    order = [frozenset((p.first.pk, p.second.pk)) for p in duplicate_candidates(actor=admin)]
    assert order == [frozenset(p.pk for p in group) for group in (both, phone, weak)]
    scores = [p.score for p in duplicate_candidates(actor=admin)]
    assert scores == sorted(scores, reverse=True) and scores[0] > 90


def test_shared_family_address_with_different_names_ranks_below_a_real_duplicate(actors):
    admin = actors["admin"]
    real = [person_create(actor=admin, first_name="Lars", last_name="Berg", emails=["lars@berg.se"]) for _ in "ab"]
    family = [
        person_create(actor=admin, first_name=f, last_name="Svensson", emails=["familjen@svensson.se"])
        for f in ("Astrid", "Gunnar")
    ]
    pairs = duplicate_candidates(actor=admin)
    assert [frozenset((p.first.pk, p.second.pk)) for p in pairs] == [
        frozenset(p.pk for p in real), frozenset(p.pk for p in family),
    ]


def test_the_person_with_more_history_is_suggested_as_survivor(actors):
    admin = actors["admin"]
    old = person_create(actor=admin, first_name="Eva", last_name="Lund", emails=["eva@lund.se"])
    new = person_create(actor=admin, first_name="Eva", last_name="Lund", emails=["EVA@lund.se"])
    log_interaction(actor=admin, channel="phone", kind="call", person=new)
    (pair,) = duplicate_candidates(actor=admin)
    assert pair.first == new and pair.first.interaction_count == 1 and pair.second == old


def test_duplicates_involving_invisible_persons_are_not_shown(actors):
    rep = actors["rep_north"]
    mine = person_create(actor=rep, first_name="Kari", last_name="Nordmann", emails=["kari@fjord.no"])
    theirs = person_create(actor=actors["rep_south"], first_name="Kari", last_name="Nordmann",
                           emails=["kari@fjord.no"])
    also_mine = person_create(actor=rep, first_name="Ola", last_name="Vik", phones=["+47 400 00 000"])
    also_theirs = person_create(actor=actors["rep_south"], first_name="Ola", last_name="Vik", phones=["40000000"])

    assert duplicate_candidates(actor=rep) == []
    assert duplicate_candidates(actor=actors["rep_south"]) == []
    assert set(_pairs(actors["admin"])) == {frozenset((mine.pk, theirs.pk)), frozenset((also_mine.pk, also_theirs.pk))}


def test_a_switchboard_number_shared_by_many_is_not_a_duplicate(actors):
    admin = actors["admin"]
    for i in range(12):
        person_create(actor=admin, first_name=f"Ansatt {i}", last_name="Sentralbord", phones=["+47 22 00 00 00"])
    assert duplicate_candidates(actor=admin) == []


@pytest.mark.parametrize("name", ["partner", "customer"])
def test_non_employees_get_no_duplicates(actors, name):
    from tillit.core.errors import AccessDenied

    with pytest.raises(AccessDenied):
        duplicate_candidates(actor=actors[name])


def test_candidates_use_a_constant_number_of_queries(actors, django_assert_max_num_queries):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    for i in range(15):
        person_create(actor=admin, first_name="Kari", last_name=f"Nordmann{i % 5}", emails=[f"k{i % 5}@fjord.no"],
                      organization=fjord)
    with django_assert_max_num_queries(6):
        pairs = duplicate_candidates(actor=admin, limit=500)
        for p in pairs:
            _ = [i.normalized for i in p.first.identities.all()], [r.organization.name for r in p.second.current_roles]
    assert len(pairs) >= 15


def test_name_normalisation_folds_nordic_letters():
    assert normalize_name("Åse", "Ødegård-Bjørnstad") == "ase odegard bjornstad"
    assert normalize_name(" JÖRG ", "Müller") == "jorg muller"


# --- the duplicates page --------------------------------------------------------------------
def test_duplicates_page_lists_pairs_with_a_compare_and_merge_link(actors, login, django_assert_max_num_queries):
    admin = actors["admin"]
    fjord = organization_create(actor=admin, name="Fjord AS")
    a = person_create(actor=admin, first_name="Kari", last_name="Nordmann", emails=["kari@fjord.no"],
                      phones=["+47 912 34 567"], organization=fjord, title="CEO")
    b = person_create(actor=admin, first_name="Kari", last_name="Nordman", emails=["KARI@fjord.no"])
    log_interaction(actor=admin, channel="phone", kind="call", person=b)
    for i in range(5):
        person_create(actor=admin, first_name="Per", last_name=f"Vik{i}", phones=[f"+47 400 00 00{i}", "22 00 00 01"])
    client = login(admin)

    with django_assert_max_num_queries(10):
        response = client.get("/duplicates/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/persons/{b.pk}/merge/{a.pk}/"' in html  # the one with more history is offered as survivor
    assert "Same email: kari@fjord.no" in html
    assert "Fjord AS" in html and "+47 91 23 45 67" in html
    assert "1 interaction" in html
    assert html.count('data-testid="pair"') == 11


def test_duplicates_page_has_an_empty_state(actors, login):
    person_create(actor=actors["admin"], first_name="Solo", last_name="Person", emails=["solo@firma.no"])
    response = login(actors["admin"]).get("/duplicates/")
    assert response.status_code == 200
    assert 'data-testid="empty"' in response.content.decode()
    assert "No likely duplicates." in response.content.decode()


def test_duplicates_page_shows_a_rep_only_their_own_persons(actors, login):
    for owner in ("rep_north", "rep_south"):
        for _ in range(2):
            person_create(actor=actors[owner], first_name=owner, last_name="Dup", emails=[f"{owner}@x.no"])
    html = login(actors["rep_north"]).get("/duplicates/").content.decode()
    assert "rep_north@x.no" in html and "rep_south@x.no" not in html


@pytest.mark.parametrize("name", ["partner", "customer"])
def test_duplicates_page_is_forbidden_for_non_employees(actors, login, name):
    assert login(actors[name]).get("/duplicates/").status_code == 403


def test_duplicates_page_requires_login(client):
    response = client.get("/duplicates/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
