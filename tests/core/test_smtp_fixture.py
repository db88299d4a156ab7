from django.core.mail import EmailMessage


def test_mail_sent_through_django_arrives_at_the_local_smtp_server(smtp_server):
    EmailMessage("Tilbud Q-1", "Hei Kari", "salg@nordlys.example", ["kari@kunde.example"]).send()
    [message] = smtp_server.messages
    assert message["Subject"] == "Tilbud Q-1"
    assert smtp_server.envelopes[0][1] == ["kari@kunde.example"]
    assert "Hei Kari" in message.get_content()
