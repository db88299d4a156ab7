"""Two-factor sign-in: required for admins and managers by default, optional for the others; TOTP from an
authenticator app with single-use recovery codes; half-signed-in users reach nothing but the next step."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(settings):
    settings.TILLIT_2FA_REQUIRED_ROLES = ["admin", "manager"]


@pytest.fixture(autouse=True)
def _no_wait_after_a_wrong_code(settings):
    # django-otp makes a device wait 1 s, 2 s, 4 s … after each wrong code; these tests try again at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code(device, drift=0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response


def set_up(client, user) -> tuple[TOTPDevice, list[str]]:
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-factor/setup/", {"code": code(device)})
    assert response.status_code == 200
    return TOTPDevice.objects.get(user=user, confirmed=True), response.context["codes"]


def test_a_manager_must_set_up_two_factor_before_reaching_any_page(client, actors, required):
    manager = actors["manager_north"]
    sign_in(client, manager)
    response = client.get("/persons/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/setup/")
    assert "next=%2Fpersons%2F" in response["Location"]
    # The API does not count a half sign-in either.
    assert client.get("/api/v1/persons").status_code == 401

    page = client.get("/accounts/two-factor/setup/")
    assert b"data-testid=\"totp-qr\"" in page.content and page.context["required"]
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000" if code(device) != "000000" else "111111"})
    assert b'data-field="code"' in wrong.content and not TOTPDevice.objects.filter(confirmed=True).exists()


def test_setting_up_gives_ten_recovery_codes_and_opens_the_pages(client, actors, required, settings):
    manager = actors["manager_north"]
    sign_in(client, manager)
    _device, codes = set_up(client, manager)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/persons/").status_code == 200
    assert client.get("/api/v1/persons").status_code == 200


def test_next_sign_in_asks_for_the_code_and_accepts_a_recovery_code_once(client, actors, required, settings):
    manager = actors["manager_north"]
    sign_in(client, manager)
    device, codes = set_up(client, manager)
    client.post("/accounts/logout/")

    sign_in(client, manager)
    response = client.get("/persons/")
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    refused = client.post("/accounts/two-factor/verify/", {"code": "12345678"})
    assert b'data-field="code"' in refused.content
    answer = client.post("/accounts/two-factor/verify/?next=/persons/", {"code": code(device, drift=1),
                                                                         "next": "/persons/"})
    assert answer.status_code == 302 and answer["Location"] == "/persons/"
    client.post("/accounts/logout/")

    sign_in(client, manager)
    assert client.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, manager)
    used_again = client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert used_again.status_code == 200 and b'data-field="code"' in used_again.content


def test_a_sales_rep_may_sign_in_without_and_turn_it_on_and_off(client, actors, required, settings):
    rep = actors["rep_north"]
    sign_in(client, rep)
    assert client.get("/persons/").status_code == 200
    set_up(client, rep)
    assert client.get("/accounts/security/").context["has_two_factor"]
    client.post("/accounts/two-factor/disable/")
    assert not TOTPDevice.objects.filter(user=rep).exists()


def test_a_required_role_cannot_turn_it_off(client, actors, required, settings):
    manager = actors["manager_north"]
    sign_in(client, manager)
    set_up(client, manager)
    client.post("/accounts/two-factor/disable/", follow=True)
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).exists()


def test_an_open_redirect_through_next_is_refused(client, actors, required, settings):
    manager = actors["manager_north"]
    sign_in(client, manager)
    device = TOTPDevice.objects.create(user=manager, confirmed=True, name="app")
    manager.two_factor_enabled = True
    manager.save()
    response = client.post("/accounts/two-factor/verify/", {"code": code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_administrator_resets_a_lost_authenticator_in_the_admin(client, actors, settings):
    from django.test import Client

    settings.TILLIT_2FA_REQUIRED_ROLES = ["manager"]  # the admin here has not set up an authenticator
    manager = actors["manager_north"]
    sign_in(client, manager)
    set_up(client, manager)
    admin_user = actors["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    admin = Client()
    admin.force_login(admin_user)
    admin.post("/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [manager.pk]})
    manager.refresh_from_db()
    assert not manager.two_factor_enabled and not TOTPDevice.objects.filter(user=manager).exists()
