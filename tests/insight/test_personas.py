"""Personas: rules decide by priority, manual choices stay until cleared, insight figures in the rule language."""

from decimal import Decimal

import pytest

from tests.insight.values_fixtures import figures, person
from tillit.core.errors import AccessDenied, ValidationError
from tillit.insight import personas as svc
from tillit.insight.models import Persona, PersonaOverride
from tillit.insight.tasks_personas import recompute_personas
from tillit.marketing.segments import rules_members
from tillit.people.models import Affiliation, Organization, Person

pytestmark = pytest.mark.django_db

CUSTOMERS = {"attr": "lifecycle_stage", "op": "in", "value": ["customer", "repeat_customer"]}
OSLO = {"attr": "city", "op": "eq", "value": "Oslo"}


def names(rules) -> set[str]:
    return set(rules_members(rules).values_list("first_name", flat=True))


def personas_of() -> dict[str, str]:
    return dict(Person.objects.values_list("first_name", "persona"))


# --- the segment rule language knows the figures ------------------------------------------------
def test_clv_at_least_and_churn_high_selects_the_right_persons():
    big_leaving, big_staying, small_leaving = person("BigLeaving"), person("BigStaying"), person("SmallLeaving")
    person("NoFigures")
    figures(big_leaving, clv=Decimal("15000"), churn_level="high")
    figures(big_staying, clv=Decimal("10000"), churn_level="low")
    figures(small_leaving, clv=Decimal("9999.99"), churn_level="high")
    rules = {"all": [{"attr": "clv", "op": "gte", "value": 10000},
                     {"attr": "churn_level", "op": "eq", "value": "high"}]}
    assert names(rules) == {"BigLeaving"}
    assert names({"attr": "clv", "op": "gte", "value": "10 000"}) == {"BigLeaving", "BigStaying"}
    assert names({"attr": "clv", "op": "lte", "value": 10000}) == {"BigStaying", "SmallLeaving"}
    # "is not high" keeps those without figures: nothing says they are at high risk.
    assert names({"attr": "churn_level", "op": "ne", "value": "high"}) == {"BigStaying", "NoFigures"}
    assert names({"attr": "clv", "op": "empty"}) == {"NoFigures"}


def test_rfm_class_relationship_type_and_organisation_figures():
    champ, loyal = person("Champ"), person("Loyal")
    figures(champ, rfm_class="champions", relationship_type="best-friend")
    figures(loyal, rfm_class="loyal", relationship_type="stranger")
    org = Organization.objects.create(name="Big Buyer AS")
    figures(org, clv=Decimal("500000"))
    Affiliation.objects.create(person=loyal, organization=org)
    assert names({"attr": "rfm_class", "op": "in", "value": ["champions", "at-risk"]}) == {"Champ"}
    assert names({"attr": "relationship_type", "op": "eq", "value": "stranger"}) == {"Loyal"}
    assert names({"attr": "organization.clv", "op": "gte", "value": 100000}) == {"Loyal"}


def test_a_number_field_refuses_text_naming_the_path():
    with pytest.raises(ValidationError) as err:
        names({"all": [{"attr": "clv", "op": "gte", "value": "lots"}]})
    assert err.value.field == "rules.all[0].value"
    with pytest.raises(ValidationError) as err:
        names({"all": [{"attr": "clv", "op": "contains", "value": "1"}]})
    assert err.value.field == "rules.all[0].op"


# --- assignment ---------------------------------------------------------------------------------
def test_each_person_gets_the_first_persona_by_priority(actors):
    person("Ola", lifecycle_stage="customer", city="Oslo")
    person("Kari", lifecycle_stage="customer", city="Bergen")
    person("Per", lifecycle_stage="lead", city="Oslo")
    person("Lise", lifecycle_stage="lead", city="Bergen", persona="typed long ago")
    svc.persona_create(actor=actors["marketing"], name="Oslo people", rules=OSLO, priority=20)
    oslo_first = personas_of()
    assert oslo_first == {"Ola": "Oslo people", "Kari": "", "Per": "Oslo people", "Lise": ""}
    customers = svc.persona_create(actor=actors["marketing"], name="Customers", rules=CUSTOMERS, priority=10)
    assert personas_of() == {"Ola": "Customers", "Kari": "Customers", "Per": "Oslo people", "Lise": ""}
    assert customers.member_count == 2
    assert Persona.objects.get(name="Oslo people").member_count == 1


