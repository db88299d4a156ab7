"""Shared fixtures for the catalogue, quote and order tests (imported with ``import *``)."""

import datetime as dt
import re
import zlib
from decimal import Decimal

import pytest

from tillit.people import services as people
from tillit.sales.models import Deal, Pipeline, Price, PriceList, Product, Stage, StageOutcome

TODAY = dt.date(2026, 3, 10)
D = Decimal


@pytest.fixture
def pipeline(db):
    pipeline = Pipeline.objects.create(name="New business")
    Stage.objects.create(pipeline=pipeline, name="Qualified", position=1, probability=20)
    Stage.objects.create(pipeline=pipeline, name="Proposal", position=2, probability=60)
    Stage.objects.create(pipeline=pipeline, name="Won", position=3, probability=100, outcome=StageOutcome.WON)
    Stage.objects.create(pipeline=pipeline, name="Lost", position=4, probability=0, outcome=StageOutcome.LOST)
    return pipeline


def stage(pipeline, name):
    return pipeline.stages.get(name=name)


@pytest.fixture
def customer(actors):
    """Fjord Energi AS (owned by rep_north) and its buyer Åse Blåbær."""
    org = people.organization_create(actor=actors["admin"], name="Fjord Energi AS", owner=actors["rep_north"])
    person = people.person_create(actor=actors["admin"], first_name="Åse", last_name="Blåbær",
                                  emails=["ase@fjord.example"], organization=org, owner=actors["rep_north"])
    return {"org": org, "person": person}


def make_deal(actors, pipeline, customer, owner="rep_north", stage_name="Proposal", currency="NOK", title=None):
    user = actors[owner]
    return Deal.objects.create(
        title=title or f"Heat pumps for {customer['org'].name}", pipeline=pipeline,
        stage=pipeline.stages.get(name=stage_name), value=D("100000"), currency=currency,
        person=customer["person"], organization=customer["org"], owner=user, team=user.team,
    )


@pytest.fixture
def deal(actors, pipeline, customer):
    return make_deal(actors, pipeline, customer)


@pytest.fixture
def products(db):
    return {
        "pump": Product.objects.create(sku="HP-9", name="Varmepumpe Fjordvarme 9 kW", unit="pcs",
                                       vat_rate=D("25"), warranty_months=60, category="Heat pumps"),
        "install": Product.objects.create(sku="INST", name="Installasjon", unit="h", vat_rate=D("25")),
        "book": Product.objects.create(sku="BOOK", name="Brukerhåndbok", unit="pcs", vat_rate=D("12")),
    }


@pytest.fixture
def nok_list(products):
    price_list = PriceList.objects.create(name="Standard NOK", currency="NOK")
    Price.objects.create(price_list=price_list, product=products["pump"], unit_price=D("24990"))
    Price.objects.create(price_list=price_list, product=products["install"], unit_price=D("950"))
    return price_list


def pdf_text(data: bytes) -> str:
    """The text of a PDF made with a core font: every (Flate-compressed) content stream, decoded latin-1."""
    chunks = []
    for match in re.finditer(rb"<<([^<>]*(?:<<[^<>]*>>[^<>]*)*)>>\s*stream\r?\n", data):
        length = re.search(rb"/Length (\d+)", match.group(1))
        if not length:
            continue
        raw = data[match.end():match.end() + int(length.group(1))]
        if b"/FlateDecode" in match.group(1):
            raw = zlib.decompress(raw)
        chunks.append(raw.decode("latin-1"))
    return "\n".join(chunks)
