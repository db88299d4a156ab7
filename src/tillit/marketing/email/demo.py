"""Mailings demo: sent newsletters and campaign emails with messages, opens, clicks, unsubscribes and
bounces, a draft and a scheduled one. Called by ``tillit.demo.marketing`` (``demo_build``/``demo_delete``).

The campaign emails of the web demo's campaigns (spring heat pumps, autumn service newsletter) already
exist as interactions; their mailings are built from those touches so the numbers agree. The monthly
newsletters are new: recipients are the demo persons who may get them (address, active consent, no
unsubscribe), and their events are written to the log like real ones. Deterministic; bulk writes only.
"""

from __future__ import annotations

import datetime as dt
import random
from email.utils import make_msgid

from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.marketing.email.models import (
    Bounce,
    Mailing,
    MailingClick,
    MailingKind,
    MailingLink,
    MailingMessage,
    MailingStatus,
    MessageStatus,
    Suppression,
    SuppressionReason,
)
from tillit.marketing.email.personalise import links_in
from tillit.marketing.email.selectors import eligible
from tillit.people.models import Person

SOURCE = "mailing"
DEMO_CODES = ("demo-newsletter-october", "demo-newsletter-november", "demo-autumn-check", "demo-spring-offer",
              "demo-newsletter-december", "demo-winter-service")
NEWSLETTER_BODY = """# {title}

Hi {{{{ first_name }}}},

{intro}

- [{link1}]({url1})
- [{link2}]({url2})

Warm regards,
**Nordlys Varme**

[Change what you get]({{{{ preferences_url }}}}) · [Unsubscribe]({{{{ unsubscribe_url }}}})"""
NEWSLETTERS = [
    ("demo-newsletter-october", "October newsletter", "Getting your home ready for winter", 33,
     "The first frost is coming. Here is how to get the most out of your heat pump this winter.",
     "Five settings that save energy", "https://www.nordlysvarme.no/guides/winter-settings/",
     "Book a service visit", "https://www.nordlysvarme.no/service/agreement/"),
    ("demo-newsletter-november", "November newsletter", "{{ first_name }}, your energy bill can shrink", 5,
     "Electricity prices are up again. Customers who moved to air-to-water saved a third last winter.",
     "Air-to-water or ground source? A buyer's guide",
     "https://www.nordlysvarme.no/guides/air-to-water-or-ground-source/",
     "Nordlys Luft 9", "https://www.nordlysvarme.no/heat-pumps/luft-9/"),
]
BROWSER_OPEN_HOURS = (0.2, 0.5, 1, 2, 3, 5, 8, 12, 20, 26, 30, 44, 50, 70)


