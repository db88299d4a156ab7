"""Segment and static list pages (included in the ``marketing`` namespace by ``marketing.urls``)."""

from django.urls import path

from tillit.marketing import views

urlpatterns = [
    path("marketing/segments/", views.segment_list, name="segment_list"),
    path("marketing/segments/new/", views.segment_create, name="segment_create"),
    path("marketing/segments/preview/", views.segment_preview, name="segment_preview"),
    path("marketing/segments/<int:segment_id>/", views.segment_detail, name="segment_detail"),
    path("marketing/segments/<int:segment_id>/members/", views.segment_members, name="segment_members"),
    path("marketing/segments/<int:segment_id>/members.csv", views.segment_export, name="segment_export"),
    path("marketing/segments/<int:segment_id>/delete/", views.segment_delete, name="segment_delete"),
    path("marketing/lists/", views.staticlist_index, name="staticlist_index"),
    path("marketing/lists/<int:list_id>/", views.staticlist_detail, name="staticlist_detail"),
    path("marketing/lists/<int:list_id>/search/", views.staticlist_search, name="staticlist_search"),
    path("marketing/lists/<int:list_id>/add/", views.staticlist_add, name="staticlist_add"),
    path("marketing/lists/<int:list_id>/remove/", views.staticlist_remove, name="staticlist_remove"),
    path("marketing/lists/<int:list_id>/freeze/", views.staticlist_freeze, name="staticlist_freeze"),
    path("marketing/lists/<int:list_id>/import/", views.staticlist_import, name="staticlist_import"),
    path("marketing/lists/<int:list_id>/delete/", views.staticlist_delete, name="staticlist_delete"),
    path("marketing/lists/<int:list_id>/members.csv", views.staticlist_export, name="staticlist_export"),
]
