import uuid

from django.conf import settings
from django.db import models
from pgvector.django import VectorField

from closet.models import CATEGORY_CHOICES, EMBEDDING_DIM, STYLE_DIM
from fashionsite.jobs import JobStatus


def outfit_photo_path(instance, filename):
    return f"outfits/{instance.owner_id}/{uuid.uuid4().hex}.jpg"


def detection_crop_path(instance, filename):
    return f"outfit-crops/{instance.owner_id}/{uuid.uuid4().hex}.jpg"


def detection_cutout_path(instance, filename):
    return f"outfit-cutouts/{instance.owner_id}/{uuid.uuid4().hex}.png"


def detection_mask_path(instance, filename):
    return f"outfit-masks/{instance.owner_id}/{uuid.uuid4().hex}.png"


class OutfitPhoto(models.Model):
    """A photo of an outfit (laid flat or worn) and the `gpu` job that finds its garments.

    Stored re-encoded like a closet photo (orientation applied, no metadata). `worn_on` is the day the
    confirmed garments are logged as worn: the photo's own date when it has one, else the upload day.
    """

    Status = JobStatus

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfit_photos")
    image = models.ImageField(upload_to=outfit_photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    worn_on = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    detector_version = models.CharField(max_length=64, blank=True)
    model_version = models.CharField(max_length=64, blank=True)  # the garment model that embedded the crops
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Detection(models.Model):
    """One garment found in an outfit photo, and the user's decision about it."""

    class Action(models.TextChoices):
        MATCH = "match"  # "this is my <garment>"
        NEW = "new"  # added to the closet as a new garment
        IGNORE = "ignore"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    outfit_photo = models.ForeignKey(OutfitPhoto, on_delete=models.CASCADE, related_name="detections")
    position = models.PositiveSmallIntegerField()
    box = models.JSONField()  # [x0, y0, x1, y1] in the stored photo's pixels
    label = models.CharField(max_length=32)  # the detector's ModaNet class
    score = models.FloatField()  # the detector's confidence
    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES)  # the app's fine type
    category_confidence = models.FloatField()
    category_top = models.JSONField(default=list)  # the garment model's top 3 on the crop
    colours = models.JSONField(default=list)
    crop = models.ImageField(upload_to=detection_crop_path)  # the box with a margin, ≤ 512 px
    crop_box = models.JSONField()  # the box inside the crop, [x0, y0, x1, y1] as fractions of the crop
    cutout = models.ImageField(upload_to=detection_cutout_path)
    mask = models.ImageField(upload_to=detection_mask_path)  # the crop's size
    cutout_method = models.CharField(max_length=32)
    embedding = VectorField(dimensions=EMBEDDING_DIM)
    style_embedding = VectorField(dimensions=STYLE_DIM)
    product_embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True)  # ml.product_features
    matches = models.JSONField(default=list)  # [{"garment", "distance", "likely"}], nearest first
    action = models.CharField(max_length=8, choices=Action.choices, blank=True)
    garment = models.ForeignKey(
        "closet.Garment", null=True, blank=True, on_delete=models.SET_NULL, related_name="outfit_detections"
    )
    # the closet garment this detection added ("new"); a later "new" reuses it instead of adding another
    added_garment = models.ForeignKey(
        "closet.Garment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the wear of `garment` on the photo's day (None when ignored or undecided)
    wear = models.ForeignKey(
        "recommend.Wear", null=True, blank=True, on_delete=models.SET_NULL, related_name="outfit_detections"
    )
    logged_wear = models.BooleanField(default=False)  # `wear` was made by this detection, so it may undo it
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["outfit_photo", "position"]
        constraints = [models.UniqueConstraint(fields=["outfit_photo", "position"], name="one_detection_per_position")]
