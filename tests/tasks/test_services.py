import datetime as dt

import pytest
from django.utils import timezone

from tillit.core.errors import AccessDenied, Conflict, NotFound, ValidationError
from tillit.tasks import selectors, services
from tillit.tasks.models import Task

TODAY = dt.date(2026, 5, 4)


def test_create_defaults_to_the_actor_and_records_the_creator(actors, world):
    task = services.task_create(actor=actors["rep_north"], title="  Call   back ", person=world["p_north"])
    assert task.title == "Call back"
    assert task.assignee == actors["rep_north"] and task.created_by == actors["rep_north"]
    assert task.priority == "normal" and task.done_at is None


def test_bad_input_names_the_field(actors):
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=actors["rep_north"], title="")
    assert exc.value.field == "title"
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=actors["rep_north"], title="x", priority="urgent")
    assert exc.value.field == "priority"
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=actors["rep_north"], title="x", due_date="4 May")
    assert exc.value.field == "due_date"
    with pytest.raises(ValidationError) as exc:
        services.task_create(actor=actors["rep_north"], title="x", assignee=actors["customer"])
    assert exc.value.field == "assignee"
    assert not Task.objects.exists()


def test_a_rep_cannot_put_a_task_on_a_record_they_cannot_see(actors, world):
    with pytest.raises(NotFound):
        services.task_create(actor=actors["rep_south"], title="Snoop", person=world["p_north"])
    with pytest.raises(NotFound):
        services.task_create(actor=actors["rep_south"], title="Snoop", deal=world["deal"])
    with pytest.raises(AccessDenied):
        services.task_create(actor=actors["partner"], title="x")


def test_update_is_compare_and_swap_and_a_moved_reminder_is_sent_again(actors, world):
    rep = actors["rep_north"]
    task = services.task_create(actor=rep, title="Follow up", remind_at=timezone.now())
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task.refresh_from_db()
    services.task_update(actor=rep, task=task, expected_version=task.version,
                         remind_at=timezone.now() + dt.timedelta(days=1), priority="high")
    task.refresh_from_db()
    assert task.reminded_at is None and task.priority == "high" and task.version == 2
    stale = Task.objects.get(pk=task.pk)
    services.task_update(actor=rep, task=task, expected_version=2, title="Follow up again")
    with pytest.raises(Conflict):
        services.task_update(actor=rep, task=stale, expected_version=2, title="Lost write")
    assert Task.objects.get(pk=task.pk).title == "Follow up again"


def test_complete_and_reopen_record_who_and_when_and_are_idempotent(actors, world):
    rep = actors["rep_north"]
    task = services.task_create(actor=rep, title="Send brochure", person=world["p_north"])
    when = timezone.now() - dt.timedelta(hours=1)
    services.task_complete(actor=actors["manager_north"], task=task, now=when)
    services.task_complete(actor=rep, task=task)  # already done: nothing changes
    task.refresh_from_db()
    assert task.done_at == when and task.done_by == actors["manager_north"]
    services.task_reopen(actor=rep, task=task)
    task.refresh_from_db()
    assert task.done_at is None and task.done_by is None


def test_only_someone_who_sees_the_task_can_change_it(actors, world):
    task = services.task_create(actor=actors["rep_north"], title="Private", person=world["p_north"])
    with pytest.raises(NotFound):
        services.task_complete(actor=actors["rep_south"], task=task)
    # Assigned to rep_south on a record they cannot see: now they can work on it.
    services.task_update(actor=actors["rep_north"], task=task, expected_version=task.version,
                         assignee=actors["rep_south"])
    services.task_complete(actor=actors["rep_south"], task=task)


ALL = {"own", "on_north", "on_south", "assigned_to_north", "on_deal", "south_alone"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        # Own records, own assignments, own creations; and the tasks on p_south, whom north reads
        # through the open task assigned to her (a relationship grant).
        ("rep_north", {"own", "on_north", "assigned_to_north", "on_deal", "on_south"}),
        # Same team, but sales see only their own records (role setting "own").
        ("rep_north2", set()),
        # The team's records and whatever is assigned to a team member.
        ("manager_north", {"own", "on_north", "assigned_to_north", "on_deal", "on_south"}),
        ("rep_south", {"on_south", "assigned_to_north", "south_alone"}),
        ("admin", ALL),
        ("service", ALL),
        ("partner", set()),
        ("customer", set()),
    ],
)
def test_who_sees_which_task(actors, world, who, expected):
    north, south, admin = actors["rep_north"], actors["rep_south"], actors["admin"]
    tasks = [
        services.task_create(actor=north, title="own"),
        services.task_create(actor=admin, title="on_north", person=world["p_north"], assignee=admin),
        services.task_create(actor=south, title="on_south", person=world["p_south"]),
        # South created it for north about south's customer: both see it.
        services.task_create(actor=south, title="assigned_to_north", assignee=north, person=world["p_south"]),
        services.task_create(actor=admin, title="on_deal", deal=world["deal"], assignee=admin),
        services.task_create(actor=south, title="south_alone"),
    ]
    assert {t.title for t in selectors.visible_tasks(actors[who])} == expected
    for task in tasks:
        task = selectors.Task.objects.select_related("assignee", "person", "organization", "deal").get(pk=task.pk)
        assert selectors.can_see_task(actors[who], task) == (task.title in expected), task.title


def test_my_tasks_are_grouped_overdue_today_upcoming_no_date(actors):
    rep = actors["rep_north"]
    for title, due, priority in [("later", TODAY + dt.timedelta(days=3), "normal"), ("none", None, "normal"),
                                 ("late", TODAY - dt.timedelta(days=2), "normal"), ("now-low", TODAY, "low"),
                                 ("now-high", TODAY, "high")]:
        services.task_create(actor=rep, title=title, due_date=due, priority=priority)
    done = services.task_create(actor=rep, title="done", due_date=TODAY - dt.timedelta(days=9))
    services.task_complete(actor=rep, task=done)
    tasks = list(selectors.task_list(actor=rep))
    assert [t.title for t in tasks] == ["late", "now-high", "now-low", "later", "none"]
    buckets = selectors.group_by_due(tasks, today=TODAY)
    assert [(b.key, [t.title for t in b.tasks]) for b in buckets] == [
        ("overdue", ["late"]), ("today", ["now-high", "now-low"]), ("upcoming", ["later"]), ("nodate", ["none"]),
    ]
    assert [t.title for t in selectors.task_list(actor=rep, state="done")] == ["done"]
    assert selectors.overdue_count(actor=rep, today=TODAY) == 1


def test_scopes_mine_created_and_team(actors):
    north, north2, manager = actors["rep_north"], actors["rep_north2"], actors["manager_north"]
    services.task_create(actor=manager, title="for north", assignee=north)
    services.task_create(actor=north2, title="north2's own")
    services.task_create(actor=actors["rep_south"], title="south's own")
    assert [t.title for t in selectors.task_list(actor=north)] == ["for north"]
    assert [t.title for t in selectors.task_list(actor=manager, scope="created")] == ["for north"]
    assert {t.title for t in selectors.task_list(actor=manager, scope="team")} == {"for north", "north2's own"}
    # A rep asking for "team" gets their own tasks: the team filter is for managers.
    assert [t.title for t in selectors.task_list(actor=north2, scope="team")] == ["north2's own"]
    assert {t.title for t in selectors.task_list(actor=actors["admin"], scope="team")} == {
        "for north", "north2's own", "south's own"}
