"""Shared pieces of the REST API: optimistic concurrency with ETag / If-Match, the one error shape, the one
paging scheme, and the check that refuses query parameters an operation does not know."""

import math
import re
import types
import typing
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import BaseModel, BeforeValidator, StringConstraints, WithJsonSchema, create_model
from pydantic import Field as PydanticField

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


# --- the one error shape ----------------------------------------------------------------------------------------------
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 422: "validation_error",
                428: "precondition_required", 429: "throttled", 500: "server_error"}


def error_body(code: str, detail: str, errors: list[dict] | None = None) -> dict:
    """``{"code", "detail", "errors": [{"field", "reason"}]}`` — every error of the API has this shape."""
    return {"code": code, "detail": detail, "errors": list(errors or [])}


_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def api_field_name(loc) -> str:
    """pydantic's ``loc`` as the API names the field: ``("body", "payload", "lines", 1, "unit_price")`` →
    ``lines[1].unit_price``; ``("query", "page")`` → ``page``. The source and the view's parameter name go;
    so do the tags pydantic adds inside unions (``function-after[…]``)."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts and parts[0] in ("query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        elif _PLAIN_NAME.match(str(part)):
            name += f".{part}" if name else str(part)
    return name or "body"


def _reason(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return _("Required.")
    if kind == "extra_forbidden":
        return _("Not a field of this request.")
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return _("Send a JSON object.")
    return str(error.get("msg") or _("Not valid."))


def schema_errors(errors: list[dict]) -> list[dict]:
    """pydantic's errors as ``[{"field", "reason"}]``, one per field (a union reports each member; the first says
    enough)."""
    out, seen = [], set()
    for error in errors:
        field = api_field_name(error.get("loc", ()))
        if field in seen:
            continue
        seen.add(field)
        out.append({"field": field, "reason": _reason(error)})
    return out


# --- query parameters: documented ones only ---------------------------------------------------------------------------
def _query_names(operation) -> set[str]:
    names: set[str] = set()
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) != "query":
            continue
        flat = getattr(model, "__ninja_flatten_map__", None) or {}
        names.update(flat or model.model_fields)
        for field in model.model_fields.values():
            if field.alias:
                names.add(field.alias)
    return names


def refuse_unknown_query_parameters(api) -> None:
    """Every operation answers 422 naming the query parameters it does not know, instead of ignoring them (a typo
    like ``?lifecycle=`` would otherwise silently list everything). Checked after authentication."""
    # The bound routers hold the operations that answer (ninja clones each router's operations per mount).
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if getattr(operation, "_tillit_query_checked", False):
                    continue
                operation._tillit_query_checked = True
                operation._get_values = _checked_get_values(operation._get_values, _query_names(operation))


def _checked_get_values(get_values, allowed: set[str]):
    def checked(request, path_params, temporal_response):
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            reason = _("Not a query parameter of this operation.")
            raise ValidationError(
                _("Unknown query parameters: %(names)s.") % {"names": ", ".join(unknown)},
                errors=[{"field": name, "reason": reason} for name in unknown],
            )
        return get_values(request, path_params, temporal_response)

    return checked


# --- request schemas: documented fields only, with the model's constraints ---------------------------------------
# What every string of a request must be: no NUL byte (PostgreSQL cannot store one). Lone surrogates are refused by
# pydantic already (not valid Unicode), naming the field.
NO_NUL = r"^[^\x00]*$"
# At least one character that is not a space (``str.isspace``: also \x1c–\x1f), none a NUL: a required name.
NOT_BLANK = r"^[^\x00]*[^\x00\s\x1c-\x1f][^\x00]*$"
INT64 = (-(2**63), 2**63 - 1)  # what an id or a number the API takes can be (SQLite and PostgreSQL hold 64 bits)

Text = typing.Annotated[str, StringConstraints(pattern=NO_NUL)]
# Shared types for rules a model field does not carry (``core.money.clean_currency``: three letters, any case).
NonBlank = typing.Annotated[str, StringConstraints(pattern=NOT_BLANK)]  # a text the service requires
Currency = typing.Annotated[str, StringConstraints(pattern=r"^\s*[A-Za-z]{3}\s*$")]
CurrencyOrDefault = typing.Annotated[str, StringConstraints(pattern=r"^\s*([A-Za-z]{3})?\s*$")]  # "": the default


def _int_range(model_field) -> tuple[int | None, int | None]:
    from django.core.validators import MaxValueValidator, MinValueValidator
    from django.db.backends.base.operations import BaseDatabaseOperations

    # The ranges PostgreSQL enforces (SQLite enforces none): the document must not depend on the database.
    low, high = BaseDatabaseOperations.integer_field_ranges.get(model_field.get_internal_type(), INT64)
    for validator in model_field.validators:
        if isinstance(validator, MinValueValidator) and not callable(validator.limit_value):
            low = max(low, validator.limit_value) if low is not None else validator.limit_value
        if isinstance(validator, MaxValueValidator) and not callable(validator.limit_value):
            high = min(high, validator.limit_value) if high is not None else validator.limit_value
    return low, high


def _float_within(limit: Decimal, *, up: bool = False) -> float:
    """The float nearest ``limit`` on its inside: ``float(99999999999999.99)`` is 1e14, past the column."""
    value = float(limit)
    if (Decimal(value) < limit) if up else (Decimal(value) > limit):
        value = math.nextafter(value, math.inf if up else -math.inf)
    return value


def _decimal_bounds(model_field) -> tuple[Decimal, Decimal, Decimal]:
    """``(low, high, step)`` of a decimal column: its digits, then its validators (a percentage: 0–100)."""
    from django.core.validators import MaxValueValidator, MinValueValidator

    places, whole = model_field.decimal_places, model_field.max_digits - model_field.decimal_places
    step = Decimal(1).scaleb(-places)
    low, high = -(Decimal(10) ** whole) + step, Decimal(10) ** whole - step
    for validator in model_field.validators:
        if isinstance(validator, MinValueValidator) and not callable(validator.limit_value):
            low = max(low, Decimal(validator.limit_value))
        if isinstance(validator, MaxValueValidator) and not callable(validator.limit_value):
            high = min(high, Decimal(validator.limit_value))
    return low, high, step


def _decimal_text(model_field, *, loose: bool) -> str:
    """The pattern of a decimal sent as a string: strictly ``1234.50`` — or, ``loose``, as people write amounts
    (``1 250,50``, ``1,234.50``; ``core.money.parse_money``) — within the column's digits, decimals and sign; a
    percentage's whole part is at most 100."""
    low, high, _step = _decimal_bounds(model_field)
    places, whole = model_field.decimal_places, model_field.max_digits - model_field.decimal_places
    sign = ("[+-]?" if loose else "-?") if low < 0 else ("\\+?" if loose else "")
    point, space = ("[.,]", "\\s*") if loose else ("\\.", "")
    fraction = rf"({point}\d{{{'1' if loose else '0'},{places}}})?" if places else ""
    if high == 100:
        zeros = rf"({point}0{{{'1' if loose else '0'},{places}}})?" if places else ""
        number = rf"(100{zeros}|\d{{1,2}}{fraction})"
    elif loose:
        groups = max((whole - 3) // 3, 0)
        number = rf"(\d{{1,3}}([ \u00a0.,]?\d{{3}}){{0,{groups}}}|\d{{1,{whole}}}){fraction}"
    else:
        number = rf"\d{{1,{whole}}}{fraction}"
    return rf"^{space}{sign}{number}{space}$"


def _decimal(model_field):
    """A decimal column as the API takes it: a JSON number (a binary fraction: rounded to the column's decimals) or
    a string with at most the column's digits and decimals, within the column's validators."""
    low, high, step = _decimal_bounds(model_field)

    def read(value):
        if isinstance(value, float) and math.isfinite(value):
            number = Decimal(repr(value))
            if abs(number) <= max(abs(low), abs(high)):  # past the column: the bounds refuse it, naming the field
                return number.quantize(step, rounding=ROUND_HALF_UP)
            return number
        return value

    document = {"anyOf": [{"type": "number", "minimum": _float_within(low, up=True), "maximum": _float_within(high)},
                          {"type": "string", "pattern": _decimal_text(model_field, loose=False)}]}
    return typing.Annotated[Decimal, BeforeValidator(read),
                            PydanticField(ge=low, le=high, decimal_places=model_field.decimal_places),
                            WithJsonSchema(document)]


def _constrained(annotation, model_field, *, default, pattern: bool = True):
    """``annotation`` with what ``model_field`` (a Django field, or None) enforces, at every depth of unions and
    lists: strings without NUL and within ``max_length`` (non-blank when the model requires a value), choices as an
    enum, integers within the column's range and validators, decimals within ``max_digits``/``decimal_places``."""
    from django.db import models

    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [_constrained(arg, model_field, default=default, pattern=pattern) for arg in args]
        return typing.Union[tuple(inner)]  # noqa: UP007  (built from a tuple)
    if origin is list:
        return list[_constrained(args[0], None, default=default)]
    if origin is dict and args:
        return dict[_constrained(args[0], None, default=default), args[1]]
    is_decimal = isinstance(model_field, models.DecimalField)
    if annotation is str:
        if not pattern:  # the schema's own pattern (``Currency``) says more than ours; it excludes NUL too
            return annotation
        if model_field is None or not isinstance(model_field, models.Field):
            return Text
        if model_field.choices and not is_decimal:
            values = [value for value, _label in model_field.flatchoices]
            if "" not in values and (model_field.blank or default == ""):
                values.insert(0, "")
            return typing.Literal[tuple(values)]
        if is_decimal:  # an amount as people write it: "1 250,50", "1,234.50"
            return typing.Annotated[str, StringConstraints(pattern=_decimal_text(model_field, loose=True))]
        text_field = isinstance(model_field, models.CharField | models.TextField)
        blank_ok = model_field.blank or default == "" or not text_field
        return typing.Annotated[str, StringConstraints(
            pattern=NO_NUL if blank_ok else NOT_BLANK,
            max_length=getattr(model_field, "max_length", None) if isinstance(model_field, models.CharField) else None)]
    if annotation is int:
        low, high = _int_range(model_field) if isinstance(model_field, models.IntegerField) else INT64
        return typing.Annotated[int, PydanticField(ge=low, le=high)]
    if annotation is Decimal and is_decimal:
        return _decimal(model_field)
    return annotation


def _model_field(django_model, name: str):
    if django_model is None or name == "version":
        return None
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = django_model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    usable = getattr(field, "concrete", False) and not field.is_relation and not field.primary_key
    return field if usable else None


def _models_in(annotation) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _without_none(annotation):
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return typing.Union[tuple(args)] if len(args) > 1 else args[0]  # noqa: UP007


def _no_default(extra):
    def without_default(schema: dict) -> None:
        if isinstance(extra, dict):
            schema.update(extra)
        elif callable(extra):
            extra(schema)
        schema.pop("default", None)

    return without_default


def tighten_request_schemas(api) -> None:
    """Every request schema says what the API enforces, so a request the document allows is one the API takes:

    - bodies refuse fields they do not have (422 naming each), at every depth (``additionalProperties: false``):
      a misspelt ``"is_activ": false`` must not be accepted as a no-op;
    - a schema that declares ``__model__`` (the Django model its fields write) gets each same-named field's
      constraints from the model (``_constrained``), so schema and model cannot drift; ``null`` is only allowed
      where the model can hold it (a PATCH that leaves a field alone omits it);
    - every other string refuses NUL bytes and every integer stays within 64 bits — the field named, at the
      schema, instead of a refusal from the database."""
    done: set[type[BaseModel]] = set()

    def tighten(model: type[BaseModel], *, body: bool) -> None:
        if model in done:
            return
        done.add(model)
        django_model = getattr(model, "__model__", None)
        for name, field in model.model_fields.items():
            for inner in _models_in(field.annotation):
                tighten(inner, body=body)
            model_field = _model_field(django_model, name)
            annotation = field.annotation
            if (model_field is not None and not model_field.null and field.default is None
                    and type(None) in typing.get_args(annotation)):
                annotation = _without_none(annotation)
            own_pattern = any(getattr(meta, "pattern", None) for meta in field.metadata)
            field.annotation = _constrained(annotation, model_field, default=field.default, pattern=not own_pattern)
            if field.default is None and type(None) not in typing.get_args(field.annotation):
                # Omitted means unchanged; the document must not offer null, not even as the default.
                field.json_schema_extra = _no_default(field.json_schema_extra)
        # Leaves first: a model's validator embeds its fields' validators when it is built.
        if body:
            model.model_config = {**model.model_config, "extra": "forbid"}
        model.model_rebuild(force=True)

    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for params in operation.models:
                    source = getattr(params, "__ninja_param_source__", None)
                    if source not in ("body", "query", "path", "form"):
                        continue
                    tighten(params, body=source == "body")


# --- paging: one scheme for every list ----------------------------------------------------------------------------
MAX_PAGE = 100_000


class Paging(PageNumberPagination):
    """``?page=1&page_size=N`` on every list, answered as ``{"items": [...], "count": total}``.

    The bounds are in the schema (page 1–100,000; page_size 1–the list's maximum), so a page past them is a 422
    naming the parameter — not an offset the database cannot hold."""

    def __init__(self, page_size: int = 50, max_page_size: int = 500, **kwargs):
        super().__init__(page_size=page_size, max_page_size=max_page_size, **kwargs)
        self.Input = create_model(
            "PageQuery",
            __base__=Schema,
            page=(int, Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")),
            page_size=(int, Field(page_size, ge=1, le=max_page_size,
                                  description=f"Items per page (default {page_size}, at most {max_page_size}).")),
        )


# --- answers Django gives outside the API's views --------------------------------------------------------------------
class JsonErrorsMiddleware:
    """Under ``/api/`` every error is JSON in the one shape — also the answers Django gives before or after the API's
    views run: an unknown path (``/api/v1/persons/`` with a trailing slash), a method the path does not have, a CSRF
    refusal, a failure in a middleware. The pages keep their HTML error pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._json(request, response)

    def _json(self, request, response):
        from django.http import JsonResponse
        from django.urls import Resolver404, resolve

        status = response.status_code
        code = STATUS_CODES.get(status, "error")
        if status == 404:
            detail = _("No such endpoint: %(path)s.") % {"path": request.path}
            trimmed = request.path.rstrip("/")
            if trimmed != request.path:
                try:
                    resolve(trimmed)
                except Resolver404:
                    pass
                else:
                    detail = _("No such endpoint: %(path)s. Did you mean %(trimmed)s (without the slash)?") % {
                        "path": request.path, "trimmed": trimmed}
        elif status == 405:
            detail = _("This path does not answer %(method)s; it answers %(allowed)s.") % {
                "method": request.method, "allowed": response.get("Allow", "")}
        elif status == 403:
            detail = _("Your role may not use this.")
        elif status >= 500:
            detail = _("Something went wrong on our side. The error has been logged; try again in a moment.")
        else:
            detail = response.reason_phrase
        answer = JsonResponse(error_body(code, detail), status=status)
        if "Allow" in response:
            answer["Allow"] = response["Allow"]
        return answer


# --- the document declares the errors ---------------------------------------------------------------------------------
ERROR_SCHEMA = {
    "title": "ErrorOut",
    "type": "object",
    "required": ["code", "detail", "errors"],
    "properties": {
        "code": {"type": "string", "description": "A stable code: validation_error, not_found, conflict, …"},
        "detail": {"type": "string", "description": "A sentence for people."},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "reason"],
            "properties": {"field": {"type": "string", "description": "As the API names it: lines[1].unit_price"},
                           "reason": {"type": "string"}}}},
    },
}
_ERROR_STATUSES = {
    400: "The body is not JSON (`invalid_json`).",
    401: "No or unknown token (`unauthorized`).",
    403: "Your role may not use this (`forbidden`).",
    404: "No such record, or not one you may see (`not_found`).",
    409: "A write based on a stale version, or one that contradicts the record's state (`conflict`).",
    413: "The body is too large (`payload_too_large`).",
    422: "Bad input; `errors` names each field or query parameter (`validation_error`).",
    428: "A write without If-Match or a version (`precondition_required`).",
}


def declare_error_responses(schema: dict) -> dict:
    """Every operation lists the error statuses it can answer, with the one error schema; statuses an operation
    declares itself (a 409 with the record as it is now) are kept."""
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in _ERROR_STATUSES.items():
                if status == 401 and not operation.get("security"):
                    continue
                if status in (400, 413) and "requestBody" not in operation and method != "post":
                    continue
                if status in (409, 428) and method == "get":
                    continue
                key = str(status)
                if key in responses or status in responses:
                    current = responses.get(key) or responses.get(status)
                    content = current.get("content", {}).get("application/json", {})
                    if content.get("schema", {}).get("type") == "object" and not content["schema"].get("properties"):
                        content["schema"] = ref  # a bare ``dict`` declaration is the error shape
                    continue
                responses[key] = {"description": description, "content": {"application/json": {"schema": ref}}}
    return schema


class PanelUserOut(Schema):
    """An employee on a customer-card panel (owner, assignee)."""

    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)
