"""Reminder emails: the assignee of an open task hears about it once ``remind_at`` has passed.

Idempotent: each task is claimed by setting ``reminded_at`` with a conditional update before the
mail goes out, so two workers (or a retry) never send the same reminder twice. A mail that fails
releases the claim so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tillit.tasks.models import Task

log = logging.getLogger(__name__)
BATCH = 200


def due_reminders(now: dt.datetime) -> list[Task]:
    return list(
        Task.objects.filter(remind_at__lte=now, reminded_at__isnull=True, done_at__isnull=True)
        .select_related("assignee", "person", "organization", "deal")
        .order_by("remind_at", "id")[:BATCH]
    )


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Email every due, unsent reminder; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for task in due_reminders(now):
        if not task.assignee.email:
            # Nobody to mail: mark it so it is not retried every minute; the badge still shows it.
            Task.objects.filter(pk=task.pk, reminded_at__isnull=True).update(reminded_at=now)
            continue
        claimed = Task.objects.filter(pk=task.pk, reminded_at__isnull=True, done_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        try:
            _mail(task).send()
        except Exception:
            log.exception("reminder for task %s could not be sent", task.pk)
            Task.objects.filter(pk=task.pk, reminded_at=now).update(reminded_at=None)
            continue
        sent += 1
    return sent


def _mail(task: Task) -> EmailMessage:
    user = task.assignee
    with translation.override(user.language or settings.LANGUAGE_CODE):
        link = settings.TILLIT_BASE_URL.rstrip("/") + reverse("tasks:edit", args=[task.pk])
        context = {"task": task, "user": user, "link": link}
        subject = render_to_string("tasks/reminder_subject.txt", context).strip()
        body = render_to_string("tasks/reminder_email.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email])
