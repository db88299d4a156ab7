"""Marketing demo: campaigns with their touches, tracked websites with anonymous and identified visitors,
and leads from website forms — so the campaign pages and the attribution report look real.

Runs after the people, the log and the sales demo (deals exist). Deterministic for the demo seed;
everything is written with ``bulk_create``. Segments and mailings add theirs through
``demo_build(builder, say)`` in their own modules when those exist.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from decimal import Decimal

from tillit.demo import content as c
from tillit.demo.names import COUNTRIES
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.marketing.web.models import Campaign, CampaignStatus, TrackingSite, Visitor, WebEvent
from tillit.people.models import Identity, IdentityKind, LifecycleStage, Person

SOURCE = "demo-marketing"
SITES = (
    ("Nordlys Varme (nordlysvarme.no)", "ts_demo_nordlys_no", "https://www.nordlysvarme.no"),
    ("Nordlys Värme (nordlysvarme.se)", "ts_demo_nordlys_se", "https://www.nordlysvarme.se"),
)
CAMPAIGN_CODES = ("spring-heat-pumps", "autumn-service-newsletter", "webinar-housing-cooperatives", "summer-solar")
LANDING = {
    "spring-heat-pumps": [("/heat-pumps/", "Heat pumps", "Heat pumps"),
                          ("/heat-pumps/luft-9/", "Nordlys Luft 9", "Heat pumps"),
                          ("/guides/air-to-water-or-ground-source/", "Air-to-water or ground source? A buyer's guide",
                           "Heat pumps")],
    "autumn-service-newsletter": [("/service/autumn-check/", "Seven things to check on your heat pump every autumn",
                                   "Service"),
                                  ("/service/agreement/", "Service agreement", "Service")],
    "webinar-housing-cooperatives": [("/webinars/housing-cooperatives/",
                                      "Webinar: Solar + battery for housing cooperatives", "Commercial solar")],
}
UTM = {
    "spring-heat-pumps": [("facebook", "social"), ("google", "cpc"), ("tillit", "email"), ("instagram", "social")],
    "autumn-service-newsletter": [("tillit", "email")],
    "webinar-housing-cooperatives": [("linkedin", "social"), ("tillit", "email")],
}
CONTENT_TYPES = {"/guides/": "guide", "/service/": "service page", "/webinars/": "webinar page",
                 "/heat-pumps/": "product page", "/solar/": "product page"}
LEARNINGS = {
    "spring-heat-pumps": (
        "Facebook brought many visits but few leads; Google search ads brought a third of the visits and half "
        "of the leads. The buyer's guide was read to the end by most who later asked for a quote — lead with it "
        "next time. Start in February: people decide before the heating season ends."
    ),
    "autumn-service-newsletter": (
        "Opens were good (about half), clicks low on the agreement page. Short checklist emails work better than "
        "offers; send in early September, not October."
    ),
}


def _campaigns(now: dt.datetime, owner) -> list[Campaign]:
    today = now.date()
    spring_start = today - dt.timedelta(days=250)
    autumn_start = today - dt.timedelta(days=80)
    webinar_start = today - dt.timedelta(days=30)
    return [
        Campaign(name="Spring heat-pump campaign", code="spring-heat-pumps", channel=Channel.SOCIAL,
                 status=CampaignStatus.FINISHED, goal="300 quote requests for air-to-water heat pumps before summer.",
                 budget=Decimal("180000.00"), currency="NOK", starts_on=spring_start,
                 ends_on=spring_start + dt.timedelta(days=70), learnings=LEARNINGS["spring-heat-pumps"], owner=owner),
        Campaign(name="Autumn service newsletter", code="autumn-service-newsletter", channel=Channel.EMAIL,
                 status=CampaignStatus.FINISHED, goal="Book 150 autumn service visits; sell service agreements.",
                 budget=Decimal("24000.00"), currency="NOK", starts_on=autumn_start,
                 ends_on=autumn_start + dt.timedelta(days=42), learnings=LEARNINGS["autumn-service-newsletter"],
                 owner=owner),
        Campaign(name="Webinar: solar + battery for housing cooperatives", code="webinar-housing-cooperatives",
                 channel=Channel.WEBINAR, status=CampaignStatus.ACTIVE,
                 goal="60 board members of housing cooperatives at the webinar; 10 site visits booked.",
                 budget=Decimal("45000.00"), currency="NOK", starts_on=webinar_start,
                 ends_on=webinar_start + dt.timedelta(days=45), owner=owner),
        Campaign(name="Summer solar", code="summer-solar", channel=Channel.SOCIAL, status=CampaignStatus.PLANNED,
                 goal="Solar calculator as lead magnet in the Swedish market.", budget=Decimal("8000.00"),
                 currency="EUR", starts_on=today + dt.timedelta(days=150), ends_on=today + dt.timedelta(days=210),
                 owner=owner),
    ]


class _Writer:
    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng, self.now = rng, now
        self.interactions: list[Interaction] = []
        self.events: list[WebEvent] = []
        self.n = 0

    def _id(self) -> str:
        self.n += 1
        return f"demo-mkt-{self.n:06d}"

    def touch(self, person, kind, at, *, campaign="", subject="", topic="", channel=Channel.WEB, url="",
              utm=None, duration=None, share=None, scroll=None, site=None, visitor="", referrer=""):
        payload = {}
        if url:
            payload["url"] = f"https://www.nordlysvarme.no{url}"
            ctype = next((v for k, v in CONTENT_TYPES.items() if url.startswith(k)), "")
            if ctype:
                payload["content_type"] = ctype
        if utm:
            payload["utm"] = {"source": utm[0], "medium": utm[1], "campaign": campaign}
        if scroll is not None:
            payload["scroll_depth"] = scroll
        if referrer:
            payload["referrer"] = referrer
        if site is not None:
            payload["site"], payload["visitor"] = site.pk, visitor
        direction = Direction.OUTBOUND if kind == Kind.EMAIL_SENT else Direction.INBOUND
        self.interactions.append(Interaction(
            channel=channel, kind=kind, direction=direction, occurred_at=min(at, self.now - dt.timedelta(minutes=1)),
            person=person,
            subject=subject[:200], topic=topic, campaign=campaign, duration_seconds=duration, share_watched=share,
            source=SOURCE, external_id=self._id(), payload=payload,
        ))

    def visit(self, person, at, campaign, *, read=True, site=None, visitor=""):
        """A landing from a campaign link: a page view, and often the page read to some depth."""
        path, title, topic = self.rng.choice(LANDING[campaign])
        utm = self.rng.choice(UTM[campaign])
        self.touch(person, Kind.PAGE_VIEW, at, campaign=campaign, subject=title, topic=topic, url=path, utm=utm,
                   site=site, visitor=visitor)
        if read and self.rng.random() < 0.7:
            self.touch(person, Kind.CONTENT_READ, at + dt.timedelta(seconds=self.rng.randint(60, 500)),
                       campaign=campaign, subject=title, topic=topic, url=path, utm=utm,
                       duration=self.rng.randint(40, 480), scroll=self.rng.choice((35, 60, 80, 100)),
                       site=site, visitor=visitor)

    def email(self, person, at, campaign, subject, topic):
        self.touch(person, Kind.EMAIL_SENT, at, campaign=campaign, subject=subject, topic=topic, channel=Channel.EMAIL)
        if self.rng.random() < 0.5:
            opened = at + dt.timedelta(minutes=self.rng.randint(5, 2000))
            self.touch(person, Kind.EMAIL_OPENED, opened, campaign=campaign, subject=subject, topic=topic,
                       channel=Channel.EMAIL)
            if self.rng.random() < 0.3:
                self.touch(person, Kind.EMAIL_CLICKED, opened + dt.timedelta(seconds=20), campaign=campaign,
                           subject=subject, topic=topic, channel=Channel.EMAIL)
                self.visit(person, opened + dt.timedelta(seconds=40), campaign)


def _in(start: dt.date, end: dt.date, rng: random.Random, now: dt.datetime) -> dt.datetime:
    days = max((min(end, now.date()) - start).days, 0)
    day = start + dt.timedelta(days=rng.randint(0, days))
    at = dt.datetime.combine(day, dt.time(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=dt.UTC)
    return min(at, now - dt.timedelta(minutes=5))


def build(builder, say) -> dict[str, int]:
    rng = random.Random(builder.rng.randrange(2**32))
    now = builder.now
    sites = [TrackingSite(name=name, key=key, allowed_origins=origin) for name, key, origin in SITES]
    TrackingSite.objects.bulk_create(sites)
    sites = list(TrackingSite.objects.filter(key__in=[s[1] for s in SITES]).order_by("key"))
    campaigns = _campaigns(now, builder.users.get("erik"))
    Campaign.objects.bulk_create(campaigns)
    by_code = {cmp.code: cmp for cmp in Campaign.objects.filter(code__in=CAMPAIGN_CODES)}
    persons = [p.person for p in builder.plans if not p.is_duplicate]
    w = _Writer(rng, now)

    # Existing customers and prospects touched by each campaign.
    spring, autumn, webinar = (by_code[k] for k in CAMPAIGN_CODES[:3])
    for person in rng.sample(persons, min(len(persons), 110)):
        at = _in(spring.starts_on, spring.ends_on, rng, now)
        if rng.random() < 0.5:
            w.email(person, at, spring.code, "Warm house, lower bill: heat pumps this spring", "Heat pumps")
        else:
            w.visit(person, at, spring.code)
    for person in rng.sample(persons, min(len(persons), 180)):
        w.email(person, _in(autumn.starts_on, autumn.ends_on, rng, now), autumn.code,
                "Autumn check: seven things before the cold", "Service")
    for person in rng.sample(persons, min(len(persons), 60)):
        at = _in(webinar.starts_on, webinar.ends_on, rng, now)
        w.email(person, at, webinar.code, "Invitation: solar + battery for housing cooperatives", "Commercial solar")
        if rng.random() < 0.45:
            w.touch(person, Kind.WEBINAR_WATCHED, at + dt.timedelta(days=7), campaign=webinar.code,
                    subject="Webinar: Solar + battery for housing cooperatives", topic="Commercial solar",
                    channel=Channel.WEBINAR, share=round(min(1.0, max(0.05, rng.betavariate(3, 1.6))), 2))

    # Deals that followed a campaign touch: the deal's person saw the campaign a few days before.
    from tillit.sales.models import Deal

    deals = list(Deal.objects.filter(person__in=persons).values_list("person_id", "created_at").order_by("pk"))
    by_pk = {p.pk: p for p in persons}
    touched_deals = 0
    for person_id, created_at in deals:
        for cmp in (spring, autumn, webinar):
            start = dt.datetime.combine(cmp.starts_on, dt.time.min, tzinfo=dt.UTC)
            end = dt.datetime.combine(cmp.ends_on, dt.time.max, tzinfo=dt.UTC) + dt.timedelta(days=30)
            if start <= created_at <= end and rng.random() < 0.55:
                at = max(start, created_at - dt.timedelta(days=rng.randint(2, 25), hours=rng.randint(0, 20)))
                w.visit(by_pk[person_id], at, cmp.code)
                touched_deals += 1
                break

    # Leads from website forms: anonymous visits first, then a form post identifies them.
    leads, visitors, identities = [], [], []
    countries = [cty for cty in COUNTRIES if cty.code in ("NO", "SE")]
    lead_plan = []
    for i in range(70):
        cmp = spring if i < 42 else (webinar if i < 56 else autumn)
        country = rng.choice(countries)
        first, last = rng.choice(country.first_names), rng.choice(country.last_names)
        email = f"{first}.{last}.{i}@{rng.choice(country.mail_providers)}".lower()
        email = email.translate(str.maketrans("æøåäöé", "aoaaoe"))
        created = _in(cmp.starts_on, cmp.ends_on, rng, now)
        person = Person(first_name=first, last_name=last, lifecycle_stage=LifecycleStage.LEAD, primary_email=email,
                        country=country.code, city=rng.choice(country.cities))
        leads.append(person)
        lead_plan.append((person, cmp, created, country))
    Person.objects.bulk_create(leads, batch_size=500)
    for person, cmp, created, country in lead_plan:
        identities.append(Identity(person=person, kind=IdentityKind.EMAIL, value=person.primary_email,
                                   normalized=person.primary_email, is_primary=True))
        site = sites[0] if country.code == "NO" else sites[1]
        vid = f"demo{rng.getrandbits(64):016x}"
        visitors.append(Visitor(site=site, visitor_id=vid, person=person, identified_at=created,
                                first_seen=created - dt.timedelta(days=9), last_seen=created))
        first_at = created - dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 12))
        w.visit(person, first_at, cmp.code, site=site, visitor=vid)
        if rng.random() < 0.6:
            path, title, topic = rng.choice(c.WEB_PAGES)
            w.touch(person, Kind.PAGE_VIEW, first_at + dt.timedelta(hours=rng.randint(2, 60)), subject=title,
                    topic=topic, url=path, site=site, visitor=vid, referrer="https://www.google.com/")
        w.visit(person, created - dt.timedelta(minutes=4), cmp.code, read=False, site=site, visitor=vid)
        w.touch(person, Kind.FORM_SUBMITTED, created, campaign=cmp.code, subject="Request a quote",
                topic=LANDING[cmp.code][0][2], url="/contact/", site=site, visitor=vid)
    Identity.objects.bulk_create(identities, batch_size=500)
    for person, _cmp, created, _country in lead_plan:
        person.created_at = person.updated_at = created
    Person.objects.bulk_update(leads, ["created_at", "updated_at"], batch_size=500)

    # Anonymous visitors: most people never identify.
    anon_visitors = []
    for i in range(260):
        site = sites[0] if i % 3 else sites[1]
        first = now - dt.timedelta(days=rng.randint(0, 364), hours=rng.randint(1, 23))
        visitor = Visitor(site=site, visitor_id=f"anon{rng.getrandbits(64):016x}", first_seen=first, last_seen=first)
        anon_visitors.append(visitor)
    Visitor.objects.bulk_create(visitors + anon_visitors, batch_size=500)
    for i, visitor in enumerate(anon_visitors):
        at = visitor.first_seen
        code = ""
        for cmp in (spring, autumn, webinar):
            if cmp.starts_on <= at.date() <= cmp.ends_on and rng.random() < 0.7:
                code = cmp.code
        for j in range(rng.choice((1, 1, 2, 3, 5))):
            if code and j == 0:
                path, title, topic = rng.choice(LANDING[code])
                source, medium = rng.choice(UTM[code])
            else:
                path, title, topic = rng.choice(c.WEB_PAGES)
                source = medium = ""
            w.events.append(WebEvent(
                visitor=visitor, event_id=f"demo-ev-{i}-{j}", kind=Kind.PAGE_VIEW,
                occurred_at=at + dt.timedelta(minutes=2 * j), url=f"https://www.nordlysvarme.no{path}", title=title,
                topic=topic, utm_source=source, utm_medium=medium, utm_campaign=code if source else "",
                referrer="" if source else rng.choice(("", "https://www.google.com/", "https://www.bing.com/")),
            ))
    WebEvent.objects.bulk_create(w.events, batch_size=1000)
    for site in sites:
        site.accepted_events = sum(1 for e in w.events if e.visitor.site_id == site.pk) + sum(
            1 for i in w.interactions if i.payload.get("site") == site.pk)
    TrackingSite.objects.bulk_update(sites, ["accepted_events"])
    Interaction.objects.bulk_create(w.interactions, batch_size=2000)

    counts = {"campaigns": len(campaigns), "tracking sites": len(sites), "website visitors": len(visitors)
              + len(anon_visitors), "anonymous web events": len(w.events),
              "campaign touches": len(w.interactions), "web leads": len(leads)}
    say(f"Marketing: {len(campaigns)} campaigns, {len(w.interactions)} touches, {len(leads)} web leads, "
        f"{touched_deals} deals after a campaign touch")
    for module in ("tillit.marketing.demo_segments", "tillit.marketing.email.demo"):
        try:
            extension = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        counts.update(extension.demo_build(builder, say) or {})
    _audiences(by_code)
    return counts


def _audiences(by_code: dict[str, Campaign]) -> None:
    """Give the campaigns the segments and lists the segments demo made, where their names fit."""
    from tillit.marketing.models import Segment, StaticList

    wanted = {
        "spring-heat-pumps": ("heat-pump", "Luft 9"),
        "autumn-service-newsletter": ("autumn newsletter",),
        "webinar-housing-cooperatives": ("housing cooperatives", "webinar"),
    }
    segments, lists = list(Segment.objects.all()), list(StaticList.objects.all())
    for code, words in wanted.items():
        campaign = by_code[code]
        campaign.segments.add(*[s for s in segments if any(w.lower() in s.name.lower() for w in words)])
        campaign.static_lists.add(*[x for x in lists if any(w.lower() in x.name.lower() for w in words)])


def delete(*, persons, organizations) -> None:
    """Campaigns and sites of the demo (visitors and events go with the sites); the touches go with the people."""
    for module in ("tillit.marketing.email.demo", "tillit.marketing.demo_segments"):
        try:
            extension = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        if hasattr(extension, "demo_delete"):
            extension.demo_delete(persons=persons, organizations=organizations)
    TrackingSite.objects.filter(key__in=[s[1] for s in SITES]).delete()
    Campaign.objects.filter(code__in=CAMPAIGN_CODES).delete()
