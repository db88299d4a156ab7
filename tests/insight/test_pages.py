"""The insight pages: access, empty states, starting a fit, the report, classes and tiers forms."""

import datetime as dt

import pytest
from django.urls import reverse

from tillit.insight import fits
from tillit.insight.models import Fit, RfmClass, Run, TierSettings

from .purchases import TODAY, buy, person, simulated_log

pytestmark = pytest.mark.django_db
D = dt.timedelta
PAGES = ["insight:overview", "insight:fits", "insight:classes", "insight:tiers"]


@pytest.mark.parametrize("name", PAGES)
def test_only_managers_and_admins_see_the_pages(login, actors, name):
    for who in ("rep_north", "service", "marketing"):
        assert login(actors[who]).get(reverse(name)).status_code == 403
    assert login(actors["manager_north"]).get(reverse(name)).status_code == 200


def test_menu_entry_only_for_managers_and_admins(login, actors):
    assert "Lifetime value fits" in login(actors["manager_north"]).get(reverse("card:search")).content.decode()
    assert "Lifetime value fits" not in login(actors["rep_north"]).get(reverse("card:search")).content.decode()


def test_empty_state_without_purchases(login, actors):
    client = login(actors["admin"])
    for name in ("insight:overview", "insight:fits"):
        assert "No purchases yet — log orders to see value." in client.get(reverse(name)).content.decode()


def test_start_a_fit_from_the_page_and_read_the_report(login, actors, django_capture_on_commit_callbacks,
                                                      settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    simulated_log(300, start=TODAY - D(730), end=TODAY)
    client = login(actors["manager_north"])
    bad = client.post(reverse("insight:fits"), {"kind": "person", "calibration_end": TODAY - D(100),
                                                "holdout_days": 0, "horizon_months": 12, "annual_discount": "0.1"})
    assert bad.status_code == 422 and not Fit.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insight:fits"), {
            "kind": "person", "calibration_end": (TODAY - D(180)).isoformat(), "holdout_days": 150,
            "horizon_months": 12, "annual_discount": "0.1"})
    fit = Fit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("insight:fit", args=[fit.pk])
    fit.refresh_from_db()
    assert fit.status in ("done", "failed")


def test_fit_report_page_shows_charts_and_table(login, actors, django_assert_max_num_queries):
    simulated_log(300, start=TODAY - D(730), end=TODAY)
    fit = fits.fit_create(actor=actors["admin"], run=False, calibration_end=TODAY - D(180), holdout_days=180)
    fits.run_fit(fit.pk, today=TODAY)
    client = login(actors["admin"])
    with django_assert_max_num_queries(12):
        html = client.get(reverse("insight:fit", args=[fit.pk])).content.decode()
    assert 'data-testid="fit-buckets"' in html and "7+" in html and "<svg" in html
    assert 'data-testid="fit-cumulative"' in html and "BG/NBD alpha" in html


def test_rfm_class_edit_and_errors_at_the_field(login, actors):
    client = login(actors["admin"])
    loyal = RfmClass.objects.get(key="loyal")
    data = {"class_id": loyal.pk, **{f"c{loyal.pk}-{k}": v for k, v in {
        "key": "loyal", "name": "Trofaste", "priority": 20, "recency_min": 4, "recency_max": 2,
        "frequency_min": 3, "frequency_max": 5, "monetary_min": 1, "monetary_max": 5}.items()}}
    response = client.post(reverse("insight:classes"), data)
    assert response.status_code == 422 and 'data-field="recency_min"' in response.content.decode()
    data[f"c{loyal.pk}-recency_max"] = 5
    assert client.post(reverse("insight:classes"), data).status_code == 302
    loyal.refresh_from_db()
    assert loyal.name == "Trofaste" and loyal.recency_max == 5
    new = {"new-key": "vip", "new-name": "VIP", "new-priority": 1, "new-recency_min": 5, "new-recency_max": 5,
           "new-frequency_min": 5, "new-frequency_max": 5, "new-monetary_min": 5, "new-monetary_max": 5}
    assert client.post(reverse("insight:classes"), new).status_code == 302
    assert RfmClass.objects.filter(key="vip").exists()


def test_tier_form_refuses_overlap_at_the_field(login, actors):
    client = login(actors["manager_north"])
    current = TierSettings.objects.get()
    response = client.post(reverse("insight:tiers"), {"basis": "clv", "mode": "share", "platinum": "30",
                                                      "gold": "20", "silver": "50", "version": current.version})
    assert response.status_code == 422 and 'data-field="gold"' in response.content.decode()
    ok = client.post(reverse("insight:tiers"), {"basis": "rfm", "mode": "share", "platinum": "10", "gold": "25",
                                                "silver": "50", "version": current.version})
    assert ok.status_code == 302 and TierSettings.objects.get().basis == "rfm"


def test_recompute_now_runs_in_the_background_and_shows_the_result(login, actors, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    buy(person(), TODAY - D(3), "100")
    client = login(actors["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("insight:run_start"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    run = Run.objects.get()
    html = client.get(reverse("insight:run", args=[run.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="done"' in html and "1 customer" in html
    overview = client.get(reverse("insight:overview")).content.decode()
    assert 'data-testid="class-counts"' in overview


def test_overview_query_count_does_not_grow_with_customers(login, actors, django_assert_max_num_queries):
    from tillit.insight import rfm

    for i in range(30):
        buy(person(f"P{i}"), TODAY - D(i * 7), str(10 + i))
    rfm.recompute(today=TODAY)
    client = login(actors["admin"])
    with django_assert_max_num_queries(14):
        html = client.get(reverse("insight:overview")).content.decode()
    assert 'data-testid="class-counts"' in html and 'data-testid="tier-counts"' in html
