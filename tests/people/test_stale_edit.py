"""A refused stale edit says who changed what and when, keeps the user's input and shows the current values."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.people.test_api import Api
from tillit.core.errors import Conflict
from tillit.core.models import SaveRecord
from tillit.people import services
from tillit.people.models import Person

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def kari(actors):
    user = actors["manager_north"]
    user.first_name, user.last_name = "Kari", "Nordmann"
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def ola(actors):
    return services.person_create(actor=actors["admin"], first_name="Ola", last_name="Hansen",
                                  emails=["ola@fjord.no"], phones=["+47 912 34 567"], city="Bergen",
                                  owner=actors["rep_north"])


def _kari_changes_contacts(kari, ola):
    """Kari saves new contact details while the admin has the form open at version 1."""
    services.person_update(actor=kari, person=Person.objects.get(pk=ola.pk), expected_version=1,
                           emails=["ola.hansen@fjord.no"], phones=["+47 400 00 001"])


def _form(ola, **values):
    data = {"first_name": "Ola", "last_name": "Hansen", "emails": "ola@fjord.no", "phones": "+47 912 34 567",
            "city": "Bergen", "lifecycle_stage": ola.lifecycle_stage, "version": "1"}
    return {**data, **values}


def test_each_recorded_save_names_who_and_which_fields(kari, ola):
    _kari_changes_contacts(kari, ola)
    record = SaveRecord.objects.get(model="people.person", object_id=ola.pk)
    assert (record.version, record.saved_by, record.fields) == (2, kari, ["emails", "phones"])


def test_the_service_refusal_says_who_changed_what_and_when(kari, ola, actors):
    moment = dt.datetime(2026, 3, 10, 9, 42, tzinfo=dt.UTC)  # 10:42 in Oslo
    SaveRecord.objects.all().delete()
    _kari_changes_contacts(kari, ola)
    SaveRecord.objects.update(saved_at=moment)
    with timezone.override(OSLO), pytest.raises(Conflict) as refused:
        services.person_update(actor=actors["admin"], person=Person.objects.get(pk=ola.pk), expected_version=1,
                               city="Oslo")
    assert refused.value.message.startswith("Kari Nordmann changed Email and Phone on ")
    assert "at 10:42 while you were editing. Your changes are not saved." in refused.value.message
    assert refused.value.changes.fields == ["emails", "phones"]
    assert Person.objects.get(pk=ola.pk).city == "Bergen"


def test_the_page_names_who_keeps_the_input_and_shows_the_current_values(kari, ola, actors, login):
    _kari_changes_contacts(kari, ola)
    client = login(actors["admin"])
    url = reverse("people:person_edit", args=[ola.pk])
    response = client.post(url, _form(ola, city="Oslo"))
    assert response.status_code == 409
    html = response.content.decode()
    assert re.search(r"Kari Nordmann changed Email and Phone at \d\d:\d\d while you were editing", html)
    assert 'value="Oslo"' in html  # the user's typing stays
    emails = re.search(r'data-current="emails">(.*?)</small>', html, re.S).group(1)
    phones = re.search(r'data-current="phones">(.*?)</small>', html, re.S).group(1)
    assert "ola.hansen@fjord.no" in emails and "+47 400 00 001" in phones
    assert 'data-current="city"' in html  # the user typed Oslo; Bergen is what is saved
    assert 'data-current="first_name"' not in html  # unchanged fields stay quiet
    assert 'name="version" value="2"' in html
    # Having compared, the user saves again deliberately: their values win, the version moves on.
    again = client.post(url, _form(ola, city="Oslo", emails="ola.hansen@fjord.no", phones="+47 400 00 001",
                                   version="2"))
    assert again.status_code == 302
    saved = Person.objects.get(pk=ola.pk)
    assert (saved.city, saved.primary_email, saved.version) == ("Oslo", "ola.hansen@fjord.no", 3)


def test_the_organisation_page_names_who_changed_what(kari, actors, login):
    org = services.organization_create(actor=actors["admin"], name="Fjordkraft AS", owner=actors["rep_north"])
    services.organization_update(actor=kari, organization=org, expected_version=1, city="Tromsø",
                                 phone="55 11 22 33")
    response = login(actors["admin"]).post(reverse("people:organization_edit", args=[org.pk]), {
        "name": "Fjordkraft ASA", "lifecycle_stage": org.lifecycle_stage, "team": org.team_id or "",
        "version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert re.search(r"Kari Nordmann changed City and Phone at \d\d:\d\d", html), re.findall("form-error.{0,200}", html)
    assert 'value="Fjordkraft ASA"' in html
    assert "Tromsø" in re.search(r'data-current="city">(.*?)</small>', html, re.S).group(1)
    org.refresh_from_db()
    assert (org.name, org.city) == ("Fjordkraft AS", "Tromsø")


def test_the_api_409_names_who_and_which_fields(kari, ola, actors):
    _kari_changes_contacts(kari, ola)
    response = Api(actors["admin"]).patch(f"/persons/{ola.pk}", {"city": "Oslo"}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["detail"].startswith("Kari Nordmann changed Email and Phone at ")
    fields = {e["field"]: e["reason"] for e in body["errors"]}
    assert fields["emails"] == fields["phones"] == "changed by Kari Nordmann" and "version" in fields
    assert Person.objects.get(pk=ola.pk).city == "Bergen"


def test_two_colleagues_are_both_named(kari, ola, actors):
    _kari_changes_contacts(kari, ola)
    services.person_update(actor=actors["rep_north"], person=Person.objects.get(pk=ola.pk), expected_version=2,
                           city="Molde")
    with pytest.raises(Conflict) as refused:
        services.person_update(actor=actors["admin"], person=Person.objects.get(pk=ola.pk), expected_version=1,
                               last_name="Berg")
    assert refused.value.message.startswith("Kari Nordmann and Rep North changed Email, Phone and City at ")


def test_without_a_record_the_old_sentence_stays(ola, actors):
    Person.objects.filter(pk=ola.pk).update(version=2)  # changed outside the services (an import, a script)
    with pytest.raises(Conflict) as refused:
        services.person_update(actor=actors["admin"], person=Person.objects.get(pk=ola.pk), expected_version=1,
                               city="Oslo")
    assert "changed by someone else (you had version 1)" in refused.value.message


def test_old_records_are_pruned(ola, actors):
    person = Person.objects.get(pk=ola.pk)
    for n in range(SaveRecord.KEEP_VERSIONS + 10):
        services.person_update(actor=actors["admin"], person=person, expected_version=person.version,
                               city=f"City {n}")
    versions = SaveRecord.objects.filter(object_id=ola.pk).values_list("version", flat=True)
    assert len(versions) < SaveRecord.KEEP_VERSIONS + 10 and max(versions) == person.version
