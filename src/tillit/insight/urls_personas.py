"""Persona pages (namespace ``personas``)."""

from django.urls import path

from tillit.insight import views_personas as views

app_name = "personas"
urlpatterns = [
    path("insight/personas/", views.persona_list, name="list"),
    path("insight/personas/new/", views.persona_create, name="create"),
    path("insight/personas/preview/", views.persona_preview, name="preview"),
    path("insight/personas/assign/", views.personas_assign, name="assign"),
    path("insight/personas/<int:persona_id>/", views.persona_detail, name="detail"),
    path("insight/personas/<int:persona_id>/delete/", views.persona_delete, name="delete"),
    path("insight/persons/<int:person_id>/persona/", views.person_persona, name="person_persona"),
]
