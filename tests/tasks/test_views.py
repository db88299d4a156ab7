import datetime as dt
import re

from django.utils import timezone

from tillit.tasks import services
from tillit.tasks.models import Task


def test_my_tasks_page_shows_overdue_first_and_hides_done(login, actors, world):
    rep = actors["rep_north"]
    today = timezone.localdate()
    services.task_create(actor=rep, title="Upcoming call", due_date=today + dt.timedelta(days=2))
    services.task_create(actor=rep, title="Late offer", due_date=today - dt.timedelta(days=1), person=world["p_north"])
    done = services.task_create(actor=rep, title="Finished thing")
    services.task_complete(actor=rep, task=done)
    services.task_create(actor=actors["rep_south"], title="Someone else's")
    html = login(rep).get("/tasks/").content.decode()
    assert html.index("Late offer") < html.index("Upcoming call")
    assert 'data-testid="bucket-overdue"' in html and "Kari Nord" in html
    assert "Finished thing" not in html and "Someone else" not in html
    assert 'data-testid="overdue-count"' in html
    assert "Finished thing" in login(rep).get("/tasks/?state=done").content.decode()


def test_empty_state(login, actors):
    html = login(actors["rep_north"]).get("/tasks/").content.decode()
    assert 'data-testid="empty"' in html and "Nothing to do right now." in html


def test_team_filter_only_for_managers(login, actors):
    services.task_create(actor=actors["rep_north2"], title="North2 work")
    assert "North2 work" in login(actors["manager_north"]).get("/tasks/?scope=team").content.decode()
    html = login(actors["rep_north"]).get("/tasks/?scope=team").content.decode()
    assert "North2 work" not in html and 'value="team"' not in html


def test_list_query_count_is_fixed(login, actors, world, django_assert_max_num_queries):
    rep = actors["rep_north"]
    for i in range(30):
        services.task_create(actor=rep, title=f"T{i}", person=world["p_north"], organization=world["o_north"],
                             deal=world["deal"], due_date=timezone.localdate() + dt.timedelta(days=i - 10))
    client = login(rep)
    with django_assert_max_num_queries(8):
        assert client.get("/tasks/").status_code == 200


def test_create_and_edit_with_a_stale_version(login, actors, world):
    rep = actors["rep_north"]
    client = login(rep)
    response = client.post(f"/tasks/new/?person={world['p_north'].pk}", {
        "title": "Book site visit", "priority": "high", "due_date": "2026-06-01", "person": world["p_north"].pk,
        "remind_at": "2026-05-31T09:00",
    })
    assert response.status_code == 302
    task = Task.objects.get()
    assert task.person == world["p_north"] and task.priority == "high" and task.assignee == rep
    assert task.remind_at is not None
    response = client.post(f"/tasks/{task.pk}/", {"version": task.version, "title": "Book visit", "priority": "low"})
    assert response.status_code == 302
    response = client.post(f"/tasks/{task.pk}/", {"version": task.version, "title": "Stale", "priority": "low"})
    assert response.status_code == 409
    html = response.content.decode()
    # The first edit also emptied the due date and reminder it did not post: named too.
    assert re.search(r"Rep North changed Title, Due date, Priority and Remind me at \d\d:\d\d while you were", html)
    assert 'value="Stale"' in html and 'data-current="title"' in html  # their input, and what is saved
    assert Task.objects.get().title == "Book visit"
    response = client.post("/tasks/new/", {"title": "", "priority": "normal"})
    assert response.status_code == 200 and 'data-field="title"' in response.content.decode()


def test_a_rep_cannot_open_or_add_to_records_they_cannot_see(login, actors, world):
    task = services.task_create(actor=actors["rep_north"], title="Mine", person=world["p_north"])
    client = login(actors["rep_south"])
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/done/").status_code == 404
    assert client.get(f"/tasks/new/?person={world['p_north'].pk}").status_code == 404
    assert client.post("/tasks/quick-add/", {"title": "x", "deal": world["deal"].pk}).status_code == 404
    assert Task.objects.count() == 1 and Task.objects.get().done_at is None


def test_one_click_done_and_undo_with_htmx(login, actors, world):
    rep = actors["rep_north"]
    task = services.task_create(actor=rep, title="Tick me")
    client = login(rep)
    response = client.post(f"/tasks/{task.pk}/done/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith("<tr") and "is-done" in html and 'data-testid="reopen"' in html
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == rep
    response = client.post(f"/tasks/{task.pk}/reopen/", {"layout": "item"}, HTTP_HX_REQUEST="true")
    assert response.content.decode().strip().startswith("<li")
    task.refresh_from_db()
    assert task.done_at is None


def test_quick_add_returns_the_panel(login, actors, world):
    rep = actors["rep_north"]
    client = login(rep)
    response = client.post("/tasks/quick-add/", {"title": "Call about the quote", "due_date": "2026-05-06",
                                                 "deal": world["deal"].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Call about the quote" in response.content.decode()
    task = Task.objects.get()
    assert task.deal == world["deal"] and task.due_date == dt.date(2026, 5, 6)
    response = client.post("/tasks/quick-add/", {"title": "", "person": world["p_north"].pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Task.objects.count() == 1


def test_partners_and_customers_get_no_task_pages(login, actors):
    for who in ("partner", "customer"):
        assert login(actors[who]).get("/tasks/").status_code in (302, 403, 404)


def test_overdue_badge_tag(rf, actors, django_assert_max_num_queries):
    from django.template import Context, Template

    rep = actors["rep_north"]
    request = rf.get("/")
    request.user = rep
    template = Template("{% load task_tags %}{% overdue_tasks_badge %}|{% overdue_tasks_count as n %}{{ n }}")
    assert template.render(Context({"request": request})) == "|0"
    services.task_create(actor=rep, title="Late", due_date=timezone.localdate() - dt.timedelta(days=1))
    services.task_create(actor=rep, title="Not late", due_date=timezone.localdate())
    with django_assert_max_num_queries(2):
        html = template.render(Context({"request": request}))
    assert 'data-testid="overdue-badge">1</span>' in html and html.endswith("|1")


def test_edit_form_shows_the_dates_the_browser_inputs_understand(login, actors):
    rep = actors["rep_north"]
    task = services.task_create(actor=rep, title="Dated", due_date=dt.date(2026, 6, 1),
                                remind_at=dt.datetime(2026, 5, 31, 7, 0, tzinfo=dt.UTC))
    html = login(rep).get(f"/tasks/{task.pk}/").content.decode()
    assert 'value="2026-06-01"' in html and 'type="datetime-local"' in html and 'value="2026-05-31T' in html
