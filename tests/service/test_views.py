"""Service pages: inbox, list, case page and its actions, queues, the public support form — per role."""

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from tillit.interactions.models import Interaction
from tillit.service import queues, services
from tillit.service.models import Case, CaseStatus, MessageKind, Queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(actors, customers):
    support = queues.queue_create(actor=actors["admin"], name="Support", is_default=True)
    queues.queue_set_members(actor=actors["admin"], queue=support, users=[actors["service"]])
    svc = actors["service"]
    return {
        "kari": services.case_create(actor=svc, person=customers["kari"], subject="Kari's pump", body="Noisy"),
        "sven": services.case_create(actor=svc, person=customers["sven"], subject="Sven's invoice", body="Wrong",
                                     priority="urgent"),
        "ola": services.case_create(actor=svc, person=customers["ola"], subject="Ola's return", body="Broken",
                                    assignee=svc),
        "queue": support,
    }


def test_the_inbox_shows_my_cases_and_my_queues_unassigned_most_urgent_first(login, actors, cases):
    response = login(actors["service"]).get(reverse("service:inbox"))
    assert response.status_code == 200
    rows = [c.number for c in response.context["page"].object_list]
    assert rows[0] == cases["sven"].number  # urgent first
    assert set(rows) == {cases["kari"].number, cases["sven"].number, cases["ola"].number}


