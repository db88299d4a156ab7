"""The scheduler enqueues each periodic task when its interval has passed, and a broken entry
does not stop the others."""

from django_tasks import task

from tillit.core import schedule

ran: list[str] = []


@task()
def note_run() -> None:
    ran.append("run")


def test_every_entry_is_due_at_start_and_again_after_its_interval(settings):
    settings.TILLIT_PERIODIC_TASKS = [("a.fast", 60), ("b.slow", 3600)]
    last: dict[str, float] = {}
    assert schedule.due_entries(last, now=1000.0) == ["a.fast", "b.slow"]
    last = {"a.fast": 1000.0, "b.slow": 1000.0}
    assert schedule.due_entries(last, now=1059.0) == []
    assert schedule.due_entries(last, now=1060.0) == ["a.fast"]
    assert schedule.due_entries(last, now=4600.0) == ["a.fast", "b.slow"]


def test_run_once_enqueues_the_tasks_and_survives_a_broken_entry(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.TILLIT_PERIODIC_TASKS = [("no.such.task", 60), ("tests.core.test_schedule.note_run", 60)]
    ran.clear()
    schedule.run_forever(once=True)
    assert ran == ["run"]


def test_every_configured_periodic_task_is_a_background_task(settings):
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    for path, seconds in settings.TILLIT_PERIODIC_TASKS:
        assert isinstance(import_string(path), Task), path
        assert seconds >= 30, path
