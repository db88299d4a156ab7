"""Likely duplicate persons, strongest first, among the persons the actor may see.

Two ways a pair is found, each cheap at a million persons:

- **Same email or phone.** One ``GROUP BY (kind, normalized)`` over identities finds the values
  that more than one visible person has; one more query fetches those persons. A value shared by
  more than ``MAX_GROUP`` persons is a switchboard or a shared mailbox, not a duplicate, and is
  left out.
- **Very similar names in the same organisation.** Current roles of visible persons are read
  organisation by organisation (only organisations with at least two people) and the names are
  compared with rapidfuzz inside each organisation only — never everyone against everyone.

Scores (0–100) combine the evidence: a shared email counts 90, a shared phone 85, a similar name
in the same organisation 80 % of the name similarity; several reasons add up
(1 − Π(1 − s)). Clearly different names lower a shared email/phone (a family's shared address).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, groupby
from operator import itemgetter

from django.db.models import Count, Prefetch, Q, Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from tillit.accounts.models import User
from tillit.core.access import ensure_staff, restrict, restrict_parties
from tillit.core.errors import Conflict
from tillit.core.phones import format_phone
from tillit.core.search import fold, search_words
from tillit.people.models import Affiliation, Identity, IdentityKind, Organization, Person

MAX_GROUP = 10
NAME_THRESHOLD = 88  # token-sort similarity (0–100) for "very similar" names
DIFFERENT_NAMES = 50  # below this the names are clearly different people's
WEIGHTS = {"email": 90, "phone": 85}
NAME_WEIGHT = 0.8
DIFFERENT_NAMES_FACTOR = 0.7

_PUNCTUATION = str.maketrans({"-": " ", ".": " ", ",": " "})


@lru_cache(maxsize=50_000)  # names repeat a lot; this is the hot loop at a million persons
def normalize_name(first_name: str, last_name: str) -> str:
    """Lower-case, Nordic letters folded (Ødegård → odegard), accents and punctuation dropped."""
    # The letters fold as in search (tillit.core.search), so both agree on what "the same name" is.
    return " ".join(fold(f"{first_name} {last_name}").translate(_PUNCTUATION).split())


def name_similarity(a: str, b: str) -> float:
    return fuzz.token_sort_ratio(a, b)


@dataclass
class DuplicatePair:
    """Two persons that are probably one. ``first`` is the suggested survivor (more history, older)."""

    first: Person
    second: Person
    score: int
    reasons: list[str]  # "email", "phone", "name"
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    organization_names: list[str] = field(default_factory=list)
    name_similarity: float = 0.0

    @property
    def persons(self) -> tuple[Person, Person]:
        return self.first, self.second

    @property
    def explanations(self) -> list[str]:
        out = [_("Same email: %(value)s") % {"value": e} for e in self.emails]
        out += [_("Same phone: %(value)s") % {"value": format_phone(p)} for p in self.phones]
        out += [
            _("Similar name at %(org)s (%(score)d %%)") % {"org": org, "score": round(self.name_similarity)}
            for org in self.organization_names
        ]
        return out

    @property
    def reason(self) -> str:
        return "; ".join(self.explanations)


@dataclass
class _Evidence:
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    organizations: set[int] = field(default_factory=set)
    name_score: float = 0.0


def _shared_identities(visible, found: dict[tuple[int, int], _Evidence], names: dict[int, str]) -> None:
    kinds = [IdentityKind.EMAIL, IdentityKind.PHONE]
    mine = Identity.objects.filter(kind__in=kinds, person__in=visible.values("pk"))
    shared = (
        mine.order_by()
        .values("kind", "normalized")
        .annotate(n=Count("person_id", distinct=True))
        .filter(n__gt=1, n__lte=MAX_GROUP)
        .values("normalized")
    )
    rows = (
        mine.filter(normalized__in=shared)
        .order_by("kind", "normalized", "person_id")
        .values_list("kind", "normalized", "person_id", "person__first_name", "person__last_name")
    )
    for (kind, value), group in groupby(rows.iterator(chunk_size=5000), key=itemgetter(0, 1)):
        ids = []
        for _kind, _value, person_id, first, last in group:
            ids.append(person_id)
            names[person_id] = normalize_name(first, last)
        for a, b in combinations(ids, 2):
            evidence = found.setdefault((a, b), _Evidence())
            (evidence.emails if kind == IdentityKind.EMAIL else evidence.phones).add(value)


def _similar_names(visible, found: dict[tuple[int, int], _Evidence], names: dict[int, str]) -> None:
    today = timezone.localdate()
    current = Affiliation.objects.filter(person__in=visible.values("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    crowded = (
        current.order_by().values("organization_id").annotate(n=Count("person_id", distinct=True)).filter(n__gt=1)
    )
    rows = (
        current.filter(organization_id__in=crowded.values("organization_id"))
        .order_by("organization_id", "person_id")
        .values_list("organization_id", "person_id", "person__first_name", "person__last_name")
    )
    for org_id, group in groupby(rows.iterator(chunk_size=5000), key=itemgetter(0)):
        members: dict[int, str] = {}
        for _org, person_id, first, last in group:
            name = names[person_id] = normalize_name(first, last)
            if len(name.replace(" ", "")) >= 3:
                members[person_id] = name
        ids, texts = list(members), list(members.values())
        for i in range(len(ids) - 1):
            matches = process.extract(
                texts[i], texts[i + 1:], scorer=fuzz.token_sort_ratio, score_cutoff=NAME_THRESHOLD, limit=None
            )
            for _text, score, j in matches:
                a, b = sorted((ids[i], ids[i + 1 + j]))
                evidence = found.setdefault((a, b), _Evidence())
                evidence.organizations.add(org_id)
                evidence.name_score = max(evidence.name_score, score)


def _score(evidence: _Evidence, names: tuple[str, str]) -> tuple[int, float]:
    similarity = evidence.name_score or (name_similarity(*names) if all(names) else 0.0)
    parts = [WEIGHTS["email"]] * bool(evidence.emails) + [WEIGHTS["phone"]] * bool(evidence.phones)
    if evidence.organizations:
        parts.append(evidence.name_score * NAME_WEIGHT)
    doubt = 1.0
    for part in parts:
        doubt *= 1 - part / 100
    score = 1 - doubt
    if all(names) and similarity < DIFFERENT_NAMES:
        score *= DIFFERENT_NAMES_FACTOR
    return round(score * 100), similarity


def duplicate_candidates(*, actor: User, limit: int = 100) -> list[DuplicatePair]:
    """Pairs of visible persons that are probably the same, strongest first (at most ``limit``)."""
    ensure_staff(actor)
    visible = restrict(Person.objects.all(), actor)
    found: dict[tuple[int, int], _Evidence] = {}
    names: dict[int, str] = {}
    _shared_identities(visible, found, names)
    _similar_names(visible, found, names)
    if not found:
        return []

    ranked = sorted(
        ((*_score(ev, (names.get(a, ""), names.get(b, ""))), a, b, ev) for (a, b), ev in found.items()),
        key=lambda row: (-row[0], row[2], row[3]),
    )[:limit]

    today = timezone.localdate()
    persons = (
        Person.objects.filter(pk__in={pk for row in ranked for pk in row[2:4]})
        .annotate(interaction_count=Count("interactions"))
        .prefetch_related(
            Prefetch("identities", queryset=Identity.objects.filter(kind__in=[IdentityKind.EMAIL, IdentityKind.PHONE])),
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
                .select_related("organization"),
                to_attr="current_roles",
            ),
        )
        .in_bulk()
    )
    pairs = []
    for score, similarity, a, b, ev in ranked:
        if a not in persons or b not in persons:
            continue  # merged or deleted a moment ago
        first, second = persons[a], persons[b]
        if (second.interaction_count, -second.pk) > (first.interaction_count, -first.pk):
            first, second = second, first
        org_names = {r.organization_id: r.organization.name for p in (first, second) for r in p.current_roles}
        pairs.append(
            DuplicatePair(
                first=first,
                second=second,
                score=score,
                reasons=[r for r, present in (("email", ev.emails), ("phone", ev.phones), ("name", ev.organizations))
                         if present],
                emails=sorted(ev.emails),
                phones=sorted(ev.phones),
                organization_names=sorted(org_names[o] for o in ev.organizations if o in org_names),
                name_similarity=similarity,
            )
        )
    return pairs


# --- before a record is created: the same rules, for one new record -----------------------------------
ORG_WEIGHTS = {"org_number": 95, "domain": 85}
MAX_CANDIDATES = 5
_ORG_NAME_PREFILTER = 500  # organisations whose name starts like the new one, compared with rapidfuzz


@dataclass
class LikelyDuplicate:
    """An existing person or organisation the new one probably is, with what matched.

    Only records the actor may read are ever reported: a match outside the actor's visibility is left
    out without a trace, as everywhere else (a hidden record answers 404), so the warning cannot be used
    to find out whether some email address or organisation number is in the database.
    """

    record: Person | Organization
    score: int
    reasons: list[str]  # "email", "phone", "name"; for organisations "org_number", "domain", "name"
    explanations: list[str]

    @property
    def name(self) -> str:
        return str(self.record)

    @property
    def kind(self) -> str:
        return self.record._meta.model_name

    def as_api(self) -> dict:
        """One candidate in the API's ``likely_duplicate`` answer."""
        return {"id": self.record.pk, "name": self.name, "score": self.score, "matched": self.reasons,
                "reason": "; ".join(self.explanations)}


