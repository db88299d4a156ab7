import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from tillit.card.selectors import customer_card, lookup, lookup_by, organization_card, timeline
from tillit.core.errors import AccessDenied, NotFound, ValidationError
from tillit.interactions.models import Interaction
from tillit.people.models import Identity


# --- the card's sections ------------------------------------------------------------------------
def test_card_shows_identity_owner_stage_persona_and_relationship(actors, make_person):
    person = make_person(
        emails=["Kari.Nordmann@Fjordkraft.no"], phones=["+4791234567"], lifecycle_stage="customer",
        persona="Pragmatic buyer", relationship_category="best_friend",
    )
    Identity.objects.create(person=person, kind="social", system="linkedin", value="kari-n", normalized="kari-n")
    Identity.objects.create(person=person, kind="external", system="erp", value="C-1001", normalized="C-1001")

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert card.person == person
    assert card.owner == actors["rep_north"] and card.team.name == "North"
    assert (card.lifecycle_stage, card.persona, card.relationship_category) == (
        "customer", "Pragmatic buyer", "best_friend")
    assert [p.display for p in card.phones] == ["+47 91 23 45 67"]  # phonenumbers' Norwegian grouping
    assert [e.display for e in card.emails] == ["Kari.Nordmann@Fjordkraft.no"]
    assert [(s.system, s.display) for s in card.social] == [("linkedin", "kari-n")]
    assert [(x.system, x.display) for x in card.external_ids] == [("erp", "C-1001")]


def test_card_separates_current_and_past_roles_with_title_and_decision_maker(actors, make_person, make_org, role):
    person = make_person()
    now_org, old_org = make_org("Fjord Kraft AS"), make_org("Bergen Bygg AS")
    role(person, now_org, title="CFO", is_decision_maker=True, buying_role="economic_buyer")
    role(person, old_org, title="Controller", end_date=timezone.localdate() - dt.timedelta(days=400))

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert [(r.organization.name, r.title, r.is_decision_maker, r.buying_role) for r in card.roles] == [
        ("Fjord Kraft AS", "CFO", True, "economic_buyer")]
    assert [(r.organization.name, r.title) for r in card.past_roles] == [("Bergen Bygg AS", "Controller")]


def test_card_lists_active_and_withdrawn_consents_with_lawful_basis(actors, make_person, consent):
    person = make_person()
    consent(person, purpose="newsletter", lawful_basis="consent")
    consent(person, purpose="profiling", lawful_basis="legitimate_interests", withdrawn=True)

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert [(c.purpose, c.lawful_basis) for c in card.active_consents] == [("newsletter", "consent")]
    assert [(c.purpose, c.lawful_basis) for c in card.withdrawn_consents] == [("profiling", "legitimate_interests")]


def test_last_contact_is_the_newest_human_conversation_and_who_had_it(actors, make_person, log):
    person = make_person()
    log(person=person, channel="phone", kind="call", handled_by=actors["rep_north2"], minutes_ago=300)
    log(person=person, channel="meeting", kind="meeting", handled_by=actors["rep_north"], minutes_ago=120)
    # Newer, but not a conversation: a web visit, an opened newsletter, a mass mailing, an internal note.
    log(person=person, channel="web", kind="page_view", minutes_ago=5)
    log(person=person, channel="email", kind="email_opened", minutes_ago=6)
    log(person=person, channel="email", kind="email_sent", minutes_ago=7)
    log(person=person, channel="phone", kind="note", handled_by=actors["rep_north2"], minutes_ago=8)

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert card.last_contact.handled_by == actors["rep_north"]
    assert card.last_contact.kind == "meeting"
    assert (card.last_interaction.channel, card.last_interaction.kind) == ("web", "page_view")


