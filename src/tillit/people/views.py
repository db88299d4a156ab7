"""Person and organisation lists and forms (stubs until implemented)."""

from django.http import HttpResponse


def person_list(request):
    return HttpResponse("TODO")


person_create = person_edit = organization_list = organization_create = organization_edit = person_list
