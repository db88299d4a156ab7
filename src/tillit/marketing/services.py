"""Writes for segments and static lists. Marketing, managers and admins manage them; everyone on the
staff may look (``selectors``); members are always limited to the persons the actor may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.access import restrict
from tillit.core.errors import AccessDenied, ValidationError
from tillit.core.phones import normalize_email
from tillit.core.versioning import save_versioned
from tillit.marketing.models import Segment, StaticList, StaticListMember
from tillit.marketing.rules import validate_rules
from tillit.marketing.segments import segment_counts, segment_members
from tillit.people.models import Identity, IdentityKind, Person

MANAGER_ROLES = (Role.ADMIN, Role.MANAGER, Role.MARKETING)
MAX_IMPORT_LINES = 50_000
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def can_manage(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in MANAGER_ROLES))


def ensure_manager(actor: User) -> None:
    if not can_manage(actor):
        raise AccessDenied(_("Only marketing, managers and administrators can change segments and lists."))


def _name(model, value: Any, *, exclude_pk: int | None = None) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError(_("Give it a name."), field="name")
    if len(name) > 200:
        raise ValidationError(_("The name may be at most 200 characters."), field="name")
    clash = model.objects.filter(name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(_("Another one is already called “%(name)s”.") % {"name": name}, field="name")
    return name


def _description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > 5000:
        raise ValidationError(_("The description may be at most 5000 characters."), field="description")
    return text


# --- segments -----------------------------------------------------------------------------------
@transaction.atomic
def segment_create(*, actor: User, name: str, rules: Any, description: str = "") -> Segment:
    ensure_manager(actor)
    segment = Segment(name=_name(Segment, name), description=_description(description), rules=validate_rules(rules),
                      owner=actor)
    segment.save()
    return segment


@transaction.atomic
def segment_update(*, actor: User, segment: Segment, expected_version: int | None, **fields: Any) -> Segment:
    ensure_manager(actor)
    changed = []
    if "name" in fields:
        segment.name = _name(Segment, fields["name"], exclude_pk=segment.pk)
        changed.append("name")
    if "description" in fields:
        segment.description = _description(fields["description"])
        changed.append("description")
    if "rules" in fields:
        segment.rules = validate_rules(fields["rules"])
        segment.last_count = segment.counted_at = None  # the old count no longer describes these rules
        changed += ["rules", "last_count", "counted_at"]
    save_versioned(segment, expected_version=expected_version, update_fields=changed)
    return segment


@transaction.atomic
def segment_delete(*, actor: User, segment: Segment) -> None:
    ensure_manager(actor)
    segment.delete()


def refresh_counts(*, now=None) -> int:
    """Store every segment's (system-wide) member count for the lists; one counting query for all."""
    now = now or timezone.now()
    segments = list(Segment.objects.only("pk", "rules"))
    counts = segment_counts(segments, now=now)
    for segment in segments:
        segment.last_count, segment.counted_at = counts[segment.pk], now
    Segment.objects.bulk_update(segments, ["last_count", "counted_at"])
    return len(segments)


# --- static lists ---------------------------------------------------------------------------------
@transaction.atomic
def list_create(*, actor: User, name: str, description: str = "") -> StaticList:
    ensure_manager(actor)
    static_list = StaticList(name=_name(StaticList, name), description=_description(description), owner=actor)
    static_list.save()
    return static_list


@transaction.atomic
def list_update(*, actor: User, static_list: StaticList, expected_version: int | None, **fields: Any) -> StaticList:
    ensure_manager(actor)
    changed = []
    if "name" in fields:
        static_list.name = _name(StaticList, fields["name"], exclude_pk=static_list.pk)
        changed.append("name")
    if "description" in fields:
        static_list.description = _description(fields["description"])
        changed.append("description")
    save_versioned(static_list, expected_version=expected_version, update_fields=changed)
    return static_list


@transaction.atomic
def list_delete(*, actor: User, static_list: StaticList) -> None:
    ensure_manager(actor)
    static_list.delete()


