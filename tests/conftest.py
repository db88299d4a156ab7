"""Shared actors and fixtures.

Actors (all password ``pw``): ``admin``; team North: ``manager_north`` (manager), ``rep_north``
and ``rep_north2`` (sales, visibility own); team South: ``rep_south`` (sales); ``service``
(service, sees all); ``marketing``; ``partner`` and ``customer`` (no staff access).
"""

import os
import shutil
import time

import pytest
from django.test import Client

from tillit.accounts.models import Role, Team, User

PASSWORD = "pw"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_optional(settings):
    # Production requires two-factor sign-in for admins and managers; most tests sign those roles in to test
    # something else. tests/accounts/test_two_factor.py turns the requirement back on and tests it.
    settings.TILLIT_2FA_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def _own_cache(settings):
    # Production uses a file cache in the data folder; parallel test workers would share it and see each
    # other's rate limits and cached counts. Each test gets an empty in-memory cache of its own.
    import uuid

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture(autouse=True)
def _reset_language_and_time_zone():
    # A request as a user with a language or time zone activates it for the thread; the next test
    # starts in English and the default zone again, whichever test ran before it.
    yield
    from django.utils import timezone, translation

    translation.activate("en")
    timezone.deactivate()


@pytest.fixture
def teams(db):
    return {"north": Team.objects.create(name="North"), "south": Team.objects.create(name="South")}


def _user(username: str, role: str, team: Team | None = None, **extra) -> User:
    user = User(username=username, role=role, team=team, first_name=username.replace("_", " ").title(), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def actors(teams):
    return {
        "admin": _user("admin", Role.ADMIN, is_superuser=True, is_staff=True),
        "manager_north": _user("manager_north", Role.MANAGER, teams["north"]),
        "rep_north": _user("rep_north", Role.SALES, teams["north"]),
        "rep_north2": _user("rep_north2", Role.SALES, teams["north"]),
        "rep_south": _user("rep_south", Role.SALES, teams["south"]),
        "service": _user("service", Role.SERVICE),
        "marketing": _user("marketing", Role.MARKETING),
        "partner": _user("partner", Role.PARTNER),
        "customer": _user("customer", Role.CUSTOMER),
    }


@pytest.fixture
def login(client: Client):
    """``login(user)`` signs the test client in as ``user`` and returns the client."""

    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


# --- real browser ---------------------------------------------------------------------------
CHROMIUM = os.environ.get("TILLIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("TILLIT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required (TILLIT_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"!! SKIPPED: no Chromium at {CHROMIUM} — install Debian's chromium to run browser tests")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM use is safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    # On PostgreSQL a request the live server is still handling while the test database is emptied
    # deadlocks the flush: before closing, wait until every request the page sent has its answer.
    pending = set()
    pg.on("request", lambda request: pending.add(request))
    pg.on("requestfinished", lambda request: pending.discard(request))
    pg.on("requestfailed", lambda request: pending.discard(request))
    yield pg
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline and not pg.is_closed():
        pg.wait_for_timeout(50)
    context.close()


@pytest.fixture
def browser_login(page, live_server):
    """``browser_login(user)`` logs the browser in through the real login form."""

    def _login(user: User):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login" not in url)
        return page

    return _login


# --- real SMTP on loopback --------------------------------------------------------------------
class _Inbox:
    """Messages the local SMTP server received: ``messages`` (``email.message.EmailMessage``) and
    ``envelopes`` (sender, recipients, raw bytes) in arrival order."""

    def __init__(self):
        self.envelopes: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        from email import policy
        from email.parser import BytesParser

        return [BytesParser(policy=policy.default).parsebytes(raw) for _, _, raw in self.envelopes]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; Django's SMTP backend is pointed at it."""
    import socket

    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    inbox.port = port
    yield inbox
    controller.stop()
