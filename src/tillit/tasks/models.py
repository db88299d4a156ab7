"""Tasks and reminders on a person, an organisation or a deal."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tillit.core.models import VersionedModel


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Task(VersionedModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # When the assignee is reminded (email and the "my tasks" badge); optional.
    remind_at = models.DateTimeField(_("remind me"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="tasks"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    organization = models.ForeignKey(
        "people.Organization", verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="tasks",
    )
    deal = models.ForeignKey(
        "sales.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(
                fields=["assignee", "due_date"], name="task_open_by_assignee", condition=Q(done_at__isnull=True)
            ),
            models.Index(
                fields=["remind_at"], name="task_reminder_due",
                condition=Q(reminded_at__isnull=True, done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title