def test_a_merge_note_or_an_internal_note_is_not_the_last_interaction(actors, make_person, log):
    from tillit.people.merge import person_merge

    person, duplicate = make_person(), make_person(last_name="Nordman")
    log(person=person, channel="phone", kind="call", handled_by=actors["rep_north"], minutes_ago=600)
    log(person=person, channel="internal", kind="note", text="Decides with her partner", minutes_ago=60)
    person_merge(actor=actors["admin"], survivor=person, other=duplicate)  # writes a merge note, now

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert Interaction.objects.filter(person=person, kind="note").count() == 2
    assert (card.last_interaction.channel, card.last_interaction.kind) == ("phone", "call")
    assert card.activity.total == 3  # the notes still count and stay on the timeline
    assert len(card.timeline.entries) == 3


def test_counts_per_channel_are_sorted_largest_first(actors, make_person, log):
    person = make_person()
    for _ in range(3):
        log(person=person, channel="web", kind="page_view")
    log(person=person, channel="phone", kind="call")
    log(person=person, channel="email", kind="email_sent")
    log(person=person, channel="email", kind="email_opened")

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert [(c.channel, c.count) for c in card.channel_counts] == [("web", 3), ("email", 2), ("phone", 1)]
    assert card.activity.total == 6


def test_email_engagement_counts_and_rates(actors, make_person, log):
    person = make_person()
    for _ in range(4):
        log(person=person, channel="email", kind="email_sent")
    for _ in range(2):
        log(person=person, channel="email", kind="email_opened")
    log(person=person, channel="email", kind="email_clicked")

    engagement = customer_card(actor=actors["rep_north"], person_id=person.pk).email_engagement

    assert (engagement.sent, engagement.opened, engagement.clicked) == (4, 2, 1)
    assert (engagement.open_rate, engagement.click_rate) == (0.5, 0.25)


def test_email_rates_are_empty_without_sent_emails(actors, make_person):
    engagement = customer_card(actor=actors["rep_north"], person_id=make_person().pk).email_engagement
    assert engagement.open_rate is None and engagement.click_rate is None


def test_top_topics_products_and_content_come_from_engagement_by_count(actors, make_person, log):
    person = make_person()
    for _ in range(3):
        log(person=person, kind="content_read", topic="Pensions", subject="How to save for retirement")
    log(person=person, kind="page_view", topic="Car insurance", product="Bilforsikring")
    log(person=person, channel="webinar", kind="webinar_watched", topic="Pensions", subject="Pension webinar",
        share_watched=0.8)
    log(person=person, channel="webinar", kind="webinar_watched", subject="Pension webinar", share_watched=0.4)
    # A call about a topic is not content engagement.
    log(person=person, channel="phone", kind="call", topic="Complaint")

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert [(t.label, t.count) for t in card.top_topics] == [("Pensions", 4), ("Car insurance", 1)]
    assert [(t.label, t.count) for t in card.top_products] == [("Bilforsikring", 1)]
    assert [(t.label, t.count) for t in card.top_content] == [("How to save for retirement", 3),
                                                               ("Pension webinar", 2)]
    assert card.top_content[1].avg_share_watched == pytest.approx(0.6)


def test_activity_series_covers_the_last_twelve_months_with_zeros(actors, make_person, log):
    person = make_person()
    log(person=person, minutes_ago=10)
    log(person=person, minutes_ago=20)
    log(person=person, minutes_ago=60 * 24 * 500)  # older than a year: not in the series

    months = customer_card(actor=actors["rep_north"], person_id=person.pk).activity.months

    assert len(months) == 12
    assert months[-1].month == timezone.localdate().replace(day=1)
    assert months[-1].count == 2
    assert sum(m.count for m in months) == 2


def test_card_includes_the_first_timeline_page(actors, make_person, log):
    person = make_person()
    newest = log(person=person, minutes_ago=1)
    log(person=person, minutes_ago=2)

    card = customer_card(actor=actors["rep_north"], person_id=person.pk)

    assert card.timeline.page == 1
    assert card.timeline.entries[0] == newest
    assert not card.timeline.has_next