def _insert(static_list: StaticList, person_ids: Iterable[int], actor: User) -> int:
    """Add persons not yet on the list; returns how many were new."""
    ids = set(person_ids)
    if not ids:
        return 0
    already = set(StaticListMember.objects.filter(static_list=static_list, person_id__in=ids)
                  .values_list("person_id", flat=True))
    new = sorted(ids - already)
    StaticListMember.objects.bulk_create(
        [StaticListMember(static_list=static_list, person_id=pk, added_by=actor) for pk in new],
        batch_size=1000, ignore_conflicts=True,
    )
    return len(new)


@transaction.atomic
def list_add_persons(*, actor: User, static_list: StaticList, person_ids: Iterable[int]) -> int:
    """Add persons the actor may see; an id they may not see is an error naming it (nothing is added)."""
    ensure_manager(actor)
    ids = {int(pk) for pk in person_ids}
    visible = set(restrict(Person.objects.filter(pk__in=ids), actor).values_list("pk", flat=True))
    missing = sorted(ids - visible)
    if missing:
        raise ValidationError(_("No such person: %(ids)s.") % {"ids": ", ".join(map(str, missing))},
                              field="person_ids")
    return _insert(static_list, ids, actor)


@transaction.atomic
def list_remove_persons(*, actor: User, static_list: StaticList, person_ids: Iterable[int]) -> int:
    ensure_manager(actor)
    visible = restrict(Person.objects.filter(pk__in=[int(pk) for pk in person_ids]), actor).values("pk")
    deleted, _detail = StaticListMember.objects.filter(static_list=static_list, person_id__in=visible).delete()
    return deleted


@transaction.atomic
def list_freeze_segment(*, actor: User, static_list: StaticList, segment: Segment, now=None) -> int:
    """Copy the segment's current members (those the actor may see) onto the list."""
    ensure_manager(actor)
    ids = segment_members(segment, actor=actor, now=now).order_by().values_list("pk", flat=True)
    return _insert(static_list, ids, actor)


@transaction.atomic
def list_import_emails(*, actor: User, static_list: StaticList, data: bytes) -> dict:
    """Add the persons with these email addresses (one per line, or a CSV with an ``email`` column).

    Returns ``{"added", "already", "rejected": [{"line", "column", "value", "reason"}]}``. Lines that
    cannot be used are reported, never guessed; the rest are added.
    """
    ensure_manager(actor)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text."), field="file") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    if len(rows) > MAX_IMPORT_LINES:
        raise ValidationError(_("At most %(n)d lines at a time.") % {"n": MAX_IMPORT_LINES}, field="file")
    column, start = 0, 0
    if rows:
        header = [cell.strip().lower() for cell in rows[0]]
        for i, cell in enumerate(header):
            if cell in ("email", "e-mail", "epost", "e-post", "mail"):
                column, start = i, 1
                break
    rejected, wanted = [], {}
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        value = row[column].strip() if column < len(row) else ""
        email = normalize_email(value)
        try:
            validate_email(email)
        except DjangoValidationError:
            rejected.append({"line": number, "column": column + 1, "value": value[:200],
                             "reason": _("not an email address")})
            continue
        wanted.setdefault(email, number)
    found: dict[str, int] = {}
    if wanted:
        visible = restrict(Person.objects.all(), actor).values("pk")
        for normalized, person_id in Identity.objects.filter(
            kind=IdentityKind.EMAIL, normalized__in=list(wanted), person__in=visible
        ).values_list("normalized", "person_id"):
            found.setdefault(normalized, person_id)
    for email, number in wanted.items():
        if email not in found:
            rejected.append({"line": number, "column": column + 1, "value": email,
                             "reason": _("no person you may see has this email")})
    rejected.sort(key=lambda r: r["line"])
    added = _insert(static_list, found.values(), actor)
    return {"added": added, "already": len(set(found.values())) - added, "rejected": rejected}


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","
