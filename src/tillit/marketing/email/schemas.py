"""API schemas for mailings (parsing only; the services validate)."""

import datetime as dt

from ninja import Schema

from tillit.marketing.email.models import Bounce, Mailing


class MailingOut(Schema):
    id: int
    name: str
    code: str
    campaign_code: str
    kind: str
    subject: str
    preheader: str
    body: str
    from_name: str
    from_email: str
    purpose: str
    segment_ids: list[int]
    static_list_ids: list[int]
    campaign_id: int | None
    status: str
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    rate_per_minute: int
    recipients_count: int
    sent_count: int
    failed_count: int
    suppressed_count: int
    bounced_count: int
    opened_count: int
    clicked_count: int
    unsubscribed_count: int
    version: int

    @staticmethod
    def resolve_segment_ids(obj: Mailing) -> list[int]:
        return [s.pk for s in obj.segments.all()]

    @staticmethod
    def resolve_static_list_ids(obj: Mailing) -> list[int]:
        return [s.pk for s in obj.static_lists.all()]


class MailingIn(Schema):
    __model__ = Mailing  # constraints from the model (tillit.core.api)
    name: str
    kind: str = "newsletter"
    subject: str = ""
    preheader: str = ""
    body: str = ""
    from_name: str = ""
    from_email: str = ""
    purpose: str = ""
    segment_ids: list[int] = []
    static_list_ids: list[int] = []
    campaign_id: int | None = None
    rate_per_minute: int = 60


class MailingPatch(Schema):
    __model__ = Mailing  # constraints from the model (tillit.core.api)
    name: str | None = None
    kind: str | None = None
    subject: str | None = None
    preheader: str | None = None
    body: str | None = None
    from_name: str | None = None
    from_email: str | None = None
    purpose: str | None = None
    segment_ids: list[int] | None = None
    static_list_ids: list[int] | None = None
    campaign_id: int | None = None
    rate_per_minute: int | None = None
    version: int | None = None


class PreviewIn(Schema):
    person_id: int | None = None


class PreviewOut(Schema):
    subject: str
    preheader: str
    text: str
    html: str


class ScheduleIn(Schema):
    scheduled_at: dt.datetime | None = None
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None


class TestSendOut(Schema):
    sent_to: str


class LinkStat(Schema):
    url: str
    clickers: int
    clicks: int


class StatsOut(Schema):
    status: str
    recipients: int
    queued: int
    sent: int
    failed: int
    suppressed: int
    bounced: int
    opened: int
    clicked: int
    unsubscribed: int
    open_rate: float | None
    click_rate: float | None
    percent_done: int
    top_links: list[LinkStat]


class AudienceOut(Schema):
    total: int
    no_email: int
    no_consent: int
    suppressed: int
    recipients: int


class MailingMessageOut(Schema):
    id: int
    person_id: int
    email: str
    status: str
    message_id: str
    sent_at: dt.datetime | None
    opened_at: dt.datetime | None
    open_count: int
    clicked_at: dt.datetime | None
    click_count: int
    scanner_clicks: int
    bounced_at: dt.datetime | None
    bounce_type: str
    unsubscribed_at: dt.datetime | None
    error: str


class BounceIn(Schema):
    __model__ = Bounce  # constraints from the model (tillit.core.api)
    email: str
    type: str
    reason: str = ""
    status_code: str = ""
    message_id: str = ""


class BounceOut(Schema):
    id: int
    email: str
    type: str
    status_code: str
    reason: str
    message_id: int | None
    received_at: dt.datetime

    @staticmethod
    def resolve_message_id(obj) -> int | None:
        return obj.message_id
