"""The service panel on the customer card: open cases with status, priority and SLA clock; fixed queries."""

import pytest
from django.urls import reverse

from tillit.service import card, services

pytestmark = pytest.mark.django_db


def test_the_panel_lists_open_cases_in_a_fixed_number_of_queries(actors, customers, django_assert_max_num_queries):
    kari = customers["kari"]
    for i in range(8):
        services.case_create(actor=actors["service"], person=kari, subject=f"Case {i}")
    closed = services.case_create(actor=actors["service"], person=kari, subject="Old")
    services.case_set_status(actor=actors["service"], case=closed, status="closed")
    with django_assert_max_num_queries(3):
        panel = card.panel(actors["service"], person=kari)
        rendered = [(c.number, c.status, c.priority, c.assignee) for c in panel["cases"]]
    assert len(rendered) == card.CARD_LIMIT and panel["more"] and panel["total"] == 9
    assert "Old" not in [c.subject for c in panel["cases"]]


def test_the_panel_respects_who_may_see_the_customer(actors, customers):
    services.case_create(actor=actors["service"], person=customers["sven"], subject="Sven's")
    assert card.panel(actors["rep_north"], person=customers["sven"])["cases"] == []
    assert len(card.panel(actors["rep_south"], person=customers["sven"])["cases"]) == 1


def test_the_card_shows_the_panel_with_a_link_and_new_case(login, actors, customers):
    case = services.case_create(actor=actors["service"], person=customers["kari"], subject="Noisy pump")
    html = login(actors["service"]).get(reverse("card:person", args=[customers["kari"].pk])).content.decode()
    assert 'data-testid="cases-panel"' in html and reverse("service:case", args=[case.pk]) in html
    assert f"{reverse('service:case_create')}?person={customers['kari'].pk}" in html
    rep_html = login(actors["rep_north"]).get(reverse("card:person", args=[customers["kari"].pk])).content.decode()
    assert "Noisy pump" in rep_html and f"{reverse('service:case_create')}?person=" not in rep_html
