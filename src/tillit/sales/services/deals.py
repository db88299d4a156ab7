"""Every write to deals: create, update, move between stages, win, lose, reopen.

Rules (pages, the board, the API, imports and the quotes module all call these):

- The actor must be an employee who can see the deal (owner/team visibility, ``tillit.core.access``);
  a deal, person or organisation outside their view is ``NotFound``.
- Owners follow the people rules: a rep may only own deals themselves; managers and admins may hand
  a deal to any active employee. The team follows the owner unless given.
- Updates and moves are compare-and-swap on ``version``: a stale version is a 409 ``Conflict``.
- Every stage change, win and loss writes one interaction (kind ``deal``, channel ``internal``) on the
  deal's person and organisation, handled by the actor; its ``external_id`` is the deal and the new
  version, so a replay never logs twice.
- Reaching a won or lost stage sets ``closed_at``; reopening clears it and the lost reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, Team, User
from tillit.core.access import can_see, clean_team, ensure_can_assign_owner, ensure_can_read, ensure_staff
from tillit.core.errors import AccessDenied, Conflict, NotFound, ValidationError
from tillit.core.money import clean_currency, parse_money, round_money
from tillit.core.versioning import save_versioned
from tillit.interactions import messages
from tillit.interactions.models import Channel, Kind
from tillit.interactions.services import log_interaction
from tillit.people.models import Organization, Person
from tillit.sales.messages import DEAL_CREATED, DEAL_LOST, DEAL_MOVED, DEAL_REOPENED, DEAL_WON
from tillit.sales.models import Deal, DealProduct, LostReason, Pipeline, Product, Stage, StageOutcome

UPDATE_FIELDS = frozenset({
    "title", "person", "organization", "value", "currency", "expected_close_date", "owner", "team",
    "source", "description", "products", "pipeline", "stage", "lost_reason", "lost_note",
})


# --- validation helpers ---------------------------------------------------------------------
def _text(field: str, value: Any, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("Expected text."), field=field)
    value = value.strip()
    max_length = Deal._meta.get_field(field).max_length
    if required and not value:
        raise ValidationError(_("This field is required."), field=field)
    if max_length and len(value) > max_length:
        raise ValidationError(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return value


def _value(value: Any, *, field: str = "value") -> Decimal:
    amount = parse_money(value if value is not None else "0", field=field)
    if amount < 0:
        raise ValidationError(_("The value cannot be negative."), field=field)
    return amount


def _date(value: Any, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), field=field) from None


def _party(actor: User, person: Any, organization: Any) -> tuple[Person | None, Organization | None]:
    if person is not None and not isinstance(person, Person):
        raise ValidationError(_("Choose a person."), field="person")
    if organization is not None and not isinstance(organization, Organization):
        raise ValidationError(_("Choose an organisation."), field="organization")
    if person is None and organization is None:
        raise ValidationError(_("Name a person or an organisation (or both)."), field="person")
    # Not found rather than forbidden: a deal must not reveal a customer the actor cannot read.
    if person is not None:
        ensure_can_read(actor, person)
    if organization is not None:
        ensure_can_read(actor, organization)
    return person, organization




def _pipeline_stage(pipeline: Any, stage: Any) -> tuple[Pipeline, Stage]:
    if pipeline is not None and not isinstance(pipeline, Pipeline):
        raise ValidationError(_("Choose a pipeline."), field="pipeline")
    if stage is not None and not isinstance(stage, Stage):
        raise ValidationError(_("Choose a stage."), field="stage")
    if stage is not None:
        if pipeline is not None and stage.pipeline_id != pipeline.pk:
            raise ValidationError(_("This stage belongs to another pipeline."), field="stage")
        return stage.pipeline, stage
    if pipeline is None:
        pipeline = Pipeline.objects.filter(is_active=True).first()
        if pipeline is None:
            raise ValidationError(_("There is no active pipeline; ask an administrator to create one."),
                                  field="pipeline")
    stage = pipeline.stages.filter(outcome=StageOutcome.OPEN).order_by("position", "id").first()
    if stage is None:
        raise ValidationError(_("This pipeline has no open stage."), field="stage")
    return pipeline, stage


def _lost_reason(value: Any) -> LostReason:
    if value is None or value == "":
        raise ValidationError(_("Say why the deal was lost."), field="lost_reason")
    if not isinstance(value, LostReason):
        raise ValidationError(_("Choose a lost reason."), field="lost_reason")
    return value


def _products(products: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """``[{"product": Product, "quantity": Decimal, "unit_price": Decimal}]``, each product once."""
    if products is None:
        return []
    rows, seen = [], set()
    for i, item in enumerate(products):
        product = item.get("product")
        if not isinstance(product, Product):
            raise ValidationError(_("Choose a product."), field=f"products.{i}.product")
        if product.pk in seen:
            raise ValidationError(_("This product is listed twice."), field=f"products.{i}.product")
        seen.add(product.pk)
        quantity = parse_money(item.get("quantity", 1), field=f"products.{i}.quantity")
        if quantity <= 0:
            raise ValidationError(_("The quantity must be more than 0."), field=f"products.{i}.quantity")
        if quantity != quantity.quantize(Decimal("0.001")):
            raise ValidationError(_("At most three decimals."), field=f"products.{i}.quantity")
        unit_price = _value(item.get("unit_price", 0), field=f"products.{i}.unit_price")
        rows.append({"product": product, "quantity": quantity, "unit_price": unit_price})
    return rows


def products_total(rows: Sequence[Mapping[str, Any]], currency: str) -> Decimal:
    return round_money(sum((r["quantity"] * r["unit_price"] for r in rows), Decimal("0")), currency)


def _set_products(deal: Deal, rows: list[dict[str, Any]]) -> None:
    DealProduct.objects.filter(deal=deal).delete()
    DealProduct.objects.bulk_create(DealProduct(deal=deal, **row) for row in rows)


def ensure_can_see_deal(actor: User, deal: Deal) -> None:
    ensure_staff(actor)
    if not can_see(actor, deal):
        raise NotFound(_("No such deal."))


# --- the log ----------------------------------------------------------------------------------
def _log(*, actor: User, deal: Deal, subject: dict, outcome: str, occurred_at: dt.datetime,
         from_stage: Stage | None, to_stage: Stage, extra: dict | None = None) -> None:
    # ``subject`` is a system message: stored as code + params, shown in the reader's language.
    payload = {
        **messages.stored(subject=subject),
        "deal": deal.pk,
        "from": from_stage.name if from_stage else None,
        "from_stage": from_stage.pk if from_stage else None,
        "to": to_stage.name,
        "to_stage": to_stage.pk,
        "pipeline": deal.pipeline_id,
        **(extra or {}),
    }
    # The interaction stores two decimals; a deal value has up to four.
    amount = round_money(deal.value, deal.currency).quantize(Decimal("0.01"))
    # actor=None: visibility was checked on the deal; the owner may see a deal but not its customer's owner.
    log_interaction(
        actor=None, channel=Channel.INTERNAL, kind=Kind.DEAL, person=deal.person, organization=deal.organization,
        handled_by=actor, occurred_at=occurred_at, subject=messages.render(subject)[:200], outcome=outcome,
        amount=amount, currency=deal.currency, external_id=f"deal:{deal.pk}:v{deal.version}", payload=payload,
    )


# --- create and update ------------------------------------------------------------------------
@transaction.atomic
def deal_create(*, actor: User, title: str, person: Person | None = None, organization: Organization | None = None,
                value: Any = None, currency: str = "", expected_close_date: Any = None, owner: User | None = None,
                team: Team | None = None, pipeline: Pipeline | None = None, stage: Stage | None = None,
                products: Sequence[Mapping[str, Any]] | None = None, source: str = "", description: str = "",
                lost_reason: LostReason | None = None, lost_note: str = "", external_id: str | None = None,
                now: dt.datetime | None = None) -> Deal:
    """A new deal; without a value but with products, the value is the products' total."""
    ensure_staff(actor)
    now = now or timezone.now()
    title = _text("title", title, required=True)
    person, organization = _party(actor, person, organization)
    currency = clean_currency(currency or settings.TILLIT_BASE_CURRENCY)
    rows = _products(products)
    amount = products_total(rows, currency) if value in (None, "") and rows else _value(value)
    owner = ensure_can_assign_owner(actor, owner)
    team = clean_team(team)
    if owner is None and team is None:
        owner = actor
    if owner is not None and team is None:
        team = owner.team
    pipeline, stage = _pipeline_stage(pipeline, stage)
    if stage.outcome == StageOutcome.LOST:
        lost_reason = _lost_reason(lost_reason)
    else:
        lost_reason, lost_note = None, ""
    external_id = (external_id or "").strip() or None
    if external_id and Deal.objects.filter(external_id=external_id).exists():
        raise ValidationError(_("A deal with this external id exists already."), field="external_id")
    deal = Deal.objects.create(
        title=title, person=person, organization=organization, value=amount, currency=currency,
        expected_close_date=_date(expected_close_date, field="expected_close_date"), owner=owner, team=team,
        pipeline=pipeline, stage=stage, stage_changed_at=now,
        closed_at=now if stage.outcome != StageOutcome.OPEN else None,
        lost_reason=lost_reason, lost_note=_text("lost_note", lost_note), source=_text("source", source),
        description=_text("description", description), created_by=actor, external_id=external_id,
    )
    # Only administrators and managers may create a deal they will not see themselves.
    if not can_see(actor, deal) and not (actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER)):
        raise AccessDenied(_("You would not see this deal; ask a manager to hand it over."), field="owner")
    _set_products(deal, rows)
    _log(actor=actor, deal=deal, subject=messages.message(DEAL_CREATED, title=title), outcome="created",
         occurred_at=now, from_stage=None, to_stage=stage)
    return deal


