from django.urls import path

from tillit.people import views, views_import, views_merge

app_name = "people"

urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/export.csv", views.person_export, name="person_export"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("organizations/", views.organization_list, name="organization_list"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/options/", views.organization_options, name="organization_options"),
    path("organizations/<int:organization_id>/edit/", views.organization_edit, name="organization_edit"),
    path("duplicates/", views_merge.duplicates, name="duplicates"),
    path("persons/<int:survivor_id>/merge/<int:other_id>/", views_merge.merge, name="merge"),
    path("import/", views_import.import_page, name="import"),
    path("import/<int:job_id>/", views_import.import_job, name="import_job"),
    path("import/<int:job_id>/run/", views_import.import_job_run, name="import_job_run"),
    path("import/<int:job_id>/rejected.csv", views_import.import_job_rejected_csv, name="import_job_rejected_csv"),
]
