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

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, groupby
from operator import itemgetter

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from tillit.accounts.models import User
from tillit.core.access import ensure_staff, restrict
from tillit.core.phones import format_phone
from tillit.core.search import fold
from tillit.people.models import Affiliation, Identity, IdentityKind, Person

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