@transaction.atomic
def deal_update(actor: User, deal: Deal, expected_version: int | None, *, now: dt.datetime | None = None,
                **fields) -> Deal:
    """Change some fields; ``stage``/``pipeline`` in ``fields`` moves the deal (logged like a move)."""
    ensure_can_see_deal(actor, deal)
    for name in fields:
        if name not in UPDATE_FIELDS:
            raise ValidationError(_("Unknown field “%(name)s”.") % {"name": name}, field=name)
    now = now or timezone.now()
    changed: list[str] = []
    if "title" in fields:
        deal.title = _text("title", fields["title"], required=True)
        changed.append("title")
    if "person" in fields or "organization" in fields:
        person = fields.get("person", deal.person)
        organization = fields.get("organization", deal.organization)
        # Unchanged parties need not be checked again (the deal's owner may not own its customer).
        person_checked = None if person is not None and person.pk == deal.person_id else person
        org_checked = None if organization is not None and organization.pk == deal.organization_id else organization
        if person is None and organization is None:
            raise ValidationError(_("Name a person or an organisation (or both)."), field="person")
        if person_checked is not None or org_checked is not None:
            _party(actor, person_checked, org_checked)
        deal.person, deal.organization = person, organization
        changed += ["person", "organization"]
    if "currency" in fields:
        deal.currency = clean_currency(fields["currency"])
        changed.append("currency")
    rows = None
    if "products" in fields:
        rows = _products(fields["products"])
    if "value" in fields:
        if fields["value"] in (None, "") and rows:
            deal.value = products_total(rows, deal.currency)
        else:
            deal.value = _value(fields["value"])
        changed.append("value")
    if "expected_close_date" in fields:
        deal.expected_close_date = _date(fields["expected_close_date"], field="expected_close_date")
        changed.append("expected_close_date")
    for name in ("source", "description"):
        if name in fields:
            setattr(deal, name, _text(name, fields[name]))
            changed.append(name)
    if "owner" in fields or "team" in fields:
        owner = ensure_can_assign_owner(actor, fields["owner"]) if "owner" in fields else deal.owner
        if "team" in fields:
            team = clean_team(fields["team"])
        else:
            team = owner.team if owner and "owner" in fields else deal.team
        deal.owner, deal.team = owner, team
        changed += ["owner", "team"]
        if not can_see(actor, deal) and not (actor.is_superuser or actor.role in (Role.ADMIN, Role.MANAGER)):
            raise AccessDenied(_("You would lose access to this deal; ask a manager to hand it over."),
                               field="owner")
    if "lost_note" in fields and deal.stage.outcome == StageOutcome.LOST:
        deal.lost_note = _text("lost_note", fields["lost_note"])
        changed.append("lost_note")
    new_stage = None
    if "stage" in fields or "pipeline" in fields:
        pipeline = fields.get("pipeline", deal.pipeline if "stage" in fields else None)
        stage = fields.get("stage")
        if stage is None and pipeline is not None and pipeline.pk == deal.pipeline_id:
            stage = deal.stage
        _pipeline, new_stage = _pipeline_stage(pipeline, stage)
        if new_stage.pk == deal.stage_id:
            new_stage = None
    if new_stage is not None:
        # The move checks and bumps the version; the other fields ride along in the same write.
        return _move(actor=actor, deal=deal, stage=new_stage, expected_version=expected_version,
                     lost_reason=fields.get("lost_reason"), lost_note=fields.get("lost_note", ""), now=now,
                     also=changed, rows=rows)
    if changed:
        save_versioned(deal, expected_version=expected_version, update_fields=changed, actor=actor)
    elif expected_version is not None and expected_version != deal.version:
        raise Conflict(_("This deal was changed by someone else; reload and try again."), field="version")
    if rows is not None:
        _set_products(deal, rows)
    return deal


