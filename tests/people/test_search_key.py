"""Accent- and case-insensitive search of persons and organisations (``search_key``, tillit.core.search),
and the promise that every write path keeps the key right."""

import importlib

import pytest
from django.apps import apps

from tests.people.test_api import Api
from tillit.card.selectors import name_search
from tillit.core.search import fold, search_key
from tillit.core.versioning import save_versioned
from tillit.people import services
from tillit.people.imports import import_organizations, import_persons
from tillit.people.merge import person_merge
from tillit.people.models import Identity, Organization, Person
from tillit.people.resolution import PersonRef, persons_resolve
from tillit.people.selectors import organization_list, person_list


@pytest.mark.parametrize(("typed", "folded"), [
    ("Bråthen", "brathen"), ("BRÅTHEN", "brathen"), ("Søren", "soren"), ("Æble", "aeble"), ("Östlund", "ostlund"),
    ("Jääskeläinen", "jaaskelainen"), ("Müller", "muller"), ("Hélène", "helene"), ("Straße", "strasse"),
    ("Łukasz", "lukasz"), ("Þór", "thor"), ("Čapek", "capek"),
])
def test_fold(typed, folded):
    assert fold(typed) == folded


def test_the_key_holds_the_fields_folded_with_single_spaces():
    assert search_key("Kari  Anne", "", "Bråthen", None, "kari@fjord.no") == "kari anne brathen kari@fjord.no"


@pytest.fixture
def people(actors):
    admin = actors["admin"]
    return {
        "kari": services.person_create(actor=admin, first_name="Kari", last_name="Bråthen", emails=["kari@fjord.no"]),
        "soren": services.person_create(actor=admin, first_name="Søren", last_name="Kierkegaard"),
        "aeble": services.person_create(actor=admin, first_name="Ida", last_name="Æblegaard"),
        "ola": services.person_create(actor=admin, first_name="Ola", last_name="Brathen"),
    }


def _found(actor, q):
    return {p.pk for p in person_list(actor=actor, q=q)}


@pytest.mark.parametrize("q", ["brathen", "BRÅTHEN", "Bråthen", "bRaThEn", "kari brathen"])
def test_brathen_finds_both_spellings(actors, people, q):
    expected = {people["kari"].pk, people["ola"].pk} if q != "kari brathen" else {people["kari"].pk}
    assert _found(actors["admin"], q) == expected


def test_soren_aeble_and_email_fragments(actors, people):
    admin = actors["admin"]
    assert _found(admin, "soren") == {people["soren"].pk}
    assert _found(admin, "SØREN") == {people["soren"].pk}
    assert _found(admin, "aeble") == {people["aeble"].pk}
    assert _found(admin, "Æble") == {people["aeble"].pk}
    assert _found(admin, "fjord.no") == {people["kari"].pk}


def test_the_organisation_of_a_person_is_found_without_accents(actors):
    admin = actors["admin"]
    org = services.organization_create(actor=admin, name="Æble Økonomi AS", city="Tromsø", org_number="923 609 016")
    person = services.person_create(actor=admin, first_name="Per", last_name="Berg", organization=org)
    assert _found(admin, "aeble okonomi") == {person.pk}
    assert {o.pk for o in organization_list(actor=admin, q="aeble")} == {org.pk}
    assert {o.pk for o in organization_list(actor=admin, q="TROMSO")} == {org.pk}
    assert {o.pk for o in organization_list(actor=admin, q="609")} == {org.pk}
    assert list(organization_list(actor=admin, q="bergen")) == []


def test_search_keeps_to_what_the_actor_may_see(actors, people):
    mine = services.person_create(actor=actors["rep_north"], first_name="Kåre", last_name="Bråthen")
    assert _found(actors["rep_north"], "brathen") == {mine.pk}
    assert _found(actors["rep_south"], "brathen") == set()


def test_the_api_q_and_the_card_find_box_fold_the_same_way(actors, people):
    listed = Api(actors["admin"]).get("/persons", {"q": "brathen"}).json()
    assert {p["id"] for p in listed["items"]} == {people["kari"].pk, people["ola"].pk}
    orgs = services.organization_create(actor=actors["admin"], name="Sjøfart Ålesund AS")
    assert [o["id"] for o in Api(actors["admin"]).get("/organizations", {"q": "alesund"}).json()["items"]] == [orgs.pk]
    assert {p.pk for p in name_search(actor=actors["admin"], q="BRATH")} == {people["kari"].pk, people["ola"].pk}
    assert {p.pk for p in name_search(actor=actors["admin"], q="sor kier")} == {people["soren"].pk}
    assert name_search(actor=actors["admin"], q="athen") == []  # the find box matches starts of words


def test_the_person_list_page_finds_without_accents(actors, people, login):
    page = login(actors["admin"]).get("/persons/", {"q": "brathen"})
    html = page.content.decode()
    assert "Bråthen" in html and "Kierkegaard" not in html


def test_a_renamed_person_is_found_under_the_new_name_only(actors, people):
    admin, kari = actors["admin"], people["kari"]
    services.person_update(actor=admin, person=kari, expected_version=kari.version, last_name="Østvold")
    assert kari.pk in _found(admin, "ostvold")
    assert kari.pk not in _found(admin, "brathen")


