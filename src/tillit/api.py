"""The REST API: one NinjaAPI at /api/v1/ that mounts each app's router.

Authentication is a per-user bearer token (``Authorization: Bearer tlt_…``); a signed-in
browser session also works so the docs page can try requests. Domain errors become JSON
answers here, in one place.
"""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from tillit.accounts.services import api_token_authenticate
from tillit.core.errors import DomainError


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_authenticate(key=token)
        if user is None:
            return None
        # A valid token of a partner or customer authenticates; the services then refuse with 403,
        # exactly as for a browser session — access is decided in one place.
        request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        return TokenAuth().authenticate(request, key or "")


class TillitSwagger(Swagger):
    """Swagger UI inside Tillit's layout, from the static files django-ninja ships (no CDN: works offline)."""

    template = "api/docs.html"


api = NinjaAPI(
    title="Tillit API",
    version="1",
    description="Every interaction with every customer, over every channel, in one log.",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    urls_namespace="api",
    docs=TillitSwagger(settings={"persistAuthorization": True}),
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    body = {"code": exc.code, "detail": exc.message}
    if exc.errors:
        body["errors"] = exc.errors
    return api.create_response(request, body, status=exc.status)


def _mount_routers() -> None:
    from tillit.card.api import router as card_router
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


_mount_routers()
