"""The marketing demo: campaigns, sites, visitors and web leads that make the report look real; removable."""

import datetime as dt

import pytest

from tillit.accounts.models import User
from tillit.demo.generator import delete_demo_data, load_demo
from tillit.marketing.web.attribution import attribution_report
from tillit.marketing.web.models import Campaign, TrackingSite, Visitor, WebEvent
from tillit.marketing.web.selectors import campaign_stats

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


def test_demo_builds_campaigns_visits_and_leads_and_deletes_them():
    summary = load_demo(persons=80, organizations=15, interactions_per_person=15, today=TODAY)
    assert summary.extra["campaigns"] == 4 and summary.extra["web leads"] == 70
    admin = User.objects.get(username="admin")
    spring = Campaign.objects.get(code="spring-heat-pumps")
    assert spring.learnings and spring.status == "finished"
    stats = campaign_stats(actor=admin, campaign=spring)
    assert stats.lead_count > 20 and stats.cost_per_lead is not None
    assert WebEvent.objects.filter(visitor__person__isnull=True).exists()
    report = attribution_report(actor=admin, start=TODAY - dt.timedelta(days=365), end=TODAY)
    assert {"spring-heat-pumps", "webinar-housing-cooperatives"} <= {r.value for r in report.rows}

    delete_demo_data()
    assert not Campaign.objects.exists() and not TrackingSite.objects.exists() and not Visitor.objects.exists()


def test_demo_people_are_created_at_their_first_planned_interaction_the_same_every_time():
    from django.db.models import Min

    from tillit.interactions.models import Interaction
    from tillit.people.models import Person

    def arrivals():
        summary = load_demo(seed=5, persons=60, organizations=10, interactions_per_person=10, today=TODAY)
        # The people demo's own interactions are written first; the module demos add theirs after.
        planned = Interaction.objects.order_by("pk").values_list("pk", flat=True)[summary.interactions - 1]
        first = dict(Interaction.objects.filter(pk__lte=planned, person__isnull=False).values("person")
                     .annotate(m=Min("occurred_at")).values_list("person", "m"))
        persons = list(Person.objects.filter(pk__in=first))
        assert len(persons) == summary.persons
        for person in persons:
            assert person.created_at == first[person.pk], person
        # Duplicates share an email address: the name and the date tell them apart.
        return sorted((p.primary_email, p.first_name, p.last_name, p.created_at) for p in persons)

    first_run = arrivals()
    dates = [created for *_who, created in first_run]
    # Spread over the years before "today", not all at load time.
    assert min(dates) < dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    assert max(dates) <= dt.datetime(2026, 6, 15, tzinfo=dt.UTC)
    delete_demo_data()
    assert arrivals() == first_run
