from django.contrib import admin
from django.urls import include, path

from tillit.api import api
from tillit.core.views import health

urlpatterns = [
    path("health", health, name="health"),
    path("api/v1/", api.urls),
    path("accounts/", include("tillit.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tillit.people.urls")),
    path("", include("tillit.card.urls")),
    path("", include("tillit.sales.urls")),
    path("", include("tillit.tasks.urls")),
    path("", include("tillit.service.urls")),
    path("", include("tillit.marketing.urls")),
    path("", include("tillit.insight.urls")),
    path("", include("tillit.insight.urls_relationships")),
    path("", include("tillit.insight.urls_personas")),
]
