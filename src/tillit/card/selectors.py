"""The customer card read model: one person or organisation on one page, in a fixed few queries.

Everything here is a read, filtered through ``tillit.core.access``. The card never loops over a
person's interactions in Python: counts, top topics and the activity series are ``GROUP BY``
queries that use the ``(person, -occurred_at)`` index, and the timeline is one ``UNION ALL`` of
ordered, limited index range scans (the person's own rows, plus the rows that reached each of
their organisations), so its cost does not grow with the size of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, Case, Count, F, Max, Min, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tillit.core.access import ensure_can_read, ensure_staff, restrict_parties
from tillit.core.errors import NotFound, ValidationError
from tillit.core.phones import format_phone, looks_like_email, normalize_email, normalize_phone
from tillit.core.search import search_words
from tillit.interactions.models import Channel, Direction, Interaction, Kind
from tillit.people.models import Affiliation, Consent, Identity, IdentityKind, Organization, Person

# Channels on which an employee and a customer actually talk to each other.
HUMAN_CHANNELS = (
    Channel.PHONE, Channel.EMAIL, Channel.MEETING, Channel.CHAT, Channel.SMS, Channel.SOCIAL, Channel.POST,
)
# Kinds on human channels that are not a conversation (tracking events, internal notes).
NON_CONTACT_KINDS = (Kind.EMAIL_OPENED, Kind.EMAIL_CLICKED, Kind.NOTE, Kind.PAGE_VIEW, Kind.CONTENT_READ)
# Kinds that show what a person is interested in (content read, pages viewed, webinars watched …).
ENGAGEMENT_KINDS = (
    Kind.PAGE_VIEW, Kind.CONTENT_READ, Kind.WEBINAR_WATCHED, Kind.VIDEO_WATCHED, Kind.FORM_SUBMITTED,
    Kind.EMAIL_CLICKED,
)
# Internal records (notes, merge notes, anything on the internal channel) are not contact with the
# customer: they count in the totals and the timeline, never as the "last interaction".
INTERNAL_KINDS = (Kind.NOTE,)
TOP_N = 5
# Interests are counted over this many of the person's latest engagement events.
INTEREST_WINDOW = 5_000
ACTIVITY_MONTHS = 12
# Up to this many people an organisation's timeline reads one index range per person; beyond it,
# one ``person IN (…)`` scan.
PER_PERSON_PARTS = 50


# --- results ----------------------------------------------------------------------------------
@dataclass
class IdentityItem:
    kind: str
    value: str
    display: str
    system: str = ""
    label: str = ""
    is_primary: bool = False


@dataclass
class ChannelCount:
    channel: str
    label: str
    count: int
    share: float = 0.0  # of the largest channel, 0–1, for bar charts


@dataclass
class TopItem:
    label: str
    count: int
    share: float = 0.0
    avg_share_watched: float | None = None


@dataclass
class EmailEngagement:
    sent: int = 0
    opened: int = 0
    clicked: int = 0

    @property
    def open_rate(self) -> float | None:
        # Several opens of one email count once per open, so the rate is capped at 100 %.
        return min(self.opened / self.sent, 1.0) if self.sent else None

    @property
    def click_rate(self) -> float | None:
        return min(self.clicked / self.sent, 1.0) if self.sent else None


@dataclass
class MonthCount:
    month: dt.date
    count: int
    share: float = 0.0


@dataclass
class LastInteraction:
    channel: str
    kind: str
    occurred_at: dt.datetime

    @property
    def channel_label(self) -> str:
        return Channel(self.channel).label if self.channel in Channel.values else self.channel

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label if self.kind in Kind.values else self.kind


@dataclass
class TimelinePage:
    entries: list[Interaction]
    page: int
    page_size: int
    has_next: bool
    channel: str = ""
    kind: str = ""

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def previous_page(self) -> int:
        return self.page - 1

    @property
    def is_filtered(self) -> bool:
        return bool(self.channel or self.kind)


@dataclass
class Activity:
    """What the log says about a person or an organisation, all from grouped queries."""

    total: int = 0
    channels: list[ChannelCount] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    first_at: dt.datetime | None = None
    last: LastInteraction | None = None
    months: list[MonthCount] = field(default_factory=list)
    last_contact_at: dt.datetime | None = None

    @property
    def email(self) -> EmailEngagement:
        return EmailEngagement(
            sent=self.kinds.get(Kind.EMAIL_SENT, 0),
            opened=self.kinds.get(Kind.EMAIL_OPENED, 0),
            clicked=self.kinds.get(Kind.EMAIL_CLICKED, 0),
        )

    @property
    def months_total(self) -> int:
        return sum(m.count for m in self.months)


@dataclass
class CustomerCard:
    person: Person
    roles: list[Affiliation]
    past_roles: list[Affiliation]
    emails: list[IdentityItem]
    phones: list[IdentityItem]
    social: list[IdentityItem]
    external_ids: list[IdentityItem]
    consents: list[Consent]
    last_contact: Interaction | None
    activity: Activity
    top_topics: list[TopItem]
    top_products: list[TopItem]
    top_content: list[TopItem]
    timeline: TimelinePage

    @property
    def owner(self):
        return self.person.owner

    @property
    def team(self):
        return self.person.team

    @property
    def lifecycle_stage(self) -> str:
        return self.person.lifecycle_stage

    @property
    def persona(self) -> str:
        return self.person.persona

    @property
    def relationship_category(self) -> str:
        return self.person.relationship_category

    @property
    def active_consents(self) -> list[Consent]:
        return [c for c in self.consents if c.withdrawn_at is None]

    @property
    def withdrawn_consents(self) -> list[Consent]:
        return [c for c in self.consents if c.withdrawn_at is not None]

    @property
    def channel_counts(self) -> list[ChannelCount]:
        return self.activity.channels

    @property
    def email_engagement(self) -> EmailEngagement:
        return self.activity.email

    @property
    def last_interaction(self) -> LastInteraction | None:
        return self.activity.last


@dataclass
class OrganizationCard:
    organization: Organization
    roles: list[Affiliation]
    past_roles: list[Affiliation]
    last_contact: Interaction | None
    activity: Activity
    timeline: TimelinePage

    @property
    def owner(self):
        return self.organization.owner

    @property
    def team(self):
        return self.organization.team

    @property
    def channel_counts(self) -> list[ChannelCount]:
        return self.activity.channels


# --- the cards --------------------------------------------------------------------------------
def customer_card(*, actor, person_id: int) -> CustomerCard:
    """Everything the card shows about one person: at most ten queries, whatever the log size."""
    person = _person(actor, person_id)
    affiliations = list(
        Affiliation.objects.filter(person=person).select_related("organization").order_by(
            F("end_date").desc(nulls_first=True), "-start_date", "id"
        )
    )
    roles = [a for a in affiliations if a.is_current]
    past_roles = [a for a in affiliations if not a.is_current]
    identities = list(Identity.objects.filter(person=person).order_by("kind", "-is_primary", "id"))
    consents = list(Consent.objects.filter(person=person).order_by("purpose", "-given_at", "-id"))
    own_rows = Interaction.objects.filter(person=person)
    activity = _activity(own_rows)
    tops = _top_engagement(own_rows)
    org_ids = sorted({a.organization_id for a in roles})
    return CustomerCard(
        person=person,
        roles=roles,
        past_roles=past_roles,
        emails=[_identity_item(i) for i in identities if i.kind == IdentityKind.EMAIL],
        phones=[_identity_item(i) for i in identities if i.kind == IdentityKind.PHONE],
        social=[_identity_item(i) for i in identities if i.kind == IdentityKind.SOCIAL],
        external_ids=[_identity_item(i) for i in identities if i.kind == IdentityKind.EXTERNAL],
        consents=consents,
        last_contact=_last_contact(own_rows, activity),
        activity=activity,
        top_topics=tops["topic"],
        top_products=tops["product"],
        top_content=tops["content"],
        timeline=_timeline_page(_person_parts(person.pk, org_ids), channel="", kind="", page=1),
    )


def organization_card(*, actor, organization_id: int) -> OrganizationCard:
    """An organisation's facts, its people (visible to ``actor``), counts and combined timeline."""
    organization = _organization(actor, organization_id)
    affiliations = _visible_affiliations(actor, organization)
    roles = [a for a in affiliations if a.is_current]
    past_roles = [a for a in affiliations if not a.is_current]
    people_ids = sorted({a.person_id for a in roles})
    own_rows = Interaction.objects.filter(organization=organization)
    people_rows = _people_rows(people_ids, organization.pk)
    combined = own_rows | people_rows if people_ids else own_rows
    activity = _activity(combined)
    return OrganizationCard(
        organization=organization,
        roles=roles,
        past_roles=past_roles,
        last_contact=_last_contact(combined, activity),
        activity=activity,
        timeline=_timeline_page(_organization_parts(organization.pk, people_ids), channel="", kind="", page=1),
    )


