"""Public mailing endpoints (no login): the open pixel, click redirects, unsubscribe and preferences.

Forged tokens answer a bare 404 that says nothing about why. The one-click unsubscribe POST works
without cookies or a CSRF token (RFC 8058: the mail client posts ``List-Unsubscribe=One-Click`` to the
URL in the header); the token itself is the proof. A GET never unsubscribes — it shows a page with a
button, because mail scanners follow every link they see.
"""

import base64

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tillit.core.errors import NotFound
from tillit.marketing.email import tracking
from tillit.marketing.email.sending import tracking_urls

# The smallest transparent GIF (43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _agent(request) -> str:
    return request.headers.get("User-Agent", "")


def _not_found() -> HttpResponse:
    return HttpResponse("Not found", status=404, content_type="text/plain")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def open_pixel(request, token: str):
    try:
        tracking.record_open(token, method=request.method, user_agent=_agent(request), now=timezone.now())
    except NotFound:
        return _not_found()
    return HttpResponse(PIXEL, content_type="image/gif")


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def click(request, token: str):
    try:
        target = tracking.record_click(token, method=request.method, user_agent=_agent(request), now=timezone.now())
    except NotFound:
        return _not_found()
    response = HttpResponseRedirect(target)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_not_required
@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        message = tracking.message_for_unsubscribe(token)
    except NotFound:
        return _not_found()
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        tracking.unsubscribe(token, now=timezone.now(), how="one-click" if one_click else "page")
        if one_click:
            return HttpResponse("Unsubscribed", content_type="text/plain")
        done = True
    return render(request, "marketing/email/unsubscribe.html", {
        "message": message, "mailing": message.mailing, "done": done, "token": token,
        "preferences_url": tracking_urls(message.pk)["preferences_url"],
    })


@login_not_required
@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    try:
        message = tracking.message_for_preferences(token)
    except NotFound:
        return _not_found()
    saved = False
    if request.method == "POST":
        tracking.preferences_save(
            token, wanted=set(request.POST.getlist("purpose")), all_off="all_off" in request.POST, now=timezone.now()
        )
        saved = True
    return render(request, "marketing/email/preferences.html", {
        "message": message, "state": tracking.preferences(message), "saved": saved,
    })
