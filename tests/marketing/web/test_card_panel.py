"""The marketing panel on the customer card: campaigns, audiences, reading — in a fixed number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.marketing.web.conftest import campaign, make_person, touch
from tillit.marketing.card import panel
from tillit.marketing.models import Segment, StaticList, StaticListMember
from tillit.marketing.web.models import CampaignStatus

pytestmark = pytest.mark.django_db
CUSTOMERS = {"attr": "lifecycle_stage", "op": "in", "value": ["customer"]}


def test_panel_shows_campaigns_audiences_and_reading(actors):
    now = timezone.now()
    spring = campaign("spring", status=CampaignStatus.ACTIVE)
    customers = Segment.objects.create(name="Customers", rules=CUSTOMERS)
    Segment.objects.create(name="Not used", rules=CUSTOMERS)
    spring.segments.add(customers)
    vip = StaticList.objects.create(name="VIP")
    person = make_person("kari@x.example", lifecycle_stage="customer")
    StaticListMember.objects.create(static_list=vip, person=person)
    for kind in ("email_sent", "email_opened", "email_clicked"):
        touch(person, now - dt.timedelta(days=3), campaign="spring", kind=kind, channel="email")
    touch(person, now - dt.timedelta(days=2), campaign="spring")
    touch(person, now - dt.timedelta(days=1), campaign="nl-2026-05", kind="email_sent", channel="email")
    touch(person, now, kind="content_read", subject="Buyer's guide", duration_seconds=300,
          url="https://x.example/guide/")
    touch(person, now, kind="content_read", subject="Buyer's guide", duration_seconds=120)
    touch(person, now, kind="content_read", subject="Prices", duration_seconds=30)

    data = panel(actors["marketing"], person=person)
    assert data["template"] == "marketing/_card_panel.html"
    rows = {c["code"]: c for c in data["campaigns"]}
    assert (rows["spring"]["sent"], rows["spring"]["opened"], rows["spring"]["clicked"], rows["spring"]["web"]) == (
        1, 1, 1, 1)
    assert rows["spring"]["campaign"] == spring and rows["nl-2026-05"]["campaign"] is None
    assert [s.name for s in data["segments"]] == ["Customers"]
    assert [lst.name for lst in data["lists"]] == ["VIP"]
    assert [(p["label"], p["seconds"], p["reads"]) for p in data["pages"]] == [("Buyer's guide", 420, 2),
                                                                               ("Prices", 30, 1)]


def test_panel_query_count_is_fixed(actors, django_assert_max_num_queries):
    now = timezone.now()
    person = make_person("ola@x.example", lifecycle_stage="customer")
    for i in range(12):
        cmp = campaign(f"c{i}", status=CampaignStatus.ACTIVE)
        cmp.segments.add(Segment.objects.create(name=f"S{i}", rules=CUSTOMERS))
        touch(person, now - dt.timedelta(days=i), campaign=cmp.code)
        touch(person, now - dt.timedelta(days=i), kind="content_read", subject=f"Article {i}", duration_seconds=60)
        StaticListMember.objects.create(static_list=StaticList.objects.create(name=f"L{i}"), person=person)
    with django_assert_max_num_queries(7):
        data = panel(actors["admin"], person=person)
    assert len(data["campaigns"]) == 10 and len(data["segments"]) == 12


def test_panel_on_the_card_and_for_outsiders(actors, login):
    person = make_person("liv@x.example", owner=actors["rep_north"], team=actors["rep_north"].team)
    touch(person, timezone.now(), campaign="spring")
    content = login(actors["rep_north"]).get(f"/persons/{person.pk}/").content.decode()
    assert 'data-testid="marketing-panel"' in content and "spring" in content
    assert panel(actors["partner"], person=person) is None
    empty = make_person("new@x.example")
    assert panel(actors["admin"], person=empty)["empty"] is True


def test_organisation_panel_lists_campaigns(actors):
    from tillit.people.models import Organization

    org = Organization.objects.create(name="Fjordheim")
    from tillit.interactions.models import Interaction

    Interaction.objects.create(organization=org, occurred_at=timezone.now(), kind="email_opened", channel="email",
                               campaign="spring")
    data = panel(actors["admin"], organization=org)
    assert [c["code"] for c in data["campaigns"]] == ["spring"]