def timeline(
    *, actor, person: Person | int | None = None, organization: Organization | int | None = None,
    channel: str = "", kind: str = "", page: int = 1, page_size: int | None = None,
) -> TimelinePage:
    """One page of a person's or an organisation's timeline, newest first.

    A person's timeline holds their own interactions and the organisation-level ones (no person)
    of the organisations where they have a current role. An organisation's holds its own rows and
    those of the people (visible to ``actor``) with a current role there.
    """
    channel, kind, page = _clean_filters(channel, kind, page)
    if (person is None) == (organization is None):
        raise ValidationError(_("Name a person or an organisation."), field="person")
    if person is not None:
        person = _person(actor, person) if not isinstance(person, Person) else _checked(actor, person)
        org_ids = sorted(
            Affiliation.objects.filter(person=person)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
            .values_list("organization_id", flat=True)
            .distinct()
        )
        parts = _person_parts(person.pk, org_ids)
    else:
        if not isinstance(organization, Organization):
            organization = _organization(actor, organization)
        else:
            _checked(actor, organization)
        people_ids = sorted(
            {a.person_id for a in _visible_affiliations(actor, organization, with_people=False) if a.is_current}
        )
        parts = _organization_parts(organization.pk, people_ids)
    return _timeline_page(parts, channel=channel, kind=kind, page=page, page_size=page_size)


