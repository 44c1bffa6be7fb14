"""The catalogue: shops, their products and photos, and catalogue imports (background jobs)."""

from django.conf import settings
from django.db import models
from pgvector.django import HnswIndex, VectorField

from closet.models import EMBEDDING_DIM, STYLE_DIM
from fashionsite.jobs import JobStatus
from ml.taxonomy import CLASSES, GROUP_OF, LABELS, OTHER_CATEGORY

SHOP_DIM = 128  # ml.shop embedding: products and closet garments share this space
PRODUCT_CATEGORIES = [*CLASSES, OTHER_CATEGORY]
PRODUCT_CATEGORY_CHOICES = [(c, LABELS.get(c, "Other")) for c in PRODUCT_CATEGORIES]
PRODUCT_GROUP_CHOICES = [(g, g.replace("-", " ").capitalize()) for g in dict.fromkeys(GROUP_OF.values())] + [
    (OTHER_CATEGORY, "Other")
]


class Shop(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Gender(models.TextChoices):
        MEN = "men", "Men"
        WOMEN = "women", "Women"
        UNISEX = "unisex", "Unisex"
        BOYS = "boys", "Boys"
        GIRLS = "girls", "Girls"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # imported, photo not processed yet
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    external_id = models.CharField(max_length=100)  # the shop's own id: the import's idempotency key
    title = models.CharField(max_length=300)
    brand = models.CharField(max_length=120, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    url = models.URLField(max_length=500, blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True, db_index=True)
    article_type = models.CharField(max_length=64, blank=True)  # the shop's own type ("Casual Shoes")
    category = models.CharField(max_length=32, choices=PRODUCT_CATEGORY_CHOICES, db_index=True)
    category_group = models.CharField(max_length=32, choices=PRODUCT_GROUP_CHOICES, db_index=True)
    category_source = models.CharField(max_length=8, default="shop")  # shop (its label) or model
    base_colour = models.CharField(max_length=40, blank=True)  # the shop's colour label
    colours = models.JSONField(default=list)  # [{"name", "hex", "share"}] from the photo
    colour_terms = models.JSONField(default=list)  # lower-case colour words, for filtering
    attributes = models.JSONField(default=dict)  # the shop's other columns, plus model predictions
    season = models.CharField(max_length=16, blank=True)
    usage = models.CharField(max_length=32, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    in_stock = models.BooleanField(default=True, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    error = models.TextField(blank=True)
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True)
    product_embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True)  # ml.product_features
    style_embedding = VectorField(dimensions=STYLE_DIM, null=True, blank=True)  # MiniLM of the title
    shop_embedding = VectorField(dimensions=SHOP_DIM, null=True, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)  # of the processed first photo
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["shop", "external_id"], name="one_product_per_shop_id")]
        indexes = [
            models.Index(fields=["category", "gender", "in_stock"], name="product_filter_idx"),
            models.Index(fields=["price"], name="product_price_idx"),
            HnswIndex(
                name="product_shop_embedding_hnsw",
                fields=["shop_embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def category_label(self) -> str:
        return LABELS.get(self.category, "Other")


def product_image_path(instance, filename):
    return f"products/{instance.product.shop_id}/{instance.product_id}/{instance.position}-{instance.sha256[:12]}.jpg"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    image = models.ImageField(upload_to=product_image_path)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product_id", "position"]
        constraints = [models.UniqueConstraint(fields=["product", "position"], name="one_image_per_position")]


class CatalogImport(models.Model):
    Status = JobStatus

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=500)  # the catalogue file (or folder) read
    images_dir = models.CharField(max_length=500)
    format = models.CharField(max_length=32)  # csv, json, fashion-product-images
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)  # why the whole import failed (unreadable file), if it did
    total = models.PositiveIntegerField(default=0)  # valid rows to process
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)  # rows a layout leaves without a photo on purpose
    row_errors = models.JSONField(default=list)  # [{"row": n, "id": "...", "reason": "..."}]
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.JSONField(default=list)  # chunk numbers finished (a redelivered chunk is a no-op)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def progress(self) -> int:
        return 100 if self.status == JobStatus.DONE else int(100 * self.processed / self.total) if self.total else 0
