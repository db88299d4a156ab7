from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from tillit.core.errors import NotFound

# What a form says when its record changed since it was opened (a ``Conflict`` from ``save_versioned``).
STALE_EDIT = _("Someone else changed this while you were editing. Your changes are not saved; reload to see theirs.")


def found(getter, **kwargs):
    """``getter(**kwargs)`` — a selector — with its ``NotFound`` turned into the 404 page."""
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_not_required
@require_GET
def health(request):
    """Liveness and database reachability, for load balancers and monitors. No login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": connection.vendor})
    except Exception:  # noqa: BLE001 — any failure means "not healthy"
        return JsonResponse({"status": "error"}, status=503)
