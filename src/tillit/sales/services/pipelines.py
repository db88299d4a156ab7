"""Writes to pipelines, their stages and the lost reasons.

Only administrators change pipelines: they shape every rep's board and the forecast. A pipeline
always keeps at least one open, one won and one lost stage (the board, "mark won" and "mark lost"
depend on it); a stage that still has deals cannot be deleted (move the deals first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from tillit.accounts.models import Role, User
from tillit.core.access import ensure_staff
from tillit.core.errors import AccessDenied, ValidationError
from tillit.sales.models import LostReason, Pipeline, Stage, StageOutcome

# name, probability %, outcome, counts as committed
DEFAULT_STAGES: tuple[tuple[str, int, str, bool], ...] = (
    ("Lead", 10, StageOutcome.OPEN, False),
    ("Qualified", 25, StageOutcome.OPEN, False),
    ("Proposal", 50, StageOutcome.OPEN, False),
    ("Negotiation", 75, StageOutcome.OPEN, True),
    ("Won", 100, StageOutcome.WON, True),
    ("Lost", 0, StageOutcome.LOST, False),
)
DEFAULT_LOST_REASONS = ("Price", "Chose a competitor", "No budget", "Timing", "No decision")
STAGE_FIELDS = frozenset({"name", "probability", "outcome", "is_committed", "position"})


def is_sales_admin(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN)


def ensure_sales_admin(actor: User) -> None:
    ensure_staff(actor)
    if not is_sales_admin(actor):
        raise AccessDenied(_("Only administrators can change pipelines and lost reasons."))


def _name(value: Any, *, field: str = "name", max_length: int = 100) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationError(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return text


def _probability(value: Any, *, field: str = "probability") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a whole number from 0 to 100."), field=field) from None
    if isinstance(value, float) and value != number or not 0 <= number <= 100:
        raise ValidationError(_("Enter a whole number from 0 to 100."), field=field)
    return number


def _outcome(value: Any, *, field: str = "outcome") -> str:
    if value not in StageOutcome.values:
        raise ValidationError(
            _("Unknown outcome “%(value)s”; use one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(StageOutcome.values)},
            field=field,
        )
    return value


def _clean_stage(data: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    for key in data:
        if key not in STAGE_FIELDS and key != "id":
            raise ValidationError(_("Unknown field “%(name)s”.") % {"name": key}, field=f"{prefix}{key}")
    return {
        "name": _name(data.get("name"), field=f"{prefix}name"),
        "probability": _probability(data.get("probability", 0), field=f"{prefix}probability"),
        "outcome": _outcome(data.get("outcome", StageOutcome.OPEN), field=f"{prefix}outcome"),
        "is_committed": bool(data.get("is_committed", False)),
    }


def _check_outcomes(outcomes: Iterable[str], *, field: str = "stages") -> None:
    present = set(outcomes)
    missing = [label for value, label in StageOutcome.choices if value not in present]
    if missing:
        raise ValidationError(
            _("A pipeline needs at least one open, one won and one lost stage; missing: %(missing)s.")
            % {"missing": ", ".join(str(m) for m in missing)},
            field=field,
        )


def _check_unique_names(names: list[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name.lower() in seen:
            raise ValidationError(_("Two stages are called “%(name)s”.") % {"name": name}, field=f"stages.{i}.name")
        seen.add(name.lower())


@transaction.atomic
def pipeline_create(*, actor: User, name: str, stages: list[Mapping[str, Any]] | None = None,
                    is_active: bool = True, position: int | None = None) -> Pipeline:
    """A new pipeline; without ``stages`` it gets the standard ones (Lead … Won, Lost)."""
    ensure_sales_admin(actor)
    name = _name(name)
    if Pipeline.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("A pipeline with this name exists already."), field="name")
    if stages is None:
        cleaned = [
            {"name": n, "probability": p, "outcome": o, "is_committed": c} for n, p, o, c in DEFAULT_STAGES
        ]
    else:
        cleaned = [_clean_stage(s, prefix=f"stages.{i}.") for i, s in enumerate(stages)]
    _check_outcomes(s["outcome"] for s in cleaned)
    _check_unique_names([s["name"] for s in cleaned])
    if position is None:
        position = (Pipeline.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    pipeline = Pipeline.objects.create(name=name, is_active=bool(is_active), position=position)
    Stage.objects.bulk_create(Stage(pipeline=pipeline, position=i, **s) for i, s in enumerate(cleaned))
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: User, pipeline: Pipeline, name: str | None = None, is_active: bool | None = None,
                    position: int | None = None, stages: list[Mapping[str, Any]] | None = None) -> Pipeline:
    """Rename, (de)activate, move, and — with ``stages`` — replace the stage list in its new order.

    ``stages`` items with an ``id`` update that stage, items without one are new stages, and stages
    left out are deleted (refused if they still have deals).
    """
    ensure_sales_admin(actor)
    fields = []
    if name is not None:
        name = _name(name)
        if Pipeline.objects.filter(name__iexact=name).exclude(pk=pipeline.pk).exists():
            raise ValidationError(_("A pipeline with this name exists already."), field="name")
        pipeline.name = name
        fields.append("name")
    if is_active is not None:
        pipeline.is_active = bool(is_active)
        fields.append("is_active")
    if position is not None:
        pipeline.position = int(position)
        fields.append("position")
    if fields:
        pipeline.save(update_fields=[*fields, "updated_at"])
    if stages is not None:
        _replace_stages(pipeline, stages)
    return pipeline


def _replace_stages(pipeline: Pipeline, stages: list[Mapping[str, Any]]) -> None:
    existing = {s.pk: s for s in Stage.objects.filter(pipeline=pipeline)}
    cleaned = []
    for i, data in enumerate(stages):
        stage_id = data.get("id")
        if stage_id is not None and stage_id not in existing:
            raise ValidationError(_("This stage is not in this pipeline."), field=f"stages.{i}.id")
        cleaned.append((stage_id, _clean_stage(data, prefix=f"stages.{i}.")))
    _check_outcomes(s["outcome"] for _id, s in cleaned)
    _check_unique_names([s["name"] for _id, s in cleaned])
    keep = {stage_id for stage_id, _s in cleaned if stage_id is not None}
    for stage in existing.values():
        if stage.pk not in keep:
            _ensure_no_deals(stage)
    # Free the names first so a swap of two names does not trip the unique constraint.
    Stage.objects.filter(pipeline=pipeline).exclude(pk__in=keep).delete()
    for stage_id in keep:
        Stage.objects.filter(pk=stage_id).update(name=f"~renaming~{stage_id}")
    for position, (stage_id, values) in enumerate(cleaned):
        if stage_id is None:
            Stage.objects.create(pipeline=pipeline, position=position, **values)
        else:
            Stage.objects.filter(pk=stage_id).update(position=position, **values)


def _ensure_no_deals(stage: Stage) -> None:
    count = stage.deals.count()
    if count:
        raise ValidationError(
            _("The stage “%(name)s” still has %(n)d deal(s); move them to another stage first.")
            % {"name": stage.name, "n": count},
            field="stages",
        )


@transaction.atomic
def stage_create(*, actor: User, pipeline: Pipeline, name: str, probability: int = 0,
                 outcome: str = StageOutcome.OPEN, is_committed: bool = False, position: int | None = None) -> Stage:
    ensure_sales_admin(actor)
    values = _clean_stage({"name": name, "probability": probability, "outcome": outcome,
                           "is_committed": is_committed})
    if pipeline.stages.filter(name__iexact=values["name"]).exists():
        raise ValidationError(_("This pipeline has a stage with this name already."), field="name")
    if position is None:
        position = (pipeline.stages.aggregate(m=Max("position"))["m"] or 0) + 1
    return Stage.objects.create(pipeline=pipeline, position=position, **values)


@transaction.atomic
def stage_update(*, actor: User, stage: Stage, **fields) -> Stage:
    ensure_sales_admin(actor)
    for key in fields:
        if key not in STAGE_FIELDS:
            raise ValidationError(_("Unknown field “%(name)s”.") % {"name": key}, field=key)
    values = _clean_stage({
        "name": fields.get("name", stage.name),
        "probability": fields.get("probability", stage.probability),
        "outcome": fields.get("outcome", stage.outcome),
        "is_committed": fields.get("is_committed", stage.is_committed),
    })
    if stage.pipeline.stages.filter(name__iexact=values["name"]).exclude(pk=stage.pk).exists():
        raise ValidationError(_("This pipeline has a stage with this name already."), field="name")
    if values["outcome"] != stage.outcome:
        others = stage.pipeline.stages.exclude(pk=stage.pk).values_list("outcome", flat=True)
        _check_outcomes([*others, values["outcome"]], field="outcome")
        if stage.deals.exists():
            raise ValidationError(
                _("Deals are in this stage; move them before changing whether it is open, won or lost."),
                field="outcome",
            )
    for key, value in values.items():
        setattr(stage, key, value)
    if "position" in fields:
        stage.position = int(fields["position"])
    stage.save()
    return stage


@transaction.atomic
def stage_delete(*, actor: User, stage: Stage) -> None:
    ensure_sales_admin(actor)
    _ensure_no_deals(stage)
    others = stage.pipeline.stages.exclude(pk=stage.pk).values_list("outcome", flat=True)
    _check_outcomes(others, field="stages")
    stage.delete()


@transaction.atomic
def stages_reorder(*, actor: User, pipeline: Pipeline, stage_ids: list[int]) -> None:
    """Put the pipeline's stages in the order of ``stage_ids`` (every stage exactly once)."""
    ensure_sales_admin(actor)
    current = set(pipeline.stages.values_list("pk", flat=True))
    if len(stage_ids) != len(current) or set(stage_ids) != current:
        raise ValidationError(_("List every stage of this pipeline exactly once."), field="stages")
    for position, stage_id in enumerate(stage_ids):
        Stage.objects.filter(pk=stage_id).update(position=position)


