from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from closet.serializers import ColourSerializer, media_url
from wearlog.models import Detection, OutfitPhoto


class MatchSerializer(serializers.Serializer):
    garment = serializers.IntegerField()
    distance = serializers.FloatField(help_text="cosine distance between the embeddings of the crop and the garment")
    likely = serializers.BooleanField(help_text="within OUTFIT_MATCH_MAX_DISTANCE: probably the same garment")
    category = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    cutout_url = serializers.CharField()


class DetectionSerializer(serializers.ModelSerializer):
    colours = ColourSerializer(many=True)
    crop_url = serializers.SerializerMethodField()
    cutout_url = serializers.SerializerMethodField()
    matches = serializers.SerializerMethodField()

    class Meta:
        model = Detection
        fields = [
            "id",
            "position",
            "box",
            "label",
            "score",
            "category",
            "category_confidence",
            "colours",
            "crop_url",
            "cutout_url",
            "cutout_method",
            "matches",
            "action",
            "garment",
            "added_garment",
            "wear",
            "decided_at",
        ]

    def get_crop_url(self, obj) -> str:
        return media_url(obj.crop)

    def get_cutout_url(self, obj) -> str:
        return media_url(obj.cutout)

    @extend_schema_field(MatchSerializer(many=True))
    def get_matches(self, obj):
        """The suggestions as `selectors` attached them (garments still in the closet), with what to show."""
        return [
            {**m, "category": g.category, "name": g.name, "cutout_url": media_url(g.cutout)}
            for g, m in obj.match_garments
        ]


class OutfitPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    detections = DetectionSerializer(many=True, read_only=True)

    class Meta:
        model = OutfitPhoto
        fields = [
            "id",
            "original_filename",
            "width",
            "height",
            "image_url",
            "worn_on",
            "status",
            "stage",
            "progress",
            "error",
            "attempts",
            "detector_version",
            "model_version",
            "confirmed_at",
            "created_at",
            "finished_at",
            "detections",
        ]

    def get_image_url(self, obj) -> str:
        return media_url(obj.image)


class OutfitPhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    worn_on = serializers.DateField(required=False, help_text="default: the photo's own date (EXIF), else today")


class DecisionSerializer(serializers.Serializer):
    detection = serializers.IntegerField()
    action = serializers.ChoiceField(choices=Detection.Action.choices)
    garment = serializers.IntegerField(
        required=False, allow_null=True, help_text="for `match`: your garment (default: the nearest suggestion)"
    )


class ConfirmSerializer(serializers.Serializer):
    decisions = DecisionSerializer(many=True)
    worn_on = serializers.DateField(required=False, help_text="default: the photo's worn date")


class CalendarWearSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    garment = serializers.IntegerField(source="garment.id")
    category = serializers.CharField(source="garment.category")
    name = serializers.CharField(source="garment.name")
    cutout_url = serializers.SerializerMethodField()
    wears = serializers.IntegerField(help_text="all wears of the garment")
    price = serializers.FloatField(allow_null=True)
    cost_per_wear = serializers.FloatField(allow_null=True, help_text="price / wears, when a price is known")
    outfit_photo = serializers.IntegerField(source="outfit_photo.id", allow_null=True, default=None)
    outfit_photo_url = serializers.SerializerMethodField()

    def get_cutout_url(self, obj) -> str | None:
        return media_url(obj["garment"].cutout)

    def get_outfit_photo_url(self, obj) -> str | None:
        return media_url(obj["outfit_photo"].image) if obj["outfit_photo"] else None


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    wears = CalendarWearSerializer(many=True)


class CalendarSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    previous = serializers.DateField(format="%Y-%m")
    next = serializers.DateField(format="%Y-%m")
    days = CalendarDaySerializer(many=True, help_text="days with at least one wear, in order")
