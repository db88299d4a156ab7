import csv
import io
import re

import pytest
from django.urls import reverse

from tillit.core.phones import format_phone
from tillit.people import services
from tillit.people.models import Organization, Person


@pytest.fixture
def fjord(actors):
    return services.organization_create(actor=actors["admin"], name="Fjordkraft AS", owner=actors["rep_north"])


@pytest.fixture
def ola(actors, fjord):
    return services.person_create(
        actor=actors["admin"], first_name="Ola", last_name="Nordmann", emails=["ola@fjord.no"],
        phones=["+47 912 34 567"], owner=actors["rep_north"], organization=fjord, title="CEO",
        lifecycle_stage="customer",
    )


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- list -----------------------------------------------------------------------------------
def test_person_list_shows_people_with_links_to_their_cards(actors, login, ola):
    response = login(actors["admin"]).get(reverse("people:person_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ola Nordmann" in html
    assert reverse("card:person", args=[ola.pk]) in html
    assert format_phone("+4791234567") in html  # shown formatted for people, not as E.164
    assert "Fjordkraft AS" in html and "CEO" in html
    assert reverse("people:person_export") in html


def test_person_list_search_by_phone_typed_any_way(actors, login, ola):
    client = login(actors["admin"])
    services.person_create(actor=actors["admin"], first_name="Kari", phones=["41234567"])
    for typed in ("91234567", "0047-91234567", "+47 912 34 567"):
        html = client.get(reverse("people:person_list"), {"q": typed}).content.decode()
        assert "Ola Nordmann" in html and "Kari" not in html


def test_htmx_search_returns_only_the_results_partial(actors, login, ola):
    response = login(actors["admin"]).get(reverse("people:person_list"), {"q": "ola"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Ola Nordmann" in html
    assert "<html" not in html and "<form" not in html
    assert 'id="export-link"' in html and "hx-swap-oob" in html and "q=ola" in html


def test_person_list_filters_by_stage_and_owner(actors, login, ola):
    services.person_create(actor=actors["admin"], first_name="Kari", owner=actors["rep_south"])
    client = login(actors["admin"])
    html = client.get(reverse("people:person_list"), {"stage": "lead"}).content.decode()
    assert "Kari" in html and "Ola Nordmann" not in html
    html = client.get(reverse("people:person_list"), {"owner": actors["rep_north"].pk}).content.decode()
    assert "Ola Nordmann" in html and "Kari" not in html


def test_empty_states_differ_for_no_people_and_no_matches(actors, login):
    client = login(actors["admin"])
    assert "No people yet." in client.get(reverse("people:person_list")).content.decode()
    services.person_create(actor=actors["admin"], first_name="Ola")
    assert "Nobody matches your search." in client.get(reverse("people:person_list"), {"q": "zz"}).content.decode()


def test_person_list_paginates(actors, login):
    for i in range(55):
        services.person_create(actor=actors["admin"], first_name=f"P{i:02d}", last_name="Test")
    client = login(actors["admin"])
    first = client.get(reverse("people:person_list")).content.decode()
    assert "1–50 of 55" in first and "page=2" in first
    second = client.get(reverse("people:person_list"), {"page": 2}).content.decode()
    assert "51–55 of 55" in second


def test_person_list_query_count_does_not_grow_with_rows(actors, login, django_assert_max_num_queries):
    client = login(actors["admin"])
    for i in range(5):
        org = services.organization_create(actor=actors["admin"], name=f"Org {i}")
        services.person_create(actor=actors["admin"], first_name=f"A{i}", organization=org, owner=actors["rep_north"])
    # Session, user, the rows and their roles, the count, the nav's overdue-task badge.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("people:person_list")).status_code == 200
    for i in range(40):
        org = services.organization_create(actor=actors["admin"], name=f"Other {i}")
        services.person_create(actor=actors["admin"], first_name=f"B{i}", organization=org, owner=actors["rep_south"])
    with django_assert_max_num_queries(7):
        assert client.get(reverse("people:person_list")).status_code == 200


def test_organization_list_query_count_does_not_grow_with_rows(actors, login, django_assert_max_num_queries):
    client = login(actors["admin"])
    for i in range(40):
        org = services.organization_create(actor=actors["admin"], name=f"Org {i}", owner=actors["rep_north"])
        services.person_create(actor=actors["admin"], first_name=f"A{i}", organization=org)
    with django_assert_max_num_queries(7):  # incl. the nav's overdue-task badge
        response = client.get(reverse("people:organization_list"))
    assert "Org 39" in response.content.decode()


def test_organization_list_search_and_empty_state(actors, login, fjord):
    client = login(actors["admin"])
    html = client.get(reverse("people:organization_list"), {"q": "fjord"}).content.decode()
    assert "Fjordkraft AS" in html and reverse("card:organization", args=[fjord.pk]) in html
    html = client.get(reverse("people:organization_list"), {"q": "nothing"}).content.decode()
    assert "No organisation matches your search." in html


# --- forms ----------------------------------------------------------------------------------
def test_create_person_redirects_to_the_card(actors, login, fjord):
    response = login(actors["rep_north"]).post(reverse("people:person_create"), {
        "first_name": "Kari", "last_name": "Nordmann", "emails": "Kari@Fjord.NO\nkari@home.no",
        "phones": "912 34 568", "organization": f"Fjordkraft AS (#{fjord.pk})", "title": "CFO",
        "is_decision_maker": "on", "lifecycle_stage": "prospect", "country": "no",
    })
    person = Person.objects.get(first_name="Kari")
    assert response.status_code == 302
    assert response["Location"] == reverse("card:person", args=[person.pk])
    assert person.primary_email == "kari@fjord.no" and person.primary_phone == "+4791234568"
    assert person.owner == actors["rep_north"] and person.country == "NO"
    role = person.affiliations.get()
    assert (role.organization, role.title, role.is_decision_maker) == (fjord, "CFO", True)


def test_organisation_can_be_typed_by_name(actors, login, fjord):
    login(actors["admin"]).post(reverse("people:person_create"), {
        "first_name": "Kari", "organization": "fjordkraft as", "lifecycle_stage": "lead",
    })
    assert Person.objects.get(first_name="Kari").affiliations.get().organization == fjord


def test_bad_phone_and_email_are_shown_on_their_fields(actors, login):
    client = login(actors["admin"])
    response = client.post(reverse("people:person_create"), {
        "first_name": "Kari", "phones": "call me", "lifecycle_stage": "lead",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="phones"' in html and "call me" in html
    response = client.post(reverse("people:person_create"), {
        "first_name": "Kari", "emails": "kari(at)x.no", "lifecycle_stage": "lead",
    })
    assert 'data-field="emails"' in response.content.decode()
    response = client.post(reverse("people:person_create"), {"first_name": "K", "organization": "Nope AS",
                                                             "lifecycle_stage": "lead"})
    assert 'data-field="organization"' in response.content.decode()
    assert not Person.objects.exists()


def test_a_rep_cannot_pick_an_organisation_they_cannot_see(actors, login):
    south = services.organization_create(actor=actors["rep_south"], name="South AS")
    response = login(actors["rep_north"]).post(reverse("people:person_create"), {
        "first_name": "K", "organization": f"South AS (#{south.pk})", "lifecycle_stage": "lead",
    })
    assert 'data-field="organization"' in response.content.decode()
    assert not Person.objects.exists()


def test_organization_options_offer_only_visible_organisations(actors, login, fjord):
    services.organization_create(actor=actors["rep_south"], name="Fjordsør AS")
    html = login(actors["rep_north"]).get(reverse("people:organization_options"), {"organization": "fjord"})
    html = html.content.decode()
    assert f"Fjordkraft AS (#{fjord.pk})" in html and "Fjordsør" not in html


def test_edit_form_is_prefilled_and_saves(actors, login, ola, fjord):
    client = login(actors["rep_north"])
    url = reverse("people:person_edit", args=[ola.pk])
    html = client.get(url).content.decode()
    assert 'name="version" value="1"' in html and "ola@fjord.no" in html and f"(#{fjord.pk})" in html
    response = client.post(url, {
        "first_name": "Ola", "last_name": "Nordmann", "emails": "ola@fjord.no", "phones": "+47 912 34 567",
        "organization": f"Fjordkraft AS (#{fjord.pk})", "title": "Chair", "lifecycle_stage": "repeat_customer",
        "owner": actors["rep_north"].pk, "city": "Bergen", "version": "1",
    })
    assert response.status_code == 302 and response["Location"] == reverse("card:person", args=[ola.pk])
    ola.refresh_from_db()
    assert (ola.city, ola.lifecycle_stage, ola.version) == ("Bergen", "repeat_customer", 2)
    assert ola.affiliations.get().title == "Chair"


def test_stale_edit_says_someone_else_changed_it_and_does_not_overwrite(actors, login, ola):
    client = login(actors["admin"])
    url = reverse("people:person_edit", args=[ola.pk])
    services.person_update(actor=actors["manager_north"], person=ola, expected_version=1, city="Tromsø")
    response = client.post(url, {"first_name": "Ola", "last_name": "Nordmann", "city": "Oslo",
                                 "lifecycle_stage": "customer", "version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed City at" in html and "while you were editing" in html
    assert 'value="Oslo"' in html  # the user's typing is kept
    ola.refresh_from_db()
    assert ola.city == "Tromsø"


def test_changing_owner_moves_the_record_to_the_owners_team(actors, login, ola):
    client = login(actors["admin"])
    client.post(reverse("people:person_edit", args=[ola.pk]), {
        "first_name": "Ola", "last_name": "Nordmann", "emails": "ola@fjord.no", "lifecycle_stage": "customer",
        "owner": actors["rep_south"].pk, "team": ola.team_id, "version": "1",
    })
    ola.refresh_from_db()
    assert ola.owner == actors["rep_south"] and ola.team.name == "South"


def test_a_rep_is_only_offered_themselves_as_owner(actors, login):
    html = login(actors["rep_north"]).get(reverse("people:person_create")).content.decode()
    assert f'value="{actors["rep_north"].pk}"' in html
    assert f'value="{actors["rep_south"].pk}"' not in html


def test_create_and_edit_organisation(actors, login):
    client = login(actors["manager_north"])
    response = client.post(reverse("people:organization_create"), {
        "name": "Bergen Bryggeri", "phone": "55 11 22 33", "domain": "https://bryggeri.no", "lifecycle_stage": "lead",
    })
    org = Organization.objects.get()
    assert response["Location"] == reverse("card:organization", args=[org.pk])
    assert (org.phone, org.domain, org.team.name) == ("+4755112233", "bryggeri.no", "North")
    url = reverse("people:organization_edit", args=[org.pk])
    team = org.team_id
    response = client.post(url, {"name": "", "lifecycle_stage": "lead", "team": team, "version": "1"})
    assert 'data-field="name"' in response.content.decode()
    response = client.post(url, {"name": "Bergen Bryggeri AS", "phone": "abc", "lifecycle_stage": "lead",
                                 "team": team, "version": "1"})
    assert 'data-field="phone"' in response.content.decode()
    client.post(url, {"name": "Bergen Bryggeri AS", "lifecycle_stage": "customer", "team": team, "version": "1"})
    org.refresh_from_db()
    assert (org.name, org.version) == ("Bergen Bryggeri AS", 2)
    response = client.post(url, {"name": "Old", "lifecycle_stage": "lead", "team": team, "version": "1"})
    # The second save emptied the domain and phone the form did not post: the refusal names them too.
    assert response.status_code == 409
    assert re.search("Manager North changed Name, Web domain, Phone and Lifecycle stage at \\d\\d:\\d\\d",
                     response.content.decode())


# --- export ---------------------------------------------------------------------------------
def test_export_uses_the_same_filters(actors, login, ola):
    services.person_create(actor=actors["admin"], first_name="Kari", last_name="=HYPERLINK(1)")
    client = login(actors["admin"])
    response = client.get(reverse("people:person_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["id", "first name", "last name"]
    assert {r[1] for r in rows[1:]} == {"Ola", "Kari"}
    kari = next(r for r in rows if r[1] == "Kari")
    assert kari[2] == "'=HYPERLINK(1)"  # never a live formula in a spreadsheet
    ola_row = next(r for r in rows if r[1] == "Ola")
    assert ola_row[3:7] == ["ola@fjord.no", "+4791234567", "Fjordkraft AS", "CEO"]
    rows = _csv(client.get(reverse("people:person_export"), {"q": "0047 912 34 567"}))
    assert [r[1] for r in rows[1:]] == ["Ola"]
    rows = _csv(client.get(reverse("people:person_export"), {"stage": "lead"}))
    assert [r[1] for r in rows[1:]] == ["Kari"]


def test_admin_pages_for_people_load(actors, login, ola, fjord):
    client = login(actors["admin"])
    assert client.get(reverse("admin:people_person_changelist"), {"q": "ola"}).status_code == 200
    assert client.get(reverse("admin:people_person_change", args=[ola.pk])).status_code == 200
    assert client.get(reverse("admin:people_organization_changelist")).status_code == 200
    assert client.get(reverse("admin:people_mergerecord_changelist")).status_code == 200


def test_every_bad_phone_and_email_is_reported_at_once(actors, login):
    response = login(actors["admin"]).post(reverse("people:person_create"), {
        "first_name": "Kari", "emails": "ok@x.no\nbad@\nworse", "phones": "91234567\nabc",
        "organization": "No such AS", "lifecycle_stage": "lead",
    })
    html = response.content.decode()
    assert html.count('data-field="emails"') == 2
    assert html.count('data-field="phones"') == 1
    assert 'data-field="organization"' in html


def test_new_person_form_is_prefilled_from_the_lookup_link(login, actors):
    client = login(actors["service"])
    response = client.get("/persons/new/", {"phones": "+47 912 34 567", "first_name": "Kari"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["phones"].value() == "+47 912 34 567"
    assert form["first_name"].value() == "Kari"
