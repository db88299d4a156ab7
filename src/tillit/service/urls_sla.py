"""Pages for SLA settings, surveys (staff and the public answer page) and service reports."""

from django.urls import path

from tillit.service import views_sla

urlpatterns = [
    path("service/sla/", views_sla.sla_home, name="sla"),
    path("service/sla/calendars/new/", views_sla.calendar_edit, name="sla_calendar_create"),
    path("service/sla/calendars/<int:calendar_id>/", views_sla.calendar_edit, name="sla_calendar"),
    path("service/sla/calendars/<int:calendar_id>/closed-days/", views_sla.holiday_add, name="sla_holiday_add"),
    path("service/sla/calendars/<int:calendar_id>/closed-days/<int:holiday_id>/delete/", views_sla.holiday_remove,
         name="sla_holiday_remove"),
    path("service/sla/policies/new/", views_sla.policy_edit, name="sla_policy_create"),
    path("service/sla/policies/<int:policy_id>/", views_sla.policy_edit, name="sla_policy"),
    path("service/surveys/", views_sla.survey_list, name="surveys"),
    path("service/surveys/<int:survey_id>/", views_sla.survey_detail, name="survey_detail"),
    path("service/surveys/<int:survey_id>/run/", views_sla.survey_run, name="survey_run"),
    path("service/reports/", views_sla.report_page, name="reports"),
    path("survey/<str:token>/", views_sla.survey_answer, name="survey"),
]
