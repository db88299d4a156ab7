import datetime as dt

import pytest
from django.utils import timezone

from tillit.interactions.models import Interaction

HTMX = {"HTTP_HX_REQUEST": "true"}


def _html(response) -> str:
    return response.content.decode()


# --- find customer ------------------------------------------------------------------------------
def test_find_customer_page_has_the_search_box(login, actors):
    response = login(actors["rep_north"]).get("/")
    assert response.status_code == 200
    assert 'data-testid="find-box"' in _html(response)


@pytest.mark.parametrize("typed", ["+47 912 34 567", "91234567", "0047-91234567"])
def test_lookup_by_phone_in_any_format_opens_the_card(login, actors, make_person, typed):
    person = make_person(phones=["+4791234567"])
    response = login(actors["rep_north"]).get("/lookup/", {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/persons/{person.pk}/"


def test_lookup_by_email_in_any_case_opens_the_card(login, actors, make_person):
    person = make_person(emails=["kari@fjordkraft.no"])
    response = login(actors["service"]).get("/lookup/", {"q": "KARI@FjordKraft.NO"})
    assert response["Location"] == f"/persons/{person.pk}/"


def test_lookup_accepts_phone_parameter_for_screen_pop(login, actors, make_person):
    person = make_person(phones=["+4791234567"])
    response = login(actors["service"]).get("/lookup/", {"phone": "0047 912 34 567"})
    assert response["Location"] == f"/persons/{person.pk}/"


def test_lookup_by_unique_name_opens_the_card(login, actors, make_person):
    person = make_person("Solveig", "Haugen")
    make_person("Kari", "Nordmann")
    response = login(actors["rep_north"]).get("/lookup/", {"q": "solveig hau"})
    assert response["Location"] == f"/persons/{person.pk}/"


def test_lookup_with_several_matches_lists_them_and_links_to_the_people_list(login, actors, make_person):
    a, b = make_person("Kari", "Nordmann"), make_person("Kari", "Hansen")
    response = login(actors["rep_north"]).get("/lookup/", {"q": "Kari"})
    html = _html(response)
    assert response.status_code == 200
    assert f'href="/persons/{a.pk}/"' in html and f'href="/persons/{b.pk}/"' in html
    assert "/persons/?q=Kari" in html


def test_lookup_without_match_offers_to_create_the_person_with_the_phone(login, actors):
    response = login(actors["rep_north"]).get("/lookup/", {"q": "+47 400 00 000"})
    html = _html(response)
    assert response.status_code == 200
    assert 'data-testid="lookup-empty"' in html
    assert "/persons/new/?phones=%2B47+400+00+000" in html


def test_lookup_without_match_offers_to_create_the_person_with_the_email(login, actors):
    html = _html(login(actors["rep_north"]).get("/lookup/", {"q": "Ny.Kunde@Example.no"}))
    assert "/persons/new/?emails=ny.kunde%40example.no" in html


def test_lookup_does_not_reveal_persons_outside_visibility(login, actors, make_person):
    make_person(owner=actors["rep_south"], phones=["+4791234567"])
    response = login(actors["rep_north"]).get("/lookup/", {"q": "91234567"})
    assert response.status_code == 200
    assert 'data-testid="lookup-empty"' in _html(response)


def test_lookup_without_match_offers_to_create_the_person_with_the_name(login, actors):
    html = _html(login(actors["rep_north"]).get("/lookup/", {"q": "Ola Jakob Nordmann"}))
    assert "/persons/new/?first_name=Ola+Jakob&amp;last_name=Nordmann" in html


def test_empty_lookup_goes_back_to_the_search_page(login, actors):
    assert login(actors["rep_north"]).get("/lookup/", {"q": " "})["Location"] == "/"


# --- the person card ----------------------------------------------------------------------------
def test_card_page_shows_every_section(login, actors, make_person, make_org, role, consent, log):
    person = make_person("Kari", "Nordmann", emails=["kari@fjordkraft.no"], phones=["+4791234567"],
                         lifecycle_stage="customer", persona="Pragmatic buyer", relationship_category="Best friend")
    org = make_org("Fjord Kraft AS")
    role(person, org, title="CFO", is_decision_maker=True)
    consent(person, purpose="newsletter")
    log(person=person, channel="phone", kind="call", handled_by=actors["rep_north2"], text="Asked about pensions")
    log(person=person, channel="email", kind="email_sent", subject="Spring newsletter")
    log(person=person, channel="email", kind="email_opened")
    log(person=person, kind="content_read", topic="Pensions", subject="Saving for retirement")
    log(organization=org, channel="post", kind="order", subject="Framework agreement")

    html = _html(login(actors["rep_north"]).get(f"/persons/{person.pk}/"))

    for text in ["Kari Nordmann", "Customer", "Rep North", "North", "Pragmatic buyer", "Best friend",
                 "CFO", "Fjord Kraft AS", "decision maker", "+47 91 23 45 67", "kari@fjordkraft.no", "newsletter",
                 "Rep North2", "Asked about pensions", "Spring newsletter", "Pensions", "Saving for retirement",
                 "Framework agreement", "Email engagement", "Interactions per channel", "<svg class=\"chart months\"",
                 f'href="/persons/{person.pk}/edit/"', f'href="/organizations/{org.pk}/"', "Log activity"]:
        assert text in html, text


def test_card_page_has_empty_states_for_a_new_person(login, actors, make_person):
    html = _html(login(actors["rep_north"]).get(f"/persons/{make_person().pk}/"))
    assert "No interactions yet" in html
    assert "No consents recorded." in html
    assert "Not linked to any organisation." in html
    assert "No emails sent to this person yet." in html


def test_card_shows_times_in_the_users_time_zone(login, actors, make_person):
    person = make_person()
    Interaction.objects.create(person=person, channel="phone", kind="call",
                               occurred_at=dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC))
    user = actors["rep_north"]
    user.time_zone = "America/New_York"
    user.save(update_fields=["time_zone"])
    html = _html(login(user).get(f"/persons/{person.pk}/"))
    assert 'datetime="2025-03-01T07:00:00-05:00"' in html


def test_timeline_partial_filters_for_htmx(login, actors, make_person, log):
    person = make_person()
    log(person=person, channel="phone", kind="call", subject="The call")
    log(person=person, channel="web", kind="page_view", subject="The page")

    response = login(actors["rep_north"]).get(f"/persons/{person.pk}/timeline/", {"channel": "phone"}, **HTMX)

    html = _html(response)
    assert html.lstrip().startswith('<section id="timeline"')
    assert "The call" in html and "The page" not in html


def test_timeline_partial_pages(login, actors, make_person, log, settings):
    settings.TILLIT_TIMELINE_PAGE_SIZE = 2
    person = make_person()
    for i in range(5):
        log(person=person, subject=f"Visit {i}", minutes_ago=i)
    client = login(actors["rep_north"])

    html = _html(client.get(f"/persons/{person.pk}/timeline/", {"page": "2"}, **HTMX))

    assert "Visit 2" in html and "Visit 3" in html and "Visit 1" not in html
    assert 'rel="next"' in html and 'rel="prev"' in html


def test_timeline_url_without_htmx_opens_the_filtered_card(login, actors, make_person):
    person = make_person()
    response = login(actors["rep_north"]).get(f"/persons/{person.pk}/timeline/", {"channel": "phone"})
    assert response["Location"] == f"/persons/{person.pk}/?channel=phone"


def test_card_page_applies_filters_from_the_query_string(login, actors, make_person, log):
    person = make_person()
    log(person=person, channel="phone", kind="call", subject="The call")
    log(person=person, channel="web", kind="page_view", subject="The page")
    html = _html(login(actors["rep_north"]).get(f"/persons/{person.pk}/", {"channel": "web", "kind": "bogus"}))
    assert "The page" in html and "The call" not in html


# --- log activity -------------------------------------------------------------------------------
def test_htmx_log_call_creates_it_and_answers_with_the_timeline_containing_it(login, actors, make_person):
    person = make_person()
    client = login(actors["rep_north"])

    response = client.post(f"/persons/{person.pk}/log/", {
        "type": "call", "direction": "out", "duration": "4:30", "wait": "0:45", "outcome": "follow_up",
        "notes": "Wants an offer on the heat pump",
    }, **HTMX)

    call = Interaction.objects.get(person=person)
    assert (call.channel, call.kind, call.direction) == ("phone", "call", "out")
    assert (call.duration_seconds, call.wait_seconds, call.outcome) == (270, 45, "follow_up")
    assert call.handled_by == actors["rep_north"]
    html = _html(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="timeline"')
    assert f'data-id="{call.pk}"' in html and "Wants an offer on the heat pump" in html
    assert 'class="entry fresh"' in html
    # The form comes back empty, out of band, and the facts are refreshed.
    assert '<section id="log-panel" class="panel logpanel" aria-labelledby="h-log" hx-swap-oob="true">' in html
    assert "Wants an offer on the heat pump</textarea>" not in html
    assert 'id="card-summary" class="kpis summary" hx-swap-oob="true"' in html


def test_log_meeting_and_note(login, actors, make_person):
    person = make_person()
    client = login(actors["rep_north"])
    when = timezone.localtime() - dt.timedelta(days=1)

    client.post(f"/persons/{person.pk}/log/", {"type": "meeting", "when": when.strftime("%Y-%m-%dT%H:%M"),
                                               "duration": "60", "subject": "Renewal", "notes": "Went well"}, **HTMX)
    client.post(f"/persons/{person.pk}/log/", {"type": "note", "text": "Prefers email", "channel": "email"}, **HTMX)

    note, meeting = Interaction.objects.filter(person=person)
    assert (meeting.channel, meeting.kind, meeting.subject, meeting.duration_seconds) == (
        "meeting", "meeting", "Renewal", 3600)
    assert abs(meeting.occurred_at - when.replace(second=0, microsecond=0)) < dt.timedelta(seconds=1)
    assert (note.kind, note.direction, note.text) == ("note", "internal", "Prefers email")


def test_log_validation_error_is_shown_on_the_field_and_nothing_is_stored(login, actors, make_person):
    person = make_person()
    response = login(actors["rep_north"]).post(f"/persons/{person.pk}/log/", {
        "type": "call", "direction": "in", "duration": "a while",
    }, **HTMX)

    html = _html(response)
    assert response["HX-Retarget"] == "#log-panel"
    assert '<small class="error" data-field="duration">' in html
    assert 'value="a while"' in html  # what the user typed is kept
    assert not Interaction.objects.exists()


def test_log_note_needs_text(login, actors, make_person):
    person = make_person()
    response = login(actors["rep_north"]).post(f"/persons/{person.pk}/log/", {"type": "note", "text": ""}, **HTMX)
    assert 'data-field="text"' in _html(response)
    assert not Interaction.objects.exists()


def test_log_without_javascript_redirects_back_to_the_card(login, actors, make_person):
    person = make_person()
    response = login(actors["rep_north"]).post(f"/persons/{person.pk}/log/", {"type": "note", "text": "Hi"})
    assert response["Location"] == f"/persons/{person.pk}/"
    assert Interaction.objects.filter(person=person, kind="note").exists()


def test_log_tab_returns_the_panel_with_that_form(login, actors, make_person):
    person = make_person()
    html = _html(login(actors["rep_north"]).get(f"/persons/{person.pk}/log/", {"type": "meeting"}, **HTMX))
    assert html.lstrip().startswith('<section id="log-panel"')
    assert 'name="when"' in html and 'name="subject"' in html


def test_cannot_log_on_a_person_outside_visibility(login, actors, make_person):
    person = make_person(owner=actors["rep_south"])
    response = login(actors["rep_north"]).post(f"/persons/{person.pk}/log/", {"type": "note", "text": "x"}, **HTMX)
    assert response.status_code == 404
    assert not Interaction.objects.exists()


# --- the organisation card ----------------------------------------------------------------------
def test_organization_card_shows_facts_people_and_combined_timeline(login, actors, make_person, make_org, role,
                                                                    log):
    org = make_org("Fjord Kraft AS", org_number="923 456 789", industry="Energy", city="Bergen")
    person = make_person("Kari", "Nordmann")
    role(person, org, title="CFO", is_decision_maker=True)
    log(organization=org, channel="post", kind="order", subject="Framework agreement")
    log(person=person, channel="phone", kind="call", subject="Budget call")

    html = _html(login(actors["rep_north"]).get(f"/organizations/{org.pk}/"))

    for text in ["Fjord Kraft AS", "923 456 789", "Energy", "Bergen", "Kari Nordmann", "CFO", "decision maker",
                 "Framework agreement", "Budget call", f'href="/organizations/{org.pk}/edit/"']:
        assert text in html, text


def test_organization_timeline_partial(login, actors, make_person, make_org, role, log):
    org = make_org()
    person = make_person()
    role(person, org)
    log(person=person, channel="phone", kind="call", subject="Budget call")
    log(organization=org, channel="post", kind="order", subject="Framework agreement")
    html = _html(login(actors["rep_north"]).get(f"/organizations/{org.pk}/timeline/", {"channel": "phone"}, **HTMX))
    assert "Budget call" in html and "Framework agreement" not in html


def test_organization_card_empty_state(login, actors, make_org):
    html = _html(login(actors["rep_north"]).get(f"/organizations/{make_org().pk}/"))
    assert "No people linked to this organisation yet." in html
    assert "No interactions yet" in html


# --- access -------------------------------------------------------------------------------------
SEES_NORTH = {"admin": 200, "manager_north": 200, "rep_north": 200, "rep_north2": 404, "rep_south": 404,
              "service": 200, "marketing": 200, "partner": 403, "customer": 403}


@pytest.mark.parametrize("who,status", SEES_NORTH.items())
def test_card_pages_per_role(login, actors, make_person, make_org, who, status):
    person = make_person()  # rep_north's, team North
    org = make_org()
    client = login(actors[who])
    assert client.get(f"/persons/{person.pk}/").status_code == status
    assert client.get(f"/persons/{person.pk}/timeline/", **HTMX).status_code == status
    assert client.get(f"/organizations/{org.pk}/").status_code == status
    assert client.get(f"/organizations/{org.pk}/timeline/", **HTMX).status_code == status


def test_rep_sees_own_person_but_not_a_colleague_in_another_team(login, actors, make_person):
    own = make_person()
    south = make_person("Sven", "Sør", owner=actors["rep_south"])
    client = login(actors["rep_north"])
    assert client.get(f"/persons/{own.pk}/").status_code == 200
    assert client.get(f"/persons/{south.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["partner", "customer"])
def test_find_pages_are_for_employees_only(login, actors, who):
    client = login(actors[who])
    assert client.get("/").status_code == 403
    assert client.get("/lookup/", {"q": "91234567"}).status_code == 403


def test_pages_require_login(client, make_person):
    person = make_person()
    response = client.get(f"/persons/{person.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_note_without_a_channel_is_internal_and_not_a_contact(login, actors, make_person):
    person = make_person(owner=actors["rep_north"])
    client = login(actors["rep_north"])
    client.post(f"/persons/{person.pk}/log/", {"type": "note", "text": "Decides with her partner"}, **HTMX)
    note = Interaction.objects.get(person=person, kind="note")
    assert note.channel == "internal"
    response = client.get(f"/persons/{person.pk}/")
    assert "Decides with her partner" in response.content.decode()
    assert response.context["card"].last_contact is None
