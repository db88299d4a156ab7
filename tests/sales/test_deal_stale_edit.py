"""A stale deal edit names who changed what, keeps the user's input and shows the saved values."""

import re
from html import unescape

from tests.sales.test_quotes_helpers import *  # noqa: F403 (fixtures)
from tillit.sales.models import Deal
from tillit.sales.services import deals as deal_services


def _form_values(html: str) -> dict:
    """What the browser would post back: every input's and every select's chosen value."""
    form = html[html.index('method="post"'):]
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if name and 'type="submit"' not in tag and ('type="checkbox"' not in tag or "checked" in tag):
            value = re.search(r'value="([^"]*)"', tag)
            values[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = unescape(body.strip())
    return values


def test_a_stale_deal_edit_names_who_changed_what(actors, deal, login):
    owner = actors["rep_north"]
    client = login(owner)
    opened = _form_values(client.get(f"/deals/{deal.pk}/edit/").content.decode())
    assert opened["version"] == "1"
    deal_services.deal_update(actors["manager_north"], Deal.objects.get(pk=deal.pk), 1, title="Heat pumps, phase 2")
    response = client.post(f"/deals/{deal.pk}/edit/", {**opened, "description": "Two units"})
    assert response.status_code == 409
    html = response.content.decode()
    assert re.search(r"Manager North changed Title at \d\d:\d\d while you were editing", html)
    assert "Two units" in html  # the user's input stays
    assert "Heat pumps, phase 2" in re.search(r'data-current="title">(.*?)</small>', html, re.S).group(1)
    assert Deal.objects.get(pk=deal.pk).description == ""
