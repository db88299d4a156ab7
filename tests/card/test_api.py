import pytest
from django.test import Client

from tillit.accounts.services import api_token_create
from tillit.people.models import Identity


@pytest.fixture
def api(actors):
    """``api(who)`` is a client that sends ``who``'s bearer token."""

    def _api(who: str) -> Client:
        _token, key = api_token_create(user=actors[who], name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return _api


def test_card_endpoint_returns_every_section(api, actors, make_person, make_org, role, consent, log):
    person = make_person("Kari", "Nordmann", emails=["kari@fjordkraft.no"], phones=["+4791234567"],
                         persona="Pragmatic buyer")
    org = make_org("Fjord Kraft AS")
    role(person, org, title="CFO", is_decision_maker=True)
    consent(person)
    call = log(person=person, channel="phone", kind="call", handled_by=actors["rep_north"], minutes_ago=5)
    log(person=person, channel="email", kind="email_sent", minutes_ago=10)
    log(person=person, channel="email", kind="email_opened", minutes_ago=9)
    log(person=person, kind="content_read", topic="Pensions", subject="Saving", minutes_ago=8)
    org_row = log(organization=org, channel="post", kind="order", minutes_ago=1)

    response = api("rep_north").get(f"/api/v1/persons/{person.pk}/card")

    assert response.status_code == 200
    body = response.json()
    assert body["person"]["full_name"] == "Kari Nordmann"
    assert body["person"]["owner"]["username"] == "rep_north"
    assert body["person"]["persona"] == "Pragmatic buyer"
    assert body["roles"][0]["organization"]["name"] == "Fjord Kraft AS"
    assert body["roles"][0]["is_decision_maker"] is True
    assert body["phones"][0]["value"] == "+4791234567"
    assert body["emails"][0]["display"] == "kari@fjordkraft.no"
    assert body["consents"][0]["is_active"] is True
    assert body["last_contact"]["id"] == call.pk
    assert body["last_contact"]["handled_by"]["username"] == "rep_north"
    assert body["total_interactions"] == 4
    assert {c["channel"]: c["count"] for c in body["channel_counts"]} == {"phone": 1, "email": 2, "web": 1}
    assert body["email_engagement"] == {"sent": 1, "opened": 1, "clicked": 0, "open_rate": 1.0, "click_rate": 0.0}
    assert body["top_topics"][0] == {"label": "Pensions", "count": 1, "avg_share_watched": None}
    assert len(body["activity_by_month"]) == 12
    assert body["timeline"]["entries"][0]["id"] == org_row.pk
    assert body["timeline"]["entries"][1]["id"] == call.pk


def test_timeline_endpoint_filters_and_pages(api, make_person, log, settings):
    settings.TILLIT_TIMELINE_PAGE_SIZE = 2
    person = make_person()
    calls = [log(person=person, channel="phone", kind="call", minutes_ago=i) for i in range(3)]
    log(person=person, channel="web", kind="page_view", minutes_ago=0)
    client = api("rep_north")

    first = client.get(f"/api/v1/persons/{person.pk}/timeline", {"channel": "phone"}).json()
    second = client.get(f"/api/v1/persons/{person.pk}/timeline", {"channel": "phone", "page": 2}).json()

    assert [e["id"] for e in first["entries"]] == [calls[0].pk, calls[1].pk] and first["has_next"]
    assert [e["id"] for e in second["entries"]] == [calls[2].pk] and not second["has_next"]


def test_timeline_endpoint_rejects_an_unknown_channel_naming_the_field(api, make_person):
    person = make_person()
    response = api("rep_north").get(f"/api/v1/persons/{person.pk}/timeline", {"channel": "pigeon"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"


def test_organization_card_endpoint(api, make_person, make_org, role, log):
    org = make_org("Fjord Kraft AS")
    person = make_person()
    role(person, org, title="CFO")
    log(person=person, channel="phone", kind="call")
    log(organization=org, channel="post", kind="order")

    body = api("rep_north").get(f"/api/v1/organizations/{org.pk}/card").json()

    assert body["organization"]["name"] == "Fjord Kraft AS"
    assert [(m["person"]["id"], m["title"]) for m in body["people"]] == [(person.pk, "CFO")]
    assert body["total_interactions"] == 2
    assert len(body["timeline"]["entries"]) == 2


@pytest.mark.parametrize("params", [{"q": "+47 912 34 567"}, {"q": "91234567"}, {"q": "0047-91234567"},
                                    {"phone": "912 34 567"}, {"email": "KARI@fjordkraft.NO"},
                                    {"q": "kari@FJORDKRAFT.no"}, {"q": "C-1001"}])
def test_lookup_endpoint_by_phone_email_or_external_id(api, make_person, params):
    person = make_person(phones=["+4791234567"], emails=["kari@fjordkraft.no"])
    Identity.objects.create(person=person, kind="external", system="erp", value="C-1001", normalized="C-1001")

    body = api("service").get("/api/v1/lookup", params).json()

    assert body["count"] == 1
    assert body["results"][0]["id"] == person.pk


def test_lookup_endpoint_needs_a_key_and_a_readable_phone(api):
    client = api("service")
    assert client.get("/api/v1/lookup").status_code == 422
    response = client.get("/api/v1/lookup", {"phone": "not a number"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "phone"


def test_lookup_endpoint_hides_persons_outside_visibility(api, actors, make_person):
    make_person(owner=actors["rep_south"], phones=["+4791234567"])
    assert api("rep_north").get("/api/v1/lookup", {"phone": "91234567"}).json() == {"count": 0, "results": []}


SEES_NORTH = {"admin": 200, "manager_north": 200, "rep_north": 200, "rep_north2": 404, "rep_south": 404,
              "service": 200, "marketing": 200}


@pytest.mark.parametrize("who,status", SEES_NORTH.items())
def test_card_endpoints_per_role(api, make_person, make_org, who, status):
    person = make_person()  # rep_north's, team North
    org = make_org()
    client = api(who)
    assert client.get(f"/api/v1/persons/{person.pk}/card").status_code == status
    assert client.get(f"/api/v1/persons/{person.pk}/timeline").status_code == status
    assert client.get(f"/api/v1/organizations/{org.pk}/card").status_code == status
    assert client.get(f"/api/v1/organizations/{org.pk}/timeline").status_code == status


@pytest.mark.parametrize("who", ["partner", "customer"])
def test_partner_and_customer_tokens_are_refused(api, make_person, who):
    person = make_person()
    client = api(who)
    # Their tokens are valid, but the staff API refuses them — the same 403 as for their sessions.
    assert client.get(f"/api/v1/persons/{person.pk}/card").status_code == 403
    assert client.get("/api/v1/lookup", {"q": "91234567"}).status_code == 403


@pytest.mark.parametrize("who", ["partner", "customer"])
def test_partner_and_customer_sessions_are_forbidden(login, actors, make_person, who):
    person = make_person()
    client = login(actors[who])
    assert client.get(f"/api/v1/persons/{person.pk}/card").status_code == 403
    assert client.get("/api/v1/lookup", {"q": "91234567"}).status_code == 403


def test_card_endpoint_needs_authentication(client, make_person):
    assert client.get(f"/api/v1/persons/{make_person().pk}/card").status_code == 401