def demo_build(builder, say) -> dict[str, int]:
    rng = random.Random(builder.rng.randrange(2**32))
    now = builder.now
    erik = builder.users.get("erik")
    persons = [p.person for p in builder.plans if not p.is_duplicate]
    person_ids = [p.pk for p in persons]
    audience = _audience_choice()
    counts = {"mailings": 0, "mailing messages": 0}
    interactions: list[Interaction] = []

    for code, name, subject, days_ago, intro, link1, url1, link2, url2 in NEWSLETTERS:
        body = NEWSLETTER_BODY.format(title=name, intro=intro, link1=link1, url1=url1, link2=link2, url2=url2)
        sent_at = (now - dt.timedelta(days=days_ago)).replace(hour=7, minute=30)
        mailing = _mailing(code=code, name=name, subject=subject, body=body, kind=MailingKind.NEWSLETTER,
                           purpose="newsletter", sent_at=sent_at, owner=erik, audience=audience)
        recipients = list(eligible(Person.objects.filter(pk__in=person_ids), purpose="newsletter", now=sent_at)
                          .order_by("pk").values_list("pk", "primary_email"))
        events = [_events(rng, sent_at, now) for _ in recipients]
        counts["mailing messages"] += _messages(mailing, recipients, events, sent_at, rng, interactions, log=True)
        counts["mailings"] += 1

    # The web demo's campaign emails, as mailings: one message per emailed person, events from the log.
    from tillit.marketing.web.models import Campaign

    for code, campaign_code, name, kind, purpose in (
        ("demo-autumn-check", "autumn-service-newsletter", "Autumn check: seven things before the cold",
         MailingKind.NEWSLETTER, "newsletter"),
        ("demo-spring-offer", "spring-heat-pumps", "Warm house, lower bill: heat pumps this spring",
         MailingKind.CAMPAIGN, "marketing_email"),
    ):
        campaign = Campaign.objects.filter(code=campaign_code).first()
        if campaign is None:
            continue
        touches = list(Interaction.objects.filter(campaign=campaign_code, channel=Channel.EMAIL,
                                                  person_id__in=person_ids)
                       .values_list("person_id", "kind", "occurred_at").order_by("occurred_at", "pk"))
        sent = {}
        for person_id, kind_, at in touches:
            entry = sent.setdefault(person_id, {"sent": None, "opened": None, "clicked": None})
            key = {Kind.EMAIL_SENT: "sent", Kind.EMAIL_OPENED: "opened", Kind.EMAIL_CLICKED: "clicked"}.get(kind_)
            if key and entry[key] is None:
                entry[key] = at
        sent = {pid: e for pid, e in sent.items() if e["sent"] is not None}
        if not sent:
            continue
        first = min(e["sent"] for e in sent.values())
        body = ("Hi {{ first_name }},\n\n" + name + ".\n\n[Read more](https://www.nordlysvarme.no"
                + ("/service/autumn-check/" if "autumn" in campaign_code else "/heat-pumps/") + ")\n\n"
                "[Unsubscribe]({{ unsubscribe_url }})")
        mailing = _mailing(code=code, name=name, subject=name, body=body, kind=kind, purpose=purpose, sent_at=first,
                           owner=erik, audience=audience, campaign=campaign)
        emails = dict(Person.objects.filter(pk__in=list(sent)).values_list("pk", "primary_email"))
        recipients = [(pid, emails.get(pid) or "") for pid in sorted(sent)]
        events = [{"sent": sent[pid]["sent"], "opened": sent[pid]["opened"], "clicked": sent[pid]["clicked"],
                   "opens": 1 + rng.randint(0, 2) if sent[pid]["opened"] else 0, "unsubscribe": False,
                   "bounce": None} for pid, _ in recipients]
        counts["mailing messages"] += _messages(mailing, recipients, events, first, rng, interactions, log=False)
        counts["mailings"] += 1

    # One draft, one scheduled for later.
    body = NEWSLETTER_BODY.format(title="December newsletter", intro="Merry Christmas from all of us.",
                                  link1="Opening hours over Christmas", url1="https://www.nordlysvarme.no/contact/",
                                  link2="Gift card", url2="https://www.nordlysvarme.no/gift-card/")
    draft = Mailing.objects.create(code=DEMO_CODES[4], name="December newsletter", kind=MailingKind.NEWSLETTER,
                                   subject="Merry Christmas, {{ first_name }}", body=body, purpose="newsletter",
                                   from_name="Nordlys Varme", from_email="nyhetsbrev@nordlysvarme.no",
                                   created_by=erik, rate_per_minute=120)
    scheduled = Mailing.objects.create(
        code=DEMO_CODES[5], name="Winter service reminder", kind=MailingKind.CAMPAIGN, purpose="marketing_email",
        subject="Time for a winter check, {{ first_name }}?", body=body.replace("December newsletter", "Winter check"),
        from_name="Nordlys Varme", from_email="service@nordlysvarme.no", created_by=erik,
        status=MailingStatus.SCHEDULED, scheduled_at=now + dt.timedelta(days=3, hours=8), rate_per_minute=60)
    for m in (draft, scheduled):
        _set_audience(m, audience)
    counts["mailings"] += 2

    Interaction.objects.bulk_create(interactions, batch_size=2000)
    say(f"Mailings: {counts['mailings']} emails, {counts['mailing messages']} messages, "
        f"{len(interactions)} email events logged")
    return counts


def demo_delete(*, persons, organizations) -> None:
    # Messages, links and clicks go with the mailings; suppressions and bounces with the people or here.
    Bounce.objects.filter(message__mailing__code__in=DEMO_CODES).delete()
    Suppression.objects.filter(mailing__code__in=DEMO_CODES).delete()
    Mailing.objects.filter(code__in=DEMO_CODES).delete()


# --- helpers ------------------------------------------------------------------------------------
def _audience_choice():
    from tillit.marketing.models import Segment, StaticList

    return Segment.objects.order_by("pk").first(), StaticList.objects.order_by("pk").first()


def _set_audience(mailing: Mailing, audience) -> None:
    segment, static_list = audience
    if segment is not None:
        mailing.segments.set([segment])
    if static_list is not None:
        mailing.static_lists.set([static_list])


def _mailing(*, code, name, subject, body, kind, purpose, sent_at, owner, audience, campaign=None) -> Mailing:
    mailing = Mailing.objects.create(
        code=code, name=name, subject=subject, body=body, kind=kind, purpose=purpose, campaign=campaign,
        from_name="Nordlys Varme", from_email="nyhetsbrev@nordlysvarme.no", status=MailingStatus.SENT,
        scheduled_at=sent_at, started_at=sent_at, created_by=owner, rate_per_minute=200,
    )
    _set_audience(mailing, audience)
    MailingLink.objects.bulk_create(
        [MailingLink(mailing=mailing, url=url, position=i) for i, url in enumerate(links_in(body))]
    )
    return mailing


