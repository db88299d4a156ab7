"""Who sees which case, and the inbox order."""

import pytest

from tillit.service import queues, selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(actors, customers):
    svc = actors["service"]
    return {
        "kari": services.case_create(actor=svc, person=customers["kari"], subject="Kari"),  # rep_north's customer
        "sven": services.case_create(actor=svc, person=customers["sven"], subject="Sven"),  # rep_south's
        "ola": services.case_create(actor=svc, person=customers["ola"], subject="Ola"),  # nobody's
        "org": services.case_create(actor=svc, organization=customers["org"], subject="Fjord AS"),  # rep_north's org
    }


@pytest.mark.parametrize(("role", "expected"), [
    ("admin", {"kari", "sven", "ola", "org"}),
    ("service", {"kari", "sven", "ola", "org"}),
    ("marketing", {"kari", "sven", "ola", "org"}),
    ("manager_north", {"kari", "org"}),
    ("rep_north", {"kari", "org"}),
    ("rep_north2", set()),
    ("rep_south", {"sven"}),
    ("partner", set()),
    ("customer", set()),
])
def test_each_role_sees_the_cases_of_customers_it_may_see(actors, cases, role, expected):
    seen = set(selectors.visible_cases(actors[role]).values_list("subject", flat=True))
    assert seen == {cases[k].subject for k in expected}


def test_a_case_assigned_to_someone_is_visible_to_them(actors, cases):
    services.case_assign(actor=actors["admin"], case=cases["sven"], assignee=actors["rep_north2"])
    assert list(selectors.visible_cases(actors["rep_north2"])) == [cases["sven"]]


def test_inbox_is_mine_plus_unassigned_in_my_queues_by_priority_then_age(actors, customers):
    svc = actors["service"]
    support = queues.queue_create(actor=actors["admin"], name="Support")
    other = queues.queue_create(actor=actors["admin"], name="Other")
    queues.queue_set_members(actor=actors["admin"], queue=support, users=[svc])
    old = services.case_create(actor=None, person=customers["ola"], subject="old normal", queue=support)
    urgent = services.case_create(actor=None, person=customers["ola"], subject="urgent", queue=support,
                                  priority="urgent")
    mine = services.case_create(actor=None, person=customers["ola"], subject="mine high", queue=other,
                                assignee=svc, priority="high")
    services.case_create(actor=None, person=customers["ola"], subject="not my queue", queue=other)
    resolved = services.case_create(actor=None, person=customers["ola"], subject="done", assignee=svc, queue=other)
    services.case_set_status(actor=svc, case=resolved, status="resolved")
    assert list(selectors.inbox(actor=svc)) == [urgent, mine, old]
    assert list(selectors.inbox(actor=svc, scope="mine")) == [mine]
    assert list(selectors.inbox(actor=svc, scope="queues")) == [urgent, old]


def test_the_customer_history_on_a_case_follows_who_may_see_the_customer(actors, cases):
    assert selectors.customer_history(actor=actors["rep_north2"], case=cases["sven"]) == []
    # Assigned the open case, she works with the customer and reads him (a relationship grant) ...
    services.case_assign(actor=actors["admin"], case=cases["sven"], assignee=actors["rep_north2"])
    assert selectors.customer_history(actor=actors["rep_north2"], case=cases["sven"])
    # ... until the case is closed: then it is hers only as assignee, the customer's history is not.
    services.case_set_status(actor=actors["admin"], case=cases["sven"], status="closed")
    assert selectors.customer_history(actor=actors["rep_north2"], case=cases["sven"]) == []
    assert selectors.customer_history(actor=actors["service"], case=cases["sven"])
