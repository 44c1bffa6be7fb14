from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from closet.photos import PhotoRejected
from wearlog import selectors, services
from wearlog.models import OutfitPhoto
from wearlog.serializers import (
    CalendarSerializer,
    ConfirmSerializer,
    OutfitPhotoSerializer,
    OutfitPhotoUploadSerializer,
)


class OutfitPhotoListApi(generics.ListAPIView):
    """Your outfit photos. POST one (multipart `file`, optional `worn_on`): a `gpu` job finds its garments."""

    serializer_class = OutfitPhotoSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.outfit_photo_list(owner=self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        photos = selectors.outfit_photos_with_matches(owner=request.user, photos=page)
        return self.get_paginated_response(OutfitPhotoSerializer(photos, many=True).data)

    @extend_schema(
        request={"multipart/form-data": OutfitPhotoUploadSerializer},
        responses={202: OutfitPhotoSerializer, 400: dict},
    )
    def post(self, request):
        if request.FILES.get("file") is None:
            return Response({"detail": "No file: send an outfit photo in the multipart field `file`."}, status=400)
        data = OutfitPhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        f = data.validated_data["file"]
        try:
            photo = services.outfit_photo_upload(
                owner=request.user, name=f.name, data=f.read(), worn_on=data.validated_data.get("worn_on")
            )
        except PhotoRejected as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(OutfitPhotoSerializer(photo).data, status=202)


class OutfitPhotoDetailApi(APIView):
    """One outfit photo: the job's progress, then its detections with their suggested matches."""

    @extend_schema(responses=OutfitPhotoSerializer)
    def get(self, request, pk):
        photo = selectors.outfit_photo_get(owner=request.user, pk=pk)
        if photo is None:
            return Response({"detail": "No such outfit photo."}, status=404)
        return Response(OutfitPhotoSerializer(photo).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        """Deletes the photo, its detections and their files; garments added and wears logged stay."""
        services.outfit_photo_delete(outfit_photo=get_object_or_404(OutfitPhoto, pk=pk, owner=request.user))
        return Response(status=204)


class OutfitPhotoConfirmApi(APIView):
    """Decide per detected garment (`match` one of your garments, add it as `new`, or `ignore` it) and log the
    outfit as worn on `worn_on`. Confirming again with the same decisions changes nothing."""

    @extend_schema(request=ConfirmSerializer, responses={200: OutfitPhotoSerializer, 400: dict})
    def post(self, request, pk):
        photo = get_object_or_404(OutfitPhoto, pk=pk, owner=request.user)
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decisions = [services.Decision(**d) for d in data.validated_data["decisions"]]
        try:
            services.outfit_photo_confirm(
                outfit_photo=photo, decisions=decisions, worn_on=data.validated_data.get("worn_on")
            )
        except services.ConfirmInvalid as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(OutfitPhotoSerializer(selectors.outfit_photo_get(owner=request.user, pk=pk)).data)


class WearCalendarApi(APIView):
    """Your wears in one month, by day: what was worn, cost per wear where a price is known, and the outfit
    photo each wear was logged from."""

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default this month")],
        responses={200: CalendarSerializer, 400: dict},
    )
    def get(self, request):
        try:
            first = selectors.month_bounds(request.query_params.get("month"), timezone.localdate())
        except ValueError:
            return Response({"detail": "month must be YYYY-MM, for example 2026-12."}, status=400)
        return Response(CalendarSerializer(selectors.wear_calendar(owner=request.user, first=first)).data)
