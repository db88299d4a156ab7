"""The support form's per-visitor limit behind reverse proxies (TILLIT_TRUSTED_PROXIES)."""

import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from tillit.core.proxies import client_ip
from tillit.service.views import SUPPORT_FORM_LIMIT

FORM = {"name": "A", "email": "a@b.no", "kind": "question", "subject": "S", "message": "M"}


def ip_of(remote: str, forwarded: str | None = None) -> str:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/support/", **extra))


@pytest.fixture
def anonymous(client, db, settings):
    # A cache of this test's own: the default file cache is shared with parallel workers (and their limits).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"support-form-{uuid.uuid4()}"}}
    cache.clear()
    client.logout()
    return client


def post(client, remote: str, forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("service:support_form"), FORM, **extra).status_code


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TILLIT_TRUSTED_PROXIES = []
    assert ip_of("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(settings):
    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.5"]
    assert ip_of("10.0.0.5", "198.51.100.1") == "198.51.100.1"
    assert ip_of("10.0.0.5") == "10.0.0.5"  # no header: the proxy is all we know


def test_the_right_most_untrusted_hop_wins_over_what_the_client_wrote(settings):
    # Client 198.51.100.1 sends a made-up header; the CDN (172.16.0.0/12) and the proxy append real hops.
    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.5", "172.16.0.0/12"]
    assert ip_of("10.0.0.5", "1.2.3.4, 198.51.100.1, 172.16.3.4") == "198.51.100.1"
    assert ip_of("10.0.0.5", "172.20.0.1, 172.16.3.4") == "172.20.0.1"  # only proxies: the farthest one
    assert ip_of("10.0.0.5", "198.51.100.1:5123, [2001:db8::2]:443") == "2001:db8::2"
    assert ip_of("10.0.0.5", "198.51.100.1, not-an-ip") == "10.0.0.5"  # garbage stops the walk
    assert ip_of("::ffff:10.0.0.5", "198.51.100.1") == "198.51.100.1"  # dual-stack socket


def test_an_untrusted_client_cannot_spoof_its_way_past_the_limit(anonymous, settings):
    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    codes = [post(anonymous, "203.0.113.7", f"198.51.100.{i}") for i in range(SUPPORT_FORM_LIMIT + 2)]
    assert codes[:SUPPORT_FORM_LIMIT] == [200] * SUPPORT_FORM_LIMIT and codes[SUPPORT_FORM_LIMIT:] == [429, 429]


def test_visitors_behind_one_proxy_each_have_their_own_limit(anonymous, settings):
    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.5"]
    first = [post(anonymous, "10.0.0.5", "198.51.100.1") for _ in range(SUPPORT_FORM_LIMIT + 1)]
    assert first[-1] == 429
    assert post(anonymous, "10.0.0.5", "198.51.100.2") == 200
    # The limited visitor cannot get round it by prepending a made-up address.
    assert post(anonymous, "10.0.0.5", "192.0.2.99, 198.51.100.1") == 429


def test_a_bad_entry_is_a_clear_configuration_error(settings):
    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.local"]
    with pytest.raises(ImproperlyConfigured, match="proxy.local"):
        ip_of("10.0.0.5", "198.51.100.1")


def test_the_system_check_names_a_bad_entry(settings):
    from tillit.core.proxies import check_trusted_proxies

    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.0/33"]
    [error] = check_trusted_proxies()
    assert error.id == "tillit.core.E001" and "10.0.0.0/33" in error.msg
    settings.TILLIT_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    assert check_trusted_proxies() == []


def test_a_request_without_an_address_gives_none_for_the_ip_columns(rf):
    from tillit.core.proxies import client_ip_or_none

    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_ip_or_none(request) is None
    assert client_ip_or_none(rf.get("/", REMOTE_ADDR="192.0.2.4")) == "192.0.2.4"
