"""Customer journeys for the demo: plausible sequences of interactions over every channel.

A journey is a list of *episodes* (a newsletter that is opened and clicked, a web visit, a site
survey, an order with its payment, SMS reminder, survey and warranty letter …). Which episodes a
person gets depends on their lifecycle stage, so customers have orders and leads do not.
Everything is drawn from one ``random.Random`` so the same seed gives the same log.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tillit.demo import content as c
from tillit.demo.names import Country
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.people.models import LifecycleStage, Organization, Person

BUYING_STAGES = (LifecycleStage.CUSTOMER, LifecycleStage.REPEAT_CUSTOMER, LifecycleStage.FORMER)
COUNTRY_NAMES = {"NO": "Norway", "SE": "Sweden", "DK": "Denmark"}
SUBSIDY = {"NO": "Enova", "SE": "ROT-avdrag", "DK": "energitilskud"}


@dataclass
class Party:
    """Who a journey is about: a person (maybe with an organisation) or an organisation alone."""

    person: Person | None
    organization: Organization | None
    country: Country
    stage: str
    owner: object  # User | None
    start: datetime
    end: datetime
    product: c.Product
    business: bool = False
    partner: Organization | None = None
    facts: dict = field(default_factory=dict)
    campaigns_sent: set = field(default_factory=set)


class JourneyWriter:
    """Turns parties into ``Interaction`` instances (unsaved; the caller bulk-creates them)."""

    def __init__(self, rng: random.Random, *, now: datetime, staff: dict, installers: list[Organization]):
        self.rng = rng
        self.now = now
        self.staff = staff  # role → list of users
        self.installers = installers
        self.items: list[Interaction] = []
        self._seq = 0
        self.campaigns = self._campaign_calendar()

    # --- helpers ------------------------------------------------------------------------------
    def _next_id(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}-{self._seq:07d}"

    def _campaign_calendar(self) -> list[tuple[datetime, str, str, str]]:
        """One newsletter or campaign send per month over the last two years (Tuesday 07:30 Oslo)."""
        oslo = ZoneInfo("Europe/Oslo")
        sends = []
        day = (self.now - timedelta(days=760)).date().replace(day=1)
        i = 0
        while True:
            first_tuesday = day + timedelta(days=(1 - day.weekday()) % 7)
            moment = datetime(first_tuesday.year, first_tuesday.month, first_tuesday.day, 7, 30, tzinfo=oslo)
            if moment >= self.now:
                break
            subject, topic = c.NEWSLETTERS[i % len(c.NEWSLETTERS)]
            subject = subject.format(month=moment.strftime("%B %Y"))
            sends.append((moment.astimezone(self.now.tzinfo), subject, topic, f"nl-{moment:%Y-%m}"))
            day = (day + timedelta(days=32)).replace(day=1)
            i += 1
        return sends

    def moment(self, party: Party, *, after: datetime | None = None, within_days: float | None = None) -> datetime:
        lo = max(after or party.start, party.start)
        hi = party.end if within_days is None else min(party.end, lo + timedelta(days=within_days))
        if hi <= lo:
            return lo
        # Activity grows towards the present: sqrt skews the draw to the newer end.
        share = self.rng.random() ** 0.7
        return lo + (hi - lo) * share

    def office_hours(self, t: datetime, party: Party) -> datetime:
        """Move ``t`` into local office hours (08–16, Monday–Friday), never past the party's end."""
        tz = ZoneInfo(party.country.time_zone)
        local = t.astimezone(tz)
        if local.weekday() >= 5:
            local -= timedelta(days=local.weekday() - 4)
        local = local.replace(hour=self.rng.randint(8, 15), minute=self.rng.randrange(0, 60, 5),
                              second=self.rng.randrange(60))
        moved = local.astimezone(self.now.tzinfo)
        return moved if moved <= party.end else t

    def awake(self, t: datetime, party: Party) -> datetime:
        """Move ``t`` out of the night (00–07 local): people browse and read mail while awake."""
        local = t.astimezone(ZoneInfo(party.country.time_zone))
        if local.hour < 7:
            t += timedelta(hours=7 + self.rng.randint(0, 14))
        return t if t <= party.end else party.end - timedelta(minutes=self.rng.randint(1, 600))

    def handler(self, party: Party, role: str = "sales") -> object:
        if role == "sales" and party.owner is not None:
            return party.owner
        people = self.staff.get(role) or self.staff["sales"]
        return self.rng.choice(people)

    def price(self, party: Party, product: c.Product) -> Decimal:
        local = product.price_nok * party.country.price_factor
        rounded = max(int(round(local / 100.0)) * 100 - 10, 90) if local >= 1000 else int(local)
        return Decimal(rounded).quantize(Decimal("0.01"))

    def fill(self, template: str, party: Party, **extra) -> str:
        facts = {
            "product": party.product.name,
            "house_m2": party.facts.get("house_m2", 140),
            "heating": party.facts.get("heating", "electric radiators").lower(),
            "roof": party.facts.get("roof", "south").lower(),
            "units": party.facts.get("units", 24),
            "subsidy": SUBSIDY[party.country.code],
            "country_name": COUNTRY_NAMES[party.country.code],
            "city": party.facts.get("city", ""),
            "date": (self.now + timedelta(days=10)).strftime("%d.%m."),
        }
        facts.update(extra)
        return template.format(**facts)

    def add(self, party: Party, *, channel: str, kind: str, occurred_at: datetime, **fields) -> Interaction | None:
        if occurred_at > party.end:
            return None  # a follow-up that would lie in the future (or after the customer left)
        fields.setdefault("source", "tillit")
        if fields.get("amount") is not None:
            fields.setdefault("currency", party.country.currency)
        item = Interaction(
            channel=channel, kind=kind, occurred_at=occurred_at, person=party.person,
            organization=party.organization, **fields,
        )
        self.items.append(item)
        return item

    # --- episodes ----------------------------------------------------------------------------
    def newsletter(self, party: Party, t: datetime) -> None:
        sends = [s for s in self.campaigns if party.start <= s[0] <= party.end and s[3] not in party.campaigns_sent]
        if not sends:
            return self.web_visit(party, t)
        sent_at, subject, topic, code = self.rng.choice(sends)
        party.campaigns_sent.add(code)
        sent_at += timedelta(seconds=self.rng.randrange(0, 1800))
        common = {"subject": subject, "topic": topic, "source": "newsletter", "payload": {"campaign": code}}
        self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_SENT, direction=Direction.OUTBOUND,
                 occurred_at=sent_at, external_id=self._next_id("msg"), **common)
        if self.rng.random() < 0.48:
            opened = min(self.awake(sent_at + timedelta(minutes=self.rng.randint(3, 60 * 48)), party), party.end)
            self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_OPENED, direction=Direction.INBOUND,
                     occurred_at=opened, **common)
            if self.rng.random() < 0.3:
                page = self.rng.choice(c.WEB_PAGES)
                self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_CLICKED, direction=Direction.INBOUND,
                         occurred_at=opened + timedelta(seconds=self.rng.randint(5, 300)), subject=subject,
                         topic=topic, source="newsletter", payload={"campaign": code, "url": page[0]})
                self.add(party, channel=Channel.WEB, kind=Kind.PAGE_VIEW, direction=Direction.INBOUND,
                         occurred_at=opened + timedelta(seconds=self.rng.randint(310, 400)), subject=page[1],
                         topic=page[2], source="website", payload={"url": page[0], "utm_campaign": code})

    def web_visit(self, party: Party, t: datetime) -> None:
        t = self.awake(t, party)
        for _ in range(self.rng.choice((1, 1, 2, 2, 3, 4, 6))):
            path, title, topic = self.rng.choice(c.WEB_PAGES)
            self.add(party, channel=Channel.WEB, kind=Kind.PAGE_VIEW, direction=Direction.INBOUND, occurred_at=t,
                     subject=title, topic=topic, source="website", payload={"url": path})
            t += timedelta(seconds=self.rng.randint(15, 240))
        if self.rng.random() < 0.35:
            title, topic = self.rng.choice(c.ARTICLES)
            self.add(party, channel=Channel.WEB, kind=Kind.CONTENT_READ, direction=Direction.INBOUND, occurred_at=t,
                     subject=title, topic=topic, source="website",
                     payload={"read_seconds": self.rng.randint(40, 600),
                              "scroll_depth": self.rng.choice((50, 75, 100))})
        elif self.rng.random() < 0.12:
            title, topic = self.rng.choice(c.VIDEOS)
            self.add(party, channel=Channel.WEB, kind=Kind.VIDEO_WATCHED, direction=Direction.INBOUND, occurred_at=t,
                     subject=title, topic=topic, source="website", share_watched=round(self.rng.uniform(0.1, 1.0), 2))

    def webinar(self, party: Party, t: datetime) -> None:
        title, topic = self.rng.choice(c.WEBINARS)
        t = self.office_hours(t, party)
        self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_SENT, direction=Direction.OUTBOUND,
                 occurred_at=t - timedelta(days=7), subject=f"Invitation: {title}", topic=topic, source="newsletter",
                 external_id=self._next_id("msg"))
        watched = round(min(1.0, max(0.05, self.rng.betavariate(3, 1.6))), 2)
        self.add(party, channel=Channel.WEBINAR, kind=Kind.WEBINAR_WATCHED, direction=Direction.INBOUND,
                 occurred_at=t, subject=title, topic=topic, share_watched=watched, source="webinar",
                 duration_seconds=int(watched * 45 * 60))

    def inquiry(self, party: Party, t: datetime) -> None:
        text = self.fill(self.rng.choice(c.INQUIRIES), party)
        way = self.rng.choice(("form", "form", "email", "chat", "social", "kiosk", "partner"))
        topic = party.product.topic
        if way == "form":
            self.add(party, channel=Channel.WEB, kind=Kind.FORM_SUBMITTED, direction=Direction.INBOUND, occurred_at=t,
                     subject="Request a quote", topic=topic, product=party.product.name, text=text, source="website",
                     payload={"form": "quote_request", "url": "/contact/"})
        elif way == "email":
            subject = self.fill(self.rng.choice(c.INBOUND_EMAIL_SUBJECTS), party)
            self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_RECEIVED, direction=Direction.INBOUND,
                     occurred_at=t, subject=subject, topic=topic, text=text, source="mailbox",
                     external_id=self._next_id("mail"))
        elif way == "chat":
            self.chat(party, t)
        elif way == "social":
            self.social(party, t)
        elif way == "kiosk":
            self.kiosk(party, t)
        else:
            self.partner_lead(party, t)
        # The owner (or any seller) calls back within two days.
        callback = self.office_hours(t + timedelta(hours=self.rng.randint(2, 48)), party)
        self.call(party, callback, direction=Direction.OUTBOUND, role="sales")

    def call(self, party: Party, t: datetime, *, direction: str, role: str) -> None:
        t = self.office_hours(t, party)
        sales = role == "sales"
        outcome = self.rng.choice(c.CALL_OUTCOMES_SALES if sales else c.CALL_OUTCOMES_SERVICE)
        answered = outcome not in ("No answer", "Voicemail")
        notes = c.CALL_NOTES_SALES if sales else c.CALL_NOTES_SERVICE
        self.add(party, channel=Channel.PHONE, kind=Kind.CALL, direction=direction, occurred_at=t,
                 handled_by=self.handler(party, role), subject=("Sales call" if sales else "Service call"),
                 topic=party.product.topic if sales else "Service", product=party.product.name, outcome=outcome,
                 duration_seconds=self.rng.randint(60, 1500) if answered else self.rng.randint(0, 40),
                 wait_seconds=self.rng.randint(5, 600) if direction == Direction.INBOUND else None,
                 satisfaction=self.rng.choice((None, None, None, 3, 4, 4, 5, 5)) if answered and not sales else None,
                 text=self.fill(self.rng.choice(notes), party) if answered else "", source="telephony",
                 external_id=self._next_id("call"))

    def service_contact(self, party: Party, t: datetime) -> None:
        way = self.rng.random()
        if way < 0.45:
            ivr_t = self.office_hours(t, party)
            outcome = self.rng.choice(c.IVR_OUTCOMES)
            self.add(party, channel=Channel.IVR, kind=Kind.CALL, direction=Direction.INBOUND, occurred_at=ivr_t,
                     subject="Customer service line", topic="Service", outcome=outcome,
                     duration_seconds=self.rng.randint(20, 150), wait_seconds=self.rng.randint(0, 30), source="ivr",
                     payload={"menu_path": self.rng.choice(("1-2", "1-3", "2-1", "3"))})
            if outcome.startswith("Transferred"):
                self.call(party, ivr_t + timedelta(seconds=self.rng.randint(60, 400)), direction=Direction.INBOUND,
                          role="service")
        elif way < 0.7:
            self.chat(party, t, role="service")
        elif way < 0.85:
            subject = self.fill(self.rng.choice(c.INBOUND_EMAIL_SUBJECTS), party)
            self.add(party, channel=Channel.EMAIL, kind=Kind.INQUIRY, direction=Direction.INBOUND, occurred_at=t,
                     subject=subject, topic="Service", text=self.fill(self.rng.choice(c.CALL_NOTES_SERVICE), party),
                     source="mailbox", external_id=self._next_id("mail"))
            self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_SENT, direction=Direction.OUTBOUND,
                     occurred_at=self.office_hours(t + timedelta(hours=self.rng.randint(1, 30)), party),
                     subject=f"Re: {subject}", topic="Service", handled_by=self.handler(party, "service"),
                     source="mailbox", external_id=self._next_id("mail"))
        else:
            self.portal(party, t)

    def chat(self, party: Party, t: datetime, role: str = "sales") -> None:
        t = self.office_hours(t, party) if self.rng.random() < 0.85 else self.awake(t, party)
        self.add(party, channel=Channel.CHAT, kind=Kind.CHAT, direction=Direction.INBOUND, occurred_at=t,
                 handled_by=self.handler(party, role) if self.rng.random() < 0.85 else None,
                 subject="Website chat", topic=party.product.topic,
                 text=self.fill(self.rng.choice(c.CHAT_TEXTS), party),
                 duration_seconds=self.rng.randint(90, 1200), wait_seconds=self.rng.randint(3, 180),
                 satisfaction=self.rng.choice((None, 3, 4, 5, 5)), source="chat", external_id=self._next_id("chat"))

    def social(self, party: Party, t: datetime) -> None:
        text = self.fill(self.rng.choice(c.SOCIAL_MESSAGES), party)
        kind = Kind.COMPLAINT if "waiting" in text else (Kind.INQUIRY if "?" in text else Kind.MESSAGE)
        self.add(party, channel=Channel.SOCIAL, kind=kind, direction=Direction.INBOUND, occurred_at=t, text=text,
                 topic=party.product.topic, source="social", payload={"network": self.rng.choice(c.SOCIAL_NETWORKS)})

    def kiosk(self, party: Party, t: datetime) -> None:
        event = self.rng.choice(c.KIOSK_EVENTS)
        t = self.office_hours(t, party)
        self.add(party, channel=Channel.KIOSK, kind=Kind.PAGE_VIEW, direction=Direction.INBOUND, occurred_at=t,
                 subject="Savings calculator", topic=party.product.topic, source="kiosk", payload={"location": event})
        self.add(party, channel=Channel.KIOSK, kind=Kind.FORM_SUBMITTED, direction=Direction.INBOUND,
                 occurred_at=t + timedelta(minutes=4), subject="Sign-up at the stand", topic=party.product.topic,
                 product=party.product.name, source="kiosk", payload={"location": event, "newsletter": True})

    def partner_lead(self, party: Party, t: datetime) -> None:
        partner = party.partner or (self.rng.choice(self.installers) if self.installers else None)
        if partner is None:
            return self.kiosk(party, t)
        self.add(party, channel=Channel.PARTNER, kind=Kind.INQUIRY, direction=Direction.INBOUND,
                 occurred_at=self.office_hours(t, party), partner=partner, topic=party.product.topic,
                 product=party.product.name, subject=f"Lead registered by {partner.name}",
                 text=self.fill(self.rng.choice(c.INQUIRIES), party), source="partner-portal",
                 external_id=self._next_id("lead"))

    def site_survey(self, party: Party, t: datetime) -> None:
        t = self.office_hours(t, party)
        owner = self.handler(party, "sales")
        self.add(party, channel=Channel.MEETING, kind=Kind.MEETING, direction=Direction.OUTBOUND, occurred_at=t,
                 handled_by=owner, subject=self.fill(self.rng.choice(c.MEETING_SUBJECTS), party),
                 topic=party.product.topic, product=party.product.name, outcome=self.rng.choice(c.MEETING_OUTCOMES),
                 duration_seconds=self.rng.choice((30, 45, 60, 90)) * 60,
                 text=self.fill("Looked at the house ({house_m2} m², {heating}). Recommended {product}.", party),
                 payload={"location": "on site" if self.rng.random() < 0.7 else "video"})
        quote_at = self.office_hours(t + timedelta(days=self.rng.randint(1, 5)), party)
        self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_SENT, direction=Direction.OUTBOUND, occurred_at=quote_at,
                 handled_by=owner, subject=f"Your quote for {party.product.name}", topic=party.product.topic,
                 product=party.product.name, amount=self.price(party, party.product), source="mailbox",
                 external_id=self._next_id("mail"), payload={"quote": self._next_id("Q")})
        if self.rng.random() < 0.5:
            self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_OPENED, direction=Direction.INBOUND,
                     occurred_at=quote_at + timedelta(hours=self.rng.randint(1, 20)),
                     subject=f"Your quote for {party.product.name}", topic=party.product.topic, source="mailbox")
        if self.rng.random() < 0.3:
            self.add(party, channel=Channel.INTERNAL, kind=Kind.NOTE,
                     direction=Direction.INTERNAL, occurred_at=quote_at + timedelta(minutes=5), handled_by=owner,
                     text=self.rng.choice(c.NOTES))

    def order(self, party: Party, t: datetime, product: c.Product | None = None) -> None:
        product = product or party.product
        t = self.office_hours(t, party)
        amount = self.price(party, product)
        order_no = self._next_id("SO")
        if party.partner is not None and self.rng.random() < 0.5:
            channel, handled, partner = Channel.PARTNER, None, party.partner
        elif party.business and self.rng.random() < 0.15:
            channel, handled, partner = Channel.FAX, None, None
        else:
            channel = self.rng.choice((Channel.PHONE, Channel.MEETING, Channel.WEB, Channel.PORTAL, Channel.EMAIL))
            handled = self.handler(party, "sales") if channel in (Channel.PHONE, Channel.MEETING) else None
            partner = None
        text = self.fill(self.rng.choice(c.FAX_TEXTS), party, product=product.name) if channel == Channel.FAX else ""
        self.add(party, channel=channel, kind=Kind.ORDER, direction=Direction.INBOUND, occurred_at=t,
                 handled_by=handled, partner=partner, subject=f"Order {order_no}", topic=product.topic,
                 product=product.name, amount=amount, source="erp", external_id=order_no, text=text,
                 payload={"lines": 1, "delivery": "installation"})
        pay_at = t + timedelta(days=self.rng.randint(5, 30))
        if pay_at <= party.end:
            method = self.rng.choice(c.PAYMENT_METHODS)
            channel = Channel.POST if method == "bank transfer" and self.rng.random() < 0.3 else (
                Channel.PORTAL if self.rng.random() < 0.5 else Channel.WEB)
            self.add(party, channel=channel, kind=Kind.PAYMENT, direction=Direction.INBOUND, occurred_at=pay_at,
                     subject=f"Payment for {order_no}", product=product.name, amount=amount, source="erp",
                     external_id=self._next_id("PAY"), payload={"method": method, "order": order_no})
        install = t + timedelta(days=self.rng.randint(14, 40))
        if install <= party.end and product.topic != "Service":
            self.add(party, channel=Channel.SMS, kind=Kind.MESSAGE, direction=Direction.OUTBOUND,
                     occurred_at=install - timedelta(days=3), subject="Installation reminder", topic="Installation",
                     text=self.fill(c.SMS_OUT[0], party, date=install.strftime("%d.%m.")), source="sms",
                     external_id=self._next_id("sms"))
            if self.rng.random() < 0.6:
                self.add(party, channel=Channel.SMS, kind=Kind.MESSAGE, direction=Direction.INBOUND,
                         occurred_at=install - timedelta(days=3, minutes=-self.rng.randint(2, 300)),
                         text=self.rng.choice(c.SMS_IN), source="sms")
            title, topic = c.POST_LETTERS[0]
            self.add(party, channel=Channel.POST, kind=Kind.MESSAGE, direction=Direction.OUTBOUND,
                     occurred_at=install + timedelta(days=2), subject=title.format(product=product.name),
                     topic="Warranty", product=product.name, source="erp")
            self.survey(party, install + timedelta(days=self.rng.randint(3, 9)), c.SURVEYS[0])

    def survey(self, party: Party, t: datetime, question: tuple[str, str] | None = None) -> None:
        if t > party.end:
            return
        text, topic = question or self.rng.choice(c.SURVEYS)
        score = self.rng.choices((1, 2, 3, 4, 5), weights=(4, 6, 15, 40, 35))[0]
        self.add(party, channel=self.rng.choice((Channel.EMAIL, Channel.SMS, Channel.WEB)), kind=Kind.SURVEY_ANSWER,
                 direction=Direction.INBOUND, occurred_at=t, subject=text, topic=topic, satisfaction=score,
                 text=("" if score >= 4 else self.rng.choice(c.COMPLAINTS)), source="survey",
                 payload={"scale": "1-5", "question": text})

    def complaint(self, party: Party, t: datetime) -> None:
        text = self.rng.choice(c.COMPLAINTS)
        channel = self.rng.choice((Channel.PHONE, Channel.EMAIL, Channel.CHAT, Channel.SOCIAL, Channel.POST))
        self.add(party, channel=channel, kind=Kind.COMPLAINT, direction=Direction.INBOUND,
                 occurred_at=self.office_hours(t, party), topic=party.product.topic, product=party.product.name,
                 subject="Complaint", text=text, handled_by=self.handler(party, "service"),
                 wait_seconds=self.rng.randint(30, 900) if channel == Channel.PHONE else None, source="tillit")

    def portal(self, party: Party, t: datetime) -> None:
        t = self.awake(t, party)
        pages = (("/portal/", "My overview"), ("/portal/invoices/", "Invoices"), ("/portal/service/", "Book service"),
                 ("/portal/production/", "Solar production"))
        for path, title in self.rng.sample(pages, self.rng.randint(1, 3)):
            self.add(party, channel=Channel.PORTAL, kind=Kind.PAGE_VIEW, direction=Direction.INBOUND, occurred_at=t,
                     subject=title, topic="Service", source="portal", payload={"url": path})
            t += timedelta(seconds=self.rng.randint(10, 120))

    def note(self, party: Party, t: datetime) -> None:
        self.add(party, channel=Channel.INTERNAL, kind=Kind.NOTE,
                 direction=Direction.INTERNAL, occurred_at=self.office_hours(t, party),
                 handled_by=self.handler(party, "sales"), text=self.rng.choice(c.NOTES))

    def letter(self, party: Party, t: datetime) -> None:
        title, topic = self.rng.choice(c.POST_LETTERS[1:])
        kind = Kind.OTHER if title == "Christmas card" else Kind.MESSAGE
        self.add(party, channel=Channel.POST, kind=kind, direction=Direction.OUTBOUND, occurred_at=t, subject=title,
                 topic=topic, source="erp")

    def service_reminder(self, party: Party, t: datetime) -> None:
        self.add(party, channel=Channel.SMS, kind=Kind.MESSAGE, direction=Direction.OUTBOUND, occurred_at=t,
                 subject="Service reminder", topic="Service", text=self.fill(c.SMS_OUT[1], party), source="sms",
                 external_id=self._next_id("sms"))

    # --- whole journeys ----------------------------------------------------------------------
    def person_journey(self, party: Party, target: int) -> None:
        first = len(self.items)
        stage = party.stage
        # How they became known.
        start_way = self.rng.random()
        if start_way < 0.12:
            self.kiosk(party, party.start)
        elif start_way < 0.2:
            self.partner_lead(party, party.start)
        else:
            self.web_visit(party, party.start)
        if stage != LifecycleStage.SUBSCRIBER:
            self.inquiry(party, self.moment(party, within_days=120))
        if stage not in (LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD):
            self.site_survey(party, self.moment(party, within_days=200))
        if stage in BUYING_STAGES:
            self.order(party, self.moment(party, within_days=300))
            if stage == LifecycleStage.REPEAT_CUSTOMER:
                extra = self.rng.choice(c.BUSINESS_PRODUCTS if party.business else c.HOME_PRODUCTS + c.SERVICE_PRODUCTS)
                self.order(party, self.moment(party), extra)
            if stage == LifecycleStage.FORMER:
                self.complaint(party, party.end - timedelta(days=self.rng.randint(1, 30)))
        episodes = [(self.newsletter, 10), (self.web_visit, 8), (self.webinar, 1), (self.note, 1), (self.social, 1)]
        if stage != LifecycleStage.SUBSCRIBER:
            episodes += [(self.chat, 2), (self.letter, 1)]
        if stage in BUYING_STAGES:
            episodes += [(self.service_contact, 5), (self.portal, 3), (self.survey, 1), (self.service_reminder, 1)]
        elif stage == LifecycleStage.PROSPECT:
            episodes += [(self.inquiry, 2), (self.site_survey, 1)]
        funcs, weights = zip(*episodes, strict=True)
        guard = 0
        while len(self.items) - first < target and guard < target * 3:
            guard += 1
            self.rng.choices(funcs, weights)[0](party, self.moment(party))

    def organization_journey(self, party: Party, target: int) -> None:
        first = len(self.items)
        while len(self.items) - first < target:
            t = self.office_hours(self.moment(party), party)
            roll = self.rng.random()
            if roll < 0.3:
                owner = self.handler(party, "sales")
                self.add(party, channel=Channel.MEETING, kind=Kind.MEETING, direction=Direction.OUTBOUND, occurred_at=t,
                         handled_by=owner, subject=self.rng.choice(c.MEETING_SUBJECTS[2:]).format(product=""),
                         topic=party.product.topic, product=party.product.name,
                         outcome=self.rng.choice(c.MEETING_OUTCOMES),
                         duration_seconds=self.rng.choice((45, 60, 90)) * 60)
            elif roll < 0.5:
                self.add(party, channel=Channel.EMAIL, kind=Kind.EMAIL_SENT, direction=Direction.OUTBOUND,
                         occurred_at=t, handled_by=self.handler(party, "sales"),
                         subject=f"Offer: {party.product.name}", topic=party.product.topic, product=party.product.name,
                         amount=self.price(party, party.product), source="mailbox", external_id=self._next_id("mail"))
            elif roll < 0.65 and party.stage in BUYING_STAGES:
                self.order(party, t, self.rng.choice(c.BUSINESS_PRODUCTS + c.SERVICE_PRODUCTS))
            elif roll < 0.75:
                self.add(party, channel=Channel.FAX, kind=Kind.INQUIRY, direction=Direction.INBOUND, occurred_at=t,
                         subject="Request for tender", topic=party.product.topic,
                         text="Tender documents for replacing the central heating received by fax.", source="fax")
            elif roll < 0.85:
                self.add(party, channel=Channel.POST, kind=Kind.MESSAGE, direction=Direction.INBOUND, occurred_at=t,
                         subject="Signed framework agreement", topic=party.product.topic, source="tillit")
            else:
                self.note(party, t)

