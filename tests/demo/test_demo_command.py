"""``tillit demo``: deterministic Nordic demo data that a newcomer can log in to and explore."""

import json
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from rapidfuzz import fuzz

from tillit.accounts.models import Role, Team, User
from tillit.core.phones import normalize_email, normalize_phone
from tillit.interactions.models import Channel, Interaction, Kind
from tillit.people.models import Affiliation, Consent, Identity, IdentityKind, LifecycleStage, Organization, Person

AS_OF = date(2026, 6, 15)
SMALL = {"persons": 120, "organizations": 20, "interactions_per_person": 12, "as_of": AS_OF}
pytestmark = pytest.mark.django_db


def _demo(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("demo", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def _rows(rows) -> list:
    return sorted(rows, key=repr)  # rows mix None and values; repr orders them all


def _snapshot() -> dict[str, list]:
    """Everything the demo wrote, keyed by natural values (primary keys differ between runs)."""
    persons = {p.pk: p for p in Person.objects.select_related("owner", "team")}
    orgs = {o.pk: o.name for o in Organization.objects.all()}
    users = {u.pk: u.username for u in User.objects.all()}

    def who(person_id):
        p = persons.get(person_id)
        return (p.first_name, p.last_name, p.primary_email, p.primary_phone) if p else None

    return {
        "users": _rows((u.username, u.first_name, u.last_name, u.role, u.team.name if u.team else "")
                        for u in User.objects.select_related("team")),
        "organizations": _rows(
            (o.name, o.org_number, o.domain, o.industry, o.city, o.country, o.phone, o.lifecycle_stage,
             users.get(o.owner_id), json.dumps(o.custom_fields, sort_keys=True))
            for o in Organization.objects.all()),
        "persons": _rows(
            (who(p.pk), p.lifecycle_stage, p.owner.username if p.owner else "", p.team.name if p.team else "",
             p.persona, p.relationship_category, p.city, p.country, json.dumps(p.custom_fields, sort_keys=True))
            for p in persons.values()),
        "identities": _rows((who(i.person_id), i.kind, i.system, i.value, i.normalized, i.is_primary, i.label)
                             for i in Identity.objects.all()),
        "affiliations": _rows((who(a.person_id), orgs[a.organization_id], a.title, a.department,
                                a.is_decision_maker, a.buying_role, str(a.start_date), str(a.end_date))
                               for a in Affiliation.objects.all()),
        "consents": _rows((who(c.person_id), c.purpose, c.lawful_basis, c.given_at.isoformat(),
                            str(c.withdrawn_at), c.source) for c in Consent.objects.all()),
        "interactions": _rows(
            (who(i.person_id), orgs.get(i.organization_id), i.channel, i.kind, i.direction, i.occurred_at.isoformat(),
             users.get(i.handled_by_id), orgs.get(i.partner_id), i.subject, i.topic, i.product, str(i.amount),
             i.currency, i.satisfaction, i.duration_seconds, i.wait_seconds, i.share_watched, i.outcome, i.text,
             i.source, re.sub(r"\d+", "#", i.external_id or ""), json.dumps(_without_ids(i.payload), sort_keys=True))
            for i in Interaction.objects.all()),
    }


def _without_ids(payload: dict) -> dict:
    # Payloads and external ids name other records (a deal, a site) by id, and a reset renumbers them.
    return {k: v for k, v in payload.items() if not isinstance(v, int)}


def test_same_seed_gives_identical_data_and_another_seed_does_not():
    _demo(seed=11)
    first = _snapshot()
    _demo(seed=11, reset=True)
    assert _snapshot() == first
    _demo(seed=12, reset=True)
    other = _snapshot()
    assert other["persons"] != first["persons"]
    assert other["interactions"] != first["interactions"]
    assert other["users"] == first["users"]  # the log-in users are always the same


def test_default_demo_has_every_channel_and_kind_over_two_years_in_nordic_currencies():
    out = _demo(persons=300, organizations=60, interactions_per_person=40)
    # 300 customers as asked, plus the leads the website demo brings in through its forms.
    assert 300 <= Person.objects.count() < 400
    assert Organization.objects.count() == 60
    assert Interaction.objects.count() > 300 * 30
    assert set(Interaction.objects.values_list("channel", flat=True).distinct()) == set(Channel.values)
    assert set(Interaction.objects.values_list("kind", flat=True).distinct()) == set(Kind.values)
    oldest = Interaction.objects.order_by("occurred_at").first().occurred_at.date()
    newest = Interaction.objects.order_by("-occurred_at").first().occurred_at.date()
    assert (AS_OF - oldest).days >= 700 and newest < AS_OF
    money = Interaction.objects.filter(kind__in=[Kind.ORDER, Kind.PAYMENT])
    assert money.exists() and not money.filter(amount__isnull=True).exists()
    assert {"NOK", "SEK", "DKK"} <= set(money.values_list("currency", flat=True).distinct()) <= {
        "NOK", "SEK", "DKK", "EUR"}
    assert all(isinstance(a, Decimal) and a > 0 for a in money.values_list("amount", flat=True))
    # Organisation-level interactions reach the organisation's card and nobody's personal timeline.
    assert Interaction.objects.filter(person__isnull=True, organization__isnull=False).count() >= 60
    calls = Interaction.objects.filter(channel=Channel.PHONE, kind=Kind.CALL)
    assert calls.filter(duration_seconds__isnull=False, wait_seconds__isnull=False).exclude(outcome="").exists()
    assert calls.filter(handled_by__isnull=False).count() == calls.count()
    webinars = Interaction.objects.filter(kind=Kind.WEBINAR_WATCHED)
    assert all(0 < s <= 1 for s in webinars.values_list("share_watched", flat=True))
    assert Interaction.objects.filter(kind=Kind.SURVEY_ANSWER, satisfaction__gte=1, satisfaction__lte=5).exists()
    assert Interaction.objects.filter(channel=Channel.PARTNER, partner__industry="Installer").exists()
    assert "tillit-demo" in out


def test_persons_look_nordic_with_normalised_primary_email_and_phone():
    _demo()
    persons = list(Person.objects.prefetch_related("identities"))
    assert any(ch in p.full_name for p in persons for ch in "æøåÆØÅ")
    assert any(ch in p.full_name for p in persons for ch in "äöÄÖ")
    stages = Counter(p.lifecycle_stage for p in persons)
    assert set(stages) == set(LifecycleStage.values)
    prefix = {"NO": "+47", "SE": "+46", "DK": "+45"}
    raw_formats = set()
    for p in persons:
        primary_email = [i for i in p.identities.all() if i.kind == IdentityKind.EMAIL and i.is_primary]
        assert len(primary_email) == 1 and p.primary_email == normalize_email(primary_email[0].value)
        assert p.primary_email.endswith(".example")  # never a real inbox
        phones = [i for i in p.identities.all() if i.kind == IdentityKind.PHONE]
        if p.primary_phone:
            primary = next(i for i in phones if i.is_primary)
            assert p.primary_phone == primary.normalized == normalize_phone(primary.value, p.country)
            assert p.primary_phone.startswith(prefix[p.country])
            raw_formats.add(("+" in primary.value, " " in primary.value, primary.value.startswith("00")))
    assert len(raw_formats) >= 3  # written in varied human formats
    assert Person.objects.exclude(owner=None).filter(team__isnull=False).exists()
    assert Person.objects.exclude(persona="").exists() and Person.objects.exclude(relationship_category="").exists()
    assert Affiliation.objects.filter(is_decision_maker=True).exclude(title="").exists()
    assert Consent.objects.filter(lawful_basis="consent").exists()
    assert Consent.objects.filter(lawful_basis="contract").exists()


def test_demo_contains_likely_duplicates_of_every_kind():
    _demo()
    emails = Counter(Person.objects.values_list("primary_email", flat=True))
    same_email = [e for e, n in emails.items() if n > 1]
    assert same_email
    raws = {i.value for i in Identity.objects.filter(kind=IdentityKind.EMAIL, normalized=same_email[0])}
    assert len(raws) > 1  # the same address in another case

    by_phone: dict[str, set[str]] = {}
    for number, raw in Identity.objects.filter(kind=IdentityKind.PHONE).values_list("normalized", "value"):
        by_phone.setdefault(number, set()).add(raw)
    assert any(len(raw) > 1 for raw in by_phone.values())  # the same phone in another format

    similar = 0
    for org in Organization.objects.prefetch_related("affiliations__person"):
        names = [a.person.full_name for a in org.affiliations.all()]
        similar += sum(1 for i, a in enumerate(names) for b in names[i + 1:] if a != b and fuzz.ratio(a, b) >= 85)
    assert similar >= 1


def test_printed_credentials_log_in(client):
    out = _demo()
    assert "password: tillit-demo" in out
    for username in ("admin", "sara", "lars", "mette", "ingrid", "erik"):
        assert username in out
        # The sign-in throttle (django-axes) needs the request, as the login page gives it.
        assert client.login(request=RequestFactory().post("/accounts/login/"), username=username,
                            password="tillit-demo"), username
        client.logout()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.role == Role.ADMIN
    sara = User.objects.get(username="sara")
    assert (sara.role, sara.team.name) == (Role.SALES, "Oslo")
    assert (User.objects.get(username="lars").team.name, User.objects.get(username="ingrid").role) == (
        "Stockholm", Role.MANAGER)
    assert User.objects.get(username="mette").role == Role.SERVICE
    assert User.objects.get(username="erik").role == Role.MARKETING
    assert set(Team.objects.values_list("name", flat=True)) == {"Oslo", "Stockholm", "København"}
    assert sara.owned_persons.exists()


def test_refuses_a_non_empty_database_without_reset():
    User.objects.create_user(username="someone", password="x")
    with pytest.raises(CommandError, match="--reset"):
        _demo()
    assert not Person.objects.exists()


def test_reset_replaces_the_demo_and_keeps_other_data():
    keeper = User.objects.create_user(username="someone", password="x")
    real = Person.objects.create(first_name="Real", last_name="Customer", primary_email="real@firm.no")
    _demo(reset=True)
    count = Person.objects.count()
    _demo(reset=True)
    assert Person.objects.count() == count
    assert User.objects.filter(pk=keeper.pk).exists() and Person.objects.filter(pk=real.pk).exists()
    assert User.objects.filter(username="admin").count() == 1