def lookup(*, actor, q: str) -> list[Person]:
    """Screen-pop: the visible persons a phone number (any format), email (any case) or external id names.

    One indexed query on ``Identity(kind, normalized)``. Names are not searched here; see
    ``name_search``.
    """
    ensure_staff(actor)
    q = (q or "").strip()
    if not q:
        return []
    match = Q(identities__kind=IdentityKind.EXTERNAL, identities__normalized=q)
    if looks_like_email(q):
        match |= Q(identities__kind=IdentityKind.EMAIL, identities__normalized=normalize_email(q))
    elif (phone := normalize_phone(q)) is not None:
        match |= Q(identities__kind=IdentityKind.PHONE, identities__normalized=phone)
    people = restrict_parties(Person.objects.filter(match), actor).select_related("owner").distinct()
    return list(people.order_by("last_name", "first_name", "id")[:50])


def lookup_by(*, actor, phone: str = "", email: str = "", q: str = "") -> list[Person]:
    """``lookup`` with the kind of key said out loud (the API's ``?phone=`` and ``?email=``)."""
    ensure_staff(actor)
    if phone:
        e164 = normalize_phone(phone)
        if e164 is None:
            raise ValidationError(_("Not a phone number we can read."), field="phone")
        return _identity_matches(actor, IdentityKind.PHONE, e164)
    if email:
        if not looks_like_email(email):
            raise ValidationError(_("Not an email address."), field="email")
        return _identity_matches(actor, IdentityKind.EMAIL, normalize_email(email))
    return lookup(actor=actor, q=q)


def name_search(*, actor, q: str, limit: int = 20) -> list[Person]:
    """Visible persons with a word of their name (or their email) starting with every word of ``q`` (for
    the find box), accent- and case-insensitively ("brathen" finds Bråthen): each folded word starts a
    word of the folded ``search_key`` (tillit.core.search)."""
    ensure_staff(actor)
    words = search_words(q, limit=4)
    if not words:
        return []
    people = Person.objects.all()
    for word in words:
        people = people.filter(Q(search_key__startswith=word) | Q(search_key__contains=f" {word}"))
    people = restrict_parties(people, actor).select_related("owner")
    return list(people.order_by("last_name", "first_name", "id")[:limit])