def _combined(parts: list[float]) -> float:
    doubt = 1.0
    for part in parts:
        doubt *= 1 - part / 100
    return 1 - doubt


def likely_duplicate_persons(*, actor: User, first_name: str = "", last_name: str = "", emails: Iterable[str] = (),
                             phones: Iterable[str] = (), organization: Organization | None = None,
                             limit: int = MAX_CANDIDATES) -> list[LikelyDuplicate]:
    """Visible persons a new person with these (already normalised) details probably is, strongest first.

    The Duplicates page's rules: the same email (lower-case) or phone (E.164) — a value more than
    ``MAX_GROUP`` persons share is a switchboard and does not count — or, in the same organisation,
    a name at least ``NAME_THRESHOLD`` similar. Three queries at most, whatever the number of persons.
    """
    visible = restrict_parties(Person.objects.all(), actor).values("pk")
    found: dict[int, _Evidence] = {}
    names: dict[int, str] = {}
    wanted = [(IdentityKind.EMAIL, e) for e in emails if e] + [(IdentityKind.PHONE, p) for p in phones if p]
    if wanted:
        q = Q()
        for kind, value in wanted:
            q |= Q(kind=kind, normalized=value)
        rows = list(
            Identity.objects.filter(q, person__in=visible)
            .values_list("kind", "normalized", "person_id", "person__first_name", "person__last_name")
            .distinct()
        )
        per_value: dict[tuple[str, str], set[int]] = {}
        for kind, value, person_id, _first, _last in rows:
            per_value.setdefault((kind, value), set()).add(person_id)
        for kind, value, person_id, first, last in rows:
            if len(per_value[(kind, value)]) >= MAX_GROUP:
                continue
            names[person_id] = normalize_name(first, last)
            evidence = found.setdefault(person_id, _Evidence())
            (evidence.emails if kind == IdentityKind.EMAIL else evidence.phones).add(value)
    new_name = normalize_name(first_name or "", last_name or "")
    if organization is not None and len(new_name.replace(" ", "")) >= 3:
        today = timezone.localdate()
        members = (
            Affiliation.objects.filter(organization=organization, person__in=visible)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .values_list("person_id", "person__first_name", "person__last_name")
            .distinct()
        )
        for person_id, first, last in members:
            name = names[person_id] = normalize_name(first, last)
            score = fuzz.token_sort_ratio(new_name, name)
            if score >= NAME_THRESHOLD:
                evidence = found.setdefault(person_id, _Evidence())
                evidence.organizations.add(organization.pk)
                evidence.name_score = max(evidence.name_score, score)
    if not found:
        return []
    ranked = sorted(((_score(ev, (new_name, names.get(pk, ""))), pk, ev) for pk, ev in found.items()),
                    key=lambda row: (-row[0][0], row[1]))[:limit]
    persons = Person.objects.only("pk", "first_name", "last_name", "primary_email").in_bulk(
        [pk for _s, pk, _e in ranked]
    )
    out = []
    for (score, similarity), pk, ev in ranked:
        if pk not in persons:
            continue
        pair = DuplicatePair(first=persons[pk], second=persons[pk], score=score, reasons=[],
                             emails=sorted(ev.emails), phones=sorted(ev.phones),
                             organization_names=[organization.name] if ev.organizations else [],
                             name_similarity=similarity)
        reasons = [r for r, present in (("email", ev.emails), ("phone", ev.phones), ("name", ev.organizations))
                   if present]
        out.append(LikelyDuplicate(record=persons[pk], score=score, reasons=reasons, explanations=pair.explanations))
    return out


