"""Campaigns, attribution and tracking sites (staff); the tracking script and collector (public)."""

from django.urls import path

from tillit.marketing.web import views

urlpatterns = [
    path("marketing/campaigns/", views.campaign_list, name="campaign_list"),
    path("marketing/campaigns/new/", views.campaign_create, name="campaign_create"),
    path("marketing/campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("marketing/campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("marketing/campaigns/<int:campaign_id>/learnings/", views.campaign_learnings, name="campaign_learnings"),
    path("marketing/campaigns/<int:campaign_id>/delete/", views.campaign_delete, name="campaign_delete"),
    path("marketing/attribution/", views.attribution_report, name="campaign_attribution"),
    path("marketing/tracking/", views.site_list, name="tracking_sites"),
    path("marketing/tracking/<int:site_id>/", views.site_detail, name="tracking_site"),
    path("t.js", views.script, name="tracking_script"),
    path("t/collect", views.collect, name="tracking_collect"),
]
