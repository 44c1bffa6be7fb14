"""Stylists and their clients: consent, looks sent to a client or published in lookbooks, the client's answer."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from closet.models import Garment
from shop.models import Product


class Engagement(models.Model):
    """Consent between a stylist and a client. While ACTIVE the stylist sees the client's closet.

    Either side starts it: a client invites a stylist (INVITED, the stylist accepts) or a stylist asks a
    client (REQUESTED, the client accepts). The client can revoke it at any time; a revoked or declined
    engagement can be started again, which reuses the row.
    """

    class Status(models.TextChoices):
        INVITED = "invited"  # the client invited the stylist; waits for the stylist
        REQUESTED = "requested"  # the stylist asked; waits for the client
        ACTIVE = "active"
        DECLINED = "declined"
        REVOKED = "revoked"

    stylist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clients_as_stylist")
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stylists_as_client")
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["stylist", "client"], name="one_engagement_per_pair"),
            models.CheckConstraint(condition=~Q(stylist=models.F("client")), name="engagement_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.stylist} → {self.client} ({self.status})"


class Look(models.Model):
    """A stylist's look: closet garments of one client and/or catalogue products.

    A look with a client is sent to that client (SENT), who accepts or rejects it with a comment. A look
    without a client is a curated look for lookbooks; ``published`` shows it to every shopper.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        SENT = "sent"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    class Season(models.TextChoices):
        ANY = "", "Any"
        SPRING = "spring"
        SUMMER = "summer"
        FALL = "fall"
        WINTER = "winter"

    stylist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="looks_made")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="looks_received"
    )
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True)  # the stylist's note to the client
    occasion = models.CharField(max_length=32, blank=True, db_index=True)
    season = models.CharField(max_length=8, choices=Season.choices, blank=True, db_index=True)
    style_tags = models.JSONField(default=list, blank=True)  # ["minimal", "smart casual"]
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published = models.BooleanField(default=False, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)  # the outfit grader's score, 0..1, of the items in order
    score_version = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_comment = models.TextField(blank=True)  # the client's comment with accept/reject
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            # only curated looks (no client) are published to every shopper
            models.CheckConstraint(condition=Q(published=False) | Q(client__isnull=True), name="published_look_has_no_client"),
        ]

    def __str__(self) -> str:
        return self.title


class LookItem(models.Model):
    """One item of a look: a garment of the look's client, or a catalogue product."""

    look = models.ForeignKey(Look, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey(Garment, null=True, blank=True, on_delete=models.CASCADE, related_name="look_items")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="look_items")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(garment__isnull=False, product__isnull=True) | Q(garment__isnull=True, product__isnull=False),
                name="look_item_garment_xor_product",
            ),
            models.UniqueConstraint(fields=["look", "garment"], name="garment_once_per_look"),
            models.UniqueConstraint(fields=["look", "product"], name="product_once_per_look"),
        ]


class Lookbook(models.Model):
    """A stylist's published collection of curated looks."""

    stylist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lookbooks")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    season = models.CharField(max_length=8, choices=Look.Season.choices, blank=True)
    published = models.BooleanField(default=False, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    looks = models.ManyToManyField(Look, through="LookbookEntry", related_name="lookbooks")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-updated_at"]

    def __str__(self) -> str:
        return self.title


class LookbookEntry(models.Model):
    lookbook = models.ForeignKey(Lookbook, on_delete=models.CASCADE, related_name="entries")
    look = models.ForeignKey(Look, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["lookbook", "look"], name="look_once_per_lookbook")]
