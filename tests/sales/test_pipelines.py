"""Pipelines, stages and lost reasons: the rules and the admin pages."""

import pytest

from tests.sales.test_deals_helpers import *  # noqa: F403 (fixtures)
from tests.sales.test_deals_helpers import make_deal
from tillit.core.errors import AccessDenied, ValidationError
from tillit.sales.models import LostReason, Pipeline, Stage
from tillit.sales.services import pipelines as svc

pytestmark = pytest.mark.django_db


def test_default_stages(pipeline):
    stages = list(pipeline.stages.values_list("name", "probability", "outcome", "is_committed"))
    assert stages[0] == ("Lead", 10, "open", False)
    assert {s[2] for s in stages} == {"open", "won", "lost"}
    assert [s.position for s in pipeline.stages.all()] == list(range(6))


def test_only_admins_change_pipelines(actors):
    for key in ("manager_north", "rep_north", "service", "partner"):
        with pytest.raises(AccessDenied):
            svc.pipeline_create(actor=actors[key], name="Mine")
    assert not Pipeline.objects.exists()


def test_a_pipeline_needs_open_won_and_lost(actors):
    with pytest.raises(ValidationError) as exc:
        svc.pipeline_create(actor=actors["admin"], name="Odd", stages=[
            {"name": "A", "probability": 10}, {"name": "B", "probability": 100, "outcome": "won"}])
    assert "Lost" in exc.value.message and exc.value.field == "stages"
    with pytest.raises(ValidationError) as exc:
        svc.pipeline_create(actor=actors["admin"], name="Odd", stages=[
            {"name": "A", "probability": 101}, {"name": "W", "outcome": "won"}, {"name": "L", "outcome": "lost"}])
    assert exc.value.field == "stages.0.probability"
    with pytest.raises(ValidationError) as exc:
        svc.pipeline_create(actor=actors["admin"], name="Odd", stages=[
            {"name": "A"}, {"name": "a", "outcome": "won"}, {"name": "L", "outcome": "lost"}])
    assert exc.value.field == "stages.1.name"
    assert not Pipeline.objects.exists()


def test_deleting_a_stage_with_deals_is_refused(actors, customers, stages):
    make_deal(actors["rep_north"], customers["rep_north"][0], stages["Qualified"])
    with pytest.raises(ValidationError) as exc:
        svc.stage_delete(actor=actors["admin"], stage=stages["Qualified"])
    assert "Qualified" in exc.value.message and "1 deal" in exc.value.message
    svc.stage_delete(actor=actors["admin"], stage=stages["Lead"])
    with pytest.raises(ValidationError):
        svc.stage_delete(actor=actors["admin"], stage=stages["Won"])  # the only won stage
    assert Stage.objects.filter(pk=stages["Qualified"].pk).exists()


def test_reorder_and_rename_by_replacing_the_list(actors, pipeline, stages):
    rows = [{"id": s.pk, "name": s.name, "probability": s.probability, "outcome": s.outcome}
            for s in pipeline.stages.all()]
    rows[0]["name"], rows[1]["name"] = rows[1]["name"], rows[0]["name"]  # swap names: no unique clash
    rows.insert(2, {"name": "Demo", "probability": 40})
    svc.pipeline_update(actor=actors["admin"], pipeline=pipeline, stages=rows)
    assert list(pipeline.stages.values_list("name", flat=True)) == [
        "Qualified", "Lead", "Demo", "Proposal", "Negotiation", "Won", "Lost"]
    svc.stage_move(actor=actors["admin"], stage=Stage.objects.get(name="Demo"), direction=-1)
    assert list(pipeline.stages.values_list("name", flat=True))[:3] == ["Qualified", "Demo", "Lead"]


def test_admin_pages(actors, login, pipeline, stages, customers, django_assert_max_num_queries):
    make_deal(actors["rep_north"], customers["rep_north"][0], stages["Proposal"])
    client = login(actors["admin"])
    for i in range(5):
        svc.pipeline_create(actor=actors["admin"], name=f"Extra {i}")
    with django_assert_max_num_queries(8):
        assert b"New business" in client.get("/pipelines/").content
    response = client.post("/pipelines/new/", {"name": "Renewals", "is_active": "on", "seed": "on"})
    renewals = Pipeline.objects.get(name="Renewals")
    assert response.status_code == 302 and renewals.stages.count() == 6
    page = client.get(f"/pipelines/{pipeline.pk}/")
    assert page.status_code == 200
    # Delete the stage with a deal: refused with a clear message, nothing changed.
    form = page.context["formset"]
    data = {"name": "New business", "is_active": "on", "stages-TOTAL_FORMS": str(len(form.forms)),
            "stages-INITIAL_FORMS": str(form.initial_form_count()), "stages-MIN_NUM_FORMS": "0",
            "stages-MAX_NUM_FORMS": "40"}
    for i, f in enumerate(form.forms):
        for key in ("id", "name", "probability", "outcome"):
            value = f.initial.get(key, "" if key != "outcome" else "open")
            data[f"stages-{i}-{key}"] = "" if value is None else value
        if f.initial.get("name") == "Proposal":
            data[f"stages-{i}-delete"] = "on"
    response = client.post(f"/pipelines/{pipeline.pk}/", data)
    assert response.status_code == 422 and "move them to another stage first" in response.content.decode()
    assert pipeline.stages.filter(name="Proposal").exists()
    # Lost reasons: add one and retire it.
    client.post("/pipelines/lost-reasons/", {"action": "add", "name": "Price"})
    reason = LostReason.objects.get(name="Price")
    client.post("/pipelines/lost-reasons/", {"action": "toggle", "reason": reason.pk})
    reason.refresh_from_db()
    assert not reason.is_active


@pytest.mark.parametrize("actor", ["manager_north", "rep_north", "partner"])
def test_admin_pages_refused_for_others(actor, actors, login, pipeline):
    client = login(actors[actor])
    for url in ("/pipelines/", "/pipelines/new/", f"/pipelines/{pipeline.pk}/", "/pipelines/lost-reasons/"):
        assert client.get(url).status_code in (403, 404), url


def test_moving_a_stage_keeps_the_edits_made_in_the_form(actors, login, pipeline, stages):
    client = login(actors["admin"])
    form = client.get(f"/pipelines/{pipeline.pk}/").context["formset"]
    data = {"name": "New business", "is_active": "on", "stages-TOTAL_FORMS": str(len(form.forms)),
            "stages-INITIAL_FORMS": str(form.initial_form_count()), "stages-MIN_NUM_FORMS": "0",
            "stages-MAX_NUM_FORMS": "40"}
    for i, f in enumerate(form.forms):
        for key in ("id", "name", "probability", "outcome"):
            value = f.initial.get(key, "" if key != "outcome" else "open")
            data[f"stages-{i}-{key}"] = "" if value is None else value
        if f.initial.get("name") == "Proposal":
            data[f"stages-{i}-probability"] = "55"  # edited, then ↑ pressed before saving
    proposal = stages["Proposal"]
    data["move"] = f"{proposal.pk}:up"
    before = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    response = client.post(f"/pipelines/{pipeline.pk}/", data)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.probability == 55
    after = list(pipeline.stages.order_by("position").values_list("name", flat=True))
    i = before.index("Proposal")
    assert after[i - 1] == "Proposal" and after[i] == before[i - 1]