# --- building blocks --------------------------------------------------------------------------
def _person(actor, person_id) -> Person:
    ensure_staff(actor)
    try:
        person = Person.objects.select_related("owner", "team").get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such person.")) from None
    ensure_can_read(actor, person)
    return person


def _organization(actor, organization_id) -> Organization:
    ensure_staff(actor)
    try:
        organization = Organization.objects.select_related("owner", "team").get(pk=int(organization_id))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("No such organisation.")) from None
    ensure_can_read(actor, organization)
    return organization


def _checked(actor, record):
    ensure_staff(actor)
    ensure_can_read(actor, record)
    return record


def _visible_affiliations(actor, organization: Organization, *, with_people: bool = True) -> list[Affiliation]:
    qs = restrict_parties(Affiliation.objects.filter(organization=organization), actor, field="person", kind="person")
    if with_people:
        qs = qs.select_related("person", "person__owner")
    return list(qs.order_by(F("end_date").desc(nulls_first=True), "person__last_name", "person__first_name", "id"))


def _identity_item(identity: Identity) -> IdentityItem:
    if identity.kind == IdentityKind.PHONE:
        display = format_phone(identity.normalized)
    elif identity.kind == IdentityKind.EMAIL:
        display = identity.value.strip()
    else:
        display = identity.value
    return IdentityItem(
        kind=identity.kind, value=identity.normalized, display=display, system=identity.system,
        label=identity.label, is_primary=identity.is_primary,
    )


def _clean_filters(channel: str, kind: str, page) -> tuple[str, str, int]:
    channel, kind = (channel or "").strip(), (kind or "").strip()
    if channel and channel not in Channel.values:
        raise ValidationError(_("Unknown channel."), field="channel")
    if kind and kind not in Kind.values:
        raise ValidationError(_("Unknown kind."), field="kind")
    try:
        page = 1 if page is None or page == "" else int(page)
    except (TypeError, ValueError):
        raise ValidationError(_("The page must be a whole number."), field="page") from None
    if page < 1:
        raise ValidationError(_("The page must be 1 or more."), field="page")
    return channel, kind, page


def _people_rows(people_ids: list[int], organization_id: int) -> QuerySet:
    # The people's rows that do not already carry the organisation (those are its own rows).
    return Interaction.objects.filter(person_id__in=people_ids).exclude(organization_id=organization_id)


def _is_contact(channel: str, kind: str, handled: bool) -> bool:
    """A conversation: a human channel, not tracking or a note, and not a mass mailing (no sender)."""
    return channel in HUMAN_CHANNELS and kind not in NON_CONTACT_KINDS and (handled or kind != Kind.EMAIL_SENT)


def _last_contact(rows: QuerySet, activity: Activity) -> Interaction | None:
    """The newest conversation. ``activity`` already knows when it was, so this is an index seek."""
    if activity.last_contact_at is None:
        return None
    contact = (
        rows.filter(occurred_at__gte=activity.last_contact_at, channel__in=HUMAN_CHANNELS)
        .exclude(kind__in=NON_CONTACT_KINDS)
        .exclude(kind=Kind.EMAIL_SENT, handled_by__isnull=True)
        .select_related("handled_by", "person")
        .order_by("-occurred_at", "-id")
    )
    return contact.first()


