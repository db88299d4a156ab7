import pytest

from tillit.accounts.models import ApiToken
from tillit.accounts.services import api_token_authenticate, api_token_create


def test_login_page_renders_without_login(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_login_with_password_lands_on_find_customer(client, actors):
    response = client.post("/accounts/login/", {"username": "rep_north", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_is_refused_with_a_message(client, actors):
    response = client.post("/accounts/login/", {"username": "rep_north", "password": "nope"})
    assert response.status_code == 200
    assert b'class="error"' in response.content


@pytest.mark.parametrize("role", ["partner", "customer"])
def test_partner_and_customer_accounts_cannot_open_staff_pages(login, actors, role):
    client = login(actors[role])
    assert client.get("/accounts/tokens/").status_code == 403


def test_preferences_switch_language_and_time_zone(login, actors):
    user = actors["rep_north"]
    client = login(user)
    response = client.post("/accounts/settings/", {"language": "nb", "time_zone": "America/New_York"}, follow=True)
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("nb", "America/New_York")
    assert response.headers["Content-Language"] == "nb"


def test_preferences_reject_an_unknown_time_zone(login, actors):
    client = login(actors["rep_north"])
    response = client.post("/accounts/settings/", {"language": "sv", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert b'data-field="time_zone"' in response.content


def test_token_is_shown_once_and_only_its_hash_is_stored(login, actors):
    client = login(actors["rep_north"])
    response = client.post("/accounts/tokens/", {"name": "ERP sync", "scopes": ["people:read"]})
    key = response.context["new_key"]
    assert key.startswith("tlt_") and key.encode() in response.content
    token = ApiToken.objects.get(user=actors["rep_north"])
    assert key not in (token.key_hash, token.prefix)
    assert api_token_authenticate(key=key) == actors["rep_north"]
    assert key.encode() not in client.get("/accounts/tokens/").content


def test_revoked_token_no_longer_authenticates(login, actors):
    token, key = api_token_create(user=actors["rep_north"], name="old")
    client = login(actors["rep_north"])
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api_token_authenticate(key=key) is None


def test_nobody_can_revoke_another_users_token(login, actors):
    token, key = api_token_create(user=actors["rep_south"], name="theirs")
    client = login(actors["rep_north"])
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api_token_authenticate(key=key) == actors["rep_south"]


def test_language_picker_names_each_language_in_itself(login, actors):
    client = login(actors["rep_north"])
    client.post("/accounts/settings/", {"language": "sv", "time_zone": "Europe/Stockholm"})
    page = client.get("/accounts/settings/").content.decode()
    assert "Norsk (bokmål)" in page and "Dansk" in page and "English" in page


def test_time_zone_choice_offers_the_nordic_zones_first_and_groups_the_rest(login, actors):
    html = login(actors["rep_north"]).get("/accounts/settings/").content.decode()
    select = html[html.index('name="time_zone"'):html.index("</select>", html.index('name="time_zone"'))]
    groups = [part.split('"', 1)[0] for part in select.split('<optgroup label="')[1:]]
    assert groups[0] == "Common" and "Europe" in groups and "America" in groups
    first = select.split('<optgroup label="')[1]
    assert '<option value="Europe/Oslo"' in first and '<option value="Europe/Stockholm"' in first
    assert '<option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires</option>' in select
    assert select.count('value="Europe/Oslo"') == 1  # not repeated in its region


def test_time_zone_from_the_common_group_saves(login, actors):
    client = login(actors["rep_north"])
    client.post("/accounts/settings/", {"language": "da", "time_zone": "Europe/Copenhagen"})
    actors["rep_north"].refresh_from_db()
    assert actors["rep_north"].time_zone == "Europe/Copenhagen"
