from rest_framework import serializers

from closet.serializers import media_url
from tryon.models import PersonPhoto, Preview


class PersonPhotoSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = PersonPhoto
        fields = ["id", "width", "height", "original_filename", "image_url", "created_at"]

    def get_image_url(self, obj) -> str:
        return media_url(obj.image)


class PreviewSerializer(serializers.ModelSerializer):
    person_url = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField()
    alpha_url = serializers.SerializerMethodField()

    class Meta:
        model = Preview
        fields = [
            "id",
            "person",
            "garment",
            "product",
            "article_label",
            "status",
            "stage",
            "progress",
            "error",
            "attempts",
            "person_url",
            "result_url",
            "alpha_url",
            "model_version",
            "created_at",
            "finished_at",
        ]

    def get_person_url(self, obj) -> str:
        return media_url(obj.person.image)

    def get_result_url(self, obj) -> str | None:
        return media_url(obj.result)

    def get_alpha_url(self, obj) -> str | None:
        return media_url(obj.alpha)


class PreviewRequestSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)
    garment = serializers.IntegerField(min_value=1, required=False)
    product = serializers.IntegerField(min_value=1, required=False)
