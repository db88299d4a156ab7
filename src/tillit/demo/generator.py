"""Build and load the demo: teams, users, organisations, persons, identities, roles, consents, interactions.

``load_demo()`` is deterministic: the same seed and the same ``today`` give the same rows. The
data is generated, not customer input, so it is written with ``bulk_create`` in one transaction
instead of through the (slower, per-record) services; ``Person.primary_email`` and
``primary_phone`` are filled with the normalised primary identities exactly as the services do.
"""

import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import import_module

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from tillit.accounts.models import Role, Team, User
from tillit.core.phones import normalize_email, normalize_phone
from tillit.demo import content as c
from tillit.demo.journeys import BUYING_STAGES, JourneyWriter, Party
from tillit.demo.names import (
    COUNTRIES,
    DECISION_TITLES,
    HEATING_TODAY,
    INSTALLER,
    ORG_KINDS,
    PERSONAS,
    RELATIONSHIP_CATEGORIES,
    ROOF_FACING,
    TITLES_BY_INDUSTRY,
    Country,
)
from tillit.demo.translated import localize
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.people.models import (
    Affiliation,
    BuyingRole,
    Consent,
    Identity,
    IdentityKind,
    LawfulBasis,
    LifecycleStage,
    Organization,
    Person,
)

DEMO_PASSWORD = "tillit-demo"
DEMO_DOMAIN_SUFFIX = ".example"
COMPANY = "Nordlys Varme AS"
DEMO_TEAMS = ("Oslo", "Stockholm", "København")


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None
    time_zone: str
    superuser: bool = False


DEMO_USERS = (
    DemoUser("admin", "Astrid", "Aune", Role.ADMIN, None, "Europe/Oslo", superuser=True),
    DemoUser("sara", "Sara", "Lunde", Role.SALES, "Oslo", "Europe/Oslo"),
    DemoUser("lars", "Lars", "Bergström", Role.SALES, "Stockholm", "Europe/Stockholm"),
    DemoUser("mads", "Mads", "Kjær", Role.SALES, "København", "Europe/Copenhagen"),
    DemoUser("ingrid", "Ingrid", "Haugen", Role.MANAGER, "Oslo", "Europe/Oslo"),
    DemoUser("mette", "Mette", "Kristensen", Role.SERVICE, "København", "Europe/Copenhagen"),
    DemoUser("johan", "Johan", "Ek", Role.SERVICE, "Stockholm", "Europe/Stockholm"),
    DemoUser("erik", "Erik", "Nygård", Role.MARKETING, "Oslo", "Europe/Oslo"),
)
DEMO_USERNAMES = tuple(u.username for u in DEMO_USERS)
# Modules that add their records to the demo: ``build(builder, say) -> {label: count}`` runs after the
# people and the log are written; ``delete(persons=, organizations=)`` runs before they are deleted.
DEMO_EXTENSIONS = ("tillit.demo.sales", "tillit.demo.service", "tillit.demo.service_sla", "tillit.demo.marketing",
                   "tillit.demo.insight")
# Who owns the customer relationships in each country (username, share); the rest have no owner.
OWNERS_BY_COUNTRY = {"NO": (("sara", 0.62), ("ingrid", 0.23)), "SE": (("lars", 0.85),), "DK": (("mads", 0.85),)}
TEAM_BY_COUNTRY = {"NO": "Oslo", "SE": "Stockholm", "DK": "København"}

STAGE_WEIGHTS = (
    (LifecycleStage.SUBSCRIBER, 14), (LifecycleStage.LEAD, 24), (LifecycleStage.PROSPECT, 16),
    (LifecycleStage.CUSTOMER, 30), (LifecycleStage.REPEAT_CUSTOMER, 10), (LifecycleStage.FORMER, 6),
)
# How long ago (days) people at each stage first showed up, and how busy they are compared with the mean.
STAGE_AGE = {
    LifecycleStage.SUBSCRIBER: (10, 540), LifecycleStage.LEAD: (5, 420), LifecycleStage.PROSPECT: (30, 500),
    LifecycleStage.CUSTOMER: (120, 730), LifecycleStage.REPEAT_CUSTOMER: (300, 730), LifecycleStage.FORMER: (300, 730),
}
STAGE_ACTIVITY = {
    LifecycleStage.SUBSCRIBER: 0.5, LifecycleStage.LEAD: 0.7, LifecycleStage.PROSPECT: 1.0,
    LifecycleStage.CUSTOMER: 1.2, LifecycleStage.REPEAT_CUSTOMER: 1.6, LifecycleStage.FORMER: 0.9,
}

FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u",
                      "Æ": "Ae", "Ø": "O", "Å": "A", "Ä": "A", "Ö": "O", "É": "E"})


def ascii_fold(text: str) -> str:
    return text.translate(FOLD)


# --- formats -----------------------------------------------------------------------------------
def _groups(digits: str, sizes: tuple[int, ...]) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i:i + size])
        i += size
    return " ".join(out)


def phone_formats(country: str, national: str) -> tuple[str, ...]:
    """Ways people write the same number: ``+47 912 34 567``, ``91234567``, ``0047-91234567`` …"""
    if country == "NO":
        return (f"+47 {_groups(national, (3, 2, 3))}", national, _groups(national, (3, 2, 3)),
                f"0047-{national}", f"+47{national}", f"0047 {_groups(national, (2, 2, 2, 2))}")
    if country == "SE":
        rest = _groups(national[2:], (3, 2, 2))
        return (f"0{national[:2]}-{rest}", f"+46 {national[:2]} {rest}", f"0{national}", f"+46{national}",
                f"0046 {national[:2]} {national[2:]}")
    return (f"+45 {_groups(national, (2, 2, 2, 2))}", national, _groups(national, (2, 2, 2, 2)),
            f"0045 {national}", f"+45{national}")


def org_number(rng: random.Random, country: str) -> str:
    """A syntactically valid organisation number (NO mod 11, SE Luhn, DK CVR mod 11)."""
    while True:
        if country == "NO":
            digits = [9, rng.choice((1, 2, 3, 8, 9))] + [rng.randrange(10) for _ in range(6)]
            rest = 11 - sum(d * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
            check = 0 if rest == 11 else rest
            if check == 10:
                continue
            n = "".join(map(str, digits + [check]))
            return f"{n[:3]} {n[3:6]} {n[6:]}"
        if country == "SE":
            digits = [5, 5, rng.choice((6, 9))] + [rng.randrange(10) for _ in range(6)]
            total = 0
            for i, d in enumerate(digits):
                x = d * (2 if i % 2 == 0 else 1)
                total += x - 9 if x > 9 else x
            n = "".join(map(str, digits + [(10 - total % 10) % 10]))
            return f"{n[:6]}-{n[6:]}"
        digits = [rng.randint(1, 4)] + [rng.randrange(10) for _ in range(7)]
        if sum(d * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11 == 0:
            return "".join(map(str, digits))


@dataclass
class DemoSummary:
    teams: int = 0
    users: int = 0
    organizations: int = 0
    persons: int = 0
    duplicates: int = 0
    identities: int = 0
    affiliations: int = 0
    consents: int = 0
    interactions: int = 0
    seconds: float = 0.0
    # Counts from the other modules' demo data (deals, quotes, cases …), by label.
    extra: dict[str, int] = field(default_factory=dict)


@dataclass
class _PersonPlan:
    person: Person
    country: Country
    organization: Organization | None
    industry: str
    is_duplicate: bool = False
    is_showcase: bool = False


class DemoBuilder:
    def __init__(self, *, seed: int, persons: int, organizations: int, interactions_per_person: int, today: date):
        self.rng = random.Random(seed)
        self.n_persons = max(0, persons)
        self.n_orgs = max(0, organizations)
        self.per_person = max(0, interactions_per_person)
        self.now = datetime(today.year, today.month, today.day, tzinfo=UTC)
        self.teams: dict[str, Team] = {}
        self.users: dict[str, User] = {}
        self.orgs: list[tuple[Organization, Country, str]] = []
        self.plans: list[_PersonPlan] = []
        self.identities: list[Identity] = []
        self.affiliations: list[Affiliation] = []
        self.consents: list[Consent] = []
        self.duplicates = 0
        self._emails: set[str] = set()
        self._phones: set[str] = set()
        self._names: set[str] = set()
        self._domains: set[str] = set()

    # --- staff -------------------------------------------------------------------------------
    def build_staff(self) -> None:
        self.teams = {name: Team(name=name) for name in DEMO_TEAMS}
        password = make_password(DEMO_PASSWORD)  # hashed once: the slow hasher is the slowest part otherwise
        for u in DEMO_USERS:
            self.users[u.username] = User(
                username=u.username, first_name=u.first_name, last_name=u.last_name, role=u.role,
                team=self.teams.get(u.team) if u.team else None,
                email=f"{u.username}@nordlys-varme{DEMO_DOMAIN_SUFFIX}",
                is_superuser=u.superuser, is_staff=u.superuser, time_zone=u.time_zone, password=password,
            )

    def staff_by_role(self) -> dict[str, list[User]]:
        out: dict[str, list[User]] = {}
        for u in DEMO_USERS:
            out.setdefault(u.role, []).append(self.users[u.username])
        return out

    def pick_owner(self, country: str, *, unowned_share: float = 0.0) -> User | None:
        if self.rng.random() < unowned_share:
            return None
        roll, acc = self.rng.random(), 0.0
        for username, share in OWNERS_BY_COUNTRY[country]:
            acc += share
            if roll < acc:
                return self.users[username]
        return None

    def team_for(self, owner: User | None, country: str) -> Team:
        return owner.team if owner is not None and owner.team is not None else self.teams[TEAM_BY_COUNTRY[country]]

    # --- organisations -----------------------------------------------------------------------
    def pick_country(self) -> Country:
        return self.rng.choices(COUNTRIES, weights=[x.weight for x in COUNTRIES])[0]

    def _unique(self, seen: set[str], base: str, sep: str = " ") -> str:
        value, n = base, 1
        while value.lower() in seen:
            n += 1
            value = f"{base}{sep}{n}"
        seen.add(value.lower())
        return value

    def build_organizations(self) -> None:
        kinds = list(ORG_KINDS)
        for i in range(self.n_orgs):
            country = self.pick_country()
            industry, templates, _ = self.rng.choices(kinds, weights=[k[2] for k in kinds])[0]
            if i == self.n_orgs - 1 and not any(ind == INSTALLER for _, _, ind in self.orgs):
                # At least one installer partner, so the partner channel has someone to point at.
                industry, templates, _ = next(k for k in ORG_KINDS if k[0] == INSTALLER)
            city = self.rng.choice(country.cities)
            template = templates[country.code]
            name = ""
            for _ in range(8):
                name = template.format(stem=self.rng.choice(country.org_stems), city=city)
                if name.lower() not in self._names:
                    break
            if name.lower() in self._names:
                name = f"{name} ({city})"
            name = self._unique(self._names, name)
            words = [w for w in ascii_fold(name).lower().replace("&", " ").replace("/", " ").split()
                     if w not in ("as", "ab", "a", "b", "aps", "brf", "i", "s", "kommune", "kommun")]
            slug = "-".join("".join(ch for ch in w if ch.isalnum()) for w in words[:2]).strip("-") or "org"
            domain = self._unique(self._domains, slug, sep="") + DEMO_DOMAIN_SUFFIX
            owner = self.pick_owner(country.code, unowned_share=0.1)
            stage = LifecycleStage.CUSTOMER if industry == INSTALLER else self.rng.choices(
                [s for s, _ in STAGE_WEIGHTS[1:]], weights=[w for _, w in STAGE_WEIGHTS[1:]])[0]
            custom = {"units": self.rng.randint(12, 240)} if industry == "Housing cooperative" else {
                "employees": self.rng.choice((8, 15, 25, 40, 80, 150, 400))}
            if industry == INSTALLER:
                custom["partner_level"] = self.rng.choice(("Silver", "Gold", "Certified"))
            org = Organization(
                name=name, org_number=org_number(self.rng, country.code), domain=domain, industry=industry, city=city,
                country=country.code, phone=self.rng.choice(phone_formats(country.code, self.landline(country.code))),
                lifecycle_stage=stage, owner=owner, team=self.team_for(owner, country.code), custom_fields=custom,
            )
            self.orgs.append((org, country, industry))

    def landline(self, country: str) -> str:
        if country == "NO":
            return f"{self.rng.choice((2, 3, 5, 7))}{self.rng.randrange(10**7):07d}"
        if country == "SE":
            return f"8{self.rng.randrange(10**8):08d}"
        return f"{self.rng.choice((3, 4, 7, 8))}{self.rng.randrange(10**7):07d}"

    # --- persons -----------------------------------------------------------------------------
    def mobile(self, country: Country) -> str:
        """A new national mobile number (no trunk prefix) that no other demo person has."""
        while True:
            if country.code == "NO":
                national = f"{self.rng.choice((4, 9))}{self.rng.randrange(10**7):07d}"
            elif country.code == "SE":
                national = f"7{self.rng.choice((0, 2, 3, 6, 9))}{self.rng.randrange(10**7):07d}"
            else:
                national = f"{self.rng.choice((2, 3, 4, 5, 6, 7))}{self.rng.randrange(10**7):07d}"
            e164 = normalize_phone(f"+{ {'NO': 47, 'SE': 46, 'DK': 45}[country.code] }{national}")
            if e164 and e164 not in self._phones:
                self._phones.add(e164)
                return national

    def email_for(self, first: str, last: str, domain: str) -> str:
        f, la = ascii_fold(first).lower(), ascii_fold(last).lower()
        local = self.rng.choice((f"{f}.{la}", f"{f}.{la}", f"{f}{la}", f"{f[0]}.{la}", f"{f}.{la[0]}", f"{la}.{f}"))
        address, n = f"{local}@{domain}", 1
        while address in self._emails:
            n += 1
            address = f"{local}{n}@{domain}"
        self._emails.add(address)
        return address

    def add_email(self, person: Person, address: str, *, raw: str | None = None, primary: bool, label: str) -> None:
        normalized = normalize_email(raw or address)
        self.identities.append(Identity(person=person, kind=IdentityKind.EMAIL, value=raw or address,
                                        normalized=normalized, is_primary=primary, label=label))
        if primary:
            person.primary_email = normalized

    def add_phone(self, person: Person, country: Country, national: str, *, primary: bool, label: str,
                  raw: str | None = None) -> str:
        raw = raw or self.rng.choice(phone_formats(country.code, national))
        normalized = normalize_phone(raw, country.code)
        assert normalized, raw  # the formats above always parse
        self.identities.append(Identity(person=person, kind=IdentityKind.PHONE, value=raw, normalized=normalized,
                                        is_primary=primary, label=label))
        if primary:
            person.primary_phone = normalized
        return raw

    def build_persons(self) -> None:
        n_dups = max(1, round(self.n_persons / 100)) if self.n_persons >= 10 else 0
        kinds_of_dup = 3 if self.orgs else 2
        main = self.n_persons - n_dups * kinds_of_dup
        n_b2b = round(main * 0.4) if self.orgs else 0
        flags = [i < n_b2b for i in range(main)]
        self.rng.shuffle(flags)
        b2b_seen = 0
        for index, is_b2b in enumerate(flags):
            if index == 0 and main >= 10:
                self.plans.append(self.new_person(None, showcase=True))
                continue
            if is_b2b:
                org_tuple = self.orgs[b2b_seen] if b2b_seen < len(self.orgs) else self.rng.choice(self.orgs)
                b2b_seen += 1
                self.plans.append(self.new_person(org_tuple))
            else:
                self.plans.append(self.new_person(None))
        self.build_duplicates(n_dups)

    def new_person(self, org_tuple: tuple[Organization, Country, str] | None, showcase: bool = False) -> _PersonPlan:
        """A new person; the ``showcase`` one (the first) is a long-standing Oslo customer with a rich card."""
        org, country, industry = org_tuple if org_tuple else (None, self.pick_country(), "")
        if showcase:
            country = COUNTRIES[0]
        rng = self.rng
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        if showcase:
            first, last, stage = "Kari", "Bråthen", LifecycleStage.REPEAT_CUSTOMER
        elif industry == INSTALLER:
            stage = LifecycleStage.CUSTOMER
        else:
            stage = rng.choices([s for s, _ in STAGE_WEIGHTS], weights=[w for _, w in STAGE_WEIGHTS])[0]
        if org is not None and org.owner is not None and rng.random() < 0.8:
            owner = org.owner
        else:
            owner = self.pick_owner(country.code, unowned_share=0.6 if stage == LifecycleStage.SUBSCRIBER else 0.05)
        if showcase:
            owner = self.users["sara"]
        city = org.city if org is not None and rng.random() < 0.7 else rng.choice(country.cities)
        if org is None:
            persona = rng.choice(PERSONAS[:3])
            custom = {"heating": rng.choice(HEATING_TODAY), "house_m2": rng.randrange(70, 320, 5),
                      "roof": rng.choice(ROOF_FACING)} if rng.random() < 0.6 else {}
        else:
            persona = {"Housing cooperative": PERSONAS[3], "Property management": PERSONAS[4],
                       INSTALLER: PERSONAS[6]}.get(industry, PERSONAS[5])
            custom = {}
        if showcase:
            persona, custom = PERSONAS[0], {"heating": "Oil boiler", "house_m2": 165, "roof": "South-west"}
        person = Person(
            first_name=first, last_name=last, lifecycle_stage=stage, owner=owner,
            team=self.team_for(owner, country.code),
            persona=persona if rng.random() < 0.7 or showcase else "",
            relationship_category=rng.choice(RELATIONSHIP_CATEGORIES) if stage in BUYING_STAGES and rng.random() < 0.6
            else "",
            city=city, country=country.code, custom_fields=custom,
        )
        if showcase:
            person.relationship_category, person.city = RELATIONSHIP_CATEGORIES[0], "Oslo"
        domain = org.domain if org is not None else rng.choice(country.mail_providers)
        address = self.email_for(first, last, domain)
        raw = address if rng.random() < 0.8 else address.split("@")[0].title() + "@" + domain
        self.add_email(person, address, raw=raw, primary=True, label="work" if org is not None else "home")
        if org is not None and rng.random() < 0.15:
            self.add_email(person, self.email_for(first, last, rng.choice(country.mail_providers)), primary=False,
                           label="home")
        if rng.random() < 0.93 or showcase:
            self.add_phone(person, country, self.mobile(country), primary=True, label="mobile")
        if rng.random() < 0.15:
            national = self.landline(country.code)
            e164 = normalize_phone(phone_formats(country.code, national)[0], country.code)
            if e164 not in self._phones:
                self._phones.add(e164)
                self.add_phone(person, country, national, primary=not person.primary_phone, label="work")
        if rng.random() < (0.35 if org is not None else 0.08):
            handle = f"{ascii_fold(first).lower()}-{ascii_fold(last).lower()}-{rng.randrange(100, 999)}"
            self.identities.append(Identity(person=person, kind=IdentityKind.SOCIAL, system="linkedin",
                                            value=f"linkedin.com/in/{handle}", normalized=f"linkedin:{handle}"))
        if stage in BUYING_STAGES:
            number = f"K-{10000 + len(self.plans)}"
            self.identities.append(Identity(person=person, kind=IdentityKind.EXTERNAL, system="erp", value=number,
                                            normalized=number))
        if org is not None:
            self.add_affiliation(person, org, industry)
        plan = _PersonPlan(person=person, country=country, organization=org, industry=industry, is_showcase=showcase)
        self.add_consents(person, stage)
        return plan

    def add_affiliation(self, person: Person, org: Organization, industry: str) -> None:
        rng = self.rng
        title, department = rng.choice(TITLES_BY_INDUSTRY[industry])
        decision = title in DECISION_TITLES or rng.random() < 0.1
        if decision:
            buying = rng.choice((BuyingRole.DECISION_MAKER, BuyingRole.DECISION_MAKER, BuyingRole.ECONOMIC_BUYER))
        else:
            buying = rng.choice((BuyingRole.INFLUENCER, BuyingRole.CHAMPION, BuyingRole.USER, BuyingRole.GATEKEEPER,
                                 BuyingRole.NONE))
        start = (self.now - timedelta(days=rng.randint(200, 4000))).date()
        if rng.random() < 0.08 and len(self.orgs) > 1:
            # An earlier role somewhere else: roles change over time.
            old_org, _, old_industry = rng.choice(self.orgs)
            if old_org is not org:
                old_title, old_dep = rng.choice(TITLES_BY_INDUSTRY[old_industry])
                self.affiliations.append(Affiliation(
                    person=person, organization=old_org, title=old_title, department=old_dep,
                    start_date=start - timedelta(days=rng.randint(400, 2500)), end_date=start - timedelta(days=1)))
        self.affiliations.append(Affiliation(person=person, organization=org, title=title, department=department,
                                             is_decision_maker=decision, buying_role=buying, start_date=start))

    def add_consents(self, person: Person, stage: str) -> None:
        rng = self.rng
        given = self.now - timedelta(days=rng.randint(20, 700), minutes=rng.randint(0, 1440))
        wants = [("newsletter", LawfulBasis.CONSENT)] if rng.random() < 0.75 else []
        if rng.random() < 0.35:
            wants.append(("marketing_email", LawfulBasis.CONSENT))
        if stage in BUYING_STAGES:
            wants.append(("service_reminders", LawfulBasis.CONTRACT))
            if rng.random() < 0.5:
                wants.append(("profiling", LawfulBasis.LEGITIMATE_INTERESTS))
        for purpose, basis in wants:
            withdrawn = None
            if basis == LawfulBasis.CONSENT and rng.random() < 0.08:
                withdrawn = given + timedelta(days=rng.randint(10, max(11, (self.now - given).days)))
                withdrawn = min(withdrawn, self.now - timedelta(hours=1))
            self.consents.append(Consent(person=person, purpose=purpose, lawful_basis=basis, given_at=given,
                                         withdrawn_at=withdrawn, source=rng.choice(c.CONSENT_SOURCES)))

    def build_duplicates(self, per_kind: int) -> None:
        """A few likely duplicates for the duplicates page: same email (other case), same phone (other
        format), very similar name in the same organisation."""
        if not per_kind or not self.plans:
            return
        rng = self.rng
        private = [p for p in self.plans if p.organization is None and p.person.primary_phone] or self.plans
        for original in rng.sample(private, min(per_kind, len(private))):
            src = original.person
            dup = Person(first_name=src.first_name, last_name=src.last_name, lifecycle_stage=LifecycleStage.LEAD,
                         team=self.teams[TEAM_BY_COUNTRY[original.country.code]], city=src.city,
                         country=src.country)
            raw = src.primary_email.upper() if rng.random() < 0.5 else src.primary_email.title()
            self.add_email(dup, src.primary_email, raw=raw, primary=True, label="home")
            self._add_duplicate(dup, original)
        with_phone = [p for p in self.plans if p.person.primary_phone] or self.plans
        for original in rng.sample(with_phone, min(per_kind, len(with_phone))):
            src = original.person
            dup = Person(first_name=src.first_name, last_name=src.last_name, lifecycle_stage=LifecycleStage.LEAD,
                         team=self.teams[TEAM_BY_COUNTRY[original.country.code]], city=src.city, country=src.country)
            country = original.country
            written = next(i.value for i in self.identities if i.person is src and i.normalized == src.primary_phone)
            national = src.primary_phone[3:]  # +47 / +46 / +45 are all two digits
            # The same number written differently from how the original has it.
            formats = [f for f in phone_formats(country.code, national) if f != written]
            self.add_phone(dup, country, national, raw=rng.choice(formats), primary=True, label="mobile")
            self.add_email(dup, self.email_for(src.first_name, src.last_name, rng.choice(country.mail_providers)),
                           primary=True, label="home")
            self._add_duplicate(dup, original)
        b2b = [p for p in self.plans if p.organization is not None]
        for original in rng.sample(b2b, min(per_kind, len(b2b))):
            src, org = original.person, original.organization
            dup = Person(first_name=self._similar(src.first_name), last_name=self._similar(src.last_name, typo=False),
                         lifecycle_stage=LifecycleStage.LEAD, owner=src.owner, team=src.team, city=src.city,
                         country=src.country)
            self.add_email(dup, self.email_for(dup.first_name[:1], dup.last_name, org.domain), primary=True,
                           label="work")
            self.affiliations.append(Affiliation(person=dup, organization=org, title="", start_date=self.now.date()))
            self._add_duplicate(dup, original)

    def _similar(self, name: str, typo: bool = True) -> str:
        folded = ascii_fold(name)
        if folded != name:
            return folded
        if not typo or len(name) < 4:
            return name
        return name[:2] + name[2] + name[2:]

    def _add_duplicate(self, dup: Person, original: _PersonPlan) -> None:
        self.duplicates += 1
        self.plans.append(_PersonPlan(person=dup, country=original.country, organization=original.organization,
                                      industry=original.industry, is_duplicate=True))

    # --- interactions ------------------------------------------------------------------------
    def activity(self, stage: str) -> int:
        if not self.per_person:
            return 0
        sigma = 0.8
        mu = math.log(self.per_person * STAGE_ACTIVITY[stage]) - sigma**2 / 2
        return max(2, min(int(self.rng.lognormvariate(mu, sigma)), self.per_person * 8))

    def build_interactions(self) -> list[Interaction]:
        installers = [o for o, _, ind in self.orgs if ind == INSTALLER]
        writer = JourneyWriter(self.rng, now=self.now, staff=self.staff_by_role(), installers=installers)
        for plan in self.plans:
            p, rng = plan.person, self.rng
            low, high = STAGE_AGE[p.lifecycle_stage]
            start = self.now - timedelta(days=rng.randint(low, high), seconds=rng.randrange(86400))
            if plan.is_showcase:
                start = self.now - timedelta(days=720, hours=5)
            end = self.now
            if p.lifecycle_stage == LifecycleStage.FORMER:
                end = max(start + timedelta(days=90), self.now - timedelta(days=rng.randint(60, 200)))
            business = plan.organization is not None and plan.industry != INSTALLER
            product = rng.choice(c.BUSINESS_PRODUCTS if business else c.HOME_PRODUCTS)
            if plan.is_showcase:
                product = c.HOME_PRODUCTS[2]  # replacing the oil boiler with an air-to-water heat pump
            same_country = [o for o in installers if o.country == plan.country.code]
            partner = rng.choice(same_country) if same_country and not business and rng.random() < 0.15 else None
            facts = dict(p.custom_fields, city=p.city)
            party = Party(person=p, organization=None, country=plan.country, stage=p.lifecycle_stage, owner=p.owner,
                          start=start, end=end, product=product, business=business, partner=partner, facts=facts)
            target = max(2, self.per_person // 10) if plan.is_duplicate else self.activity(p.lifecycle_stage)
            if plan.is_showcase:
                target = self.per_person * 3
            if target:
                writer.person_journey(party, target)
        for org, country, industry in self.orgs:
            if not self.per_person:
                break
            start = self.now - timedelta(days=self.rng.randint(200, 730))
            product = self.rng.choice(c.HOME_PRODUCTS if industry == INSTALLER else c.BUSINESS_PRODUCTS)
            party = Party(person=None, organization=org, country=country, stage=org.lifecycle_stage, owner=org.owner,
                          start=start, end=self.now, product=product, business=True, facts=dict(org.custom_fields))
            writer.organization_journey(party, max(2, self.per_person // 5))
        self.cover_every_channel_and_kind(writer)
        return writer.items

    def cover_every_channel_and_kind(self, writer: JourneyWriter) -> None:
        """Tiny demos still show every channel and kind at least once (on the first person)."""
        if not self.plans or not self.per_person:
            return
        first = self.plans[0]
        party = Party(person=first.person, organization=None, country=first.country,
                      stage=first.person.lifecycle_stage, owner=first.person.owner, start=self.now - timedelta(days=30),
                      end=self.now, product=c.HOME_PRODUCTS[0])
        channels = {i.channel for i in writer.items}
        kinds = {i.kind for i in writer.items}
        step = 0
        for channel in Channel.values:
            if channel not in channels:
                kind = {Channel.WEB: Kind.PAGE_VIEW, Channel.EMAIL: Kind.EMAIL_RECEIVED, Channel.PHONE: Kind.CALL,
                        Channel.IVR: Kind.CALL, Channel.CHAT: Kind.CHAT, Channel.MEETING: Kind.MEETING,
                        Channel.WEBINAR: Kind.WEBINAR_WATCHED, Channel.PORTAL: Kind.PAGE_VIEW,
                        Channel.KIOSK: Kind.FORM_SUBMITTED, Channel.INTERNAL: Kind.NOTE}.get(channel, Kind.MESSAGE)
                step += 1
                self._fallback(writer, party, channel, kind, step)
                kinds.add(kind)
        # Deal, quote and case events come from the sales and service demos, with the real records behind them.
        for kind in [k for k in Kind.values if k not in {Kind.DEAL, Kind.QUOTE, Kind.CASE}]:
            if kind not in kinds:
                channel = {Kind.PAGE_VIEW: Channel.WEB, Kind.CONTENT_READ: Channel.WEB, Kind.VIDEO_WATCHED: Channel.WEB,
                           Kind.FORM_SUBMITTED: Channel.WEB, Kind.WEBINAR_WATCHED: Channel.WEBINAR,
                           Kind.CALL: Channel.PHONE, Kind.MEETING: Channel.MEETING, Kind.CHAT: Channel.CHAT,
                           Kind.ORDER: Channel.WEB, Kind.PAYMENT: Channel.PORTAL, Kind.MESSAGE: Channel.SMS,
                           Kind.OTHER: Channel.POST, Kind.NOTE: Channel.INTERNAL}.get(kind, Channel.EMAIL)
                step += 1
                self._fallback(writer, party, channel, kind, step)

    def _fallback(self, writer: JourneyWriter, party: Party, channel: str, kind: str, step: int) -> None:
        fields = {"subject": f"{Kind(kind).label}", "topic": party.product.topic, "source": "tillit"}
        if kind in (Kind.ORDER, Kind.PAYMENT):
            fields.update(amount=writer.price(party, party.product), product=party.product.name)
        if kind in (Kind.WEBINAR_WATCHED, Kind.VIDEO_WATCHED):
            fields["share_watched"] = 0.75
        if kind == Kind.SURVEY_ANSWER:
            fields["satisfaction"] = 4
        if kind in (Kind.CALL, Kind.MEETING, Kind.CHAT):
            fields.update(duration_seconds=600, handled_by=writer.handler(party, "sales"), outcome="Resolved")
        direction = Direction.INTERNAL if kind == Kind.NOTE else Direction.INBOUND
        writer.add(party, channel=channel, kind=kind, direction=direction,
                   occurred_at=self.now - timedelta(days=step, hours=3), **fields)


# --- entry points --------------------------------------------------------------------------------
def database_has_data() -> bool:
    return User.objects.exists() or Person.objects.exists() or Organization.objects.exists()


def delete_demo_data() -> None:
    """Delete what the demo creates: its users and teams, and persons/organisations on ``.example``
    domains with all their interactions, identities, roles and consents."""
    with transaction.atomic():
        persons = Person.objects.filter(primary_email__endswith=DEMO_DOMAIN_SUFFIX)
        orgs = Organization.objects.filter(domain__endswith=DEMO_DOMAIN_SUFFIX)
        for module in DEMO_EXTENSIONS:
            import_module(module).delete(persons=persons, organizations=orgs)
        Interaction.objects.filter(Q(person__in=persons) | Q(organization__in=orgs)).delete()
        persons.delete()
        orgs.delete()
        User.objects.filter(username__in=DEMO_USERNAMES).delete()
        Team.objects.filter(name__in=DEMO_TEAMS, members__isnull=True).delete()


def load_demo(*, seed: int = 7, persons: int = 300, organizations: int = 60, interactions_per_person: int = 40,
              today: date | None = None, log=None, language: str = "en") -> DemoSummary:
    """Generate the demo in memory and write it in one transaction. ``log(str)`` reports progress.

    ``language`` (en, sv, da, nb) names the demo's pipelines, stages, lost reasons and SLA policies, and is
    active while loading (so texts the services write while the demo loads are in it too).
    """
    with translation.override(language):
        summary = _load_demo(seed=seed, persons=persons, organizations=organizations,
                             interactions_per_person=interactions_per_person, today=today, log=log)
        localize(language)
    return summary


def _load_demo(*, seed: int, persons: int, organizations: int, interactions_per_person: int,
               today: date | None, log) -> DemoSummary:
    started = time.perf_counter()
    say = log or (lambda _msg: None)
    builder = DemoBuilder(seed=seed, persons=persons, organizations=organizations,
                          interactions_per_person=interactions_per_person, today=today or date.today())
    builder.build_staff()
    builder.build_organizations()
    builder.build_persons()
    interactions = builder.build_interactions()
    say(f"Generated {len(builder.plans)} persons and {len(interactions)} interactions; writing …")
    with transaction.atomic():
        existing = {t.name: t for t in Team.objects.filter(name__in=DEMO_TEAMS)}
        new_teams = [t for name, t in builder.teams.items() if name not in existing]
        Team.objects.bulk_create(new_teams)
        for name, team in existing.items():
            builder.teams[name].pk = team.pk
        User.objects.bulk_create(list(builder.users.values()))
        Organization.objects.bulk_create([o for o, _, _ in builder.orgs], batch_size=500)
        Person.objects.bulk_create([p.person for p in builder.plans], batch_size=500)
        # The demo's people arrived over the years: each is created at the first interaction planned for
        # them, so "leads created in a period" means something. created_at is auto_now_add (bulk_create
        # stamps it now); bulk_update writes the planned date.
        first_seen: dict[int, datetime] = {}
        for item in interactions:
            if item.person is not None:
                pk = item.person.pk
                first_seen[pk] = min(first_seen.get(pk, item.occurred_at), item.occurred_at)
        for plan in builder.plans:
            plan.person.created_at = first_seen.get(plan.person.pk, builder.now)
        Person.objects.bulk_update([p.person for p in builder.plans], ["created_at"], batch_size=500)
        Identity.objects.bulk_create(builder.identities, batch_size=1000)
        Affiliation.objects.bulk_create(builder.affiliations, batch_size=1000)
        Consent.objects.bulk_create(builder.consents, batch_size=1000)
        Interaction.objects.bulk_create(interactions, batch_size=2000)
    extra: dict[str, int] = {}
    for module in DEMO_EXTENSIONS:
        with transaction.atomic():
            extra.update(import_module(module).build(builder, say) or {})
    return DemoSummary(
        teams=len(builder.teams), users=len(builder.users), organizations=len(builder.orgs),
        persons=len(builder.plans), duplicates=builder.duplicates, identities=len(builder.identities),
        affiliations=len(builder.affiliations), consents=len(builder.consents), interactions=len(interactions),
        seconds=time.perf_counter() - started, extra=extra,
    )
