from django.urls import path

from tillit.insight import views_relationships as views

app_name = "insight_relationships"

urlpatterns = [
    path("insight/relationships/", views.scatter_page, name="scatter"),
    path("insight/relationships/types/", views.types_editor, name="types"),
    path("insight/relationships/recompute/", views.recompute, name="recompute"),
    path("insight/relationships/spend/import/", views.spend_import, name="spend_import"),
]
