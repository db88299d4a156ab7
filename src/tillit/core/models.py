from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A record clients update optimistically: ``version`` is the ETag; stale writes get 409."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class SaveRecord(models.Model):
    """Who saved a version of a versioned record and which fields they changed.

    Written by ``save_versioned`` when the caller names the acting user, and read only to explain a
    refused stale edit ("Kari Nordmann changed Email and Phone at 10:42 while you were editing"). A light
    row per save; older rows of a record are pruned as it gets new versions (``KEEP_VERSIONS``).
    """

    KEEP_VERSIONS = 50

    model = models.CharField(max_length=100)  # "people.person"
    object_id = models.PositiveBigIntegerField()
    version = models.PositiveIntegerField()  # the version this save produced
    saved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    saved_at = models.DateTimeField()
    fields = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["model", "object_id", "version"], name="core_save_record_obj")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id} v{self.version}"
