"""Sending over the real local SMTP server: headers, tracking, consent enforcement, rate and resume."""

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tillit.interactions.models import Interaction
from tillit.marketing.email import sending, services
from tillit.marketing.email.models import Mailing, MailingMessage, MailingStatus, MessageStatus, Suppression
from tillit.marketing.email.tokens import read_token
from tillit.people.models import Consent, Person

from .conftest import NOW, make_person


def _schedule(mailing, actor, when=NOW):
    return services.mailing_schedule(actor=actor, mailing=mailing, expected_version=mailing.version,
                                     scheduled_at=when, now=when)


def _html(msg):
    return msg.get_body(preferencelist=("html",)).get_content()


def test_a_due_mailing_goes_to_consenting_recipients_with_tracking_and_unsubscribe_headers(
        db, actors, people, mailing, smtp_server, base_url):
    _schedule(mailing, actors["marketing"])
    result = sending.send_due(now=NOW)

    assert result == {"started": 1, "sent": 2}
    recipients = sorted(rcpt for _, rcpts, _ in smtp_server.envelopes for rcpt in rcpts)
    # Cecilie has no consent, Dag no address, Eva consented to campaign emails only.
    assert recipients == ["anna@example.com", "bo@example.com"]
    msg = next(m for m in smtp_server.messages if m["To"] == "anna@example.com")
    assert msg["Subject"] == "News for Anna"
    assert msg["From"] == "Tillit AS <news@tillit.example>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.match(r"<(https://crm\.example\.com/e/u/([^>]+))>, <mailto:[^>]+>$", msg["List-Unsubscribe"])
    assert unsubscribe, msg["List-Unsubscribe"]
    stored = MailingMessage.objects.get(email="anna@example.com")
    assert read_token("unsubscribe", unsubscribe.group(2)) == (stored.pk, None)
    assert msg["Message-ID"] == stored.message_id and stored.message_id.endswith("@tillit.example>")
    html = _html(msg)
    pixel = re.search(r'src="https://crm\.example\.com/e/o/([^"]+)\.gif"', html)
    assert pixel and read_token("open", pixel.group(1)) == (stored.pk, None)
    clicks = re.findall(r'href="https://crm\.example\.com/e/c/([^"]+)"', html)
    assert [read_token("click", c) for c in clicks] == [(stored.pk, 0), (stored.pk, 1)]
    assert "https://example.com/news" not in html  # only tracked links
    assert f'href="{unsubscribe.group(1)}"' in html  # {{ unsubscribe_url }} in the body
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Anna" in text and "/e/c/" in text

    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT
    assert (mailing.recipients_count, mailing.sent_count, mailing.suppressed_count) == (2, 2, 3)
    sent_log = Interaction.objects.get(person=people["anna"], kind="email_sent")
    assert sent_log.campaign == mailing.code and sent_log.payload["mailing"] == mailing.pk


def test_the_campaign_code_is_used_when_the_mailing_belongs_to_a_campaign(db, actors, mailing, smtp_server):
    from tillit.marketing.web.models import Campaign

    campaign = Campaign.objects.create(name="Winter", code="winter-26")
    mailing = services.mailing_update(actor=actors["marketing"], mailing=mailing, expected_version=mailing.version,
                                      campaign=campaign.pk)
    _schedule(mailing, actors["marketing"])
    sending.send_due(now=NOW)
    assert set(Interaction.objects.filter(kind="email_sent").values_list("campaign", flat=True)) == {"winter-26"}


def test_a_consent_withdrawn_after_the_start_stops_the_mail(db, actors, people, mailing, smtp_server):
    mailing.rate_per_minute = 1
    mailing.save(update_fields=["rate_per_minute"])
    _schedule(mailing, actors["marketing"])
    sending.send_due(now=NOW)  # starts; sends one (Anna, the lowest id)
    assert len(smtp_server.envelopes) == 1
    Consent.objects.filter(person=people["bo"]).update(withdrawn_at=NOW)

    sending.send_due(now=NOW + dt.timedelta(minutes=1))

    assert len(smtp_server.envelopes) == 1
    assert MailingMessage.objects.get(person=people["bo"]).status == MessageStatus.SUPPRESSED
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT


def test_an_unsubscribe_after_the_start_stops_the_mail(db, actors, people, mailing, smtp_server):
    mailing.rate_per_minute = 1
    mailing.save(update_fields=["rate_per_minute"])
    _schedule(mailing, actors["marketing"])
    sending.send_due(now=NOW)
    Suppression.objects.create(email="BO@example.com", purpose="", reason="hard_bounce")
    sending.send_due(now=NOW + dt.timedelta(minutes=1))
    assert [r for _, rcpts, _ in smtp_server.envelopes for r in rcpts] == ["anna@example.com"]


@hsettings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states=st.lists(
    st.tuples(st.booleans(), st.booleans(), st.sampled_from(["", "newsletter", "marketing_email"]), st.booleans()),
    min_size=1, max_size=6,
))
def test_nobody_without_consent_or_with_an_unsubscribe_ever_gets_a_campaign_email(
        db, actors, smtp_server, states, django_db_blocker):
    """Random persons: consent given or not, withdrawn or not, unsubscribed (all / this purpose / another)."""
    from tillit.marketing.models import StaticList, StaticListMember

    smtp_server.envelopes.clear()
    Person.objects.all().delete()
    Mailing.objects.all().delete()
    StaticList.objects.all().delete()
    allowed = set()
    persons = []
    for i, (consent, withdrawn, unsub_purpose, unsubscribed) in enumerate(states):
        person = make_person(f"P{i}", f"p{i}@example.com", consents=("marketing_email",) if consent else ())
        if consent and withdrawn:
            Consent.objects.filter(person=person).update(withdrawn_at=NOW - dt.timedelta(days=1))
        if unsubscribed:
            Suppression.objects.create(person=person, email=person.primary_email, purpose=unsub_purpose,
                                       reason="unsubscribed")
        if consent and not withdrawn and not (unsubscribed and unsub_purpose in ("", "marketing_email")):
            allowed.add(person.primary_email)
        persons.append(person)
    static_list = StaticList.objects.create(name="Random")
    StaticListMember.objects.bulk_create([StaticListMember(static_list=static_list, person=p) for p in persons])
    mailing = services.mailing_create(actor=actors["marketing"], name="Offer", kind="campaign", subject="Offer",
                                      body="Hi {{ first_name }}", static_lists=[static_list], rate_per_minute=100)
    _schedule(mailing, actors["marketing"])
    sending.send_due(now=NOW)

    got = {r for _, rcpts, _ in smtp_server.envelopes for r in rcpts}
    assert got == allowed


