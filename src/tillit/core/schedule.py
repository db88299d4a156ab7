"""Periodic background work: which tasks run how often.

``tillit scheduler`` (started by ``tillit serve`` next to the worker) enqueues each entry of
``settings.TILLIT_PERIODIC_TASKS`` — ``(dotted path of a django-tasks task, seconds)`` — when it
is due; the worker runs it. Every periodic task must be idempotent and cheap when there is
nothing to do, because a restart or a second scheduler may run it early.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def due_entries(last_run: dict[str, float], now: float) -> list[str]:
    """The task paths whose interval has passed since they were last enqueued (all on the first call)."""
    return [path for path, every in settings.TILLIT_PERIODIC_TASKS if now - last_run.get(path, -1e18) >= every]


def run_forever(*, tick: float = 5.0, once: bool = False, sleep: Callable[[float], None] = time.sleep) -> None:
    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for path in due_entries(last_run, now):
            try:
                import_string(path).enqueue()
            except Exception:  # one broken entry must not stop the others
                log.exception("could not enqueue periodic task %s", path)
            last_run[path] = now
        if once:
            return
        sleep(tick)
