"""Segments (rules over attributes and behaviour, evaluated in the database) and static lists."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tillit.core.models import VersionedModel


class Segment(VersionedModel):
    """A dynamic group of persons. ``rules`` is the rule tree the editor builds (see ``segments.rules``)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=dict)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="segments",
    )
    # The last count, for lists of segments; the segment page always counts afresh.
    last_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    counted_at = models.DateTimeField(_("counted"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class StaticList(VersionedModel):
    """A hand-picked (or imported, or frozen from a segment) list of persons."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="static_lists",
    )
    members = models.ManyToManyField(
        "people.Person", through="StaticListMember", related_name="static_lists", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("static list")
        verbose_name_plural = _("static lists")

    def __str__(self) -> str:
        return self.name


class StaticListMember(models.Model):
    static_list = models.ForeignKey(StaticList, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="list_memberships")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("list member")
        verbose_name_plural = _("list members")
        constraints = [models.UniqueConstraint(fields=["static_list", "person"], name="list_member_once")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.static_list_id}"
