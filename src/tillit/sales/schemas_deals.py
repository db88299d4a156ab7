"""API schemas for pipelines, lost reasons, deals, the forecast and targets.

Amounts are ``Decimal`` in and out (JSON strings out, so no client ever rounds through a float).
"""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tillit.core.api import Currency, CurrencyOrDefault
from tillit.sales.models import Deal, DealProduct, ExchangeRate, LostReason, Pipeline, SalesTarget, Stage


class StageOut(Schema):
    id: int
    name: str
    position: int = Field(ge=0, le=32767)
    probability: int
    outcome: str
    is_committed: bool


class PipelineOut(Schema):
    id: int
    name: str
    position: int = Field(ge=0, le=32767)
    is_active: bool
    stages: list[StageOut]

    @staticmethod
    def resolve_stages(obj) -> list:
        return list(obj.stages.all())


class StageIn(Schema):
    __model__ = Stage  # constraints from the model (tillit.core.api)
    id: int | None = Field(None, description="An existing stage's id; leave out for a new stage")
    name: str
    probability: int = 0
    outcome: str = "open"
    is_committed: bool = False


class PipelineIn(Schema):
    __model__ = Pipeline  # constraints from the model (tillit.core.api)
    name: str
    is_active: bool = True
    stages: list[StageIn] | None = Field(None, description="Leave out for the standard stages")


class PipelinePatch(Schema):
    __model__ = Pipeline  # constraints from the model (tillit.core.api)
    name: str | None = None
    is_active: bool | None = None
    position: int | None = Field(None, ge=0, le=32767)
    stages: list[StageIn] | None = Field(
        None, description="The complete stage list in order: stages left out are deleted (refused if they have deals)"
    )


class LostReasonOut(Schema):
    id: int
    name: str
    is_active: bool


class LostReasonIn(Schema):
    __model__ = LostReason  # constraints from the model (tillit.core.api)
    name: str


class DealProductOut(Schema):
    product_id: int
    sku: str
    name: str
    quantity: Decimal
    unit_price: Decimal

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.product.name


class DealOut(Schema):
    id: int
    version: int
    title: str
    person_id: int | None
    organization_id: int | None
    value: Decimal
    currency: str
    expected_close_date: dt.date | None
    owner_id: int | None
    team_id: int | None
    pipeline_id: int
    stage_id: int
    stage_name: str
    outcome: str
    probability: int
    closed_at: dt.datetime | None
    stage_changed_at: dt.datetime | None
    lost_reason_id: int | None
    lost_note: str
    source: str
    description: str
    external_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_stage_name(obj: Deal) -> str:
        return obj.stage.name

    @staticmethod
    def resolve_outcome(obj: Deal) -> str:
        return obj.stage.outcome

    @staticmethod
    def resolve_probability(obj: Deal) -> int:
        return obj.stage.probability


class DealDetailOut(DealOut):
    products: list[DealProductOut]


class DealProductIn(Schema):
    __model__ = DealProduct  # constraints from the model (tillit.core.api)
    product_id: int
    quantity: Decimal = Decimal("1")
    unit_price: Decimal = Decimal("0")


class DealIn(Schema):
    __model__ = Deal  # constraints from the model (tillit.core.api)
    title: str
    person_id: int | None = None
    organization_id: int | None = None
    value: Decimal | None = Field(None, description="Leave out to use the products' total")
    currency: CurrencyOrDefault = ""
    expected_close_date: dt.date | None = None
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    lost_reason_id: int | None = None
    lost_note: str = ""
    products: list[DealProductIn] | None = None
    source: str = ""
    description: str = ""
    external_id: str | None = None


class DealPatch(Schema):
    __model__ = Deal  # constraints from the model (tillit.core.api)
    title: str | None = None
    person_id: int | None = None
    organization_id: int | None = None
    value: Decimal | None = None
    currency: Currency | None = None
    expected_close_date: dt.date | None = None
    owner_id: int | None = None
    team_id: int | None = None
    pipeline_id: int | None = None
    stage_id: int | None = None
    lost_reason_id: int | None = None
    lost_note: str | None = None
    products: list[DealProductIn] | None = None
    source: str | None = None
    description: str | None = None
    version: int | None = Field(None, description="The version you read, if you do not send If-Match")


class DealMoveIn(Schema):
    __model__ = Deal  # constraints from the model (tillit.core.api)
    stage_id: int
    lost_reason_id: int | None = None
    lost_note: str = ""
    version: int | None = Field(None, description="The version you read, if you do not send If-Match")


class DealCloseIn(Schema):
    __model__ = Deal  # constraints from the model (tillit.core.api)
    lost_reason_id: int | None = None
    lost_note: str = ""
    stage_id: int | None = Field(None, description="Reopen only: the open stage (default: the most advanced)")
    version: int | None = Field(None, description="The version you read, if you do not send If-Match")


class DealFilter(Schema):
    scope: str = Field("all", description="mine, team or all (everything you may see)")
    pipeline_id: int | None = None
    stage_id: int | None = None
    status: str = Field("", description="open, won or lost")
    close_month: str = Field("", description="YYYY-MM: expected to close in this month")
    owner_id: int | None = None
    person_id: int | None = None
    organization_id: int | None = None
    q: str = ""
    order: str = Field("close", description="close, -close, value, -value, title, updated, stage")


class ForecastCellOut(Schema):
    period_start: dt.date
    period: str
    pipeline: Decimal
    weighted: Decimal
    committed: Decimal
    won: Decimal
    target: Decimal | None
    percent_of_target: Decimal | None


class ForecastRowOut(Schema):
    key: int | None
    label: str
    cells: list[ForecastCellOut]


class ForecastOut(Schema):
    period: str
    group: str
    currency: str
    rows: list[ForecastRowOut]
    totals: list[ForecastCellOut]
    warnings: list[str]


class TargetOut(Schema):
    id: int
    period_kind: str
    period_start: dt.date
    owner_id: int | None
    team_id: int | None
    amount: Decimal
    currency: str


class TargetIn(Schema):
    __model__ = SalesTarget  # constraints from the model (tillit.core.api)
    period_kind: str = "month"
    period_start: dt.date
    owner_id: int | None = None
    team_id: int | None = None
    amount: Decimal | None = Field(None, description="Leave out (or null) to remove the target")
    currency: str = ""


class ExchangeRateOut(Schema):
    currency: str
    rate: Decimal
    valid_from: dt.date


class ExchangeRateIn(Schema):
    __model__ = ExchangeRate  # constraints from the model (tillit.core.api)
    currency: Currency
    rate: Decimal
    valid_from: dt.date
