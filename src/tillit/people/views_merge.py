from django.http import HttpResponse


def duplicates(request):
    return HttpResponse("TODO")


merge = duplicates
