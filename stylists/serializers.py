from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from closet.serializers import ColourSerializer, media_url
from shop.serializers import ProductSerializer
from stylists.models import Engagement, Look, Lookbook, LookItem


def garment_image_url(garment_id: int) -> str:
    """Garment cut-outs travel through the stylists' own URL, which checks the engagement on every request."""
    return reverse("stylists:garment_cutout", args=[garment_id])


class EngagementSerializer(serializers.ModelSerializer):
    stylist = serializers.CharField(source="stylist.username")
    client = serializers.CharField(source="client.username")
    waiting_for = serializers.SerializerMethodField()

    class Meta:
        model = Engagement
        fields = [
            "id",
            "stylist",
            "stylist_id",
            "client",
            "client_id",
            "status",
            "waiting_for",
            "message",
            "created_at",
            "updated_at",
            "accepted_at",
            "ended_at",
        ]

    def get_waiting_for(self, obj) -> str | None:
        """Who answers a pending request: "stylist" or "client"."""
        return {Engagement.Status.INVITED: "stylist", Engagement.Status.REQUESTED: "client"}.get(obj.status)


class EngagementStartInput(serializers.Serializer):
    stylist = serializers.CharField(required=False, allow_blank=True, help_text="a client invites this stylist")
    client = serializers.CharField(required=False, allow_blank=True, help_text="a stylist asks this client")
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ClientGarmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    category_group = serializers.CharField()
    colours = ColourSerializer(many=True)
    colour_names = serializers.ListField(child=serializers.CharField())
    name = serializers.CharField()
    in_laundry = serializers.BooleanField()
    cutout_url = serializers.SerializerMethodField()

    def get_cutout_url(self, obj) -> str:
        return garment_image_url(obj.id)


class LookItemSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    title = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    category_group = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    shop_url = serializers.SerializerMethodField()

    class Meta:
        model = LookItem
        fields = [
            "id",
            "kind",
            "garment",
            "product",
            "position",
            "title",
            "category",
            "category_group",
            "image_url",
            "price",
            "currency",
            "page_url",
            "shop_url",
        ]

    def get_kind(self, obj) -> str:
        return "garment" if obj.garment_id else "product"

    def get_title(self, obj) -> str:
        return obj.product.title if obj.product_id else (obj.garment.name or obj.garment.category_label)

    def get_category(self, obj) -> str:
        return (obj.product or obj.garment).category

    def get_category_group(self, obj) -> str:
        return (obj.product or obj.garment).category_group

    def get_image_url(self, obj) -> str | None:
        if obj.garment_id:
            return garment_image_url(obj.garment_id)
        images = list(obj.product.images.all())
        return media_url(images[0].image) if images else None

    def get_price(self, obj) -> str | None:
        return str(obj.product.price) if obj.product_id and obj.product.price is not None else None

    def get_currency(self, obj) -> str:
        return obj.product.currency if obj.product_id else ""

    def get_page_url(self, obj) -> str | None:
        """The product's page in the app (garments have none here)."""
        return reverse("shop:product", args=[obj.product_id]) if obj.product_id else None

    def get_shop_url(self, obj) -> str:
        return obj.product.url if obj.product_id else ""


class LookSerializer(serializers.ModelSerializer):
    stylist = serializers.CharField(source="stylist.username")
    client = serializers.CharField(source="client.username", allow_null=True, default=None)
    items = LookItemSerializer(many=True)

    class Meta:
        model = Look
        fields = [
            "id",
            "stylist",
            "client",
            "title",
            "note",
            "occasion",
            "season",
            "style_tags",
            "status",
            "published",
            "score",
            "score_version",
            "sent_at",
            "response_comment",
            "responded_at",
            "items",
            "created_at",
            "updated_at",
        ]


class LookInput(serializers.Serializer):
    client = serializers.CharField(required=False, allow_blank=True, help_text="username; empty for a curated look")
    title = serializers.CharField(max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    occasion = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    season = serializers.ChoiceField(choices=Look.Season.choices, required=False, allow_blank=True, default="")
    style_tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list)
    garments = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    products = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class LookUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    occasion = serializers.CharField(required=False, allow_blank=True, max_length=32)
    season = serializers.ChoiceField(choices=Look.Season.choices, required=False, allow_blank=True)
    style_tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    garments = serializers.ListField(child=serializers.IntegerField(), required=False)
    products = serializers.ListField(child=serializers.IntegerField(), required=False)


class LookRespondInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class LookbookSerializer(serializers.ModelSerializer):
    stylist = serializers.CharField(source="stylist.username")
    looks = serializers.SerializerMethodField()

    class Meta:
        model = Lookbook
        fields = ["id", "slug", "title", "description", "season", "stylist", "published", "published_at", "looks"]

    @extend_schema_field(LookSerializer(many=True))
    def get_looks(self, obj):
        """The lookbook's curated looks, in order."""
        return LookSerializer([e.look for e in obj.entries.all()], many=True).data


class ShopItemSerializer(serializers.Serializer):
    item = LookItemSerializer()
    similar = ProductSerializer(many=True)


class ShopLookSerializer(serializers.Serializer):
    look = LookSerializer()
    total = serializers.FloatField(allow_null=True)
    currency = serializers.CharField()
    items = ShopItemSerializer(many=True)


class ClosetMatchSerializer(serializers.Serializer):
    item = LookItemSerializer()
    garment = ClientGarmentSerializer(allow_null=True)
    distance = serializers.FloatField(allow_null=True)
    same_group = serializers.BooleanField()
    close = serializers.BooleanField()


class FromClosetSerializer(serializers.Serializer):
    look = serializers.IntegerField()
    matches = ClosetMatchSerializer(many=True)
    missing = serializers.ListField(child=serializers.IntegerField(), help_text="look items with no close match")
