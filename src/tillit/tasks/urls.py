from django.urls import path

from tillit.tasks import views

app_name = "tasks"
urlpatterns = [
    path("tasks/", views.task_list, name="list"),
    path("tasks/new/", views.task_create, name="create"),
    path("tasks/quick-add/", views.task_quick_add, name="quick_add"),
    path("tasks/<int:task_id>/", views.task_edit, name="edit"),
    path("tasks/<int:task_id>/done/", views.task_done, name="done"),
    path("tasks/<int:task_id>/reopen/", views.task_reopen, name="reopen"),
]
