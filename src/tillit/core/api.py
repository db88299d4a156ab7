"""Shared pieces of the REST API: optimistic concurrency with ETag / If-Match."""

import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema

from tillit.core.errors import PreconditionRequired, ValidationError

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def set_etag(response: HttpResponse, record) -> None:
    response["ETag"] = f'"{record.version}"'


def expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the client read: ``If-Match`` first, then the body; neither → 428."""
    header = request.headers.get("If-Match")
    if header is not None:
        if header.strip() == "*":
            return None
        match = _ETAG.match(header)
        if not match:
            raise ValidationError(_('Send If-Match as the ETag you read, e.g. "3".'), field="If-Match")
        return int(match.group(1))
    if body_version is not None:
        return body_version
    raise PreconditionRequired(
        _("Send the version you read (If-Match header or a version field) so changes are never lost."),
        field="version",
    )


class PanelUserOut(Schema):
    """An employee on a customer-card panel (owner, assignee)."""

    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)
