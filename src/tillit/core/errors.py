"""Domain errors raised by services and selectors.

The API maps them to HTTP answers in one place (``tillit.api``) and views map them to form
errors or messages; services never know which front door called them.
"""


class DomainError(Exception):
    """Base class; ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"
    extra: dict = {}  # more keys for the API's error body (e.g. ``candidates`` of a likely duplicate)

    def __init__(self, message: str, *, field: str | None = None, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ([{"field": field, "reason": message}] if field else [])


class ValidationError(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class AccessDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """A write based on a stale version: the client must re-read and retry."""

    status = 409
    code = "conflict"


class PreconditionRequired(DomainError):
    status = 428
    code = "precondition_required"


class MalformedBody(DomainError):
    """A request body that is not JSON at all (as opposed to JSON with wrong fields: 422)."""

    status = 400
    code = "invalid_json"


class NotAuthenticated(DomainError):
    """The credentials name nobody who may call now (an expired token): 401 with the reason."""

    status = 401
    code = "unauthorized"


class TokenExpired(NotAuthenticated):
    code = "token_expired"


class MissingScope(AccessDenied):
    """The token lacks the scope the operation needs (the user might have the access; the token does not)."""

    code = "missing_scope"


class AddressNotAllowed(AccessDenied):
    code = "address_not_allowed"
