import datetime as dt

from django.utils import timezone

from tillit.tasks import reminders, services
from tillit.tasks.models import Task


def test_due_reminders_are_emailed_once_over_real_smtp(smtp_server, actors, world, settings):
    settings.TILLIT_BASE_URL = "https://crm.example"
    rep = actors["rep_north"]
    rep.email = "rep@nordlys.example"
    rep.save()
    now = timezone.now()
    due = services.task_create(actor=rep, title="Call Kari about the heat pump", person=world["p_north"],
                               remind_at=now - dt.timedelta(minutes=5), due_date=now.date())
    services.task_create(actor=rep, title="Later", remind_at=now + dt.timedelta(hours=1))
    done = services.task_create(actor=rep, title="Already done", remind_at=now - dt.timedelta(hours=1))
    services.task_complete(actor=rep, task=done)
    services.task_create(actor=rep, title="No reminder")

    assert reminders.send_due_reminders(now=now) == 1
    assert reminders.send_due_reminders(now=now) == 0  # idempotent: reminded_at is set
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "rep@nordlys.example"
    assert "Call Kari about the heat pump" in mail["Subject"]
    body = mail.get_content()
    assert "Kari Nord" in body and f"https://crm.example/tasks/{due.pk}/" in body
    assert Task.objects.get(pk=due.pk).reminded_at == now

    # Moving the reminder sends it again, once.
    due.refresh_from_db()
    services.task_update(actor=rep, task=due, expected_version=due.version, remind_at=now + dt.timedelta(minutes=1))
    assert reminders.send_due_reminders(now=now + dt.timedelta(minutes=2)) == 1
    assert len(smtp_server.messages) == 2


def test_a_failing_server_leaves_the_reminder_for_the_next_run(settings, actors):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    rep = actors["rep_north"]
    rep.email = "rep@nordlys.example"
    rep.save()
    task = services.task_create(actor=rep, title="Retry me", remind_at=timezone.now() - dt.timedelta(minutes=1))
    assert reminders.send_due_reminders() == 0
    assert Task.objects.get(pk=task.pk).reminded_at is None


def test_the_background_task_runs(smtp_server, actors):
    from tillit.tasks.tasks import send_due_reminders

    rep = actors["rep_north"]
    rep.email = "rep@nordlys.example"
    rep.save()
    services.task_create(actor=rep, title="Via the task", remind_at=timezone.now() - dt.timedelta(minutes=1))
    assert send_due_reminders.call() == 1
    assert len(smtp_server.messages) == 1
