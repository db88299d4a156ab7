"""Every state-changing page refuses a POST without a CSRF token. The URLs come from the URL conf, so a page
added later is covered without anyone listing it; the few public endpoints that must take cross-site POSTs
are named here with the reason."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Cross-site POSTs by design; each is authorised by something other than a session cookie.
EXEMPT = {
    "marketing:tracking_collect": "the website script posts from the customer's site; it changes no one's account",
    "marketing:mailing_unsubscribe": "RFC 8058 one-click unsubscribe comes from mail clients; the signed link is key",
    "marketing:mailing_preferences": "reached from the email's signed link, like the unsubscribe",
}
ARGS = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


def _patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else "", prefix + str(entry.pattern), entry


def _url(route: str) -> str:
    import re

    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: ARGS.get(m.group(1) or "str", "x"), route)
    return "/" + route.replace("\\", "")


def page_urls():
    for name, route, _pattern in _patterns():
        if route.startswith(("api/", "static/", "admin/")) or "(?P" in route:
            continue
        yield pytest.param(name, _url(route), id=name or route)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), list(page_urls()))
def test_a_post_without_a_csrf_token_is_refused(actors, name, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors["admin"])
    response = client.post(url, {"name": "x", "version": "1"})
    if name in EXEMPT:
        assert response.status_code != 403 or b"CSRF" not in response.content
        return
    assert response.status_code == 403, f"{url} answered {response.status_code} to a POST without a CSRF token"


@pytest.mark.django_db
def test_the_api_refuses_a_session_post_without_a_csrf_token(actors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors["admin"])
    response = client.post("/api/v1/persons", {"first_name": "Kari"}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_every_page_pattern_is_covered():
    urls = list(page_urls())
    assert len(urls) > 100
    assert all(name in {p.values[0] for p in urls} for name in EXEMPT)
