from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tillit.tasks"
    label = "tasks"
    verbose_name = _("Tasks")

    def ready(self):
        from tillit.core.access import register_relationship_grant
        from tillit.core.changes import track
        from tillit.tasks.grants import GRANT
        from tillit.tasks.models import Task

        register_relationship_grant(GRANT)
        track(Task, prefix="task")