def test_renaming_moves_members_and_deleting_hands_them_to_the_next(actors):
    person("Ola", lifecycle_stage="customer", city="Oslo")
    m = actors["marketing"]
    customers = svc.persona_create(actor=m, name="Customers", rules=CUSTOMERS, priority=10)
    svc.persona_create(actor=m, name="Oslo people", rules=OSLO, priority=20)
    svc.persona_update(actor=m, persona=customers, expected_version=customers.version, name="Buyers")
    assert personas_of() == {"Ola": "Buyers"}
    svc.persona_delete(actor=m, persona=customers)
    assert personas_of() == {"Ola": "Oslo people"}


def test_manual_override_is_recorded_kept_and_cleared(actors):
    ola = person("Ola", lifecycle_stage="customer", city="Oslo", owner=actors["rep_north"],
                 team=actors["rep_north"].team)
    m = actors["marketing"]
    svc.persona_create(actor=m, name="Customers", rules=CUSTOMERS, priority=10)
    oslo = svc.persona_create(actor=m, name="Oslo people", rules=OSLO, priority=20)
    override = svc.persona_override_set(actor=actors["rep_north"], person=ola, persona=oslo)
    assert (override.set_by, override.persona) == (actors["rep_north"], oslo)
    assert personas_of() == {"Ola": "Oslo people"}
    # The nightly run and another save leave the manual choice alone.
    recompute_personas.call()
    svc.persona_create(actor=m, name="Everyone in Norway", rules={"attr": "city", "op": "not_empty"}, priority=1)
    assert personas_of() == {"Ola": "Oslo people"}
    svc.persona_override_clear(actor=actors["rep_north"], person=ola)
    assert not PersonaOverride.objects.exists()
    assert personas_of() == {"Ola": "Everyone in Norway"}


def test_only_who_may_change_the_person_may_override(actors):
    ola = person("Ola", owner=actors["rep_north"], team=actors["rep_north"].team)
    oslo = svc.persona_create(actor=actors["marketing"], name="Oslo people", rules=OSLO)
    with pytest.raises(Exception) as err:
        svc.persona_override_set(actor=actors["rep_south"], person=ola, persona=oslo)
    assert type(err.value).__name__ in ("NotFound", "AccessDenied")
    assert not PersonaOverride.objects.exists()


def test_only_managers_define_personas(actors):
    with pytest.raises(AccessDenied):
        svc.persona_create(actor=actors["rep_north"], name="Mine", rules=OSLO)
    assert not Persona.objects.exists()


@pytest.mark.parametrize(("fields", "field"), [
    ({"name": " ", "rules": OSLO}, "name"),
    ({"name": "X", "rules": {}}, "rules"),
    ({"name": "X", "rules": {"attr": "persona", "op": "eq", "value": "Y"}}, "rules"),
    ({"name": "X", "rules": {"all": [{"attr": "nope"}]}}, "rules.all[0].attr"),
    ({"name": "X", "rules": OSLO, "priority": -1}, "priority"),
])
def test_bad_persona_is_refused_naming_the_field(actors, fields, field):
    with pytest.raises(ValidationError) as err:
        svc.persona_create(actor=actors["marketing"], **fields)
    assert err.value.field == field
    assert not Persona.objects.exists()


def test_duplicate_name_is_refused(actors):
    svc.persona_create(actor=actors["marketing"], name="Oslo people", rules=OSLO)
    with pytest.raises(ValidationError) as err:
        svc.persona_create(actor=actors["marketing"], name="oslo PEOPLE", rules=OSLO)
    assert err.value.field == "name"


def test_without_personas_typed_personas_stay():
    person("Lise", persona="typed long ago")
    assert svc.personas_recompute() == 0
    assert personas_of() == {"Lise": "typed long ago"}


def test_a_persona_can_use_value_figures(actors):
    rich, poor = person("Rich"), person("Poor")
    figures(rich, clv=Decimal("50000"))
    figures(poor, clv=Decimal("100"))
    svc.persona_create(actor=actors["marketing"], name="Valuable", rules={"attr": "clv", "op": "gte", "value": 10000})
    assert personas_of() == {"Rich": "Valuable", "Poor": ""}


def test_recompute_is_a_fixed_number_of_queries(actors, django_assert_max_num_queries):
    for i in range(30):
        person(f"P{i}", lifecycle_stage="customer" if i % 2 else "lead", city="Oslo" if i % 3 else "Bergen")
    svc.persona_create(actor=actors["marketing"], name="Customers", rules=CUSTOMERS, priority=10)
    svc.persona_create(actor=actors["marketing"], name="Oslo people", rules=OSLO, priority=20)
    Person.objects.update(persona="")
    # Personas, one UPDATE per persona and one for "none", the counts, their write (+ savepoints): not per person.
    with django_assert_max_num_queries(10):
        changed = svc.personas_recompute()
    assert changed == Person.objects.exclude(persona="").count() > 0
