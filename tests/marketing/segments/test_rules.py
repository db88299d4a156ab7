"""The rule language: validation that names the path, and the semantics of every operator on hand-made data."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tillit.core.errors import ValidationError
from tillit.interactions.models import Interaction
from tillit.marketing.models import Segment, StaticList, StaticListMember
from tillit.marketing.rules import validate_rules
from tillit.marketing.segments import audience, list_members, person_segments, rules_members, segment_members
from tillit.people.models import Affiliation, Consent, Organization, Person

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def person(name, **fields) -> Person:
    return Person.objects.create(first_name=name, last_name="Test", **fields)


def log(who, kind="content_read", *, channel="web", ago=timedelta(days=1), **fields) -> Interaction:
    return Interaction.objects.create(person=who, kind=kind, channel=channel, occurred_at=NOW - ago, **fields)


def names(rules, **kwargs) -> set[str]:
    return set(rules_members(rules, now=NOW, **kwargs).values_list("first_name", flat=True))


# --- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("rules", "path", "reason"), [
    ({"all": [{"attr": "lifecycle_stage", "op": "in", "value": ["customer"]}, {"attr": "persona", "value": "x"},
              {"did": True, "kind": "content_read", "at_least": 0}]},
     "rules.all[2].at_least", "must be a positive whole number"),
    ({"all": [{"did": True, "kind": "content_read", "at_least": 2.5}]}, "rules.all[0].at_least",
     "must be a positive whole number"),
    ({"any": [{"not": {"did": True, "kind": "dancing"}}]}, "rules.any[0].not.kind", "is not an interaction kind"),
    ({"all": [{"attr": "shoe_size", "value": "42"}]}, "rules.all[0].attr", "is not an attribute segments know"),
    ({"all": [{"attr": "lifecycle_stage", "op": "eq", "value": "alien"}]}, "rules.all[0].value", "must be one of"),
    ({"all": [{"attr": "custom.a__b", "value": "x"}]}, "rules.all[0].attr", "is not an attribute"),
    ({"all": [{"attr": "owner", "op": "contains", "value": 1}]}, "rules.all[0].op", "must be one of"),
    ({"all": [{"campaign": "spring", "event": "bounced"}]}, "rules.all[0].event", "must be opened or clicked"),
    ({"all": [{"did": True, "kind": "call", "days": -3}]}, "rules.all[0].days", "must be a positive whole number"),
    ({"all": [{"did": True}]}, "rules.all[0]", "needs at least a kind"),
    ({"all": "everyone"}, "rules.all", "must be a list"),
    ({"all": [], "any": []}, "rules", "exactly one key"),
    ({"all": [{"did": True, "kind": "call", "colour": "red"}]}, "rules.all[0].colour", "not a known key"),
    ({"all": [{"attr": "lifecycle_stage", "op": "in", "value": []}]}, "rules.all[0].value", "non-empty list"),
])
def test_validation_names_the_path_of_the_bad_rule(rules, path, reason):
    with pytest.raises(ValidationError) as err:
        validate_rules(rules)
    assert err.value.field == path
    assert err.value.message.startswith(f"{path}: ")
    assert reason in err.value.message


def test_validation_lists_every_problem_and_normalises():
    with pytest.raises(ValidationError) as err:
        validate_rules({"all": [{"attr": "nope"}, {"did": True, "kind": "call", "at_least": "two"}]})
    assert [e["field"] for e in err.value.errors] == ["rules.all[0].attr", "rules.all[1].at_least"]
    tree = validate_rules({"did": True, "kind": "call", "topic": "  heat pumps "})
    assert tree == {"all": [{"did": True, "kind": "call", "channel": "", "topic": "heat pumps", "product": "",
                             "campaign": "", "at_least": 1, "days": None}]}
    assert validate_rules({}) == {"all": []}


# --- behaviour -------------------------------------------------------------------------------------
def test_at_least_n_in_the_last_d_days_counts_the_boundary_day():
    edge, early, once, other = person("Edge"), person("Early"), person("Once"), person("Other")
    log(edge, topic="Heat pumps", ago=timedelta(days=1))
    log(edge, topic="heat pumps", ago=timedelta(days=90))  # exactly 90 days ago: inside
    log(early, topic="heat pumps", ago=timedelta(days=1))
    log(early, topic="heat pumps", ago=timedelta(days=90, seconds=1))  # a second too early
    log(once, topic="heat pumps", ago=timedelta(days=2))
    log(other, topic="solar", ago=timedelta(days=2))
    log(other, topic="solar", ago=timedelta(days=3))
    log(other, topic="heat pumps", ago=-timedelta(days=1))  # booked for tomorrow: not done yet
    rule = {"did": True, "kind": "content_read", "topic": "heat pumps", "at_least": 2, "days": 90}
    assert names(rule) == {"Edge"}
    assert names(dict(rule, at_least=1)) == {"Edge", "Early", "Once"}
    assert names(dict(rule, days=None)) == {"Edge", "Early"}


def test_did_not_includes_people_with_no_interactions_at_all():
    reader, lurker, _silent = person("Reader"), person("Lurker"), person("Silent")
    log(reader, "email_opened", channel="email", ago=timedelta(days=5))
    log(lurker, "email_opened", channel="email", ago=timedelta(days=40))
    assert names({"did": False, "kind": "email_opened", "days": 30}) == {"Lurker", "Silent"}
    # "did not at least twice" = fewer than two times, including none
    assert names({"did": False, "kind": "email_opened", "at_least": 2}) == {"Reader", "Lurker", "Silent"}
    # organisation-only rows (no person) must not turn NOT IN into "nobody"
    org = Organization.objects.create(name="Org")
    for _ in range(2):
        Interaction.objects.create(organization=org, kind="email_opened", channel="email", occurred_at=NOW)
    log(reader, "email_opened", channel="email", ago=timedelta(days=6))
    assert names({"did": False, "kind": "email_opened", "at_least": 2}) == {"Lurker", "Silent"}
    assert names({"did": True, "kind": "email_opened", "at_least": 2}) == {"Reader"}


def test_channel_product_and_kind_filters():
    a, b = person("A"), person("B")
    log(a, "webinar_watched", channel="webinar", product="Pump X")
    log(b, "webinar_watched", channel="web", product="pump x")
    assert names({"did": True, "kind": "webinar_watched", "channel": "webinar"}) == {"A"}
    assert names({"did": True, "product": "PUMP X"}) == {"A", "B"}


def test_campaign_opened_and_clicked():
    opener, clicker, nobody = person("Opener"), person("Clicker"), person("Nobody")
    log(opener, "email_opened", channel="email", campaign="spring")
    log(clicker, "email_opened", channel="email", campaign="spring")
    log(clicker, "email_clicked", channel="email", campaign="spring")
    log(nobody, "email_clicked", channel="email", campaign="autumn")
    assert names({"campaign": "spring", "event": "opened"}) == {"Opener", "Clicker"}
    assert names({"campaign": "spring", "event": "clicked"}) == {"Clicker"}
    assert names({"campaign": "spring", "event": "clicked", "did": False}) == {"Opener", "Nobody"}


# --- attributes ------------------------------------------------------------------------------------
def test_person_attributes(actors):
    sara = actors["rep_north"]
    c = person("Cust", lifecycle_stage="customer", persona="Engineer", city="Oslo", owner=sara, team=sara.team)
    person("Lead", lifecycle_stage="lead", persona="", city="Bergen")
    assert names({"attr": "lifecycle_stage", "op": "in", "value": ["customer", "repeat_customer"]}) == {"Cust"}
    assert names({"attr": "lifecycle_stage", "op": "ne", "value": "customer"}) == {"Lead"}
    assert names({"attr": "persona", "op": "eq", "value": "engineer"}) == {"Cust"}
    assert names({"attr": "persona", "op": "empty"}) == {"Lead"}
    assert names({"attr": "city", "op": "starts_with", "value": "ber"}) == {"Lead"}
    assert names({"attr": "owner", "op": "eq", "value": sara.pk}) == {"Cust"}
    assert names({"attr": "owner", "op": "ne", "value": sara.pk}) == {"Lead"}  # no owner is "not Sara"
    assert names({"attr": "team", "op": "empty"}) == {"Lead"}
    assert c.pk


def test_custom_fields_compare_as_text():
    person("Gold", custom_fields={"tier": "gold", "employees": 40})
    person("Plain", custom_fields={})
    assert names({"attr": "custom.tier", "value": "GOLD"}) == {"Gold"}
    assert names({"attr": "custom.employees", "value": 40}) == {"Gold"}
    assert names({"attr": "custom.tier", "op": "ne", "value": "gold"}) == {"Plain"}
    assert names({"attr": "custom.tier", "op": "empty"}) == {"Plain"}
    assert names({"attr": "custom.tier", "op": "not_empty"}) == {"Gold"}


def test_organisation_fields_use_current_roles_only():
    energy = Organization.objects.create(name="Fjord Energy", industry="Energy", custom_fields={"size": "large"})
    bank = Organization.objects.create(name="Bank", industry="Finance")
    now_at, was_at, never = person("Now"), person("Was"), person("Never")
    Affiliation.objects.create(person=now_at, organization=energy)
    Affiliation.objects.create(person=was_at, organization=energy, end_date=date(2025, 1, 1))
    Affiliation.objects.create(person=was_at, organization=bank)
    assert names({"attr": "organization.industry", "value": "energy"}) == {"Now"}
    assert names({"attr": "organization.custom.size", "value": "large"}) == {"Now"}
    assert names({"not": {"attr": "organization.industry", "value": "energy"}}) == {"Was", "Never"}
    assert never.pk


def test_consent_active_versus_withdrawn():
    yes, withdrawn, other = person("Yes"), person("Withdrawn"), person("Other")
    Consent.objects.create(person=yes, purpose="newsletter", lawful_basis="consent", given_at=NOW - timedelta(days=9))
    Consent.objects.create(person=withdrawn, purpose="newsletter", lawful_basis="consent",
                           given_at=NOW - timedelta(days=9), withdrawn_at=NOW - timedelta(days=1))
    Consent.objects.create(person=other, purpose="profiling", lawful_basis="consent", given_at=NOW - timedelta(days=9))
    assert names({"attr": "consent", "op": "in", "value": ["newsletter"]}) == {"Yes"}
    assert names({"attr": "consent", "op": "not_in", "value": ["newsletter"]}) == {"Withdrawn", "Other"}


# --- groups ----------------------------------------------------------------------------------------
def test_nested_and_or_not():
    a = person("A", lifecycle_stage="customer", city="Oslo")
    b = person("B", lifecycle_stage="customer", city="Bergen")
    c = person("C", lifecycle_stage="lead", city="Oslo")
    person("D", lifecycle_stage="lead", city="Bergen")
    log(a, "email_opened", channel="email")
    log(c, "content_read", topic="solar")
    rules = {"all": [
        {"any": [{"attr": "lifecycle_stage", "value": "customer"}, {"did": True, "topic": "solar"}]},
        {"not": {"all": [{"attr": "city", "value": "bergen"}, {"did": False, "kind": "email_opened"}]}},
    ]}
    assert names(rules) == {"A", "C"}
    assert names({"any": []}) == set()
    assert names({"all": []}) == {"A", "B", "C", "D"}
    assert names({"not": {"all": []}}) == set()
    assert b.pk


# --- one query, contracts -------------------------------------------------------------------------
def test_a_segment_is_evaluated_in_exactly_one_query(django_assert_num_queries, actors):
    segment = Segment.objects.create(name="Readers", rules={"all": [
        {"attr": "lifecycle_stage", "op": "in", "value": ["customer"]},
        {"did": True, "kind": "content_read", "topic": "heat pumps", "at_least": 2, "days": 90},
        {"not": {"did": True, "kind": "email_opened", "days": 30}},
        {"attr": "organization.industry", "value": "energy"},
        {"attr": "consent", "value": ["newsletter"]},
        {"campaign": "spring", "event": "clicked", "did": False},
    ]})
    for i in range(5):
        p = person(f"P{i}", lifecycle_stage="customer")
        log(p, topic="heat pumps")
    with django_assert_num_queries(1):
        list(segment_members(segment).values_list("pk"))
    with django_assert_num_queries(1):
        list(segment_members(segment, actor=actors["manager_north"]).values_list("pk"))


def test_actor_sees_only_their_members(actors):
    rep = actors["rep_north"]
    mine = person("Mine", owner=rep)
    person("Theirs", owner=actors["rep_south"])
    segment = Segment.objects.create(name="All", rules={})
    assert set(segment_members(segment, actor=rep)) == {mine}
    assert segment_members(segment).count() == 2
    assert list(segment_members(segment, actor=actors["partner"])) == []


def test_person_segments_in_two_queries_and_audience(django_assert_max_num_queries):
    a, b, c = person("A", lifecycle_stage="customer"), person("B"), person("C")
    log(b, "email_opened", channel="email", campaign="spring")
    customers = Segment.objects.create(name="Customers", rules={"attr": "lifecycle_stage", "value": "customer"})
    openers = Segment.objects.create(name="Openers", rules={"campaign": "spring", "event": "opened"})
    nobody = Segment.objects.create(name="Nobody", rules={"any": []})
    with django_assert_max_num_queries(2):
        assert person_segments(a, Segment.objects.order_by("name"), now=NOW) == [customers]
    assert person_segments(b, [customers, openers, nobody], now=NOW) == [openers]
    vip = StaticList.objects.create(name="VIP")
    StaticListMember.objects.create(static_list=vip, person=c)
    assert list(list_members(vip)) == [c]
    both = audience(segments=[customers, openers], static_lists=[vip], now=NOW)
    assert sorted(both.values_list("first_name", flat=True)) == ["A", "B", "C"]
    assert audience().count() == 0
    with django_assert_max_num_queries(1):
        assert audience(static_lists=StaticList.objects.all()).count() == 1
    everyone = Segment.objects.create(name="Everyone", rules={})
    assert audience(segments=[everyone, nobody]).count() == 3


def test_rules_in_words(actors):
    from tillit.marketing.rules import summarize

    rules = {"all": [
        {"attr": "lifecycle_stage", "op": "in", "value": ["customer"]},
        {"did": True, "kind": "content_read", "topic": "heat pumps", "at_least": 2, "days": 90},
        {"not": {"campaign": "spring", "event": "opened"}},
        {"attr": "owner", "op": "eq", "value": actors["rep_north"].pk},
    ]}
    text = summarize(rules, users={actors["rep_north"].pk: "Rep North"})
    assert text == ("Lifecycle stage is one of Customer and did content read about “heat pumps” at least 2 times "
                    "in the last 90 days and did not open any email of campaign “spring” and Owner is Rep North")
    assert summarize({}) == "Everyone"
    assert summarize({"all": [{"attr": "nope"}]}) == "(rules that are no longer valid)"


@pytest.mark.parametrize(("condition", "words"), [
    ({"kind": "content_read"}, "Did content read"),
    ({"kind": "content_read", "days": 30}, "Did content read in the last 30 days"),
    ({"kind": "meeting", "at_least": 3}, "Did meeting at least 3 times"),
    ({"channel": "phone", "at_least": 2, "days": 60}, "Did anything on Phone at least 2 times in the last 60 days"),
    ({"did": False, "kind": "order"}, "Never did order"),
    ({"did": False, "kind": "order", "days": 365}, "Did not do order in the last 365 days"),
    ({"did": False, "kind": "page_view", "at_least": 5}, "Did page view fewer than 5 times"),
    ({"did": False, "channel": "web", "topic": "solar", "at_least": 5, "days": 7},
     "Did anything on Web about “solar” fewer than 5 times in the last 7 days"),
    ({"kind": "order", "product": "Luft 9", "days": 90}, "Did order about product “Luft 9” in the last 90 days"),
    ({"kind": "page_view", "campaign": "spring", "topic": "heat pumps"},
     "Did page view about “heat pumps” in campaign “spring”"),
    ({"campaign": "spring", "event": "clicked", "days": 14},
     "Clicked a link in an email of campaign “spring” in the last 14 days"),
    ({"not": {"campaign": "spring", "event": "opened", "days": 14}},
     "Did not open any email of campaign “spring” in the last 14 days"),
    ({"not": {"kind": "call", "days": 30}}, "Did not do call in the last 30 days"),
])
def test_each_behaviour_reads_as_one_whole_sentence(condition, words):
    from tillit.marketing.rules import summarize

    assert summarize(condition) == words


def test_behaviour_sentences_are_whole_translatable_templates(monkeypatch):
    """A translation may reorder the whole sentence: the catalogue is asked for complete templates with
    named placeholders, never for "did" or "at least" on their own."""
    from django.utils import translation

    from tillit.marketing import rules

    asked = []
    real = rules._

    def catalogue(text):
        asked.append(text)
        return real(text)

    monkeypatch.setattr(rules, "_", catalogue)
    with translation.override("en"):
        rules.summarize({"did": False, "channel": "web", "topic": "solar", "at_least": 5, "days": 7})
    assert "did %(what)s fewer than %(n)d times in the last %(days)d days" in asked
    assert not {"did", "did not", "at least %(n)d times", "in the last %(days)d days", "about"} & set(asked)