def _org_number_key(value: str) -> str:
    return "".join(ch for ch in (value or "").casefold() if ch.isalnum())


def likely_duplicate_organizations(*, actor: User, name: str = "", org_number: str = "", domain: str = "",
                                   limit: int = MAX_CANDIDATES) -> list[LikelyDuplicate]:
    """Visible organisations a new one with these (already cleaned) details probably is, strongest first.

    The same organisation number (spaces, dots and dashes ignored) counts 95, the same web domain 85, a name
    at least ``NAME_THRESHOLD`` similar (accents and case folded) 80 % of the similarity; several add up
    as on the Duplicates page. Two queries.
    """
    visible = restrict_parties(Organization.objects.all(), actor)
    new_name = normalize_name(name or "", "")
    number = _org_number_key(org_number)
    q = Q(pk__in=[])
    if number:
        # "923 609 016", "923.609.016" and "923-609-016" are one number (as the import matches them).
        compact = Replace(Replace(Replace("org_number", Value(" ")), Value("-")), Value("."))
        visible = visible.annotate(_compact_number=Lower(compact))
        q |= Q(_compact_number=number)
    if domain:
        q |= Q(domain=domain)
    first_word = search_words(name, limit=1)
    if first_word and len(new_name.replace(" ", "")) >= 3:
        # The name comes first in the key: a prefix narrows the candidates, rapidfuzz decides.
        similar = visible.filter(search_key__startswith=first_word[0]).values("pk")[:_ORG_NAME_PREFILTER]
        q |= Q(pk__in=similar)
    candidates = list(visible.filter(q).only("pk", "name", "org_number", "domain")[: _ORG_NAME_PREFILTER + 50])
    scored = []
    for org in candidates:
        reasons, explanations, parts = [], [], []
        if number and _org_number_key(org.org_number) == number:
            reasons.append("org_number")
            explanations.append(_("Same organisation number: %(value)s") % {"value": org.org_number})
            parts.append(ORG_WEIGHTS["org_number"])
        if domain and org.domain == domain:
            reasons.append("domain")
            explanations.append(_("Same web domain: %(value)s") % {"value": org.domain})
            parts.append(ORG_WEIGHTS["domain"])
        similarity = fuzz.token_sort_ratio(new_name, normalize_name(org.name, "")) if new_name else 0.0
        if similarity >= NAME_THRESHOLD:
            reasons.append("name")
            explanations.append(_("Similar name (%(score)d %%)") % {"score": round(similarity)})
            parts.append(similarity * NAME_WEIGHT)
        if parts:
            scored.append(LikelyDuplicate(record=org, score=round(_combined(parts) * 100), reasons=reasons,
                                          explanations=explanations))
    scored.sort(key=lambda d: (-d.score, d.record.pk))
    return scored[:limit]


class LikelyDuplicateError(Conflict):
    """A create refused because the record probably exists already; ``candidates`` says which (the
    visible ones only). Send it again with ``allow_duplicate`` to create it anyway."""

    code = "likely_duplicate"

    def __init__(self, message: str, *, candidates: list[LikelyDuplicate], field: str | None = None):
        super().__init__(message, field=field)
        self.candidates = candidates
        self.extra = {"candidates": [c.as_api() for c in candidates]}