def test_the_inbox_takes_a_fixed_number_of_queries(login, actors, cases, customers, django_assert_max_num_queries):
    client = login(actors["service"])
    for i in range(15):
        services.case_create(actor=actors["service"], person=customers["ola"], subject=f"More {i}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("service:inbox")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("service:case_list")).status_code == 200


def test_a_rep_sees_only_cases_of_their_customers_and_cannot_act(login, actors, cases):
    client = login(actors["rep_north"])
    listed = [c.pk for c in client.get(reverse("service:case_list")).context["page"].object_list]
    assert listed == [cases["kari"].pk]
    page = client.get(reverse("service:case", args=[cases["kari"].pk]))
    assert page.status_code == 200 and b"reply-form" not in page.content
    assert client.get(reverse("service:case", args=[cases["sven"].pk])).status_code == 404
    post = client.post(reverse("service:case_note", args=[cases["kari"].pk]), {"body": "hi"})
    assert post.status_code == 422 and not cases["kari"].messages.filter(kind="note").exists()
    assert client.post(reverse("service:case_take", args=[cases["kari"].pk])).status_code == 403
    assert client.get(reverse("service:case_create")).status_code == 403


@pytest.mark.parametrize("role", ["partner", "customer"])
def test_partners_and_customers_see_no_service_pages(login, actors, cases, role):
    client = login(actors[role])
    for url in (reverse("service:inbox"), reverse("service:case_list"), reverse("service:queues"),
                reverse("service:case", args=[cases["kari"].pk])):
        assert client.get(url).status_code == 403


def test_the_case_page_shows_the_whole_history_to_the_next_agent(login, actors, cases, customers):
    from tests.conftest import _user

    mette = _user("mette", "service")
    case = cases["kari"]
    services.case_add_note(actor=actors["service"], case=case, body="Installer booked for Friday")
    services.case_assign(actor=actors["service"], case=case, assignee=mette, note="Please follow up Monday")
    response = login(mette).get(reverse("service:case", args=[case.pk]))
    html = response.content.decode()
    assert "Noisy" in html and "Installer booked for Friday" in html and "Please follow up Monday" in html
    assert reverse("card:person", args=[customers["kari"].pk]) in html
    assert response.context["history"]  # the customer's contacts over every channel


def test_take_reply_and_resolve_from_the_page(login, actors, cases, mailoutbox):
    client = login(actors["service"])
    case = cases["kari"]
    client.post(reverse("service:case_take", args=[case.pk]), {"version": case.version})
    case.refresh_from_db()
    assert case.assignee == actors["service"]
    response = client.post(reverse("service:case_reply", args=[case.pk]),
                           {"body": "Fixed now", "status": "resolved", "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert mailoutbox[-1].to == ["kari@fjord.no"] and case.number in mailoutbox[-1].subject


def test_a_stale_form_is_a_conflict_and_saves_nothing(login, actors, cases):
    client = login(actors["service"])
    case = cases["kari"]
    response = client.post(reverse("service:case_priority", args=[case.pk]), {"priority": "high", "version": 99})
    assert response.status_code == 409 and b"changed this case" in response.content
    case.refresh_from_db()
    assert case.priority == "normal"


def test_handover_from_the_page(login, actors, cases):
    client = login(actors["service"])
    returns = Queue.objects.create(name="Returns")
    case = cases["ola"]
    response = client.post(reverse("service:case_assign", args=[case.pk]),
                           {"queue": returns.pk, "assignee": "", "note": "Needs a return label",
                            "version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.queue == returns and case.assignee is None
    assert case.messages.get(kind=MessageKind.HANDOVER).data["note"] == "Needs a return label"


def test_new_case_from_the_card_for_a_person(login, actors, customers):
    client = login(actors["service"])
    url = reverse("service:case_create") + f"?person={customers['kari'].pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "Called about filters", "kind": "question", "channel": "phone",
                                  "priority": "normal", "person": customers["kari"].pk, "body": "Which filter?"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.person == customers["kari"] and case.channel == "phone"


def test_new_case_needs_a_customer(login, actors):
    response = login(actors["service"]).post(reverse("service:case_create"), {
        "subject": "x", "kind": "question", "channel": "phone", "priority": "normal"})
    assert response.status_code == 200 and "customer_email" in response.context["form"].errors


def test_queue_admin_pages_are_for_admins(login, actors, cases):
    assert login(actors["service"]).get(reverse("service:queue_create")).status_code == 403
    client = login(actors["admin"])
    response = client.post(reverse("service:queue_create"), {
        "name": "Returns", "assignment_mode": "round_robin", "is_active": "on", "members": [actors["service"].pk]})
    assert response.status_code == 302
    queue = Queue.objects.get(name="Returns")
    assert list(queue.members.all()) == [actors["service"]]
    response = client.post(reverse("service:rule_create"), {"name": "Returns", "position": 1, "kind": "return",
                                                            "queue": queue.pk, "is_active": "on"})
    assert response.status_code == 302
    response = client.post(reverse("service:rule_create"), {"name": "No target", "position": 2, "kind": "return"})
    assert response.status_code == 200 and response.context["form"].errors["queue"]
    assert client.get(reverse("service:queues")).status_code == 200
    assert client.get(reverse("service:queue", args=[queue.pk])).status_code == 200


def test_the_inbound_log_is_for_the_service_team(login, actors):
    assert login(actors["rep_north"]).get(reverse("service:inbound_log")).status_code == 403
    assert login(actors["service"]).get(reverse("service:inbound_log")).status_code == 200


# --- the public support form ---------------------------------------------------------------------
@pytest.fixture
def anonymous(client, settings):
    # A cache of this test's own: the default file cache is shared with parallel workers (and their limits).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": f"support-form-{uuid.uuid4()}"}}
    cache.clear()
    client.logout()
    return client


def test_the_support_form_opens_a_case_without_login(anonymous, customers):
    response = anonymous.post(reverse("service:support_form"), {
        "name": "Kari Bråthen", "email": "KARI@fjord.no", "kind": "complaint", "subject": "Still noisy",
        "message": "<script>alert(1)</script>It hums"})
    assert response.status_code == 200 and response.context["number"]
    case = Case.objects.get()
    assert case.person == customers["kari"] and case.channel == "web" and case.kind == "complaint"
    assert Interaction.objects.filter(person=customers["kari"], channel="web").exists()


def test_the_support_form_makes_a_lead_of_a_stranger(anonymous):
    anonymous.post(reverse("service:support_form"), {
        "name": "Eva Lund", "email": "eva@lund.se", "kind": "question", "subject": "Hi", "message": "Q"})
    assert Case.objects.get().person.last_name == "Lund"


def test_the_honeypot_stores_nothing(anonymous):
    response = anonymous.post(reverse("service:support_form"), {
        "name": "Bot", "email": "bot@spam.com", "kind": "question", "subject": "Buy", "message": "x",
        "website": "http://spam"})
    assert response.status_code == 200 and Case.objects.count() == 0


def test_the_support_form_is_rate_limited_per_ip(anonymous):
    data = {"name": "A", "email": "a@b.no", "kind": "question", "subject": "S", "message": "M"}
    codes = [anonymous.post(reverse("service:support_form"), data).status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]


def test_the_support_form_names_bad_fields(anonymous):
    response = anonymous.post(reverse("service:support_form"), {"name": "A", "email": "nope", "kind": "question"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) >= {"email", "subject", "message"}


def test_the_support_form_needs_csrf(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("service:support_form"), {"name": "A"})
    assert response.status_code == 403


def test_case_page_and_queue_pages_take_a_fixed_number_of_queries(login, actors, cases,
                                                                   django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(actors["service"])
    case = cases["kari"]
    counts = []
    for _round in range(2):
        for i in range(5):
            services.case_add_note(actor=actors["service"], case=case, body=f"note {i}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("service:case", args=[case.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 25  # more thread messages, not more queries
    with django_assert_max_num_queries(10):
        assert client.get(reverse("service:queues")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("service:queue", args=[cases["queue"].pk])).status_code == 200


def test_attachments_download_only_for_those_who_see_the_case(login, actors, customers):
    from tillit.service import inbound
    from tillit.service.models import Attachment

    raw = (b"From: sven@berg.se\r\nSubject: Photo\r\nMessage-ID: <p1@x>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee photo\r\n"
           b"--XX\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=evil.html\r\n\r\n"
           b"<script>alert(1)</script>\r\n--XX--\r\n")
    inbound.ingest_email(raw)
    attachment = Attachment.objects.get()
    url = reverse("service:attachment", args=[attachment.pk])
    response = login(actors["service"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert "attachment;" in response["Content-Disposition"]
    assert login(actors["rep_north"]).get(url).status_code == 404


def test_filters_rerender_only_the_results_for_htmx(login, actors, cases):
    client = login(actors["service"])
    response = client.get(reverse("service:case_list"), {"priority": "urgent"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and cases["sven"].number in html and cases["kari"].number not in html
    inbox = client.get(reverse("service:inbox"), {"scope": "mine"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in inbox and cases["ola"].number in inbox and cases["kari"].number not in inbox


def test_taking_a_case_someone_just_changed_says_so_and_never_redirects_off_site(login, actors, cases):
    client = login(actors["service"])
    case = cases["kari"]
    response = client.post(reverse("service:case_take", args=[case.pk]),
                           {"version": case.version - 1 if case.version > 1 else 99, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("service:inbox")
    case.refresh_from_db()
    assert case.assignee is None


def test_a_rejected_message_can_be_downloaded_whole_by_the_service_team(login, actors):
    from tillit.service import inbound
    from tillit.service.models import InboundEmail

    raw = b"Subject: no sender\r\n\r\n<script>x</script>\r\n"
    inbound.ingest_email(raw)
    row = InboundEmail.objects.get()
    url = reverse("service:inbound_raw", args=[row.pk])
    response = login(actors["service"]).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == raw
    assert response["Content-Type"] == "application/octet-stream"
    assert login(actors["rep_north"]).get(url).status_code == 403


def test_empty_inbox_tells_a_sales_rep_why_and_what_to_do(actors, login):
    html = login(actors["rep_north"]).get("/service/").content.decode()
    assert 'data-testid="why-empty"' in html
    assert "You see the cases of your own customers; the service team sees all of them." in html
    assert "Open cases of my customers" in html
    agent = login(actors["service"]).get("/service/").content.decode()
    assert 'data-testid="why-empty"' not in agent and "No open cases are assigned to you" in agent
