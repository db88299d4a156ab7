def test_health_needs_no_login_and_reports_the_database(client, db):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_pages_require_login(client, db):
    response = client.get("/persons/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_stylesheet_and_htmx_are_served_without_debug(client, db):
    for path in ("/static/tillit/tillit.css", "/static/django_htmx/htmx-2.min.js"):
        response = client.get(path)
        assert response.status_code == 200, path
