from rest_framework import serializers

from closet.serializers import ColourSerializer, GarmentSerializer, media_url
from shop.models import PRODUCT_CATEGORIES, CatalogImport, Product


class ProductSerializer(serializers.ModelSerializer):
    shop = serializers.CharField(source="shop.name", read_only=True)
    shop_slug = serializers.CharField(source="shop.slug", read_only=True)
    category_label = serializers.CharField(read_only=True)
    colours = ColourSerializer(many=True, read_only=True)
    image_urls = serializers.SerializerMethodField()
    distance = serializers.SerializerMethodField()
    same_type_and_colour = serializers.SerializerMethodField(
        help_text="in similar-product results: the probability that this product shares the anchor's article "
        "type and base colour (ml.shop.rerank); null elsewhere"
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "shop",
            "shop_slug",
            "external_id",
            "title",
            "brand",
            "price",
            "currency",
            "url",
            "gender",
            "article_type",
            "category",
            "category_label",
            "category_group",
            "category_source",
            "base_colour",
            "colours",
            "attributes",
            "season",
            "usage",
            "year",
            "in_stock",
            "status",
            "image_urls",
            "distance",
            "same_type_and_colour",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in {"title", "brand", "price", "currency", "url", "in_stock"}]

    def get_image_urls(self, obj) -> list[str]:
        return [media_url(im.image) for im in obj.images.all()]

    def get_distance(self, obj) -> float | None:
        d = getattr(obj, "distance", None)
        return None if d is None else round(float(d), 4)

    def get_same_type_and_colour(self, obj) -> float | None:
        a = getattr(obj, "agreement", None)
        return None if a is None else round(float(a), 4)


class ProductSearchParams(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=300)
    category = serializers.CharField(required=False, allow_blank=True, help_text="comma-separated categories")
    group = serializers.CharField(required=False, allow_blank=True)
    gender = serializers.CharField(required=False, allow_blank=True, help_text="comma-separated: men,women,...")
    colour = serializers.CharField(required=False, allow_blank=True)
    min_price = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=0)
    max_price = serializers.DecimalField(required=False, max_digits=10, decimal_places=2, min_value=0)
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    shop = serializers.SlugField(required=False, allow_blank=True)
    similar_to_garment = serializers.IntegerField(required=False, min_value=1)
    similar_to_product = serializers.IntegerField(required=False, min_value=1)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def validate_category(self, value):
        cats = [c.strip() for c in value.split(",") if c.strip()]
        unknown = [c for c in cats if c not in PRODUCT_CATEGORIES]
        if unknown:
            raise serializers.ValidationError(f"Unknown categories: {', '.join(unknown)}.")
        return cats

    def validate_gender(self, value):
        genders = [g.strip() for g in value.split(",") if g.strip()]
        unknown = [g for g in genders if g not in Product.Gender.values]
        if unknown:
            raise serializers.ValidationError(f"Unknown genders: {', '.join(unknown)}.")
        return genders

    def validate(self, data):
        if data.get("similar_to_garment") and data.get("similar_to_product"):
            raise serializers.ValidationError("Give similar_to_garment or similar_to_product, not both.")
        lo, hi = data.get("min_price"), data.get("max_price")
        if lo is not None and hi is not None and lo > hi:
            raise serializers.ValidationError("min_price is above max_price.")
        return data


class BoardSerializer(serializers.Serializer):
    score = serializers.FloatField()
    contributions = serializers.ListField(child=serializers.FloatField())
    products = ProductSerializer(many=True)


class OwnedLikeSerializer(GarmentSerializer):
    distance = serializers.SerializerMethodField()

    class Meta(GarmentSerializer.Meta):
        fields = [*GarmentSerializer.Meta.fields, "distance"]

    def get_distance(self, obj) -> float:
        return round(float(obj.distance), 4)


class CatalogImportSerializer(serializers.ModelSerializer):
    shop = serializers.CharField(source="shop.name")
    progress = serializers.IntegerField()

    class Meta:
        model = CatalogImport
        fields = [
            "id",
            "shop",
            "source",
            "format",
            "status",
            "error",
            "progress",
            "total",
            "processed",
            "created_count",
            "updated_count",
            "unchanged_count",
            "skipped_count",
            "row_errors",
            "created_at",
            "started_at",
            "finished_at",
        ]
