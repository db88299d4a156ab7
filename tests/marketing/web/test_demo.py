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