@pytest.mark.parametrize("minutes, claimed, expected", [
    (0, 0, 10),     # the first minute's batch at once
    (0, 10, 0),     # nothing more within the same minute
    (1, 10, 10),
    (5, 10, 10),    # a worker that was down does not burst to catch up
    (5, 55, 5),
    (2.5, 25, 5),
])
def test_batch_size_follows_the_rate_per_minute(minutes, claimed, expected):
    assert sending.batch_size(rate_per_minute=10, started_at=NOW, now=NOW + dt.timedelta(minutes=minutes),
                              claimed=claimed) == expected


def test_sending_goes_at_the_configured_rate(db, actors, people, mailing, smtp_server):
    mailing.rate_per_minute = 1
    mailing.save(update_fields=["rate_per_minute"])
    _schedule(mailing, actors["marketing"])
    sending.send_due(now=NOW)
    sending.send_due(now=NOW + dt.timedelta(seconds=30))
    assert len(smtp_server.envelopes) == 1
    sending.send_due(now=NOW + dt.timedelta(seconds=61))
    assert len(smtp_server.envelopes) == 2


def test_a_mailing_scheduled_for_later_waits(db, actors, mailing, smtp_server):
    _schedule(mailing, actors["marketing"], when=NOW + dt.timedelta(hours=1))
    assert sending.send_due(now=NOW) == {"started": 0, "sent": 0}
    assert sending.send_due(now=NOW + dt.timedelta(hours=1))["sent"] == 2


def test_running_again_and_resuming_never_sends_a_message_twice(db, actors, people, mailing, smtp_server):
    _schedule(mailing, actors["marketing"])
    sending.mailing_start(mailing.pk, now=NOW)
    assert sending.mailing_start(mailing.pk, now=NOW) is None  # starting is idempotent
    # A worker claimed Anna's message and died before recording the result.
    anna = MailingMessage.objects.get(person=people["anna"])
    MailingMessage.objects.filter(pk=anna.pk).update(status=MessageStatus.SENDING, claimed_at=NOW)

    sending.send_due(now=NOW)
    sending.send_due(now=NOW + dt.timedelta(minutes=1))
    sending.send_due(now=NOW + dt.timedelta(minutes=30))

    assert [r for _, rcpts, _ in smtp_server.envelopes for r in rcpts] == ["bo@example.com"]
    anna.refresh_from_db()
    assert anna.status == MessageStatus.FAILED and "not retried" in anna.error
    assert Interaction.objects.filter(kind="email_sent").count() == 1
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.SENT and mailing.failed_count == 1


def test_a_failing_smtp_server_fails_the_messages_without_stopping(db, actors, mailing, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    _schedule(mailing, actors["marketing"])
    assert sending.send_due(now=NOW)["sent"] == 0
    assert set(MailingMessage.objects.values_list("status", flat=True)) == {MessageStatus.FAILED}
    mailing.refresh_from_db()
    assert mailing.failed_count == 2 and mailing.status == MailingStatus.SENT


def test_a_cancelled_mailing_stops_sending(db, actors, mailing, smtp_server):
    mailing.rate_per_minute = 1
    mailing.save(update_fields=["rate_per_minute"])
    _schedule(mailing, actors["marketing"])
    sending.send_due(now=NOW)
    mailing.refresh_from_db()
    services.mailing_cancel(actor=actors["marketing"], mailing=mailing, expected_version=mailing.version)
    sending.send_due(now=NOW + dt.timedelta(minutes=5))
    assert len(smtp_server.envelopes) == 1
    assert MailingMessage.objects.filter(status=MessageStatus.QUEUED).count() == 1


def test_test_send_goes_to_the_current_user_only(db, actors, people, mailing, smtp_server):
    actors["marketing"].email = "erik@tillit.example"
    actors["marketing"].save()
    services.mailing_test_send(actor=actors["marketing"], mailing=mailing)
    assert [r for _, rcpts, _ in smtp_server.envelopes for r in rcpts] == ["erik@tillit.example"]
    assert smtp_server.messages[0]["Subject"].startswith("[Test]")
    assert not MailingMessage.objects.exists()


def test_test_send_without_an_address_names_the_field(db, actors, mailing, smtp_server):
    from tillit.core.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.mailing_test_send(actor=actors["marketing"], mailing=mailing)
    assert exc.value.field == "email"
