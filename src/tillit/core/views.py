from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


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
