"""Segment and list pages per role: who may manage, who may look, and members only among those one may see."""

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tillit.interactions.models import Interaction
from tillit.marketing.models import Segment, StaticList, StaticListMember
from tillit.people.models import Identity, Person

pytestmark = pytest.mark.django_db
CUSTOMERS = {"attr": "lifecycle_stage", "op": "in", "value": ["customer"]}


@pytest.fixture
def people(actors):
    north, south = actors["rep_north"], actors["rep_south"]

    def make(first, owner, stage="customer", email=""):
        p = Person.objects.create(first_name=first, last_name="Nord", lifecycle_stage=stage, owner=owner,
                                  team=owner.team, primary_email=email)
        if email:
            Identity.objects.create(person=p, kind="email", value=email, normalized=email, is_primary=True)
        return p

    return {
        "north": make("Nora", north, email="nora@example.no"),
        "south": make("Sven", south, email="sven@example.se"),
        "lead": make("Lena", north, stage="lead", email="lena@example.no"),
    }


@pytest.fixture
def segment(actors):
    return Segment.objects.create(name="Customers", rules=CUSTOMERS, owner=actors["marketing"])


def text(response) -> str:
    return response.content.decode()


# --- segments ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "manager_north", "marketing"])
def test_managers_create_a_segment_through_the_editor(login, actors, people, role):
    client = login(actors[role])
    page = client.get(reverse("marketing:segment_create"))
    assert page.status_code == 200 and 'id="rule-editor"' in text(page)
    response = client.post(reverse("marketing:segment_create"), {
        "name": "Heat pump readers", "description": "", "rules": json.dumps(CUSTOMERS)})
    segment = Segment.objects.get(name="Heat pump readers")
    assert response.status_code == 302 and response["Location"] == reverse("marketing:segment_detail",
                                                                            args=[segment.pk])
    assert segment.rules == {"all": [CUSTOMERS]} and segment.owner == actors[role]


