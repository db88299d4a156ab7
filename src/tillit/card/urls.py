from django.urls import path

from tillit.card import views

app_name = "card"

urlpatterns = [
    path("", views.search, name="search"),
    path("lookup/", views.lookup, name="lookup"),
    path("persons/<int:person_id>/", views.person_card, name="person"),
    path("persons/<int:person_id>/timeline/", views.person_timeline, name="person_timeline"),
    path("persons/<int:person_id>/log/", views.log_interaction, name="log_interaction"),
    path("organizations/<int:organization_id>/", views.organization_card, name="organization"),
    path("organizations/<int:organization_id>/timeline/", views.organization_timeline, name="organization_timeline"),
]
