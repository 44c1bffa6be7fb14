from django.db import models


class JobStatus(models.TextChoices):
    """The status every background job shows its user."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
