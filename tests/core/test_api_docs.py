"""/api/v1/docs: Swagger UI from Tillit's own static files (no CDN), inside Tillit's navigation."""

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.django_db


def test_docs_page_loads_swagger_from_tillit_and_has_the_navigation(login, actors):
    html = login(actors["admin"]).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert 'class="topbar"' in html and 'id="swagger-ui"' in html


@pytest.mark.browser
def test_docs_page_renders_the_operations_without_internet(browser_login, actors, live_server):
    page = browser_login(actors["admin"])
    local = urlparse(live_server.url).netloc
    outside = []

    def only_local(route):
        if urlparse(route.request.url).netloc != local:
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", only_local)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/api/v1/docs")
    # A large document takes Swagger UI a while to render on a busy machine.
    path = page.locator(".opblock-summary-path", has_text="/api/v1/persons/{person_id}/card")
    path.first.wait_for(timeout=30_000)
    assert page.locator(".opblock").count() > 50
    assert page.locator("header.topbar").is_visible()
    assert errors == [] and outside == []
    page.screenshot(path="/tmp/card-api-docs.png")
