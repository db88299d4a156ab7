"""Mailing pages (staff, under /marketing/emails/) and the public tracking endpoints under /e/."""

from django.urls import path

from tillit.marketing.email import views, views_public

urlpatterns = [
    path("marketing/emails/", views.mailing_list, name="mailing_list"),
    path("marketing/emails/new/", views.mailing_create, name="mailing_create"),
    path("marketing/emails/preview/", views.mailing_preview, name="mailing_preview"),
    path("marketing/emails/count/", views.mailing_count, name="mailing_count"),
    path("marketing/emails/<int:mailing_id>/", views.mailing_detail, name="mailing_detail"),
    path("marketing/emails/<int:mailing_id>/edit/", views.mailing_edit, name="mailing_edit"),
    path("marketing/emails/<int:mailing_id>/<slug:action>/", views.mailing_action, name="mailing_action"),
    path("e/o/<str:token>.gif", views_public.open_pixel, name="mailing_open"),
    path("e/c/<str:token>", views_public.click, name="mailing_click"),
    path("e/u/<str:token>", views_public.unsubscribe, name="mailing_unsubscribe"),
    path("e/p/<str:token>", views_public.preferences, name="mailing_preferences"),
]