def _activity(rows: QuerySet) -> Activity:
    """Counts per channel and kind, first/last time and the last 12 months, in one grouped pass.

    The months are conditional counts over plain time ranges (no per-row date function), so the
    pass costs the same as a bare ``COUNT`` over the person's index range.
    """
    starts = _month_starts(timezone.now())
    tz = timezone.get_current_timezone()
    bounds = [dt.datetime(m.year, m.month, 1, tzinfo=tz) for m in starts]
    # Month bucket per row: -1 before the series, else 0..11. Older rows cost one comparison.
    bucket = Case(
        When(occurred_at__lt=bounds[0], then=Value(-1)),
        *[When(occurred_at__gte=b, then=Value(i)) for i, b in reversed(list(enumerate(bounds))) if i],
        default=Value(0),
    )
    handled = Case(When(handled_by__isnull=True, then=Value(False)), default=Value(True),
                   output_field=BooleanField())
    grouped = list(
        rows.order_by().annotate(bucket=bucket, handled=handled).values("channel", "kind", "bucket", "handled")
        .annotate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
    )
    activity = Activity()
    per_channel: dict[str, int] = {}
    per_month = [0] * len(starts)
    for row in grouped:
        activity.total += row["n"]
        per_channel[row["channel"]] = per_channel.get(row["channel"], 0) + row["n"]
        activity.kinds[row["kind"]] = activity.kinds.get(row["kind"], 0) + row["n"]
        if row["bucket"] >= 0:
            per_month[row["bucket"]] += row["n"]
        if activity.first_at is None or row["first"] < activity.first_at:
            activity.first_at = row["first"]
        internal = row["channel"] == Channel.INTERNAL or row["kind"] in INTERNAL_KINDS
        if not internal and (activity.last is None or row["last"] > activity.last.occurred_at):
            activity.last = LastInteraction(channel=row["channel"], kind=row["kind"], occurred_at=row["last"])
        if _is_contact(row["channel"], row["kind"], row["handled"]) and (
            activity.last_contact_at is None or row["last"] > activity.last_contact_at
        ):
            activity.last_contact_at = row["last"]
    top = max(per_channel.values(), default=0)
    labels = dict(Channel.choices)
    activity.channels = [
        ChannelCount(channel=c, label=str(labels.get(c, c)), count=n, share=n / top if top else 0.0)
        for c, n in sorted(per_channel.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    busiest = max(per_month, default=0)
    activity.months = [
        MonthCount(month=m, count=n, share=n / busiest if busiest else 0.0) for m, n in zip(starts, per_month,
                                                                                          strict=True)
    ]
    return activity


def _month_starts(now: dt.datetime) -> list[dt.date]:
    local = timezone.localtime(now)
    year, month = local.year, local.month
    starts = []
    for _i in range(ACTIVITY_MONTHS):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _top_engagement(rows: QuerySet) -> dict[str, list[TopItem]]:
    """Top topics, products and content (by subject) among the person's latest ``INTEREST_WINDOW``
    engagement events: three grouped, limited selects over that window in one ``UNION ALL``.

    The window keeps the card's cost bounded for very active web visitors and makes the list
    what they are interested in now.
    """
    window = (
        rows.filter(kind__in=ENGAGEMENT_KINDS).order_by("-occurred_at", "-id")
        .values("topic", "product", "subject", "share_watched")[:INTEREST_WINDOW]
    )
    connection = connections[window.db]
    qn = connection.ops.quote_name
    window_sql, window_params = window.query.get_compiler(using=window.db).as_sql()
    selects, params = [], []
    for dimension, column in (("topic", "topic"), ("product", "product"), ("content", "subject")):
        col, share = qn(column), qn("share_watched")
        selects.append(
            f"SELECT * FROM (SELECT %s AS dim, w.{col} AS label, COUNT(*) AS n, AVG(w.{share}) AS avg_share"
            f" FROM ({window_sql}) AS w WHERE w.{col} <> '' GROUP BY w.{col} ORDER BY n DESC, label"
            f" LIMIT {TOP_N}) AS {qn('top_' + dimension)}"
        )
        params += [dimension, *window_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        found = cursor.fetchall()
    result: dict[str, list[TopItem]] = {"topic": [], "product": [], "content": []}
    for dim, label, n, avg_share in sorted(found, key=lambda r: (r[0], -r[2], r[1])):
        result[dim].append(TopItem(label=label, count=n, avg_share_watched=avg_share))
    for items in result.values():
        top = max((i.count for i in items), default=0)
        for item in items:
            item.share = item.count / top if top else 0.0
    return result


def _filtered(qs: QuerySet, channel: str, kind: str) -> QuerySet:
    if channel:
        qs = qs.filter(channel=channel)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def _person_parts(person_id: int, org_ids: Iterable[int]) -> list[QuerySet]:
    parts = [Interaction.objects.filter(person_id=person_id)]
    parts += [Interaction.objects.filter(organization_id=o, person__isnull=True) for o in org_ids]
    return parts


def _organization_parts(organization_id: int, people_ids: list[int]) -> list[QuerySet]:
    parts = [Interaction.objects.filter(organization_id=organization_id)]
    if len(people_ids) <= PER_PERSON_PARTS:
        parts += [_people_rows([p], organization_id) for p in people_ids]
    elif people_ids:
        parts.append(_people_rows(people_ids, organization_id))
    return parts


def _timeline_page(parts: list[QuerySet], *, channel: str, kind: str, page: int,
                   page_size: int | None = None) -> TimelinePage:
    """Merge the newest rows of each part in one query: the inner ``UNION ALL`` of ordered, limited
    index range scans picks the page's ids, the outer select reads those rows with who handled them."""
    size = page_size or settings.TILLIT_TIMELINE_PAGE_SIZE
    offset = (page - 1) * size
    want = offset + size + 1  # one extra tells whether there is a next page
    sliced = [
        _filtered(p, channel, kind).order_by("-occurred_at", "-id").values("id", "occurred_at")[:want] for p in parts
    ]
    ids_sql, ids_params = _union_all_sql(sliced, columns=("id", "occurred_at"), order_by="2 DESC, 1 DESC",
                                         limit=size + 1, offset=offset)
    # Primary-key look-ups; partners are rare, so they are read only when a row names one
    # (joining them always makes PostgreSQL hash the whole organisation table).
    rows = sorted(
        Interaction.objects.select_related("handled_by", "person", "organization").filter(
            id__in=RawSQL(f"SELECT {connections[sliced[0].db].ops.quote_name('id')} FROM ({ids_sql}) AS page",
                          ids_params)
        ),
        key=lambda row: (row.occurred_at, row.pk), reverse=True,
    )
    has_next = len(rows) > size
    rows = rows[:size]
    _attach_labels(rows)
    partner_ids = {row.partner_id for row in rows if row.partner_id}
    if partner_ids:
        partners = Organization.objects.only("id", "name").in_bulk(partner_ids)
        for row in rows:
            if row.partner_id:
                row.partner = partners.get(row.partner_id)
    return TimelinePage(entries=rows, page=page, page_size=size, has_next=has_next, channel=channel, kind=kind)


# Choice labels per language, built once: ``get_kind_display`` hashes every choice on each call, which
# was a tenth of a card page's time (20 timeline rows, four labels each).
_LABELS: dict[tuple[str, str], dict[str, str]] = {}
_CHOICES = {"channel": Channel, "kind": Kind, "direction": Direction}


def choice_labels(name: str) -> dict[str, str]:
    """``{value: label}`` of the log's ``channel``, ``kind`` or ``direction`` in the active language."""
    key = (name, get_language() or "")
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {str(value): str(label) for value, label in _CHOICES[name].choices}
    return labels


def _attach_labels(rows: list[Interaction]) -> None:
    """``channel_label``, ``kind_label``, ``direction_label`` on each row: what ``get_FOO_display`` says."""
    channels, kinds, directions = choice_labels("channel"), choice_labels("kind"), choice_labels("direction")
    for row in rows:
        row.channel_label = channels.get(row.channel, row.channel)
        row.kind_label = kinds.get(row.kind, row.kind)
        row.direction_label = directions.get(row.direction, row.direction)


def _union_all_sql(parts: list[QuerySet], *, columns: tuple[str, ...], order_by: str, limit: int | None = None,
                   offset: int = 0) -> tuple[str, list]:
    """``SELECT … FROM (part1) UNION ALL SELECT … FROM (part2) … ORDER BY … LIMIT`` as one statement.

    Django cannot slice the parts of a compound query on SQLite, so the parts are wrapped as
    derived tables here; each part keeps its own ``ORDER BY … LIMIT``, which both databases
    answer from the index.
    """
    db = parts[0].db
    qn = connections[db].ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    selects, params = [], []
    for n, part in enumerate(parts):
        sql, part_params = part.query.get_compiler(using=db).as_sql()
        selects.append(f"SELECT {cols} FROM ({sql}) AS {qn(f'part{n}')}")
        params.extend(part_params)
    sql = " UNION ALL ".join(selects) + f" ORDER BY {order_by}"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return sql, params


def _identity_matches(actor, kind: str, normalized: str) -> list[Person]:
    people = restrict_parties(
        Person.objects.filter(identities__kind=kind, identities__normalized=normalized), actor
    ).select_related("owner").distinct()
    return list(people.order_by("last_name", "first_name", "id")[:50])
