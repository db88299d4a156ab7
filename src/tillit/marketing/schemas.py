"""API shapes for segments and static lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from tillit.marketing.models import Segment, StaticList


class SegmentIn(Schema):
    __model__ = Segment  # constraints from the model (tillit.core.api)
    name: str
    description: str = ""
    rules: dict[str, Any] = Field(default_factory=dict, description="The rule tree (see docs/marketing-segments.md)")


class SegmentPatch(Schema):
    __model__ = Segment  # constraints from the model (tillit.core.api)
    name: str | None = None
    description: str | None = None
    rules: dict[str, Any] | None = None
    version: int | None = Field(None, description="The version you read, if you do not send If-Match")


class SegmentOut(Schema):
    id: int
    version: int
    name: str
    description: str
    rules: dict[str, Any]
    owner_id: int | None
    last_count: int | None = Field(description="The last system-wide count (refreshed in the background)")
    counted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class EvaluateIn(Schema):
    rules: dict[str, Any] = Field(default_factory=dict)


class SegmentMemberOut(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    primary_email: str
    lifecycle_stage: str
    owner_id: int | None
    city: str
    country: str


class EvaluateOut(Schema):
    count: int = Field(description="Members the caller may see")
    sample: list[SegmentMemberOut]


class CountOut(Schema):
    count: int
    counted_at: dt.datetime


class StaticListIn(Schema):
    __model__ = StaticList  # constraints from the model (tillit.core.api)
    name: str
    description: str = ""


class StaticListPatch(Schema):
    __model__ = StaticList  # constraints from the model (tillit.core.api)
    name: str | None = None
    description: str | None = None
    version: int | None = None


class StaticListOut(Schema):
    id: int
    version: int
    name: str
    description: str
    owner_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonIds(Schema):
    person_ids: list[int] = Field(..., min_length=1, max_length=10_000)


class ChangedOut(Schema):
    changed: int
