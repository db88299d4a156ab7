"""Fast data generator for the benchmarks: persons, organisations, identities, roles, consents and
a skewed interaction log, written straight through the raw driver (sqlite3 ``executemany`` in big
transactions, psycopg ``COPY``) into a migrated Tillit database.

    python bench/generate.py --database sqlite:///var/bench/tillit.sqlite3 --persons 100000 --interactions 2000000
    python bench/generate.py --database postgres://postgres@127.0.0.1:5432/tillit_bench \
        --persons 1000000 --interactions 20000000

The database is migrated first (``tillit migrate``). Running it again *adds* data: new persons and
organisations get new ids, and interactions are spread over every person in the database.

Distributions: 50/30/20 % of people in Norway/Sweden/Denmark; 35 % of persons hold a role in an
organisation (big organisations get more people); 93 % have a mobile, 12 % a second phone, 30 % an
ERP id; interactions per person are log-normal (σ 1.2: most have a handful, a few have thousands);
3 % of the log reaches an organisation only; channels and kinds in realistic proportions (page
views and email events dominate; calls, meetings, orders and surveys are rarer); 60 % of rows
carry an external id. Times are spread over the last two years, written in time order.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from bisect import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from benchlib import (
    BulkWriter,
    create_indexes,
    drop_indexes,
    indexes_of,
    model_columns,
    raw_connect,
    say,
    setup_django,
    table_counts,
    time_text,
)

PASSWORD = "bench"
TEAMS = ("Oslo", "Stockholm", "København")
TEAM_OF_COUNTRY = {"NO": "Oslo", "SE": "Stockholm", "DK": "København"}
CURRENCY = {"NO": "NOK", "SE": "SEK", "DK": "DKK"}
PREFIX = {"NO": "+47", "SE": "+46", "DK": "+45"}
FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u",
                      "Æ": "Ae", "Ø": "O", "Å": "A", "Ä": "A", "Ö": "O", "É": "E"})
STAGES = ("subscriber", "lead", "prospect", "customer", "repeat_customer", "former")
STAGE_WEIGHTS = (14, 24, 16, 30, 10, 6)


def mobile(country: str, pid: int) -> str:
    """A national mobile number unique per person id (a bijection on 7 digits; ≤ 10M persons)."""
    digits = f"{(pid * 7_919_113) % 10_000_000:07d}"
    return {"NO": "9", "SE": "70", "DK": "2"}[country] + digits


def landline(country: str, pid: int) -> str:
    digits = f"{(pid * 3_571_999) % 10_000_000:07d}"
    return {"NO": "2", "SE": "81", "DK": "4"}[country] + digits


def human_format(country: str, national: str, style: int) -> str:
    """The same number the way people type it (style 0–4)."""
    prefix = PREFIX[country]
    if style == 0:
        return prefix + national
    if style == 1:
        return f"{prefix} {national[:3]} {national[3:5]} {national[5:]}"
    if style == 2:
        return ("0" + national) if country == "SE" else national
    if style == 3:
        return f"00{prefix[1:]}-{national}"
    return " ".join(national[i:i + 2] for i in range(0, len(national), 2))


# (weight, channel, kind, direction, subjects, topics, price NOK or 0, duration s range, wait s range,
#  share watched?, satisfaction?, outcomes, texts, source, payloads, external id prefix, handled by role)
PAGES = ("Heat pumps", "Solar panels", "Prices and financing", "Nordlys Luft 9", "Subsidies", "Contact us")
ARTICLES = ("How much can a heat pump save?", "Solar north of 60°", "Air-to-water or ground source?",
            "Seven autumn checks for your heat pump", "Subsidies explained")
NEWSLETTERS = ("Nordlys Newsletter", "Autumn service check", "Spring solar offer", "Electricity prices are rising")
TOPICS = ("Heat pumps", "Solar", "Batteries", "Subsidies", "Service", "Financing", "Installation")
PRODUCTS = ("Nordlys Luft 9", "Nordlys Vann 12", "Nordlys Berg 16", "Solis 6 kW", "Lager 10 kWh",
            "Service agreement Plus")
TEMPLATES = (
    (30, "web", "page_view", "in", PAGES, TOPICS, 0, None, None, False, False, ("",), ("",), "website",
     ('{"url": "/heat-pumps/"}', '{"url": "/solar/"}', '{"url": "/prices/"}'), None, None),
    (6, "web", "content_read", "in", ARTICLES, TOPICS, 0, None, None, False, False, ("",), ("",), "website",
     ('{"read_seconds": 180}',), None, None),
    (2, "web", "video_watched", "in", ("Installing a Luft 9",), TOPICS, 0, None, None, True, False, ("",), ("",),
     "website", ("{}",), None, None),
    (1, "web", "form_submitted", "in", ("Request a quote",), TOPICS, 0, None, None, False, False, ("",),
     ("Please send me a price.",), "website", ('{"form": "quote"}',), "f", None),
    (22, "email", "email_sent", "out", NEWSLETTERS, TOPICS, 0, None, None, False, False, ("",), ("",), "newsletter",
     ('{"campaign": "nl-2025-03"}',), "m", None),
    (10, "email", "email_opened", "in", NEWSLETTERS, TOPICS, 0, None, None, False, False, ("",), ("",),
     "newsletter", ('{"campaign": "nl-2025-03"}',), None, None),
    (3, "email", "email_clicked", "in", NEWSLETTERS, TOPICS, 0, None, None, False, False, ("",), ("",),
     "newsletter", ('{"campaign": "nl-2025-03", "url": "/solar/"}',), None, None),
    (1, "email", "email_received", "in", ("Question about my quote",), TOPICS, 0, None, None, False, False, ("",),
     ("Can you call me tomorrow?",), "mailbox", ("{}",), "e", None),
    (3, "phone", "call", "in", ("Service call",), ("Service",), 0, (30, 1500), (5, 600), False, True,
     ("Resolved", "Technician booked", "Call back later"), ("Error code E7; technician booked.",), "telephony",
     ("{}",), "c", "service"),
    (2, "phone", "call", "out", ("Sales call",), TOPICS, 0, (0, 1200), None, False, False,
     ("Quote requested", "No answer", "Site survey booked"), ("Follow-up on the quote.",), "telephony", ("{}",),
     "c", "sales"),
    (1, "ivr", "call", "in", ("Customer service line",), ("Service",), 0, (20, 150), (0, 30), False, False,
     ("Transferred to service", "Self-service: invoice status"), ("",), "ivr", ('{"menu_path": "1-2"}',), "i",
     None),
    (2, "chat", "chat", "in", ("Website chat",), TOPICS, 0, (90, 1200), (3, 180), False, True, ("",),
     ("Asked about delivery time.",), "chat", ("{}",), "h", "service"),
    (1, "sms", "message", "out", ("Installation reminder",), ("Installation",), 0, None, None, False, False,
     ("",), ("Your installation is booked.",), "sms", ("{}",), "s", None),
    (1, "social", "inquiry", "in", ("",), TOPICS, 0, None, None, False, False, ("",),
     ("Does the Luft 12 qualify for the subsidy?",), "social", ('{"network": "Facebook"}',), None, None),
    (1, "meeting", "meeting", "out", ("Home survey",), TOPICS, 0, (1800, 5400), None, False, False,
     ("Site survey done", "Quote to follow"), ("Looked at the house.",), "tillit", ("{}",), None, "sales"),
    (1, "webinar", "webinar_watched", "in", ("Webinar: subsidies in 2025",), ("Subsidies",), 0, (300, 2700), None,
     True, False, ("",), ("",), "webinar", ("{}",), "w", None),
    (0.1, "fax", "order", "in", ("Purchase order",), TOPICS, 240_000, None, None, False, False, ("",),
     ("Purchase order received by fax.",), "fax", ("{}",), "o", None),
    (0.3, "kiosk", "form_submitted", "in", ("Sign-up at the stand",), TOPICS, 0, None, None, False, False, ("",),
     ("",), "kiosk", ('{"location": "Energy fair Lillestrøm"}',), None, None),
    (0.4, "partner", "inquiry", "in", ("Lead from installer",), TOPICS, 0, None, None, False, False, ("",),
     ("Customer wants a quote.",), "partner-portal", ("{}",), "l", None),
    (2, "portal", "page_view", "in", ("My overview", "Invoices"), ("Service",), 0, None, None, False, False, ("",),
     ("",), "portal", ('{"url": "/portal/"}',), None, None),
    (1, "web", "order", "in", ("Order",), TOPICS, 35_000, None, None, False, False, ("",), ("",), "erp", ("{}",), "o",
     None),
    (1, "portal", "payment", "in", ("Payment",), TOPICS, 35_000, None, None, False, False, ("",), ("",), "erp",
     ('{"method": "invoice"}',), "p", None),
    (0.6, "email", "survey_answer", "in", ("How satisfied are you with our service?",), ("Service",), 0, None,
     None, False, True, ("",), ("",), "survey", ('{"scale": "1-5"}',), None, None),
    (0.3, "post", "message", "out", ("Warranty certificate",), ("Warranty",), 0, None, None, False, False, ("",),
     ("",), "erp", ("{}",), None, None),
    (0.3, "phone", "complaint", "in", ("Complaint",), TOPICS, 0, (60, 900), (30, 900), False, False, ("",),
     ("Technician did not show up.",), "tillit", ("{}",), None, "service"),
    (0.5, "internal", "note", "internal", ("",), ("",), 0, None, None, False, False, ("",),
     ("Prefers email over phone.",), "tillit", ("{}",), None, "sales"),
)
INTERACTION_COLUMNS = (
    "channel", "kind", "direction", "occurred_at", "person_id", "organization_id", "handled_by_id", "partner_id",
    "subject", "topic", "product", "amount", "currency", "satisfaction", "duration_seconds", "wait_seconds",
    "share_watched", "outcome", "text", "source", "external_id", "payload",
)


def ensure_staff() -> dict:
    """Teams and employees (ORM: a few dozen rows). All passwords are ``bench``."""
    from django.contrib.auth.hashers import make_password

    from tillit.accounts.models import Team, User

    teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
    password = make_password(PASSWORD)
    specs = [("bench_admin", "admin", None, True)]
    for team in TEAMS:
        slug = team.lower().replace("ø", "o")
        specs += [(f"{slug}_rep{i}", "sales", team, False) for i in range(1, 9)]
        specs += [(f"{slug}_manager", "manager", team, False)]
        specs += [(f"{slug}_service{i}", "service", team, False) for i in (1, 2)]
    specs += [("bench_marketing", "marketing", None, False)]
    staff = {"sales": {}, "service": [], "all": []}
    for username, role, team, superuser in specs:
        user, _ = User.objects.get_or_create(username=username, defaults={
            "role": role, "team": teams.get(team), "is_superuser": superuser, "is_staff": superuser,
            "password": password, "first_name": username.split("_")[0].title(), "last_name": username.split("_")[-1],
        })
        staff["all"].append(user.pk)
        if role == "sales":
            staff["sales"].setdefault(user.team_id, []).append(user.pk)
        elif role == "service":
            staff["service"].append(user.pk)
    staff["team_of_country"] = {c: teams[t].pk for c, t in TEAM_OF_COUNTRY.items()}
    return staff


class Generator:
    def __init__(self, target, conn, args, staff: dict):
        from tillit.demo import names

        self.target, self.conn, self.args, self.staff = target, conn, args, staff
        self.rng = random.Random(args.seed)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.now_text = time_text(target, self.now)
        self.countries = {c.code: c for c in names.COUNTRIES}
        self.country_codes = [c.code for c in names.COUNTRIES]
        self.country_weights = [c.weight for c in names.COUNTRIES]
        self.org_kinds = names.ORG_KINDS
        self.titles = names.TITLES_BY_INDUSTRY
        self.personas = names.PERSONAS

    def max_id(self, table: str) -> int:
        row = self.conn.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').fetchone()
        if self.target.vendor == "postgresql":
            self.conn.commit()
        return row[0]

    def writer(self, model, provided: tuple[str, ...]) -> tuple[BulkWriter, tuple]:
        columns, consts = model_columns(model, provided, self.now_text)
        return BulkWriter(self.conn, self.target, model._meta.db_table, provided + columns), consts

    # --- organisations ---------------------------------------------------------------------
    def organizations(self, count: int) -> None:
        from tillit.people.models import Organization

        if not count:
            return
        from tillit.core.search import search_key

        provided = ("id", "name", "org_number", "domain", "industry", "city", "country", "phone", "lifecycle_stage",
                    "owner_id", "team_id", "search_key")
        writer, consts = self.writer(Organization, provided)
        rng, first = self.rng, self.max_id("people_organization") + 1
        kinds, kind_weights = self.org_kinds, [k[2] for k in self.org_kinds]
        rows = []
        for oid in range(first, first + count):
            country = self.countries[rng.choices(self.country_codes, self.country_weights)[0]]
            industry, templates, _ = rng.choices(kinds, kind_weights)[0]
            city = rng.choice(country.cities)
            name = templates[country.code].format(stem=rng.choice(country.org_stems), city=city)
            team = self.staff["team_of_country"][country.code]
            owner = rng.choice(self.staff["sales"][team]) if rng.random() < 0.9 else None
            slug = "".join(ch for ch in name.translate(FOLD).lower() if ch.isalnum())[:30]
            name, number, domain = f"{name} {oid}", f"{rng.randrange(10**8, 10**9)}", f"{slug}-{oid}.example"
            # The raw writer bypasses the model: the search key is built here with the same rule.
            rows.append((oid, name, number, domain, industry,
                         city, country.code, human_format(country.code, landline(country.code, oid), oid % 5),
                         "customer", owner, team, search_key(name, number, domain, city)) + consts)
        writer.write(rows)
        say(f"  organisations: {count:,}")

    # --- persons -----------------------------------------------------------------------------
    def persons(self, count: int) -> None:
        from tillit.core.search import search_key
        from tillit.people.models import Affiliation, Consent, Identity, Person

        if not count:
            return
        orgs = self.conn.execute("SELECT id, country, domain, industry FROM people_organization ORDER BY id").fetchall()
        if self.target.vendor == "postgresql":
            self.conn.commit()
        p_writer, p_consts = self.writer(Person, (
            "id", "first_name", "last_name", "lifecycle_stage", "owner_id", "team_id", "persona",
            "relationship_category", "city", "country", "primary_email", "primary_phone", "search_key"))
        i_writer, i_consts = self.writer(Identity, ("person_id", "kind", "system", "value", "normalized",
                                                    "is_primary", "label"))
        a_writer, a_consts = self.writer(Affiliation, ("person_id", "organization_id", "title", "department",
                                                       "is_decision_maker", "buying_role", "start_date"))
        c_writer, c_consts = self.writer(Consent, ("person_id", "purpose", "lawful_basis", "given_at", "source"))
        rng, first = self.rng, self.max_id("people_person") + 1
        given_at = time_text(self.target, self.now - timedelta(days=200))
        start_date = (self.now - timedelta(days=900)).date().isoformat()
        chunk = 50_000
        started = time.perf_counter()
        for lo in range(first, first + count, chunk):
            persons, identities, roles, consents = [], [], [], []
            for pid in range(lo, min(lo + chunk, first + count)):
                org = orgs[int(len(orgs) * rng.random() ** 2)] if orgs and rng.random() < 0.35 else None
                code = org[1] if org else rng.choices(self.country_codes, self.country_weights)[0]
                country = self.countries[code]
                first_name, last_name = rng.choice(country.first_names), rng.choice(country.last_names)
                local = f"{first_name}.{last_name}".translate(FOLD).lower()
                domain = org[2] if org else rng.choice(country.mail_providers)
                email = f"{local}.{pid}@{domain}"
                stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
                team = self.staff["team_of_country"][code]
                owner = rng.choice(self.staff["sales"][team]) if rng.random() < 0.85 else None
                phone = ""
                if rng.random() < 0.93:
                    national = mobile(code, pid)
                    phone = PREFIX[code] + national
                    identities.append((pid, "phone", "", human_format(code, national, rng.randrange(5)), phone,
                                       True, "mobile") + i_consts)
                if rng.random() < 0.12:
                    national = landline(code, pid)
                    identities.append((pid, "phone", "", human_format(code, national, rng.randrange(5)),
                                       PREFIX[code] + national, not phone, "work") + i_consts)
                    phone = phone or PREFIX[code] + national
                identities.append((pid, "email", "", email if rng.random() < 0.8 else email.title(), email, True,
                                   "work" if org else "home") + i_consts)
                if rng.random() < 0.3:
                    identities.append((pid, "external", "erp", f"K-{pid}", f"K-{pid}", False, "") + i_consts)
                if org:
                    title, department = rng.choice(self.titles[org[3]])
                    roles.append((pid, org[0], title, department, rng.random() < 0.25, "", start_date) + a_consts)
                if rng.random() < 0.5:
                    consents.append((pid, "newsletter", "consent", given_at, "Website sign-up form") + c_consts)
                persons.append((pid, first_name, last_name, stage, owner, team,
                                rng.choice(self.personas) if rng.random() < 0.6 else "", "",
                                rng.choice(country.cities), code, email, phone,
                                search_key(first_name, last_name, email)) + p_consts)
            p_writer.write(persons)
            i_writer.write(identities)
            a_writer.write(roles)
            c_writer.write(consents)
            done = min(lo + chunk, first + count) - first
            say(f"  persons: {done:,}/{count:,} ({done / (time.perf_counter() - started):,.0f}/s)")

    # --- interactions ------------------------------------------------------------------------
    def interactions(self, count: int) -> None:
        from tillit.interactions.models import Interaction

        if not count:
            return
        people = self.conn.execute("SELECT id, country FROM people_person ORDER BY id").fetchall()
        orgs = self.conn.execute("SELECT id, country FROM people_organization ORDER BY id").fetchall()
        partners = [r[0] for r in self.conn.execute(
            "SELECT id FROM people_organization WHERE industry = 'Installer' ORDER BY id LIMIT 1000").fetchall()]
        if self.target.vendor == "postgresql":
            self.conn.commit()
        if not people:
            raise SystemExit("No persons to attach interactions to; generate persons first.")
        rng = self.rng
        # Skewed activity: log-normal weights, so most people have a few interactions and some thousands.
        cum = list(accumulate(math.exp(rng.gauss(0, 1.2)) for _ in people))
        total_weight = cum[-1]
        person_ids = [p[0] for p in people]
        currency_of = {p[0]: CURRENCY.get(p[1], "NOK") for p in people} if len(people) <= 2_000_000 else None
        writer, consts = self.writer(Interaction, INTERACTION_COLUMNS)
        templates = TEMPLATES
        t_cum = list(accumulate(t[0] for t in templates))
        staff_all, service = self.staff["all"], self.staff["service"] or self.staff["all"]
        sales = [u for ids in self.staff["sales"].values() for u in ids]
        run = f"g{int(time.time()):x}-"
        seq = 0
        sqlite = self.target.vendor == "sqlite"
        tz_suffix = "" if sqlite else "+00"
        sods = [f" {s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}{tz_suffix}" for s in range(86400)]
        days = 730
        start_day = (self.now - timedelta(days=days)).date()
        day_texts = [(start_day + timedelta(days=d)).isoformat() for d in range(days + 1)]
        chunk = self.args.chunk
        n_chunks = max(1, math.ceil(count / chunk))
        rand, randrange, choice = rng.random, rng.randrange, rng.choice
        started = time.perf_counter()
        written = 0
        for k in range(n_chunks):
            n = min(chunk, count - written)
            # Chunk k covers its slice of the two years, so rows arrive roughly in time order.
            day_lo = days * k / n_chunks
            day_span = days / n_chunks
            picks = rng.choices(range(len(templates)), cum_weights=t_cum, k=n)
            rows = []
            append = rows.append
            for j in range(n):
                t = templates[picks[j]]
                (_, channel, kind, direction, subjects, topics, price, dur, wait, share, sat, outcomes, texts,
                 source, payloads, ext, role) = t
                if rand() < 0.03 and orgs:
                    org = orgs[int(len(orgs) * rand() ** 2)]
                    pid, oid, currency = None, org[0], CURRENCY.get(org[1], "NOK")
                else:
                    pid = person_ids[bisect(cum, rand() * total_weight)]
                    oid = None
                    currency = currency_of[pid] if currency_of else "NOK"
                at = day_lo + rand() * day_span
                day = int(at)
                occurred = day_texts[day] + sods[int((at - day) * 86400)]
                handled = (choice(service) if role == "service" else choice(sales if role == "sales" else staff_all)
                           ) if role else None
                if ext:
                    seq += 1
                    external = f"{run}{ext}{seq}"
                else:
                    external = None
                append((
                    channel, kind, direction, occurred, pid, oid, handled,
                    choice(partners) if channel == "partner" and partners else None,
                    choice(subjects), choice(topics), choice(PRODUCTS) if price or kind == "meeting" else "",
                    f"{price * (0.5 + rand()):.2f}" if price else None, currency if price else "",
                    randrange(1, 6) if sat and rand() < 0.5 else None,
                    randrange(dur[0], dur[1]) if dur else None,
                    randrange(wait[0], wait[1]) if wait else None,
                    round(rand(), 2) if share else None,
                    choice(outcomes), choice(texts), source, external, choice(payloads),
                ) + consts)
            writer.write(rows)
            written += n
            rate = written / (time.perf_counter() - started)
            if k % 5 == 4 or written == count:
                say(f"  interactions: {written:,}/{count:,} ({rate:,.0f}/s)")


def finish(target, conn) -> None:
    say("Analysing tables …")
    if target.vendor == "sqlite":
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    for table in ("people_person", "people_organization"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM \"{table}\"))")
    conn.commit()
    conn.autocommit = True
    for table in ("people_person", "people_organization", "people_identity", "people_affiliation", "people_consent",
                  "interactions_interaction"):
        conn.execute(f'VACUUM (ANALYZE) "{table}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="sqlite:///dir/tillit.sqlite3 or postgres://…")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=None, help="default: persons / 10")
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per transaction (interactions)")
    parser.add_argument("--keep-indexes", action="store_true",
                        help="insert into the indexed table instead of dropping and rebuilding its indexes")
    args = parser.parse_args()

    target = setup_django(args.database)
    from django.core.management import call_command

    say(f"Migrating {target.label} …")
    call_command("migrate", interactive=False, verbosity=0)
    staff = ensure_staff()
    conn = raw_connect(target, bulk=True)
    if target.vendor == "postgresql":
        # A bulk load of rows known to be valid: skip per-row FK triggers and the commit flush.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
    gen = Generator(target, conn, args, staff)
    started = time.perf_counter()
    organizations = args.organizations if args.organizations is not None else args.persons // 10
    gen.organizations(organizations)
    gen.persons(args.persons)
    dropped = []
    if args.interactions >= 500_000 and not args.keep_indexes:
        dropped = indexes_of(conn, target, "interactions_interaction")
        say(f"Dropping {len(dropped)} interaction indexes for the load: {', '.join(n for n, _ in dropped)}")
        drop_indexes(conn, target, dropped)
    gen.interactions(args.interactions)
    if dropped:
        t0 = time.perf_counter()
        create_indexes(conn, target, dropped)
        say(f"Rebuilt the indexes in {time.perf_counter() - t0:,.0f} s")
    finish(target, conn)
    conn.close()
    say(f"Done in {time.perf_counter() - started:,.0f} s. Rows now: {table_counts(target)}")


if __name__ == "__main__":
    main()
