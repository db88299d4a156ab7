"""The tasks module's relationship grant: whoever is assigned an open task with a customer may read them."""

from tillit.core.access import RelationshipGrant, assigned_q
from tillit.tasks.models import Task


def open_task_parties(user, kind: str):
    tasks = Task.objects.filter(assigned_q(user), done_at__isnull=True)
    return tasks.filter(**{f"{kind}__isnull": False}).values(kind)


GRANT = RelationshipGrant(name="tasks.open_task", parties=open_task_parties)
