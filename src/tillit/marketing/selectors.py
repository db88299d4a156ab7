"""Reads for segments and static lists. Any employee may look; members only among those they may see."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from tillit.accounts.models import STAFF_ROLES, Team, User
from tillit.core.access import ensure_staff, restrict, visibility_q
from tillit.core.errors import NotFound
from tillit.interactions.models import Interaction
from tillit.marketing.models import Segment, StaticList
from tillit.marketing.rules import summarize
from tillit.marketing.segments import list_members, rules_members, segment_counts, segment_members
from tillit.people.models import Consent, Person
from tillit.people.selectors import current_affiliations
from tillit.people.services import main_affiliation_order

SAMPLE_SIZE = 10
SUGGESTION_SECONDS = 600


def segment_list(*, actor: User, q: str = "") -> QuerySet[Segment]:
    ensure_staff(actor)
    qs = Segment.objects.select_related("owner")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def segment_get(*, actor: User, segment_id: int) -> Segment:
    ensure_staff(actor)
    segment = Segment.objects.select_related("owner").filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(_("No such segment."))
    return segment


def with_counts(segments, *, actor: User, now: datetime | None = None) -> list[Segment]:
    """Each segment with ``member_count`` (persons the actor may see), all counted in one query."""
    segments = list(segments)
    counts = segment_counts(segments, actor=actor, now=now)
    for segment in segments:
        segment.member_count = counts.get(segment.pk, 0)
    return segments


def with_summaries(segments: list[Segment]) -> list[Segment]:
    """Each segment with ``summary``, its rules in words (users and teams named: two small queries)."""
    users = {u.pk: str(u) for u in User.objects.filter(is_active=True, role__in=STAFF_ROLES)}
    teams = {t.pk: t.name for t in Team.objects.all()}
    for segment in segments:
        segment.summary = summarize(segment.rules, users=users, teams=teams)
    return segments


def _with_roles(qs: QuerySet[Person]) -> QuerySet[Person]:
    roles = current_affiliations().select_related("organization").order_by(*main_affiliation_order())
    return (
        qs.select_related("owner")
        .prefetch_related(Prefetch("affiliations", queryset=roles, to_attr="current_roles"))
        .order_by(Lower("last_name"), Lower("first_name"), "id")
    )


def members(*, actor: User, segment: Segment, now: datetime | None = None) -> QuerySet[Person]:
    """The segment's members the actor may see, for pages and exports (owner and main role loaded)."""
    ensure_staff(actor)
    return _with_roles(segment_members(segment, actor=actor, now=now))


def preview(*, actor: User, rules, now: datetime | None = None) -> tuple[int, list[Person]]:
    """Count and a sample of members for rules being edited (validated: ``ValidationError`` names the path)."""
    ensure_staff(actor)
    qs = rules_members(rules, actor=actor, now=now)
    return qs.count(), list(_with_roles(qs)[:SAMPLE_SIZE])


def static_list_list(*, actor: User, q: str = "") -> QuerySet[StaticList]:
    """Lists with ``member_count``: members the actor may see."""
    ensure_staff(actor)
    visible = visibility_q(actor, owner_field="memberships__person__owner", team_field="memberships__person__team")
    qs = StaticList.objects.select_related("owner").annotate(member_count=Count("memberships", filter=visible))
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def static_list_get(*, actor: User, list_id: int) -> StaticList:
    ensure_staff(actor)
    static_list = StaticList.objects.select_related("owner").filter(pk=list_id).first()
    if static_list is None:
        raise NotFound(_("No such list."))
    return static_list


def static_list_members(*, actor: User, static_list: StaticList) -> QuerySet[Person]:
    ensure_staff(actor)
    return _with_roles(list_members(static_list, actor=actor))


def person_search(*, actor: User, q: str, static_list: StaticList | None = None, limit: int = 10) -> list[Person]:
    """Persons to add to a list (the people search), those already on it marked ``on_list``."""
    from tillit.people.selectors import person_list

    found = list(person_list(actor=actor, q=q)[:limit]) if q.strip() else []
    if static_list is not None and found:
        on = set(static_list.memberships.filter(person__in=found).values_list("person_id", flat=True))
        for person in found:
            person.on_list = person.pk in on
    return found


# --- what the editor offers --------------------------------------------------------------------------
def _distinct(field: str) -> list[str]:
    key = f"marketing:suggest:{field}"
    values = cache.get(key)
    if values is None:
        # Cached for a while: a DISTINCT over a large log is not free, and suggestions may lag a little.
        qs = Interaction.objects.exclude(**{field: ""}).order_by().values_list(field, flat=True)
        values = sorted({v for v in qs.distinct()[:500]}, key=str.lower)
        cache.set(key, values, SUGGESTION_SECONDS)
    return values


def suggested_topics() -> list[str]:
    return _distinct("topic")


def suggested_products() -> list[str]:
    return _distinct("product")


def suggested_campaigns() -> list[str]:
    return _distinct("campaign")


DEFAULT_PURPOSES = ("newsletter", "marketing_email", "profiling")


def consent_purposes() -> list[str]:
    """The purposes consents are recorded for, plus the ones campaigns use."""
    key = "marketing:suggest:purposes"
    values = cache.get(key)
    if values is None:
        stored = Consent.objects.order_by().values_list("purpose", flat=True).distinct()[:100]
        values = sorted(set(DEFAULT_PURPOSES) | set(stored))
        cache.set(key, values, SUGGESTION_SECONDS)
    return values


def owner_choices(*, actor: User) -> list[User]:
    ensure_staff(actor)
    return list(User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("first_name", "username"))


def team_choices() -> list[Team]:
    return list(Team.objects.order_by("name"))


def visible_person_ids(actor: User, ids) -> set[int]:
    return set(restrict(Person.objects.filter(pk__in=ids), actor).values_list("pk", flat=True))
