"""The admin shows the log read-only."""

from tillit.interactions.services import log_interaction


def test_admin_lists_interactions_but_cannot_edit_them(actors, north_person, login):
    interaction = log_interaction(actor=actors["admin"], channel="phone", kind="call", person=north_person)
    client = login(actors["admin"])
    assert client.get("/admin/interactions/interaction/").status_code == 200
    page = client.get(f"/admin/interactions/interaction/{interaction.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get("/admin/interactions/interaction/add/").status_code == 403
