import uuid

from django.conf import settings
from django.db import models
from pgvector.django import HnswIndex, VectorField

from fashionsite.jobs import JobStatus
from ml.taxonomy import CLASSES, GROUP_OF, LABELS

EMBEDDING_DIM = 1280
STYLE_DIM = 384
CATEGORY_CHOICES = [(c, LABELS[c]) for c in CLASSES]
GROUP_CHOICES = [(g, g.replace("-", " ").capitalize()) for g in dict.fromkeys(GROUP_OF.values())]


def _media_path(folder: str, instance, ext: str) -> str:
    return f"{folder}/{instance.owner_id}/{uuid.uuid4().hex}.{ext}"


def photo_path(instance, filename):
    return _media_path("photos", instance, "jpg")


def cutout_path(instance, filename):
    return _media_path("cutouts", instance, "png")


def mask_path(instance, filename):
    return _media_path("masks", instance, "png")


class Photo(models.Model):
    """An uploaded photo, stored re-encoded: EXIF orientation applied, all metadata (GPS) dropped."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_filename = models.CharField(max_length=255)
    original_format = models.CharField(max_length=16)
    sha256 = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.original_filename} ({self.owner_id})"


class IngestJob(models.Model):
    """One worker job per photo. The status is the user's view of it; the claim fields keep it exactly-once."""

    Status = JobStatus

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ingest_jobs")
    photo = models.OneToOneField(Photo, on_delete=models.CASCADE, related_name="job")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=128, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Garment(models.Model):
    """A closet item cut out of a photo. `*_source` says whether the user corrected the model."""

    class Source(models.TextChoices):
        MODEL = "model"
        USER = "user"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="garments")
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="garments")
    cutout = models.ImageField(upload_to=cutout_path)
    mask = models.ImageField(upload_to=mask_path)
    cutout_method = models.CharField(max_length=32)  # grabcut, grabcut-rect (user's box), original, fallback
    cutout_box = models.JSONField(null=True, blank=True)  # the user's box [x0, y0, x1, y1] as fractions of the photo

    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES, db_index=True)
    category_group = models.CharField(max_length=32, choices=GROUP_CHOICES, db_index=True)
    category_confidence = models.FloatField()
    category_source = models.CharField(max_length=8, choices=Source.choices, default=Source.MODEL)
    category_predicted = models.CharField(max_length=32, choices=CATEGORY_CHOICES)
    category_top = models.JSONField(default=list)  # [{"category", "confidence"}] top-3 from the model

    colours = models.JSONField(default=list)  # [{"name", "hex", "share"}], up to 3
    colour_names = models.JSONField(default=list)  # names only, for filtering
    colours_source = models.CharField(max_length=8, choices=Source.choices, default=Source.MODEL)
    colours_predicted = models.JSONField(default=list)
    # ml.attributes predictions: {"model_version", <attribute>: {"value", "confidence", "top", "predicted", "source"}}
    attributes = models.JSONField(default=dict, blank=True)

    embedding = VectorField(dimensions=EMBEDDING_DIM)
    model_version = models.CharField(max_length=64)
    # the image embedding mapped into the text space (ml.bridge), which the outfit grader and wishes use
    style_embedding = VectorField(dimensions=STYLE_DIM, null=True, blank=True)
    # the user's own words for it (`name`) in the same text space, when given
    name_embedding = VectorField(dimensions=STYLE_DIM, null=True, blank=True)

    # ml.product_features: the second tail's feature, which the attribute heads and the shop head read
    product_embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True)
    shop_embedding = VectorField(dimensions=128, null=True, blank=True)  # ml.shop space: "shop similar"
    name = models.CharField(max_length=200, blank=True)  # the user's words for it ("navy linen shirt")
    in_laundry = models.BooleanField(default=False)
    considering = models.BooleanField(default=False)  # not owned yet: a purchase being considered
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate_distance = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["photo"], name="one_garment_per_photo")]
        indexes = [
            HnswIndex(
                name="garment_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            )
        ]

    @property
    def needs_review(self) -> bool:
        return self.category_source == self.Source.MODEL and self.category_confidence < settings.CATEGORY_REVIEW_BELOW

    @property
    def category_label(self) -> str:
        return LABELS[self.category]


class Correction(models.Model):
    """A user's correction of a model output, kept as training data."""

    garment = models.ForeignKey(Garment, on_delete=models.SET_NULL, null=True, related_name="corrections")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=32)
    predicted = models.JSONField()
    corrected = models.JSONField()
    model_version = models.CharField(max_length=64)
    photo_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
