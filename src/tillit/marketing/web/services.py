"""Writes for campaigns and tracking sites. Views and the API call these; each is one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tillit.accounts.models import STAFF_ROLES, User
from tillit.core.errors import ValidationError
from tillit.core.money import clean_currency, parse_money, round_money
from tillit.core.versioning import save_versioned
from tillit.interactions.models import Channel
from tillit.marketing.models import Segment, StaticList
from tillit.marketing.web.models import Campaign, CampaignStatus, TrackingSite
from tillit.marketing.web.selectors import ensure_can_manage, ensure_site_admin
from tillit.marketing.web.tracking import new_site_key, origin_of

CAMPAIGN_FIELDS = frozenset({
    "name", "code", "channel", "status", "goal", "budget", "currency", "starts_on", "ends_on", "learnings",
    "owner", "segments", "static_lists",
})
CHANNELS = {c for c, _label in Channel.choices}


def _text(value: Any, field: str, limit: int | None, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ("" if value is None else None)
    if text is None:
        raise ValidationError(_("Must be text."), field=field)
    if required and not text:
        raise ValidationError(_("This field is required."), field=field)
    if limit and len(text) > limit:
        raise ValidationError(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(_("Not a date (YYYY-MM-DD)."), field=field) from None


def _clean(data: Mapping[str, Any], campaign: Campaign | None) -> dict[str, Any]:
    unknown = sorted(set(data) - CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field."), field=unknown[0])
    out: dict[str, Any] = {}
    if "name" in data or campaign is None:
        out["name"] = _text(data.get("name"), "name", 200, required=True)
    if "code" in data or campaign is None:
        raw = _text(data.get("code"), "code", 100) or slugify(out.get("name", ""))
        code = slugify(raw)[:100]
        if not code or code != raw.lower():
            raise ValidationError(
                _("Use lower-case letters, digits and hyphens (this is utm_campaign), e.g. “spring-heat-pumps”."),
                field="code",
            )
        clash = Campaign.objects.filter(code=code)
        if campaign is not None:
            clash = clash.exclude(pk=campaign.pk)
        if clash.exists():
            raise ValidationError(_("Another campaign has this code."), field="code")
        out["code"] = code
    if "channel" in data:
        channel = _text(data.get("channel"), "channel", 12)
        if channel and channel not in CHANNELS:
            raise ValidationError(
                _("Unknown channel; use one of: %(v)s.") % {"v": ", ".join(sorted(CHANNELS))}, field="channel"
            )
        out["channel"] = channel
    if "status" in data:
        if data["status"] not in CampaignStatus.values:
            raise ValidationError(
                _("Unknown status; use one of: %(v)s.") % {"v": ", ".join(CampaignStatus.values)}, field="status"
            )
        out["status"] = data["status"]
    for name in ("goal", "learnings"):
        if name in data:
            out[name] = _text(data.get(name), name, None)
    currency = campaign.currency if campaign else "NOK"
    if "currency" in data:
        currency = clean_currency(data["currency"], field="currency") if data["currency"] else currency
        out["currency"] = currency
    if "budget" in data:
        budget = data["budget"]
        amount = parse_money(budget, field="budget") if budget not in (None, "") else Decimal("0")
        if amount < 0:
            raise ValidationError(_("The budget cannot be negative."), field="budget")
        out["budget"] = round_money(amount, currency)
    for name in ("starts_on", "ends_on"):
        if name in data:
            out[name] = _date(data[name], name)
    starts = out.get("starts_on", campaign.starts_on if campaign else None)
    ends = out.get("ends_on", campaign.ends_on if campaign else None)
    if starts and ends and ends < starts:
        raise ValidationError(_("The campaign ends before it starts."), field="ends_on")
    if "owner" in data:
        owner = data["owner"]
        if owner is not None and not isinstance(owner, User):
            owner = User.objects.filter(pk=owner, is_active=True, role__in=STAFF_ROLES).first()
            if owner is None:
                raise ValidationError(_("No such employee."), field="owner")
        out["owner"] = owner
    for name, model in (("segments", Segment), ("static_lists", StaticList)):
        if name in data:
            ids = [getattr(v, "pk", v) for v in (data[name] or [])]
            found = list(model.objects.filter(pk__in=ids))
            if len(found) != len(set(ids)):
                raise ValidationError(_("Unknown id in the list."), field=name)
            out[name] = found
    return out


def _save_relations(campaign: Campaign, values: dict[str, Any]) -> None:
    if "segments" in values:
        campaign.segments.set(values["segments"])
    if "static_lists" in values:
        campaign.static_lists.set(values["static_lists"])


@transaction.atomic
def campaign_create(*, actor: User, **data) -> Campaign:
    ensure_can_manage(actor)
    values = _clean(data, None)
    relations = {k: values.pop(k) for k in ("segments", "static_lists") if k in values}
    if values.get("owner") is None:
        values["owner"] = actor
    campaign = Campaign.objects.create(**values)
    _save_relations(campaign, relations)
    return campaign


@transaction.atomic
def campaign_update(*, actor: User, campaign: Campaign, expected_version: int | None, **data) -> Campaign:
    """Change the given fields; a stale ``expected_version`` raises ``Conflict`` (nothing written)."""
    ensure_can_manage(actor)
    values = _clean(data, campaign)
    relations = {k: values.pop(k) for k in ("segments", "static_lists") if k in values}
    for name, value in values.items():
        setattr(campaign, name, value)
    save_versioned(campaign, expected_version=expected_version, update_fields=[*values, "updated_at"])
    _save_relations(campaign, relations)
    return campaign


@transaction.atomic
def campaign_learnings_set(*, actor: User, campaign: Campaign, learnings: str, expected_version: int | None
                           ) -> Campaign:
    """"What we learned" stays editable whatever the campaign's status."""
    return campaign_update(actor=actor, campaign=campaign, expected_version=expected_version, learnings=learnings)


@transaction.atomic
def campaign_delete(*, actor: User, campaign: Campaign) -> None:
    ensure_can_manage(actor)
    campaign.delete()


# --- tracking sites ---------------------------------------------------------------------------
def _origins(raw: Any) -> str:
    lines = [line.strip() for line in (raw or "").splitlines() if line.strip()]
    clean = []
    for number, line in enumerate(lines, start=1):
        origin = origin_of(line)
        if not origin or not origin.startswith(("http://", "https://")):
            raise ValidationError(
                _("Line %(n)d is not an origin like https://www.example.com.") % {"n": number},
                field="allowed_origins",
            )
        clean.append(origin)
    return "\n".join(dict.fromkeys(clean))


@transaction.atomic
def site_create(*, actor: User, name: str, allowed_origins: str = "", create_leads: bool = True) -> TrackingSite:
    ensure_site_admin(actor)
    return TrackingSite.objects.create(
        name=_text(name, "name", 200, required=True), key=new_site_key(), allowed_origins=_origins(allowed_origins),
        create_leads=bool(create_leads),
    )


@transaction.atomic
def site_update(*, actor: User, site: TrackingSite, name: str, allowed_origins: str = "", is_active: bool = True,
                create_leads: bool = True) -> TrackingSite:
    ensure_site_admin(actor)
    site.name = _text(name, "name", 200, required=True)
    site.allowed_origins = _origins(allowed_origins)
    site.is_active = bool(is_active)
    site.create_leads = bool(create_leads)
    site.save(update_fields=["name", "allowed_origins", "is_active", "create_leads", "updated_at"])
    return site