def _events(rng: random.Random, sent_at: dt.datetime, now: dt.datetime) -> dict:
    roll = rng.random()
    bounce = None
    if roll < 0.015:
        bounce = "hard"
    elif roll < 0.03:
        bounce = "soft"
    opened = clicked = None
    if bounce is None and rng.random() < 0.46:
        opened = sent_at + dt.timedelta(hours=rng.choice(BROWSER_OPEN_HOURS), minutes=rng.randint(0, 59))
        if rng.random() < 0.28:
            clicked = opened + dt.timedelta(seconds=rng.randint(8, 300))
    opened = min(opened, now) if opened else None
    clicked = min(clicked, now) if clicked else None
    return {"sent": sent_at + dt.timedelta(seconds=rng.randint(0, 900)), "opened": opened, "clicked": clicked,
            "opens": rng.randint(1, 4) if opened else 0, "unsubscribe": bounce is None and rng.random() < 0.012,
            "bounce": bounce}


def _messages(mailing, recipients, events, sent_at, rng, interactions, *, log: bool) -> int:
    links = list(MailingLink.objects.filter(mailing=mailing))
    rows = []
    for (person_id, email), e in zip(recipients, events, strict=True):
        rows.append(MailingMessage(
            mailing=mailing, person_id=person_id, email=email or f"unknown-{person_id}@example.invalid",
            status=MessageStatus.BOUNCED if e["bounce"] else MessageStatus.SENT,
            message_id=make_msgid(idstring=f"demo{mailing.pk}.{person_id}", domain="nordlysvarme.no"),
            claimed_at=e["sent"], sent_at=e["sent"], opened_at=e["opened"], open_count=e["opens"],
            clicked_at=e["clicked"], click_count=(1 + rng.randint(0, 1)) if e["clicked"] else 0,
            bounced_at=e["sent"] + dt.timedelta(minutes=2) if e["bounce"] else None, bounce_type=e["bounce"] or "",
            bounce_reason={"hard": "550 5.1.1 User unknown", "soft": "452 4.2.2 Mailbox full"}.get(e["bounce"], ""),
            unsubscribed_at=e["opened"] + dt.timedelta(minutes=1) if e["unsubscribe"] and e["opened"] else None,
        ))
    MailingMessage.objects.bulk_create(rows, batch_size=1000)
    rows = list(MailingMessage.objects.filter(mailing=mailing).order_by("pk"))
    clicks, bounces, suppressions = [], [], []
    code = mailing.campaign_code
    for m in rows:
        payload = {"mailing": mailing.pk, "message": m.pk}
        link = None
        if m.clicked_at and links:
            link = links[0] if rng.random() < 0.65 or len(links) == 1 else links[1]
            clicks.append(MailingClick(message=m, link=link, first_clicked_at=m.clicked_at, count=m.click_count))
        if m.bounced_at:
            bounces.append(Bounce(message=m, email=m.email, type=m.bounce_type, reason=m.bounce_reason,
                                  status_code="5.1.1" if m.bounce_type == "hard" else "4.2.2",
                                  received_at=m.bounced_at))
            if m.bounce_type == "hard":
                suppressions.append(Suppression(person_id=m.person_id, email=m.email, purpose="",
                                                reason=SuppressionReason.HARD_BOUNCE, mailing=mailing))
        if m.unsubscribed_at:
            suppressions.append(Suppression(person_id=m.person_id, email=m.email, purpose=mailing.purpose,
                                            reason=SuppressionReason.UNSUBSCRIBED, mailing=mailing))
        if not log:
            continue

        def event(kind, at, key, direction=Direction.INBOUND, m=m, payload=payload, **extra):
            interactions.append(Interaction(
                channel=Channel.EMAIL, kind=kind, direction=direction, occurred_at=at, person_id=m.person_id,
                subject=mailing.subject.replace("{{ first_name }}", "")[:200].strip(", "), campaign=code,
                source=SOURCE, external_id=f"mailing-message-{m.pk}-{key}", payload=payload, **extra))

        event(Kind.EMAIL_SENT, m.sent_at, "sent", direction=Direction.OUTBOUND)
        if m.opened_at:
            event(Kind.EMAIL_OPENED, m.opened_at, "opened")
        if m.clicked_at:
            event(Kind.EMAIL_CLICKED, m.clicked_at, f"click-{link.position if link else 0}")
        if m.bounced_at:
            event(Kind.OTHER, m.bounced_at, "bounced", outcome=f"bounced_{m.bounce_type}")
        if m.unsubscribed_at:
            event(Kind.OTHER, m.unsubscribed_at, "unsubscribed", outcome="unsubscribed")
    MailingClick.objects.bulk_create(clicks)
    Bounce.objects.bulk_create(bounces)
    Suppression.objects.bulk_create(suppressions)
    sent = len(rows)
    Mailing.objects.filter(pk=mailing.pk).update(
        recipients_count=sent, sent_count=sent, finished_at=max((m.sent_at for m in rows), default=sent_at),
        opened_count=sum(1 for m in rows if m.opened_at), clicked_count=sum(1 for m in rows if m.clicked_at),
        bounced_count=sum(1 for m in rows if m.bounced_at),
        unsubscribed_count=sum(1 for m in rows if m.unsubscribed_at),
    )
    return sent