def test_a_list_search_stays_one_query_per_page(actors, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the rows, then their current roles
        list(person_list(actor=actors["rep_north"], q="brathen kari")[:50])


# --- every write path keeps the key -------------------------------------------------------------
def _assert_keys_right():
    for model in (Person, Organization):
        for row in model.objects.all():
            assert row.search_key == row.compute_search_key(), (model.__name__, row.pk, row.search_key)


def _create(actors):
    services.person_create(actor=actors["admin"], first_name="Åse", last_name="Ødegård", emails=["ase@x.no"])
    services.organization_create(actor=actors["admin"], name="Fjørd AS", domain="fjord.no", city="Bodø")


def _update(actors):
    _create(actors)
    p = Person.objects.get()
    services.person_update(actor=actors["admin"], person=p, expected_version=p.version, first_name="Åsa",
                           emails=["asa@y.no"])
    o = Organization.objects.get()
    services.organization_update(actor=actors["admin"], organization=o, expected_version=o.version,
                                 name="Fjærland AS", city="Sogndal")


def _identity(actors):
    p = services.person_create(actor=actors["admin"], first_name="Åse")
    services.identity_add(actor=actors["admin"], person=p, kind="email", value="ASE@Z.no")
    assert "ase@z.no" in Person.objects.get().search_key
    services.identity_remove(actor=actors["admin"], identity=Identity.objects.get(person=p, kind="email"))


def _merge(actors):
    admin = actors["admin"]
    a = services.person_create(actor=admin, first_name="Åse", last_name="Ødegård", emails=["a@x.no"])
    b = services.person_create(actor=admin, first_name="Aase", last_name="Ødegaard", emails=["b@x.no"])
    person_merge(actor=admin, survivor=a, other=b, field_choices={"first_name": b.pk, "last_name": b.pk})
    assert Person.objects.get().search_key.startswith("aase odegaard")


def _import(actors):
    admin = actors["admin"]
    import_persons(actor=admin, dry_run=False, file=(
        "first_name,last_name,email,organization,city\nSøren,Ærø,soren@x.dk,Ærø Bryg,Marstal\n").encode())
    import_persons(actor=admin, dry_run=False, update=True, file=(
        "first_name,last_name,email\nSøren,Ærøskøbing,soren@x.dk\n").encode())
    import_organizations(actor=admin, dry_run=False, update=True, file=("name,city\nÆrø Bryg,Ærøskøbing\n").encode())
    assert "aeroskobing" in Person.objects.get().search_key


def _resolve(actors):
    persons_resolve(actor=actors["admin"], refs=[PersonRef(email="ny@x.no", first_name="Nýr", last_name="Ånes")])
    assert Person.objects.get().search_key == "nyr anes ny@x.no"


def _bulk(actors):
    Person.objects.bulk_create([Person(first_name="Björn", last_name="Öberg")])
    people = list(Person.objects.all())
    people[0].last_name = "Åberg"
    Person.objects.bulk_update(people, ["last_name"])
    save_versioned(people[0], expected_version=None, update_fields=["first_name"])
    Organization.objects.bulk_create([Organization(name="Ärlig AB")])
    people[0].first_name = "Bjørn"
    people[0].save(update_fields=["first_name"])
    assert Person.objects.get().search_key == "bjorn aberg"


@pytest.mark.parametrize("write", [_create, _update, _identity, _merge, _import, _resolve, _bulk],
                         ids=lambda f: f.__name__.strip("_"))
def test_every_write_path_keeps_the_search_key(actors, write):
    write(actors)
    assert Person.objects.exists() or Organization.objects.exists()
    _assert_keys_right()


def test_an_update_of_a_name_without_the_key_is_refused(actors):
    services.person_create(actor=actors["admin"], first_name="Åse")
    with pytest.raises(TypeError, match="search_key"):
        Person.objects.update(first_name="Åsa")
    with pytest.raises(TypeError, match="search_key"):
        Organization.objects.update(name="X")
    Person.objects.update(lifecycle_stage="customer")  # other fields as before


def test_the_migration_fills_the_key_of_existing_rows(actors, people):
    Person.objects.update(search_key="")
    Organization.objects.bulk_create([Organization(name="Øst AS")])
    Organization.objects.update(search_key="")
    migration = importlib.import_module("tillit.people.migrations.0006_search_key")
    migration.fill(apps, None)
    _assert_keys_right()
    assert Person.objects.get(pk=people["kari"].pk).search_key == "kari brathen kari@fjord.no"


def test_the_find_box_on_the_start_page_finds_without_accents(actors, people, login):
    client = login(actors["admin"])
    one = client.get("/lookup/", {"q": "soren"})  # one match: straight to the card
    assert one.status_code == 302 and one["Location"] == f'/persons/{people["soren"].pk}/'
    two = client.get("/lookup/", {"q": "brathen"}).content.decode()
    assert f'/persons/{people["kari"].pk}/' in two and f'/persons/{people["ola"].pk}/' in two