# --- stage changes --------------------------------------------------------------------------
def _move(*, actor: User, deal: Deal, stage: Stage, expected_version: int | None, lost_reason: Any,
          lost_note: str, now: dt.datetime, also: Sequence[str] = (), rows: list | None = None) -> Deal:
    from_stage = deal.stage
    if stage.outcome == StageOutcome.LOST:
        deal.lost_reason = _lost_reason(lost_reason)
        deal.lost_note = _text("lost_note", lost_note)
    else:
        deal.lost_reason, deal.lost_note = None, ""
    was_closed = from_stage.outcome != StageOutcome.OPEN
    deal.pipeline_id, deal.stage = stage.pipeline_id, stage
    deal.stage_changed_at = now
    if stage.outcome == StageOutcome.OPEN:
        deal.closed_at = None
    elif not was_closed or from_stage.outcome != stage.outcome:
        deal.closed_at = now
    fields = {*also, "pipeline", "stage", "stage_changed_at", "closed_at", "lost_reason", "lost_note"}
    save_versioned(deal, expected_version=expected_version, update_fields=sorted(fields), actor=actor,
                   changed=[*also, "stage"] if stage.pk != from_stage.pk else list(also))
    if rows is not None:
        _set_products(deal, rows)
    if stage.outcome == StageOutcome.WON:
        subject, outcome = messages.message(DEAL_WON, title=deal.title), "won"
    elif stage.outcome == StageOutcome.LOST:
        subject = messages.message(DEAL_LOST, title=deal.title, reason=str(deal.lost_reason))
        outcome = "lost"
    elif was_closed:
        subject, outcome = messages.message(DEAL_REOPENED, stage=stage.name), "reopened"
    else:
        subject, outcome = messages.message(DEAL_MOVED, stage=stage.name), "stage_changed"
    extra = {}
    if stage.outcome == StageOutcome.LOST:
        extra = {"lost_reason": deal.lost_reason.name, "lost_note": deal.lost_note}
    _log(actor=actor, deal=deal, subject=subject, outcome=outcome, occurred_at=now, from_stage=from_stage,
         to_stage=stage, extra=extra)
    return deal


