"""Persona pages: list with counts, editor with the segment rule UI, preview, delete, manual choice from the card."""

import json

import pytest
from django.urls import reverse

from tillit.insight import personas as svc
from tillit.insight.models import Persona, PersonaOverride
from tillit.people.models import Person

pytestmark = pytest.mark.django_db
OSLO = {"attr": "city", "op": "eq", "value": "Oslo"}


def test_list_shows_personas_with_member_counts_and_an_empty_state(login, actors):
    client = login(actors["marketing"])
    page = client.get(reverse("personas:list")).content.decode()
    assert 'data-testid="empty"' in page and 'data-testid="new-persona"' in page
    Person.objects.create(first_name="Ola", last_name="X", city="Oslo")
    svc.persona_create(actor=actors["marketing"], name="Oslo people", rules=OSLO)
    page = client.get(reverse("personas:list")).content.decode()
    assert "Oslo people" in page and "City is “Oslo”" in page
    assert '<td class="num segment-count" data-testid="persona-count"><strong>1</strong>' in page


def test_a_rep_sees_the_list_but_cannot_create(login, actors):
    client = login(actors["rep_north"])
    assert 'data-testid="new-persona"' not in client.get(reverse("personas:list")).content.decode()
    assert client.get(reverse("personas:create")).status_code == 403
    assert client.post(reverse("personas:create"), {"name": "X", "rules": json.dumps(OSLO)}).status_code == 403
    assert client.post(reverse("personas:assign")).status_code == 403
    assert not Persona.objects.exists()


def test_partners_get_no_persona_pages(login, actors):
    response = login(actors["partner"]).get(reverse("personas:list"))
    assert response.status_code in (302, 403)


def test_create_edit_and_delete_through_the_editor(login, actors):
    Person.objects.create(first_name="Ola", last_name="X", city="Oslo")
    client = login(actors["marketing"])
    editor = client.get(reverse("personas:create")).content.decode()
    assert 'id="rule-editor"' in editor and 'id="segment-meta"' in editor and '"name": "clv"' in editor
    assert '"name": "persona"' not in editor  # a persona is not defined by personas
    response = client.post(reverse("personas:create"), {"name": "Oslo people", "priority": "5",
                                                         "rules": json.dumps(OSLO)})
    persona = Persona.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("personas:detail", args=[persona.pk])
    assert Person.objects.get().persona == "Oslo people"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="live-count">1<' in page
    response = client.post(reverse("personas:detail", args=[persona.pk]), {
        "name": "Oslo", "priority": "5", "rules": json.dumps(OSLO), "version": persona.version})
    assert response.status_code == 302 and Person.objects.get().persona == "Oslo"
    stale = client.post(reverse("personas:detail", args=[persona.pk]), {
        "name": "Stale", "priority": "5", "rules": json.dumps(OSLO), "version": 1})
    assert stale.status_code == 409 and 'data-testid="form-error"' in stale.content.decode()
    assert client.post(reverse("personas:delete", args=[persona.pk])).status_code == 302
    assert not Persona.objects.exists() and Person.objects.get().persona == ""


def test_errors_show_at_the_fields(login, actors):
    client = login(actors["marketing"])
    response = client.post(reverse("personas:create"), {"name": "", "priority": "5", "rules": "{}"})
    assert response.status_code == 422 and 'data-field="name"' in response.content.decode()
    response = client.post(reverse("personas:create"), {"name": "X", "priority": "5",
                                                         "rules": json.dumps({"attr": "persona", "value": "Y"})})
    assert response.status_code == 422 and 'data-testid="rules-error"' in response.content.decode()
    assert not Persona.objects.exists()


def test_preview_counts_only_whom_the_caller_may_see(login, actors):
    Person.objects.create(first_name="Mine", last_name="X", city="Oslo", owner=actors["rep_north"])
    Person.objects.create(first_name="Theirs", last_name="X", city="Oslo", owner=actors["rep_south"])
    page = login(actors["rep_north"]).post(reverse("personas:preview"), {"rules": json.dumps(OSLO)}).content.decode()
    assert 'data-testid="live-count">1<' in page and "Mine X" in page and "Theirs" not in page
    page = login(actors["rep_north"]).post(reverse("personas:preview"), {"rules": "{nope"}).content.decode()
    assert 'data-testid="preview-errors"' in page


def test_choose_a_persona_by_hand_from_the_card(login, actors):
    rep = actors["rep_north"]
    ola = Person.objects.create(first_name="Ola", last_name="X", city="Oslo", owner=rep, team=rep.team)
    oslo = svc.persona_create(actor=actors["marketing"], name="Oslo people", rules=OSLO)
    cabin = svc.persona_create(actor=actors["marketing"], name="Cabin owner", rules={"attr": "city", "op": "eq",
                                                                                    "value": "Geilo"})
    client = login(rep)
    card = client.get(reverse("card:person", args=[ola.pk])).content.decode()
    assert 'data-testid="choose-persona-link"' in card
    url = reverse("personas:person_persona", args=[ola.pk])
    assert "Cabin owner" in client.get(url).content.decode()
    assert client.post(url, {"persona": cabin.pk}).status_code == 302
    ola.refresh_from_db()
    assert ola.persona == "Cabin owner" and PersonaOverride.objects.get().set_by == rep
    assert "chosen by hand by Rep North" in client.get(url).content.decode()
    assert client.post(url, {"persona": ""}).status_code == 302
    ola.refresh_from_db()
    assert ola.persona == oslo.name and not PersonaOverride.objects.exists()
    assert login(actors["rep_south"]).post(url, {"persona": cabin.pk}).status_code == 404
