"""RFM scores, named classes, class history, the recompute run and the nightly task."""

import datetime as dt

import numpy as np
import pytest

from tillit.core.errors import AccessDenied, ValidationError
from tillit.insight import rfm, runs
from tillit.insight.models import ClassChange, CustomerValue, FitStatus, RfmClass
from tillit.people.models import Person

from .purchases import TODAY, buy, org, person

pytestmark = pytest.mark.django_db
D = dt.timedelta


def test_quintile_scores_are_one_to_five_and_ties_share_a_score():
    scores = rfm.quintile_scores(np.arange(10))
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    tied = rfm.quintile_scores(np.array([7, 7, 7, 7, 1]))
    assert len(set(tied[:4].tolist())) == 1 and tied[4] == 1
    # Order of the rows does not change anyone's score.
    values = np.random.default_rng(1).integers(0, 5, 200)
    order = np.random.default_rng(2).permutation(200)
    assert (rfm.quintile_scores(values)[order] == rfm.quintile_scores(values[order])).all()
    assert rfm.quintile_scores(np.array([30, 5]), higher_is_better=False).tolist() == [3, 5]


def test_default_classes_are_seeded_and_cover_every_score():
    classes = list(RfmClass.objects.all())
    keys = {c.key for c in classes}
    assert {"champions", "loyal", "potential-loyalists", "new", "at-risk", "cant-lose", "hibernating",
            "lost"} <= keys
    grid = np.array([(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)])
    got = rfm.classify(grid[:, 0], grid[:, 1], grid[:, 2], classes)
    assert all(got)
    assert got[(grid[:, 0] == 5) & (grid[:, 1] == 5)][0] == "champions"
    assert got[(grid[:, 0] == 1) & (grid[:, 1] == 1)][0] == "lost"


def test_first_matching_class_by_priority_wins():
    a = RfmClass(key="a", name="A", priority=5, recency_min=3)
    b = RfmClass(key="b", name="B", priority=1, recency_min=4)
    assert rfm.classify(np.array([5, 3, 1]), np.array([1, 1, 1]), np.array([1, 1, 1]), [a, b]).tolist() == \
        ["b", "a", ""]


def _world():
    best, lapsed = person("Best"), person("Lapsed")
    for i in range(10):
        buy(best, TODAY - D(3 * i), "500")
    buy(lapsed, TODAY - D(700), "20")
    others = [person(f"P{i}") for i in range(8)]
    for i, p in enumerate(others):
        for j in range(i % 4 + 1):
            buy(p, TODAY - D(40 * i + 5 * j + 10), str(50 + 10 * i))
    return best, lapsed


def test_recompute_writes_figures_classes_and_history():
    best, lapsed = _world()
    acme = org()
    buy(None, TODAY - D(1), "1000", organization=acme)
    totals = rfm.recompute(today=TODAY)
    assert totals["customers"] == 11
    value = CustomerValue.objects.get(person=best)
    assert (value.recency_score, value.frequency_score, value.monetary_score) == (5, 5, 5)
    assert value.rfm_class == "champions" and value.purchases == 10 and value.frequency == 9
    assert value.revenue == 5000 and value.spend_per_purchase == 500
    assert value.last_purchase == TODAY and value.first_purchase == TODAY - D(27)
    assert CustomerValue.objects.get(person=lapsed).rfm_class == "lost"
    assert CustomerValue.objects.get(organization=acme).rfm_class
    first = ClassChange.objects.get(person=best)
    assert (first.from_class, first.to_class) == ("", "champions")
    # The same log again: nothing changes, no new history (idempotent).
    assert rfm.recompute(today=TODAY)["changes"] == 0
    # A year later the others bought again and the champion did not: the change is history.
    for p in Person.objects.exclude(pk=best.pk):
        for j in range(12):
            buy(p, TODAY + D(300 + j), "900")
    rfm.recompute(today=TODAY + D(400))
    change = ClassChange.objects.filter(person=best).first()
    assert change.from_class == "champions" and change.to_class != "champions"


def test_recompute_keeps_other_figures_on_the_row():
    best, _lapsed = _world()
    rfm.recompute(today=TODAY)
    CustomerValue.objects.filter(person=best).update(relationship_type="best-friend", churn_level="low")
    rfm.recompute(today=TODAY + D(1))
    value = CustomerValue.objects.get(person=best)
    assert value.relationship_type == "best-friend" and value.churn_level == "low"


def test_failed_recompute_writes_nothing():
    best, _lapsed = _world()
    rfm.recompute(today=TODAY)
    buy(best, TODAY, "10", "XYZ")
    with pytest.raises(ValidationError):
        rfm.recompute(today=TODAY + D(500))
    assert CustomerValue.objects.get(person=best).rfm_class == "champions"


def test_class_rules_are_validated_and_renames_follow(actors):
    manager = actors["manager_north"]
    with pytest.raises(ValidationError) as exc:
        rfm.rfm_class_save(actor=manager, key="x", name="X", priority=1, recency=(4, 2), frequency=(1, 5),
                           monetary=(1, 5))
    assert exc.value.field == "recency_min"
    with pytest.raises(ValidationError) as exc:
        rfm.rfm_class_save(actor=manager, key="x", name="X", priority=1, recency=(1, 6), frequency=(1, 5),
                           monetary=(1, 5))
    assert exc.value.field == "recency_max"
    with pytest.raises(ValidationError) as exc:
        rfm.rfm_class_save(actor=manager, key="loyal", name="Dup", priority=1, recency=(1, 5),
                           frequency=(1, 5), monetary=(1, 5))
    assert exc.value.field == "key"
    with pytest.raises(AccessDenied):
        rfm.rfm_class_save(actor=actors["rep_north"], key="y", name="Y", priority=1, recency=(1, 5),
                           frequency=(1, 5), monetary=(1, 5))
    best, _lapsed = _world()
    rfm.recompute(today=TODAY)
    champions = RfmClass.objects.get(key="champions")
    rfm.rfm_class_save(actor=manager, rfm_class=champions, key="stars", name="Stars", priority=10,
                       recency=(4, 5), frequency=(4, 5), monetary=(1, 5))
    assert CustomerValue.objects.get(person=best).rfm_class == "stars"


def test_run_records_progress_and_result(actors, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _world()
    with pytest.raises(AccessDenied):
        runs.run_start(actor=actors["rep_north"])
    with django_capture_on_commit_callbacks(execute=True):
        run = runs.run_start(actor=actors["admin"])
    run.refresh_from_db()
    assert run.status == FitStatus.DONE and run.customers == 10 and run.progress == 100


def test_nightly_task_is_registered_and_idempotent(settings):
    from django.utils.module_loading import import_string

    paths = [p for p, _s in settings.TILLIT_PERIODIC_TASKS]
    assert "tillit.insight.tasks.recompute_task" in paths
    _world()
    task = import_string("tillit.insight.tasks.recompute_task")
    first = task.call()
    second = task.call()
    assert first["customers"] == second["customers"] == 10 and second["changes"] == 0