@transaction.atomic
def deal_move(*, actor: User, deal: Deal, stage: Stage, expected_version: int | None,
              lost_reason: LostReason | None = None, lost_note: str = "", now: dt.datetime | None = None) -> Deal:
    """Move the deal to ``stage`` (any pipeline); a lost stage needs a ``lost_reason``.

    Moving to the stage it is in already is a no-op (but a stale version is still a conflict).
    """
    ensure_can_see_deal(actor, deal)
    if not isinstance(stage, Stage):
        raise ValidationError(_("Choose a stage."), field="stage")
    if stage.pk == deal.stage_id:
        if expected_version is not None and expected_version != deal.version:
            raise Conflict(_("This deal was changed by someone else; reload and try again."), field="version")
        return deal
    return _move(actor=actor, deal=deal, stage=stage, expected_version=expected_version, lost_reason=lost_reason,
                 lost_note=lost_note, now=now or timezone.now())


def _outcome_stage(deal: Deal, outcome: str) -> Stage:
    stage = deal.pipeline.stages.filter(outcome=outcome).order_by("position", "id").first()
    if stage is None:
        raise ValidationError(_("This pipeline has no %(outcome)s stage.") % {"outcome": outcome}, field="stage")
    return stage


@transaction.atomic
def deal_mark_won(*, actor: User, deal: Deal, expected_version: int | None = None,
                  now: dt.datetime | None = None) -> Deal:
    """Win the deal (its pipeline's first won stage). Already won: nothing happens, nothing is logged.

    The quotes module calls this when a quote is accepted.
    """
    ensure_can_see_deal(actor, deal)
    if deal.stage.outcome == StageOutcome.WON:
        return deal
    return _move(actor=actor, deal=deal, stage=_outcome_stage(deal, StageOutcome.WON),
                 expected_version=expected_version, lost_reason=None, lost_note="", now=now or timezone.now())


