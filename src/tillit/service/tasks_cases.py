"""Background work for cases (``TILLIT_PERIODIC_TASKS``): retry replies the mail server refused."""

import datetime as dt

from django.utils import timezone
from django_tasks import task

from tillit.service import outbound
from tillit.service.models import CaseMessage, MessageKind

RETRY_WINDOW = dt.timedelta(days=3)  # older failures need a person to look at them


def retry_failed_replies(*, now=None, limit: int = 200) -> int:
    """Send again every recent reply whose send failed; returns how many went out now. Idempotent:
    a reply that went out has no ``send_error`` any more and is not picked again."""
    now = now or timezone.now()
    failed = (CaseMessage.objects.filter(kind=MessageKind.REPLY, occurred_at__gte=now - RETRY_WINDOW)
              .exclude(send_error="").order_by("occurred_at", "id")[:limit])
    return sum(outbound.send_reply(message) for message in failed)


@task()
def retry_failed_replies_task() -> int:
    return retry_failed_replies()
