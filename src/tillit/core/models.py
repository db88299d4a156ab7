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
