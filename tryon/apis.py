from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from closet.photos import PhotoRejected
from tryon import services
from tryon.models import PersonPhoto, Preview
from tryon.serializers import PersonPhotoSerializer, PreviewRequestSerializer, PreviewSerializer


class PersonPhotoListApi(generics.ListAPIView):
    """Your photos for try-on. POST one (multipart field `file`); it is checked like a closet photo."""

    serializer_class = PersonPhotoSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return PersonPhoto.objects.filter(owner=self.request.user)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("PersonUpload", {"file": serializers.FileField()})},
        responses={201: PersonPhotoSerializer, 400: dict},
    )
    def post(self, request):
        f = request.FILES.get("file")
        if f is None:
            return Response({"detail": "No file: send a photo of yourself in the multipart field `file`."}, status=400)
        try:
            person = services.person_photo_upload(owner=request.user, name=f.name, data=f.read())
        except PhotoRejected as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(PersonPhotoSerializer(person).data, status=201)


class PersonPhotoDetailApi(generics.RetrieveDestroyAPIView):
    """One of your photos; DELETE removes it and every preview made from it."""

    serializer_class = PersonPhotoSerializer

    def get_queryset(self):
        return PersonPhoto.objects.filter(owner=self.request.user)

    def perform_destroy(self, instance):
        services.person_photo_delete(person=instance)


class PreviewListApi(generics.ListAPIView):
    """Your try-on history. POST `{person, garment}` or `{person, product}` to queue a preview."""

    serializer_class = PreviewSerializer

    def get_queryset(self):
        return Preview.objects.filter(owner=self.request.user).select_related("person")

    @extend_schema(request=PreviewRequestSerializer, responses={202: PreviewSerializer, 400: dict})
    def post(self, request):
        data = PreviewRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            preview = services.preview_create(
                owner=request.user,
                person_id=data.validated_data["person"],
                garment_id=data.validated_data.get("garment"),
                product_id=data.validated_data.get("product"),
            )
        except services.PreviewInvalid as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(PreviewSerializer(preview).data, status=202)


class PreviewDetailApi(APIView):
    @extend_schema(responses=PreviewSerializer)
    def get(self, request, pk):
        preview = get_object_or_404(Preview.objects.select_related("person"), pk=pk, owner=request.user)
        return Response(PreviewSerializer(preview).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.preview_delete(preview=get_object_or_404(Preview, pk=pk, owner=request.user))
        return Response(status=204)
