"""On a phone-sized screen every menu entry can be seen and reached."""

import pytest

WIDTH = 390


def _inside(box) -> bool:
    return box is not None and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH


@pytest.mark.browser
@pytest.mark.parametrize("role", ["admin", "rep_north"])
def test_every_menu_entry_is_visible_at_phone_width(actors, browser_login, role):
    page = browser_login(actors[role])
    page.set_viewport_size({"width": WIDTH, "height": 844})
    page.goto("/")
    top = page.locator("nav.mainnav > a, nav.mainnav > details > summary")
    assert top.count() >= 5
    for i in range(top.count()):
        entry = top.nth(i)
        assert entry.is_visible() and _inside(entry.bounding_box()), entry.inner_text()
    menus = page.locator("nav.mainnav > details")
    for i in range(menus.count()):
        menu = menus.nth(i)
        menu.locator("summary").click()
        links = menu.locator(".menu a")
        assert links.count() > 0
        for j in range(links.count()):
            link = links.nth(j)
            assert link.is_visible() and _inside(link.bounding_box()), link.inner_text()
        if i == 1:
            page.screenshot(path=f"/tmp/edges-nav-{role}.png")
        menu.locator("summary").click()
    page.screenshot(path=f"/tmp/edges-nav-{role}-closed.png")
