def test_health_needs_no_login_and_reports_the_database(client, db):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_pages_require_login(client, db):
    response = client.get("/persons/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
