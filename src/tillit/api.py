"""The REST API: one NinjaAPI at /api/v1/ that mounts each app's router.

Authentication is a per-user bearer token (``Authorization: Bearer tlt_…``); a signed-in
browser session also works so the docs page can try requests. Every error — the domain's, the
framework's (authentication, unparsable bodies, schema validation, unknown query parameters) and
unexpected failures — becomes the one documented JSON shape here, in one place:
``{"code": …, "detail": …, "errors": [{"field": …, "reason": …}]}``.
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import DataError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.docs import Swagger
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from tillit.accounts.scopes import area_of_module, scope_for
from tillit.accounts.services import api_token_check
from tillit.core.api import (
    STATUS_CODES,
    declare_error_responses,
    error_body,
    refuse_unknown_query_parameters,
    schema_errors,
    tighten_request_schemas,
)
from tillit.core.errors import DomainError
from tillit.core.proxies import client_ip

logger = logging.getLogger("django.request")


class TokenAuth(HttpBearer):
    """A bearer token; bound per operation to the scope the operation needs (see ``require_scopes``)."""

    def __init__(self, scope: str | None = None):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str):
        api_token = api_token_check(key=token, scope=self.scope, address=client_ip(request))
        if api_token is None:
            return None
        user = api_token.user
        request.api_token = api_token  # the card leaves out panels of areas the token may not read
        # A valid token of a partner or customer authenticates; the services then refuse with 403,
        # exactly as for a browser session — access is decided in one place.
        request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def __init__(self, scope: str | None = None):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, key: str | None):
        return TokenAuth(self.scope).authenticate(request, key or "")


def operation_scope(operation) -> str:
    area = area_of_module(operation.view_func.__module__)
    if area is None:
        raise ImproperlyConfigured(f"tillit.accounts.scopes.APP_AREAS: say which token scope area "
                                   f"{operation.view_func.__module__} is in.")
    return scope_for(area, operation.methods[0])


def require_scopes(api) -> dict[str, str]:
    """Bind every operation's token authentication to the scope it needs; returns operationId → scope for the
    document. A browser session is not scoped: it acts as its user, like the pages."""
    scopes = {}
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if not operation.auth_callbacks:
                    continue  # public on purpose (auth=None): the website tracker, survey answers
                scope = operation_scope(operation)
                operation.auth_callbacks = [TokenAuth(scope), TokenHeaderAuth(scope), django_auth]
                scopes[operation.operation_id or api.get_openapi_operation_id(operation)] = scope
    return scopes


class TillitAPI(NinjaAPI):
    operation_scopes: dict[str, str] = {}

    def get_openapi_schema(self, *args, **kwargs):
        schema = declare_error_responses(super().get_openapi_schema(*args, **kwargs))
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                scope = self.operation_scopes.get(operation.get("operationId"))
                if not scope:
                    continue
                # OpenAPI 3.1 lets a non-OAuth scheme list the roles it needs; the description says it in words.
                operation["security"] = [
                    {name: [scope] if name in ("TokenAuth", "TokenHeaderAuth") else []}
                    for requirement in operation.get("security", []) for name in requirement
                ]
                operation["x-required-scope"] = scope
                note = f"Token scope: `{scope}`."
                description = operation.get("description")
                operation["description"] = f"{description}\n\n{note}" if description else note
        return schema


class TillitSwagger(Swagger):
    """Swagger UI inside Tillit's layout, from the static files django-ninja ships (no CDN: works offline)."""

    template = "api/docs.html"


api = TillitAPI(
    title="Tillit API",
    version="1",
    description="Every interaction with every customer, over every channel, in one log.",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    urls_namespace="api",
    docs=TillitSwagger(settings={"persistAuthorization": True}),
)


def _answer(request, status: int, code: str, detail: str, errors: list[dict] | None = None,
            extra: dict | None = None):
    return api.create_response(request, {**error_body(code, detail, errors), **(extra or {})}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return _answer(request, exc.status, exc.code, exc.message, exc.errors, exc.extra)


@api.exception_handler(SchemaValidationError)
def schema_validation_error(request, exc: SchemaValidationError):
    errors = schema_errors(exc.errors)
    if errors and errors[0]["field"] == "body" and len(errors) == 1:
        detail = errors[0]["reason"]
    else:
        detail = _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(e["field"] for e in errors)}
    return _answer(request, 422, "validation_error", detail, errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc: AuthenticationError):
    return _answer(request, 401, "unauthorized",
                   _("Send a valid API token: Authorization: Bearer tlt_… (or X-API-Key)."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return _answer(request, 400, "invalid_json", _("The body is not valid JSON."),
                       [{"field": "body", "reason": _("The body is not valid JSON.")}])
    return _answer(request, exc.status_code, STATUS_CODES.get(exc.status_code, "error"), str(exc))


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return _answer(request, 404, "not_found", _("No such record, or not one you may see."))


@api.exception_handler(ProtectedError)
@api.exception_handler(RestrictedError)
def still_referenced(request, exc: ProtectedError):
    # A delete the database refuses because other records still point here: the client's call, not our failure.
    return _answer(request, 409, "conflict", _("Other records still refer to this one; it cannot be deleted."))


@api.exception_handler(OverflowError)
def number_out_of_range(request, exc: OverflowError):
    # An id or number past what the database holds (2⁶³) names no record and fits no column.
    return _answer(request, 422, "validation_error", _("A number is out of range."))


@api.exception_handler(DataError)
def value_the_database_cannot_hold(request, exc: DataError):
    # A value valid for the schema that the database refuses (a NUL byte in text on PostgreSQL, a time-zone
    # offset past ±16 h): bad input, not our failure.
    return _answer(request, 422, "validation_error", _("Not valid."))


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    # Logged like Django's own 500s; the client gets JSON, never the HTML error page.
    logger.error("Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500,
                                                                               "request": request})
    return _answer(request, 500, "server_error",
                   _("Something went wrong on our side. The error has been logged; try again in a moment."))


def _mount_routers() -> None:
    from tillit.card.api import router as card_router
    from tillit.insight.api import router as insight_router
    from tillit.insight.api_relationships import router as insight_relationships_router
    from tillit.insight.api_values import router as insight_values_router
    from tillit.interactions.api import router as interactions_router
    from tillit.marketing.api import router as marketing_router
    from tillit.people.api import router as people_router
    from tillit.sales.api import router as sales_router
    from tillit.service.api import router as service_router
    from tillit.tasks.api import router as tasks_router

    api.add_router("/", people_router)
    api.add_router("/", card_router)
    api.add_router("/", interactions_router)
    api.add_router("/", sales_router)
    api.add_router("/", tasks_router)
    api.add_router("/", service_router)
    api.add_router("/", marketing_router)
    api.add_router("/", insight_router)
    api.add_router("/", insight_relationships_router)
    api.add_router("/", insight_values_router)


_mount_routers()
api.operation_scopes = require_scopes(api)
refuse_unknown_query_parameters(api)
tighten_request_schemas(api)
