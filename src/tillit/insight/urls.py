from django.urls import path

from tillit.insight import views

app_name = "insight"

urlpatterns = [
    path("insight/", views.overview, name="overview"),
    path("insight/recompute/", views.run_start, name="run_start"),
    path("insight/runs/<int:run_id>/", views.run_status, name="run"),
    path("insight/fits/", views.fit_list, name="fits"),
    path("insight/fits/<int:fit_id>/", views.fit_detail, name="fit"),
    path("insight/classes/", views.classes, name="classes"),
    path("insight/tiers/", views.tier_page, name="tiers"),
]
