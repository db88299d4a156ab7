"""Bounces: DSN (RFC 3464) and JSON through the API; a hard bounce suppresses the address."""

import pytest

from tillit.interactions.models import Interaction
from tillit.marketing.email import bounces, sending, services
from tillit.marketing.email.models import Bounce, MailingMessage, MessageStatus, Suppression

from .conftest import NOW

DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: news@tillit.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"

--BOUND
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--BOUND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Mon, 2 Nov 2026 09:00:05 +0000

Final-Recipient: rfc822; {email}
Original-Recipient: rfc822;{email}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--BOUND
Content-Type: text/rfc822-headers

From: Tillit AS <news@tillit.example>
To: {email}
Subject: News
Message-ID: {message_id}

--BOUND--
"""


def dsn(*, email, message_id="<none@x>", action="failed", status="5.1.1", diagnostic="550 5.1.1 User unknown"):
    return DSN.format(email=email, message_id=message_id, action=action, status=status,
                      diagnostic=diagnostic).replace("\n", "\r\n").encode()


@pytest.fixture
def sent(db, actors, people, mailing, smtp_server):
    services.mailing_schedule(actor=actors["marketing"], mailing=mailing, expected_version=mailing.version,
                              scheduled_at=NOW, now=NOW)
    sending.send_due(now=NOW)
    return MailingMessage.objects.get(person=people["anna"])


def test_a_dsn_is_parsed_into_failed_recipients():
    items = bounces.parse_dsn(dsn(email="anna@example.com", message_id="<m1@tillit.example>"))
    assert items == [{"email": "anna@example.com", "type": "hard", "status_code": "5.1.1",
                      "reason": "550 5.1.1 User unknown", "message_id": "<m1@tillit.example>"}]
    soft = bounces.parse_dsn(dsn(email="a@b.c", action="delayed", status="4.2.2", diagnostic="452 mailbox full"))
    assert soft[0]["type"] == "soft"


def test_a_message_that_is_not_a_dsn_is_refused_naming_the_body():
    from tillit.core.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        bounces.parse_dsn(b"Subject: hello\r\n\r\nJust a mail")
    assert exc.value.field == "body"


def test_a_hard_bounce_dsn_marks_the_message_and_suppresses_the_address(sent, actors, login):
    client = login(actors["marketing"])
    response = client.post("/api/v1/marketing/bounces", data=dsn(email="anna@example.com", message_id=sent.message_id),
                           content_type="message/rfc822")
    assert response.status_code == 201, response.content
    assert response.json()[0]["message_id"] == sent.pk
    sent.refresh_from_db()
    assert sent.status == MessageStatus.BOUNCED and sent.bounce_type == "hard"
    assert Suppression.objects.filter(email="anna@example.com", purpose="", reason="hard_bounce").exists()
    assert sent.mailing.__class__.objects.get(pk=sent.mailing_id).bounced_count == 1
    logged = Interaction.objects.get(outcome="bounced_hard")
    assert logged.payload["mailing"] == sent.mailing_id and logged.campaign == sent.mailing.code
    # The same report again: recorded, but counted once.
    client.post("/api/v1/marketing/bounces", data=dsn(email="anna@example.com", message_id=sent.message_id),
                content_type="message/rfc822")
    assert sent.mailing.__class__.objects.get(pk=sent.mailing_id).bounced_count == 1
    assert Suppression.objects.count() == 1


def test_json_bounces_soft_do_not_suppress(sent, actors, login):
    response = login(actors["marketing"]).post(
        "/api/v1/marketing/bounces", {"email": "bo@example.com", "type": "soft", "reason": "mailbox full"},
        content_type="application/json")
    assert response.status_code == 201
    assert Bounce.objects.get().message.person.first_name == "Bo"
    assert not Suppression.objects.exists()


def test_bad_json_bounce_names_the_field(db, actors, login):
    client = login(actors["marketing"])
    response = client.post("/api/v1/marketing/bounces", {"email": "x@example.com", "type": "weird"},
                           content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "type"
    items = [{"email": "ok@example.com", "type": "hard"}, {"email": "not-an-email", "type": "hard"}]
    response = client.post("/api/v1/marketing/bounces", items, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "email"
    assert not Bounce.objects.exists()  # nothing half-written


@pytest.mark.parametrize("role, status", [("rep_north", 403), ("service", 403), ("partner", 403), ("customer", 403),
                                          ("manager_north", 201), ("admin", 201)])
def test_who_may_report_bounces(db, actors, login, role, status):
    response = login(actors[role]).post("/api/v1/marketing/bounces", {"email": "x@example.com", "type": "soft"},
                                        content_type="application/json")
    assert response.status_code == status


def test_the_bounce_endpoint_needs_authentication(db, client):
    response = client.post("/api/v1/marketing/bounces", {"email": "x@example.com", "type": "soft"},
                           content_type="application/json")
    assert response.status_code == 401
