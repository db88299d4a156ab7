"""Sign-in: throttling and lockout by username and by address, with a clear page and an administrator's unlock;
"sign out everywhere else"; password policy; password reset by email over real SMTP."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def fail(client, username, times, address="192.0.2.1"):
    for _ in range(times):
        response = client.post("/accounts/login/", {"username": username, "password": "wrong"}, REMOTE_ADDR=address)
    return response


def test_five_failures_lock_the_username_with_a_clear_message_not_a_500(client, actors, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert fail(client, "rep_north", 4).status_code == 200  # the form again, with its error
    locked = fail(client, "rep_north", 1)
    assert locked.status_code == 429
    assert b'data-testid="locked-out"' in locked.content and b"15 minutes" in locked.content
    # Even the right password is refused now, from another address too.
    right = client.post("/accounts/login/", {"username": "rep_north", "password": PASSWORD}, REMOTE_ADDR="192.0.2.99")
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_many_usernames_from_one_address_lock_the_address(client, actors):
    for name in ["a1", "a2", "a3", "a4", "a5"]:
        fail(client, name, 1, address="198.51.100.7")
    blocked = client.post("/accounts/login/", {"username": "rep_north", "password": PASSWORD},
                          REMOTE_ADDR="198.51.100.7")
    assert blocked.status_code == 429
    elsewhere = client.post("/accounts/login/", {"username": "rep_north", "password": PASSWORD},
                            REMOTE_ADDR="198.51.100.8")
    assert elsewhere.status_code == 302


def test_an_admin_sees_and_unlocks_a_locked_username(client, login, actors):
    fail(client, "rep_north", 5)
    admin_client = login(actors["admin"])
    page = admin_client.get("/accounts/lockouts/")
    assert b"rep_north" in page.content
    admin_client.post("/accounts/lockouts/release/", {"username": "rep_north", "ip_address": "192.0.2.1"})
    assert not AccessAttempt.objects.filter(username="rep_north").exists()
    admin_client.logout()
    assert client.post("/accounts/login/", {"username": "rep_north", "password": PASSWORD},
                       REMOTE_ADDR="192.0.2.1").status_code == 302


def test_only_administrators_see_lockouts(login, actors):
    assert login(actors["manager_north"]).get("/accounts/lockouts/").status_code == 403


def test_sign_out_everywhere_else_ends_other_sessions_and_keeps_this_one(client, actors):
    from django.test import Client

    other = Client()
    for c in (client, other):
        assert c.post("/accounts/login/", {"username": "rep_north", "password": PASSWORD}).status_code == 302
    assert other.get("/persons/").status_code == 200
    client.post("/accounts/sessions/sign-out-elsewhere/")
    assert client.get("/persons/").status_code == 200
    assert other.get("/persons/").status_code == 302  # back to the login page


@pytest.mark.parametrize("password", ["short1", "password123", "1234567890123", "rep_north_2026"])
def test_weak_passwords_are_refused(actors, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=actors["rep_north"])


def test_password_reset_by_email_over_real_smtp(client, actors, smtp_server):
    user = actors["rep_north"]
    user.email = "rep.north@example.com"
    user.save()
    response = client.post("/accounts/password/reset/", {"email": "Rep.North@example.com"}, follow=True)
    assert b'data-testid="reset-sent"' in response.content
    [message] = smtp_server.messages
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                       {"new_password1": "Fjordlys-2026-kaffe", "new_password2": "Fjordlys-2026-kaffe"}, follow=True)
    assert done.status_code == 200
    assert client.post("/accounts/login/", {"username": "rep_north", "password": "Fjordlys-2026-kaffe"}
                       ).status_code == 302
    # The link works once.
    assert not client.get(link, follow=True).context["validlink"]


def test_no_email_is_sent_for_an_unknown_address_and_the_page_says_the_same(client, actors, smtp_server):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)
    assert b'data-testid="reset-sent"' in response.content and smtp_server.messages == []
