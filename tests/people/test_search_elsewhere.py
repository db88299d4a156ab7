"""The deal and case lists find a customer by name the way the person list does: accents and case ignored."""

import pytest

from tillit.people.services import organization_create, person_create
from tillit.sales.models import Deal, Pipeline, Stage
from tillit.sales.selectors.deals import deal_list
from tillit.service import services as case_services
from tillit.service.selectors import case_list

pytestmark = pytest.mark.django_db


def test_the_deal_list_finds_the_customer_without_accents(actors):
    admin = actors["admin"]
    kari = person_create(actor=admin, first_name="Kari", last_name="Bråthen")
    org = organization_create(actor=admin, name="Ærø Fjernvarme")
    pipeline = Pipeline.objects.create(name="New business")
    lead = Stage.objects.create(pipeline=pipeline, name="Lead", probability=10, position=0)
    Deal.objects.create(title="Heat pump", pipeline=pipeline, stage=lead, owner=admin, person=kari)
    Deal.objects.create(title="District heating", pipeline=pipeline, stage=lead, owner=admin, organization=org)
    assert [d.title for d in deal_list(actor=admin, q="brathen")] == ["Heat pump"]
    assert [d.title for d in deal_list(actor=admin, q="BRÅTHEN")] == ["Heat pump"]
    assert [d.title for d in deal_list(actor=admin, q="aero")] == ["District heating"]


def test_the_case_list_finds_the_customer_without_accents(actors):
    kari = person_create(actor=actors["admin"], first_name="Søren", last_name="Bråthen")
    case = case_services.case_create(actor=actors["service"], person=kari, subject="Noisy pump")
    assert [c.pk for c in case_list(actor=actors["service"], q="brathen")] == [case.pk]
    assert [c.pk for c in case_list(actor=actors["service"], q="soren")] == [case.pk]
