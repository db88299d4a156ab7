"""Demo segments and static lists (called by ``tillit.demo.marketing`` after the campaigns and touches exist)."""

from __future__ import annotations

from tillit.marketing.models import Segment, StaticList, StaticListMember
from tillit.marketing.rules import validate_rules
from tillit.marketing.services import refresh_counts

SEGMENTS = (
    ("Heat-pump readers, last 90 days",
     "Read about heat pumps at least twice in the last 90 days and gave newsletter consent.",
     {"all": [
         {"did": True, "kind": "content_read", "topic": "Heat pumps", "at_least": 2, "days": 90},
         {"attr": "consent", "op": "in", "value": ["newsletter"]},
     ]}),
    ("Customers who skipped the autumn newsletter",
     "Customers and repeat customers who have not opened the autumn service newsletter.",
     {"all": [
         {"attr": "lifecycle_stage", "op": "in", "value": ["customer", "repeat_customer"]},
         {"campaign": "autumn-service-newsletter", "event": "opened", "did": False},
     ]}),
    ("Webinar viewers not yet customers",
     "Watched a webinar, still a lead or prospect.",
     {"all": [
         {"did": True, "kind": "webinar_watched"},
         {"attr": "lifecycle_stage", "op": "in", "value": ["lead", "prospect"]},
     ]}),
    ("Housing cooperatives and property managers",
     "People in a current role at a housing cooperative or property manager.",
     {"any": [
         {"attr": "organization.industry", "op": "eq", "value": "Housing cooperative"},
         {"attr": "organization.industry", "op": "eq", "value": "Property management"},
     ]}),
    ("Quiet leads",
     "Leads with no web visit or email open in 60 days.",
     {"all": [
         {"attr": "lifecycle_stage", "op": "eq", "value": "lead"},
         {"not": {"any": [
             {"did": True, "channel": "web", "days": 60},
             {"did": True, "kind": "email_opened", "days": 60},
         ]}},
     ]}),
)
LISTS = (
    ("Energy fair Lillestrøm visitors", "Signed up at the stand; imported from the fair's scanner.", 28),
    ("Luft 9 pilot group", "Hand-picked customers testing the new Luft 9 app.", 12),
)


def demo_build(builder, say) -> dict[str, int]:
    erik = builder.users.get("erik")
    segments = [Segment(name=name, description=text, rules=validate_rules(rules), owner=erik)
                for name, text, rules in SEGMENTS]
    Segment.objects.bulk_create(segments)
    rng = builder.rng
    persons = [p.person for p in builder.plans if not getattr(p, "is_duplicate", False)]
    lists = [StaticList(name=name, description=text, owner=erik) for name, text, _n in LISTS]
    StaticList.objects.bulk_create(lists)
    members = []
    for static_list, (_name, _text, n) in zip(StaticList.objects.filter(name__in=[x[0] for x in LISTS])
                                              .order_by("name"), sorted(LISTS), strict=True):
        for person in rng.sample(persons, min(n, len(persons))):
            members.append(StaticListMember(static_list=static_list, person=person, added_by=erik))
    StaticListMember.objects.bulk_create(members)
    refresh_counts(now=builder.now)
    say(f"Segments: {len(segments)} segments, {len(lists)} static lists with {len(members)} members")
    return {"segments": len(segments), "static lists": len(lists)}


def demo_delete(*, persons, organizations) -> None:
    Segment.objects.filter(name__in=[s[0] for s in SEGMENTS]).delete()
    StaticList.objects.filter(name__in=[x[0] for x in LISTS]).delete()