@transaction.atomic
def deal_mark_lost(*, actor: User, deal: Deal, lost_reason: LostReason | None, lost_note: str = "",
                   expected_version: int | None = None, now: dt.datetime | None = None) -> Deal:
    """Lose the deal (its pipeline's first lost stage) for ``lost_reason``."""
    ensure_can_see_deal(actor, deal)
    if deal.stage.outcome == StageOutcome.LOST:
        raise ValidationError(_("This deal is lost already."), field="stage")
    return _move(actor=actor, deal=deal, stage=_outcome_stage(deal, StageOutcome.LOST),
                 expected_version=expected_version, lost_reason=lost_reason, lost_note=lost_note,
                 now=now or timezone.now())


@transaction.atomic
def deal_reopen(*, actor: User, deal: Deal, expected_version: int | None = None, stage: Stage | None = None,
                now: dt.datetime | None = None) -> Deal:
    """Reopen a won or lost deal in ``stage`` (default: the most advanced open stage of its pipeline)."""
    ensure_can_see_deal(actor, deal)
    if deal.stage.outcome == StageOutcome.OPEN:
        raise ValidationError(_("This deal is open already."), field="stage")
    if stage is None:
        stage = deal.pipeline.stages.filter(outcome=StageOutcome.OPEN).order_by("-position", "-id").first()
        if stage is None:
            raise ValidationError(_("This pipeline has no open stage."), field="stage")
    elif stage.outcome != StageOutcome.OPEN:
        raise ValidationError(_("Choose an open stage to reopen the deal in."), field="stage")
    return _move(actor=actor, deal=deal, stage=stage, expected_version=expected_version, lost_reason=None,
                 lost_note="", now=now or timezone.now())