# --- query count --------------------------------------------------------------------------------
def _fill(person, org, n, log, actors):
    channels = [("web", "page_view"), ("email", "email_sent"), ("email", "email_opened"), ("phone", "call"),
                ("web", "content_read"), ("meeting", "meeting")]
    for i in range(n):
        channel, kind = channels[i % len(channels)]
        log(person=person, channel=channel, kind=kind, topic=f"Topic {i % 7}", subject=f"Article {i % 11}",
            handled_by=actors["rep_north"] if channel in ("phone", "meeting") else None, minutes_ago=i * 7)
    for i in range(max(n // 10, 1)):
        log(organization=org, channel="email", kind="email_sent", minutes_ago=i * 13)


@pytest.mark.parametrize("n", [5, 200])
def test_card_costs_the_same_few_queries_whatever_the_log_size(actors, make_person, make_org, role, consent, log,
                                                                 n, django_assert_max_num_queries):
    person = make_person(emails=["a@example.no", "b@example.no"], phones=["+4791234567"])
    org = make_org()
    role(person, org, title="CTO")
    role(person, make_org("Other AS"), title="Board member")
    consent(person)
    _fill(person, org, n, log, actors)

    # person, roles, identities, consents, activity, interests, last contact, timeline page
    with django_assert_max_num_queries(8):
        card = customer_card(actor=actors["rep_north"], person_id=person.pk)
        # Touch everything a page renders.
        for entry in card.timeline.entries:
            str(entry.handled_by), str(entry.organization), str(entry.person)
        [r.organization.name for r in card.roles]
        str(card.last_contact.handled_by)

    assert card.activity.total == n


def test_organization_card_costs_a_fixed_number_of_queries(actors, make_person, make_org, role, log,
                                                           django_assert_max_num_queries):
    org = make_org()
    for i in range(8):
        person = make_person(first_name=f"P{i}")
        role(person, org)
        _fill(person, org, 12, log, actors)

    # organisation, people, activity, last contact, timeline page
    with django_assert_max_num_queries(5):
        card = organization_card(actor=actors["rep_north"], organization_id=org.pk)
        for entry in card.timeline.entries:
            str(entry.handled_by), str(entry.organization), str(entry.person)
        [r.person.full_name for r in card.roles]

    assert len(card.roles) == 8


# --- timeline -----------------------------------------------------------------------------------
def test_timeline_is_newest_first_and_includes_organisation_rows_of_current_roles(actors, make_person, make_org,
                                                                                  role, log):
    person = make_person()
    org, old_org, stranger_org = make_org("Now AS"), make_org("Before AS"), make_org("Elsewhere AS")
    role(person, org)
    role(person, old_org, end_date=timezone.localdate() - dt.timedelta(days=30))
    a = log(person=person, minutes_ago=30)
    b = log(organization=org, channel="email", kind="email_sent", minutes_ago=20)
    c = log(person=person, organization=org, channel="phone", kind="call", minutes_ago=10)
    log(organization=old_org, channel="email", kind="email_sent", minutes_ago=15)  # role has ended
    log(organization=stranger_org, channel="email", kind="email_sent", minutes_ago=5)
    log(person=make_person("Other"), organization=org, minutes_ago=1)  # a colleague's own interaction

    page = timeline(actor=actors["rep_north"], person=person)

    assert page.entries == [c, b, a]


def test_timeline_pages_through_everything_once(actors, make_person, make_org, role, log):
    person = make_person()
    org = make_org()
    role(person, org)
    rows = [log(person=person, minutes_ago=i) for i in range(0, 60, 2)]
    rows += [log(organization=org, minutes_ago=i) for i in range(1, 60, 2)]
    expected = sorted(rows, key=lambda r: r.occurred_at, reverse=True)

    with override_settings(TILLIT_TIMELINE_PAGE_SIZE=25):
        first = timeline(actor=actors["rep_north"], person=person, page=1)
        second = timeline(actor=actors["rep_north"], person=person, page=2)
        third = timeline(actor=actors["rep_north"], person=person, page=3)

    assert first.has_next and second.has_next
    assert first.entries + second.entries + third.entries == expected
    assert len(first.entries) == 25 and not third.has_next and third.has_previous


def test_timeline_orders_same_time_rows_stably_by_id(actors, make_person):
    person = make_person()
    when = timezone.now()
    rows = [Interaction.objects.create(person=person, channel="web", kind="page_view", occurred_at=when)
            for _ in range(30)]

    with override_settings(TILLIT_TIMELINE_PAGE_SIZE=10):
        pages = [timeline(actor=actors["rep_north"], person=person, page=p).entries for p in (1, 2, 3)]

    assert sum(pages, []) == rows[::-1]


def test_timeline_filters_by_channel_and_kind(actors, make_person, make_org, role, log):
    person = make_person()
    org = make_org()
    role(person, org)
    call = log(person=person, channel="phone", kind="call")
    log(person=person, channel="phone", kind="note")
    mail = log(person=person, channel="email", kind="email_sent")
    org_mail = log(organization=org, channel="email", kind="email_sent")

    actor = actors["rep_north"]
    assert timeline(actor=actor, person=person, channel="phone", kind="call").entries == [call]
    assert set(timeline(actor=actor, person=person, channel="email").entries) == {mail, org_mail}
    assert timeline(actor=actor, person=person, kind="meeting").entries == []


def test_timeline_rejects_unknown_filters(actors, make_person):
    person = make_person()
    with pytest.raises(ValidationError) as exc:
        timeline(actor=actors["rep_north"], person=person, channel="pigeon")
    assert exc.value.field == "channel"
    with pytest.raises(ValidationError) as exc:
        timeline(actor=actors["rep_north"], person=person, page=0)
    assert exc.value.field == "page"


def test_organization_timeline_combines_own_rows_and_its_peoples(actors, make_person, make_org, role, log):
    org = make_org()
    alice, bob, outsider = make_person("Alice"), make_person("Bob"), make_person("Outsider")
    role(alice, org)
    role(bob, org)
    own = log(organization=org, minutes_ago=50)
    alice_at_org = log(person=alice, organization=org, minutes_ago=40)
    alice_alone = log(person=alice, minutes_ago=30)
    bob_alone = log(person=bob, minutes_ago=20)
    log(person=outsider, minutes_ago=10)

    page = timeline(actor=actors["rep_north"], organization=org)

    assert page.entries == [bob_alone, alice_alone, alice_at_org, own]
    card = organization_card(actor=actors["rep_north"], organization_id=org.pk)
    assert card.activity.total == 4
    assert [r.person for r in card.roles] == [alice, bob]


def test_organization_timeline_with_many_people_uses_one_scan_and_stays_correct(actors, make_person, make_org,
                                                                                role, log):
    org = make_org()
    people = [make_person(f"P{i:02}") for i in range(55)]
    for p in people:
        role(p, org)
    rows = [log(person=p, minutes_ago=i) for i, p in enumerate(people)]

    page = timeline(actor=actors["rep_north"], organization=org)

    assert page.entries == rows[:25]


# --- lookup -------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["+47 912 34 567", "91234567", "0047-91234567", "+4791234567", "912 34 567"])
def test_lookup_finds_a_phone_in_any_format(actors, make_person, typed):
    person = make_person(phones=["+4791234567"])
    make_person("Other", phones=["+4791234568"])
    assert lookup(actor=actors["service"], q=typed) == [person]


@pytest.mark.parametrize("typed", ["kari@fjordkraft.no", "KARI@FJORDKRAFT.NO", "  Kari@Fjordkraft.No "])
def test_lookup_finds_an_email_in_any_case(actors, make_person, typed):
    person = make_person(emails=["Kari@Fjordkraft.no"])
    assert lookup(actor=actors["service"], q=typed) == [person]


def test_lookup_finds_an_external_id(actors, make_person):
    person = make_person()
    Identity.objects.create(person=person, kind="external", system="erp", value="C-1001", normalized="C-1001")
    assert lookup(actor=actors["service"], q="C-1001") == [person]


def test_lookup_returns_nothing_for_unknown_or_empty_input(actors, make_person):
    make_person(phones=["+4791234567"])
    assert lookup(actor=actors["service"], q="+47 400 00 000") == []
    assert lookup(actor=actors["service"], q="   ") == []


def test_lookup_only_returns_persons_the_actor_may_see(actors, make_person):
    mine = make_person(phones=["+4791234567"])
    make_person("South", owner=actors["rep_south"], phones=["+4791234567"])
    assert lookup(actor=actors["rep_north"], q="91234567") == [mine]
    assert len(lookup(actor=actors["service"], q="91234567")) == 2


def test_lookup_by_phone_rejects_text_that_is_no_phone_number(actors):
    with pytest.raises(ValidationError) as exc:
        lookup_by(actor=actors["service"], phone="call me")
    assert exc.value.field == "phone"


# --- access -------------------------------------------------------------------------------------
SEES_NORTH = {"admin": True, "manager_north": True, "rep_north": True, "rep_north2": False, "rep_south": False,
              "service": True, "marketing": True}


@pytest.mark.parametrize("who,sees", SEES_NORTH.items())
def test_card_visibility_per_role(actors, make_person, make_org, who, sees):
    person = make_person()  # owned by rep_north, team North
    org = make_org()
    if sees:
        assert customer_card(actor=actors[who], person_id=person.pk).person == person
        assert organization_card(actor=actors[who], organization_id=org.pk).organization == org
        assert timeline(actor=actors[who], person=person.pk).entries == []
    else:
        with pytest.raises(NotFound):
            customer_card(actor=actors[who], person_id=person.pk)
        with pytest.raises(NotFound):
            organization_card(actor=actors[who], organization_id=org.pk)
        with pytest.raises(NotFound):
            timeline(actor=actors[who], person=person.pk)


@pytest.mark.parametrize("who", ["partner", "customer"])
def test_partner_and_customer_accounts_get_no_card(actors, make_person, who):
    person = make_person()
    with pytest.raises(AccessDenied):
        customer_card(actor=actors[who], person_id=person.pk)
    with pytest.raises(AccessDenied):
        lookup(actor=actors[who], q="91234567")


def test_unknown_person_is_not_found(actors):
    with pytest.raises(NotFound):
        customer_card(actor=actors["admin"], person_id=999_999)


def test_organization_card_lists_only_the_people_the_actor_may_see(actors, make_person, make_org, role, log):
    org = make_org(owner=actors["rep_north"])
    mine, theirs = make_person("Mine"), make_person("Theirs", owner=actors["rep_south"])
    role(mine, org)
    role(theirs, org)
    log(person=theirs, minutes_ago=1)

    card = organization_card(actor=actors["rep_north"], organization_id=org.pk)

    assert [r.person for r in card.roles] == [mine]
    assert card.timeline.entries == []


def test_timeline_names_the_partner_without_extra_queries_per_row(actors, make_person, make_org, log,
                                                                 django_assert_max_num_queries):
    person = make_person()
    partner = make_org("Varme & Sol Partner AS")
    for _ in range(5):
        log(person=person, channel="partner", kind="inquiry", partner=partner)
    # person, current roles, the page, its partners
    with django_assert_max_num_queries(4):
        page = timeline(actor=actors["rep_north"], person=person)
        names = {entry.partner.name for entry in page.entries}
    assert names == {"Varme & Sol Partner AS"}


def test_activity_months_follow_the_users_time_zone(actors, make_person):
    person = make_person()
    with timezone.override("Asia/Tokyo"):
        local_now = timezone.localtime()
        month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if local_now - month_start < dt.timedelta(minutes=2):
            pytest.skip("too close to the start of the month to place a row inside it")
        for when in (month_start + dt.timedelta(minutes=1), month_start - dt.timedelta(minutes=1)):
            Interaction.objects.create(person=person, channel="web", kind="page_view", occurred_at=when)
        months = customer_card(actor=actors["rep_north"], person_id=person.pk).activity.months
    assert [m.count for m in months[-2:]] == [1, 1]


def test_organization_last_contact_names_the_person_and_the_employee(actors, make_person, make_org, role, log):
    org = make_org()
    person = make_person("Kari")
    role(person, org)
    log(person=person, channel="phone", kind="call", handled_by=actors["rep_north2"], minutes_ago=30)
    log(organization=org, channel="email", kind="email_sent", minutes_ago=5)  # a mailing: no sender, not contact

    card = organization_card(actor=actors["rep_north"], organization_id=org.pk)

    assert (card.last_contact.person, card.last_contact.handled_by) == (person, actors["rep_north2"])
