import uuid

from django.conf import settings
from django.db import models

from fashionsite.jobs import JobStatus


def person_path(instance, filename):
    return f"people/{instance.owner_id}/{uuid.uuid4().hex}.jpg"


def preview_path(instance, filename):
    ext = "png" if filename.endswith(".png") else "jpg"
    return f"previews/{instance.owner_id}/{uuid.uuid4().hex}.{ext}"


class PersonPhoto(models.Model):
    """A photo of the shopper, validated like a closet photo (metadata stripped, orientation applied)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_photos")
    image = models.ImageField(upload_to=person_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class Preview(models.Model):
    """One try-on job: a garment (closet) or a product (shop) on a person photo; deleted with the photo."""

    Status = JobStatus

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="previews")
    person = models.ForeignKey(PersonPhoto, on_delete=models.CASCADE, related_name="previews")
    garment = models.ForeignKey("closet.Garment", null=True, blank=True, on_delete=models.SET_NULL)
    product = models.ForeignKey("shop.Product", null=True, blank=True, on_delete=models.SET_NULL)
    article_label = models.CharField(max_length=300)  # what was tried on, kept if the item goes away
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.ImageField(upload_to=preview_path, blank=True)
    alpha = models.ImageField(upload_to=preview_path, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