def stage_move(*, actor: User, stage: Stage, direction: int) -> None:
    """Move a stage one place up (``-1``) or down (``+1``)."""
    ids = list(stage.pipeline.stages.order_by("position", "id").values_list("pk", flat=True))
    i = ids.index(stage.pk)
    j = i + (1 if direction > 0 else -1)
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
    stages_reorder(actor=actor, pipeline=stage.pipeline, stage_ids=ids)


# --- lost reasons ---------------------------------------------------------------------------
@transaction.atomic
def lost_reason_create(*, actor: User, name: str, is_active: bool = True) -> LostReason:
    ensure_sales_admin(actor)
    name = _name(name)
    if LostReason.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("This lost reason exists already."), field="name")
    position = (LostReason.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    return LostReason.objects.create(name=name, is_active=bool(is_active), position=position)


@transaction.atomic
def lost_reason_update(*, actor: User, reason: LostReason, name: str | None = None,
                       is_active: bool | None = None) -> LostReason:
    ensure_sales_admin(actor)
    if name is not None:
        name = _name(name)
        if LostReason.objects.filter(name__iexact=name).exclude(pk=reason.pk).exists():
            raise ValidationError(_("This lost reason exists already."), field="name")
        reason.name = name
    if is_active is not None:
        reason.is_active = bool(is_active)
    reason.save()
    return reason


def lost_reasons_seed() -> None:
    """The standard lost reasons, if there are none yet (demo and first start)."""
    if not LostReason.objects.exists():
        LostReason.objects.bulk_create(LostReason(name=n, position=i) for i, n in enumerate(DEFAULT_LOST_REASONS))
