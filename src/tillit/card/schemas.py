"""API schemas for the customer card, the timeline and look-up (read from the selectors' results)."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema
from pydantic import create_model

from tillit.card.panels import panel_modules
from tillit.interactions import messages


class UserRef(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class TeamRef(Schema):
    id: int
    name: str


class OrganizationRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    full_name: str


class PersonSummary(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    lifecycle_stage: str
    primary_email: str
    primary_phone: str
    owner: UserRef | None
    team: TeamRef | None
    persona: str
    relationship_category: str
    city: str
    country: str
    custom_fields: dict
    version: int


class OrganizationSummary(Schema):
    id: int
    name: str
    org_number: str
    domain: str
    industry: str
    city: str
    country: str
    phone: str
    lifecycle_stage: str
    owner: UserRef | None
    team: TeamRef | None
    custom_fields: dict
    version: int


class CardRoleOut(Schema):
    id: int
    organization: OrganizationRef
    title: str
    department: str
    is_decision_maker: bool
    buying_role: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_current: bool


class CardMemberOut(Schema):
    id: int
    person: PersonRef
    title: str
    department: str
    is_decision_maker: bool
    buying_role: str
    start_date: dt.date | None
    end_date: dt.date | None
    is_current: bool


class CardIdentityOut(Schema):
    kind: str
    value: str
    display: str
    system: str
    label: str
    is_primary: bool


class ConsentOut(Schema):
    id: int
    purpose: str
    lawful_basis: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    source: str
    is_active: bool


class CardSystemMessageOut(Schema):
    code: str
    params: dict


class TimelineEntryOut(Schema):
    id: int
    channel: str
    kind: str
    direction: str
    occurred_at: dt.datetime
    person: PersonRef | None
    organization: OrganizationRef | None
    handled_by: UserRef | None
    subject: str = Field(description="In the reader's language when Tillit wrote it (see subject_message).")
    # A text Tillit itself wrote ("Deal moved to Qualified"): its code and parameters, else null.
    subject_message: CardSystemMessageOut | None = None
    topic: str
    product: str
    amount: Decimal | None
    currency: str
    satisfaction: int | None
    duration_seconds: int | None
    wait_seconds: int | None
    share_watched: float | None
    outcome: str = Field(description="In the reader's language when Tillit wrote it (see outcome_message).")
    outcome_message: CardSystemMessageOut | None = None
    text: str = Field(description="In the reader's language when Tillit wrote it (see text_message).")
    text_message: CardSystemMessageOut | None = None
    source: str
    external_id: str | None

    @staticmethod
    def resolve_subject(obj) -> str:
        return obj.subject_display if hasattr(obj, "subject_display") else obj.get("subject", "")

    @staticmethod
    def resolve_outcome(obj) -> str:
        return obj.outcome_display if hasattr(obj, "outcome_display") else obj.get("outcome", "")

    @staticmethod
    def resolve_outcome_message(obj):
        return messages.of(getattr(obj, "payload", None), "outcome")

    @staticmethod
    def resolve_text(obj) -> str:
        return obj.text_display if hasattr(obj, "text_display") else obj.get("text", "")

    @staticmethod
    def resolve_text_message(obj):
        return messages.of(getattr(obj, "payload", None), "text")

    @staticmethod
    def resolve_subject_message(obj):
        return messages.of(getattr(obj, "payload", None), "subject")


class ChannelCountOut(Schema):
    channel: str
    label: str
    count: int


class TopItemOut(Schema):
    label: str
    count: int
    avg_share_watched: float | None


class EmailEngagementOut(Schema):
    sent: int
    opened: int
    clicked: int
    open_rate: float | None
    click_rate: float | None


class MonthCountOut(Schema):
    month: dt.date
    count: int


class LastInteractionOut(Schema):
    channel: str
    kind: str
    occurred_at: dt.datetime


class TimelineOut(Schema):
    page: int
    page_size: int
    has_next: bool
    channel: str
    kind: str
    entries: list[TimelineEntryOut]


# One optional field per registered panel (``tillit.card.panels``), typed by the module's own schema: a
# panel a module adds to the registry appears in the API and its OpenAPI document without touching this file.
CardPanelsOut = create_model(
    "CardPanelsOut",
    __base__=Schema,
    __doc__="The modules' panels on the card, as the page shows them (null: the panel shows nothing).",
    **{module.KEY: (module.PanelOut | None, None) for module in panel_modules()},
)


class CardOut(Schema):
    person: PersonSummary
    roles: list[CardRoleOut]
    past_roles: list[CardRoleOut]
    emails: list[CardIdentityOut]
    phones: list[CardIdentityOut]
    social: list[CardIdentityOut]
    external_ids: list[CardIdentityOut]
    consents: list[ConsentOut]
    last_contact: TimelineEntryOut | None
    last_interaction: LastInteractionOut | None
    first_interaction_at: dt.datetime | None
    total_interactions: int
    channel_counts: list[ChannelCountOut]
    kind_counts: dict[str, int]
    email_engagement: EmailEngagementOut
    top_topics: list[TopItemOut]
    top_products: list[TopItemOut]
    top_content: list[TopItemOut]
    activity_by_month: list[MonthCountOut]
    panels: CardPanelsOut
    timeline: TimelineOut

    @staticmethod
    def resolve_first_interaction_at(obj):
        return obj.activity.first_at

    @staticmethod
    def resolve_total_interactions(obj) -> int:
        return obj.activity.total

    @staticmethod
    def resolve_kind_counts(obj) -> dict:
        return obj.activity.kinds

    @staticmethod
    def resolve_activity_by_month(obj):
        return obj.activity.months


class OrganizationCardOut(Schema):
    organization: OrganizationSummary
    people: list[CardMemberOut]
    past_people: list[CardMemberOut]
    last_contact: TimelineEntryOut | None
    total_interactions: int
    channel_counts: list[ChannelCountOut]
    activity_by_month: list[MonthCountOut]
    panels: CardPanelsOut
    timeline: TimelineOut

    @staticmethod
    def resolve_people(obj):
        return obj.roles

    @staticmethod
    def resolve_past_people(obj):
        return obj.past_roles

    @staticmethod
    def resolve_total_interactions(obj) -> int:
        return obj.activity.total

    @staticmethod
    def resolve_activity_by_month(obj):
        return obj.activity.months


class LookupOut(Schema):
    count: int
    results: list[PersonSummary]
