from django.conf import settings
from django.db import models

from closet.models import Garment
from fashionsite.jobs import JobStatus


class Outfit(models.Model):
    """A set of closet garments with the grader's verdict: suggested, graded by the user, or saved."""

    class Source(models.TextChoices):
        SUGGESTED = "suggested"
        GRADED = "graded"
        SAVED = "saved"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfits")
    garments = models.ManyToManyField(Garment, through="OutfitItem", related_name="outfits")
    source = models.CharField(max_length=16, choices=Source.choices)
    score = models.FloatField()  # the grader's score, 0..1
    rank_score = models.FloatField(default=0)  # what the suggestions were ordered by (score + context + taste)
    reasons = models.JSONField(default=list)
    words = models.JSONField(default=list)  # aesthetic words from the colours
    occasion = models.CharField(max_length=32, blank=True)
    context = models.JSONField(default=dict)  # weather, wish, constraints of the request
    model_version = models.CharField(max_length=64)
    request = models.ForeignKey(
        "SuggestionRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="outfits"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-rank_score"]


class OutfitItem(models.Model):
    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey(Garment, on_delete=models.CASCADE)
    slot = models.CharField(max_length=16)
    contribution = models.FloatField()  # the item's share of the outfit score; the lowest is the weakest item
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["outfit", "garment"], name="garment_once_per_outfit")]


class SuggestionRequest(models.Model):
    """A "dress me" job: the worker fills in the outfits."""

    Status = JobStatus

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestion_requests")
    params = models.JSONField()
    # what ml.wish read from params["wish"] ({occasion, weather, rain, used}); {} without a wish
    wish_reading = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Feedback(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like"
        DISLIKE = "dislike"
        WORE = "wore"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback")
    outfit = models.ForeignKey(Outfit, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    garment = models.ForeignKey(Garment, null=True, blank=True, on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outfit__isnull=False, garment__isnull=True)
                | models.Q(outfit__isnull=True, garment__isnull=False),
                name="feedback_on_outfit_xor_garment",
            )
        ]


class Wear(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wears")
    garment = models.ForeignKey(Garment, on_delete=models.CASCADE, related_name="wears")
    outfit = models.ForeignKey(Outfit, null=True, blank=True, on_delete=models.SET_NULL)
    worn_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["garment", "worn_on"], name="one_wear_per_garment_per_day")]


class TrendReport(models.Model):
    """The stylists' trends, computed on the `default` queue (recommend.trends) and read by the page and API."""

    Status = JobStatus

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    data = models.JSONField(default=dict)  # sources -> dimensions -> series, forecasts, backtests; clusters
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
