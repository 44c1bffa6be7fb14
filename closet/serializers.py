from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from closet.attributes import attribute_applies
from closet.models import Garment, IngestJob
from ml.taxonomy import CLASSES


def media_url(field) -> str | None:
    return reverse("media", args=[field.name]) if field else None


class ColourSerializer(serializers.Serializer):
    name = serializers.CharField()
    hex = serializers.CharField()
    share = serializers.FloatField()


class AttributeChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    confidence = serializers.FloatField()


class AttributeSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="what the app uses: the model's answer, or the user's correction")
    confidence = serializers.FloatField(help_text="the model's softmax probability of its answer (`predicted`)")
    predicted = serializers.CharField()
    source = serializers.ChoiceField(choices=["model", "user"])
    top = AttributeChoiceSerializer(many=True, help_text="the model's three likeliest values")


class GarmentSerializer(serializers.ModelSerializer):
    attributes = serializers.SerializerMethodField()
    attributes_model_version = serializers.SerializerMethodField()
    cutout_url = serializers.SerializerMethodField()
    mask_url = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    colours = ColourSerializer(many=True)
    needs_review = serializers.BooleanField()
    category_label = serializers.CharField()

    class Meta:
        model = Garment
        fields = [
            "id",
            "photo",
            "category",
            "category_label",
            "category_group",
            "category_confidence",
            "category_source",
            "category_predicted",
            "category_top",
            "needs_review",
            "colours",
            "colours_source",
            "attributes",
            "attributes_model_version",
            "cutout_method",
            "cutout_box",
            "model_version",
            "duplicate_of",
            "duplicate_distance",
            "cutout_url",
            "mask_url",
            "photo_url",
            "created_at",
        ]

    @extend_schema_field(serializers.DictField(child=AttributeSerializer()))
    def get_attributes(self, obj) -> dict:
        """{attribute: ...} for articleType, baseColour, pattern, usage, season, gender (ml.attributes), and the
        sleeve length (sleeveless, short, long) for tops, one-pieces and outerwear."""
        return {
            k: v
            for k, v in (obj.attributes or {}).items()
            if isinstance(v, dict) and attribute_applies(k, obj.category_group)
        }

    def get_attributes_model_version(self, obj) -> str:
        return (obj.attributes or {}).get("model_version", "")

    def get_cutout_url(self, obj) -> str | None:
        return media_url(obj.cutout)

    def get_mask_url(self, obj) -> str | None:
        return media_url(obj.mask)

    def get_photo_url(self, obj) -> str | None:
        return media_url(obj.photo.image)


class GarmentDetailSerializer(GarmentSerializer):
    embedding_dim = serializers.SerializerMethodField()

    class Meta(GarmentSerializer.Meta):
        fields = GarmentSerializer.Meta.fields + ["embedding_dim"]

    def get_embedding_dim(self, obj) -> int:
        return len(obj.embedding) if obj.embedding is not None else 0


class GarmentCorrectionSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CLASSES, required=False)
    colours = serializers.ListField(child=serializers.CharField(), max_length=3, required=False)
    attributes = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text='attribute -> value, e.g. {"pattern": "striped", "usage": "Formal"}',
    )


class JobSerializer(serializers.ModelSerializer):
    filename = serializers.CharField(source="photo.original_filename")
    garment = serializers.SerializerMethodField()

    class Meta:
        model = IngestJob
        fields = [
            "id",
            "status",
            "stage",
            "progress",
            "error",
            "attempts",
            "filename",
            "photo",
            "garment",
            "created_at",
            "finished_at",
        ]

    def get_garment(self, obj) -> dict | None:
        garments = list(obj.photo.garments.all())
        if obj.status != IngestJob.Status.DONE or not garments:
            return None
        g = garments[0]
        return {
            "id": g.id,
            "category": g.category,
            "category_label": g.category_label,
            "category_confidence": g.category_confidence,
            "needs_review": g.needs_review,
            "colours": g.colours,
            "cutout_url": media_url(g.cutout),
            "duplicate_of": g.duplicate_of_id,
            "url": reverse("closet:garment", args=[g.id]),
        }
