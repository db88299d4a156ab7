"""The customer card pages (stubs until implemented)."""

from django.http import HttpResponse


def search(request):
    return HttpResponse("TODO")


lookup = person_card = person_timeline = log_interaction = organization_card = organization_timeline = search