def _rule_errors(html: str, script_id: str) -> list:
    found = re.search(rf'<script id="{script_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else []


def test_a_bad_rule_is_a_sentence_for_its_row_and_field_and_nothing_is_saved(login, actors):
    client = login(actors["marketing"])
    bad = {"all": [CUSTOMERS, {"did": True, "kind": "content_read", "at_least": 0}]}
    response = client.post(reverse("marketing:segment_create"), {"name": "Bad", "rules": json.dumps(bad)})
    assert response.status_code == 422
    html = text(response)
    assert "rules.all[1].at_least: must be" not in html  # no raw path for the reader
    assert "see the marked fields" in html
    assert _rule_errors(html, "rule-errors") == [{
        "field": "rules.all[1].at_least", "row": "rules.all[1]", "key": "at_least",
        "message": "“At least (times)” must be a positive whole number."}]
    response = client.post(reverse("marketing:segment_create"), {"name": "Bad", "rules": "{oops"})
    assert response.status_code == 422 and "not valid JSON" in text(response)
    assert not Segment.objects.exists()


def test_stale_edit_is_refused(login, actors, segment):
    client = login(actors["marketing"])
    url = reverse("marketing:segment_detail", args=[segment.pk])
    ok = client.post(url, {"name": "Customers", "rules": "{}", "version": segment.version})
    assert ok.status_code == 302
    stale = client.post(url, {"name": "Customers 2", "rules": "{}", "version": segment.version})
    assert stale.status_code == 409
    segment.refresh_from_db()
    assert segment.name == "Customers" and segment.rules == {"all": []}


@pytest.mark.parametrize("role", ["rep_north", "service"])
def test_sales_and_service_may_look_but_not_change(login, actors, people, segment, role):
    client = login(actors[role])
    page = client.get(reverse("marketing:segment_detail", args=[segment.pk]))
    assert page.status_code == 200 and 'data-readonly="true"' in text(page) and "Save segment" not in text(page)
    assert client.get(reverse("marketing:segment_list")).status_code == 200
    assert client.get(reverse("marketing:segment_create")).status_code == 403
    assert client.post(reverse("marketing:segment_detail", args=[segment.pk]),
                       {"name": "Mine", "rules": "{}", "version": 1}).status_code == 403
    assert client.post(reverse("marketing:segment_delete", args=[segment.pk])).status_code == 403
    assert Segment.objects.get().name == "Customers"


@pytest.mark.parametrize("role", ["partner", "customer"])
def test_partners_and_customers_get_nothing(login, actors, segment, role):
    client = login(actors[role])
    for url in (reverse("marketing:segment_list"), reverse("marketing:segment_detail", args=[segment.pk]),
                reverse("marketing:segment_members", args=[segment.pk]),
                reverse("marketing:segment_export", args=[segment.pk]), reverse("marketing:staticlist_index")):
        assert client.get(url).status_code == 403
    assert client.post(reverse("marketing:segment_preview"), {"rules": "{}"}).status_code == 403


def test_members_count_and_export_only_show_what_the_user_may_see(login, actors, people, segment,
                                                                 django_assert_max_num_queries):
    rep = login(actors["rep_north"])
    listing = rep.get(reverse("marketing:segment_list"))
    assert "Customers" in text(listing) and "?counts=1" in text(listing)
    counts = rep.get(reverse("marketing:segment_list"), {"counts": "1"}, HTTP_HX_REQUEST="true")
    assert f'id="segment-count-{segment.pk}" hx-swap-oob="true" data-testid="segment-count"><strong>1<' in text(counts)
    members = rep.get(reverse("marketing:segment_members", args=[segment.pk]))
    assert "Nora" in text(members) and "Sven" not in text(members) and "Lena" not in text(members)
    assert reverse("card:person", args=[people["north"].pk]) in text(members)
    export = rep.get(reverse("marketing:segment_export", args=[segment.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:4] == ["id", "first name", "last name", "email"]
    assert [r[1] for r in rows[1:]] == ["Nora"]
    admin = login(actors["admin"])
    export = admin.get(reverse("marketing:segment_export", args=[segment.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert sorted(r[1] for r in rows[1:]) == ["Nora", "Sven"]
    for i in range(4):
        Segment.objects.create(name=f"S{i}", rules={"did": True, "kind": "email_opened", "days": 30 + i})
    with django_assert_max_num_queries(8):
        admin.get(reverse("marketing:segment_list"))
    with django_assert_max_num_queries(8):
        admin.get(reverse("marketing:segment_list"), {"counts": "1"})
    with django_assert_max_num_queries(9):
        admin.get(reverse("marketing:segment_members", args=[segment.pk]))


def test_live_preview_counts_without_saving(login, actors, people):
    client = login(actors["marketing"])
    Interaction.objects.create(person=people["lead"], kind="content_read", channel="web", topic="Solar",
                               occurred_at="2026-01-01T10:00:00Z")
    response = client.post(reverse("marketing:segment_preview"), {"rules": json.dumps(CUSTOMERS)},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="live-count">2<' in text(response) and "Nora" in text(response)
    bad = client.post(reverse("marketing:segment_preview"), {"rules": json.dumps({"all": [{"attr": "zz"}]})})
    assert _rule_errors(text(bad), "rule-errors-preview") == [{
        "field": "rules.all[0].attr", "row": "rules.all[0]", "key": "attr",
        "message": "The attribute is not an attribute segments know."}]
    group = client.post(reverse("marketing:segment_preview"), {"rules": json.dumps({"all": [{"all": []}, {}]})})
    rows = {e["row"]: e for e in _rule_errors(text(group), "rule-errors-preview")}
    assert rows and all(e["key"] == "" and e["message"][0].isupper() for e in rows.values())
    rep = login(actors["rep_south"])
    mine = rep.post(reverse("marketing:segment_preview"), {"rules": json.dumps(CUSTOMERS)})
    assert 'data-testid="live-count">1<' in text(mine) and "Sven" in text(mine)
    assert not Segment.objects.exists()


# --- static lists --------------------------------------------------------------------------------------
def test_lists_add_search_remove_freeze_import_export(login, actors, people, segment):
    client = login(actors["marketing"])
    response = client.post(reverse("marketing:staticlist_index"), {"name": "Fair visitors"})
    fair = StaticList.objects.get(name="Fair visitors")
    assert response["Location"] == reverse("marketing:staticlist_detail", args=[fair.pk])

    found = client.get(reverse("marketing:staticlist_search", args=[fair.pk]), {"q": "Nora"})
    assert "Nora" in text(found) and 'data-testid="add-person"' in text(found)
    client.post(reverse("marketing:staticlist_add", args=[fair.pk]), {"person": [people["north"].pk]})
    assert set(fair.members.all()) == {people["north"]}

    client.post(reverse("marketing:staticlist_freeze", args=[fair.pk]), {"segment": segment.pk})
    assert set(fair.members.all()) == {people["north"], people["south"]}

    client.post(reverse("marketing:staticlist_remove", args=[fair.pk]), {"person": [people["south"].pk]})
    assert set(fair.members.all()) == {people["north"]}

    upload = SimpleUploadedFile("emails.csv", b"name;email\nLena;LENA@example.no\nX;not-an-email\nY;nobody@x.no\n"
                                              b"Nora;nora@example.no\n")
    response = client.post(reverse("marketing:staticlist_import", args=[fair.pk]), {"file": upload})
    assert response.status_code == 200
    body = text(response)
    assert "1 added, 1 already on the list." in body
    assert "not-an-email" in body and "nobody@x.no" in body
    assert set(fair.members.all()) == {people["north"], people["lead"]}

    export = client.get(reverse("marketing:staticlist_export", args=[fair.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert sorted(r[1] for r in rows[1:]) == ["Lena", "Nora"]


def test_list_import_reports_lines_and_columns(actors, people):
    from tillit.marketing.services import list_import_emails

    fair = StaticList.objects.create(name="Fair")
    report = list_import_emails(actor=actors["marketing"], static_list=fair,
                                data=b"sven@example.se\n\nbroken@\nnora@example.no\n")
    assert report["added"] == 2
    assert report["rejected"] == [{"line": 3, "column": 1, "value": "broken@", "reason": "not an email address"}]
    # a sales rep may not add people they cannot see, even by email
    rep_report = list_import_emails(actor=actors["admin"], static_list=fair, data=b"sven@example.se\n")
    assert rep_report == {"added": 0, "already": 1, "rejected": []}


def test_sales_see_lists_but_only_their_members_and_cannot_change(login, actors, people):
    fair = StaticList.objects.create(name="Fair")
    for p in people.values():
        StaticListMember.objects.create(static_list=fair, person=p)
    rep = login(actors["rep_south"])
    index = rep.get(reverse("marketing:staticlist_index"))
    assert '<td class="num" data-testid="list-count">1</td>' in text(index) and "New list" not in text(index)
    detail = rep.get(reverse("marketing:staticlist_detail", args=[fair.pk]))
    assert "Sven" in text(detail) and "Nora" not in text(detail)
    assert rep.post(reverse("marketing:staticlist_add", args=[fair.pk]), {"person": [1]}).status_code == 403
    assert rep.post(reverse("marketing:staticlist_index"), {"name": "Mine"}).status_code == 403
    assert rep.post(reverse("marketing:staticlist_delete", args=[fair.pk])).status_code == 403
    assert StaticList.objects.count() == 1


def test_list_pages_have_a_fixed_number_of_queries(login, actors, people, django_assert_max_num_queries):
    fair = StaticList.objects.create(name="Fair")
    for i in range(30):
        p = Person.objects.create(first_name=f"P{i}", owner=actors["rep_north"])
        StaticListMember.objects.create(static_list=fair, person=p)
    for i in range(5):
        StaticList.objects.create(name=f"L{i}")
    client = login(actors["marketing"])
    with django_assert_max_num_queries(8):
        assert client.get(reverse("marketing:staticlist_index")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("marketing:staticlist_detail", args=[fair.pk])).status_code == 200


def test_list_rename_conflict_and_bad_import_file(login, actors):
    fair = StaticList.objects.create(name="Fair")
    client = login(actors["marketing"])
    url = reverse("marketing:staticlist_detail", args=[fair.pk])
    assert client.post(url, {"name": "Fair 2026", "version": 1}).status_code == 302
    stale = client.post(url, {"name": "Fair 2025", "version": 1})
    assert stale.status_code == 409 and "Someone else changed this" in text(stale)
    fair.refresh_from_db()
    assert fair.name == "Fair 2026"
    upload = SimpleUploadedFile("emails.csv", "nora@example.no\n".encode("utf-16"))
    response = client.post(reverse("marketing:staticlist_import", args=[fair.pk]), {"file": upload})
    assert response.status_code == 422 and "The file is not UTF-8 text." in text(response)
    assert not fair.memberships.exists()


def test_refresh_counts_stores_system_wide_counts(actors, people, segment):
    from tillit.marketing.services import refresh_counts
    from tillit.marketing.tasks import refresh_segment_counts

    assert refresh_counts() == 1
    segment.refresh_from_db()
    assert segment.last_count == 2 and segment.counted_at is not None
    refresh_segment_counts.call()  # the periodic task is the same, and may run again
    segment.refresh_from_db()
    assert segment.last_count == 2


def test_editor_page_has_a_fixed_number_of_queries(login, actors, segment, django_assert_max_num_queries):
    for i in range(25):
        Person.objects.create(first_name=f"C{i}", lifecycle_stage="customer", owner=actors["rep_north"])
    client = login(actors["marketing"])
    # Cold cache: topic, product and campaign suggestions; the RFM classes and relationship types (insight's fields).
    with django_assert_max_num_queries(15):
        page = client.get(reverse("marketing:segment_detail", args=[segment.pk]))
    assert 'data-testid="live-count">25<' in text(page) and text(page).count('<li><a href="/persons/') == 10
