from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from closet import attributes, selectors, services
from closet.models import Garment
from closet.photos import PhotoRejected
from closet.serializers import GarmentCorrectionSerializer, GarmentDetailSerializer, GarmentSerializer, JobSerializer

UploadResult = inline_serializer(
    "UploadResult",
    {
        "filename": serializers.CharField(),
        "accepted": serializers.BooleanField(),
        "job_id": serializers.IntegerField(allow_null=True),
        "photo_id": serializers.IntegerField(allow_null=True),
        "error": serializers.CharField(allow_blank=True),
    },
)


class PhotoUploadApi(APIView):
    """Upload one or many photos (multipart field `files`). Each accepted photo gets a job id."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "PhotoUpload", {"files": serializers.ListField(child=serializers.FileField())}
            )
        },
        responses={201: UploadResult, 207: UploadResult, 400: UploadResult},
    )
    def post(self, request):
        files = request.FILES.getlist("files") or request.FILES.getlist("file")
        if not files:
            return Response({"detail": "No files: send one or more photos in the multipart field `files`."}, status=400)
        results = []
        for f in files:
            try:
                job = services.photo_upload(owner=request.user, name=f.name, data=f.read())
                results.append(
                    {"filename": f.name, "accepted": True, "job_id": job.id, "photo_id": job.photo_id, "error": ""}
                )
            except PhotoRejected as exc:
                results.append(
                    {"filename": f.name, "accepted": False, "job_id": None, "photo_id": None, "error": str(exc)}
                )
        accepted = sum(r["accepted"] for r in results)
        code = status.HTTP_201_CREATED if accepted == len(results) else 207 if accepted else status.HTTP_400_BAD_REQUEST
        return Response({"results": results}, status=code)


class JobListApi(generics.ListAPIView):
    serializer_class = JobSerializer

    @extend_schema(parameters=[OpenApiParameter("ids", str, description="Comma-separated job ids")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        ids = self.request.query_params.get("ids")
        parsed = [int(i) for i in ids.split(",") if i.strip().isdigit()] if ids else None
        return selectors.job_list(owner=self.request.user, ids=parsed)


class JobDetailApi(generics.RetrieveAPIView):
    serializer_class = JobSerializer

    def get_queryset(self):
        return selectors.job_list(owner=self.request.user)


class GarmentListApi(generics.ListAPIView):
    serializer_class = GarmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str),
            OpenApiParameter("group", str),
            OpenApiParameter("colour", str),
            OpenApiParameter("sleeve", str, description="long, short or sleeveless (tops, one-pieces, outerwear)"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        return selectors.garment_list(
            owner=self.request.user,
            category=p.get("category", ""),
            group=p.get("group", ""),
            colour=p.get("colour", ""),
            sleeve=p.get("sleeve", ""),
        )


class GarmentDetailApi(APIView):
    def _garment(self, request, pk) -> Garment:
        return get_object_or_404(Garment.objects.select_related("photo"), pk=pk, owner=request.user)

    @extend_schema(responses=GarmentDetailSerializer)
    def get(self, request, pk):
        return Response(GarmentDetailSerializer(self._garment(request, pk)).data)

    @extend_schema(request=GarmentCorrectionSerializer, responses=GarmentDetailSerializer)
    def patch(self, request, pk):
        garment = self._garment(request, pk)
        data = GarmentCorrectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            with transaction.atomic():  # a bad attribute keeps the category and colours unsaved too
                garment = services.garment_correct(
                    garment=garment,
                    user=request.user,
                    category=data.validated_data.get("category"),
                    colour_names=data.validated_data.get("colours"),
                )
                if data.validated_data.get("attributes"):
                    garment = attributes.garment_attributes_correct(
                        garment=garment, user=request.user, values=data.validated_data["attributes"]
                    )
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(GarmentDetailSerializer(garment).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        services.photo_delete(photo=self._garment(request, pk).photo)
        return Response(status=204)


class GarmentSimilarApi(APIView):
    @extend_schema(responses=GarmentSerializer(many=True))
    def get(self, request, pk):
        garment = get_object_or_404(Garment, pk=pk, owner=request.user)
        similar = selectors.garment_similar(garment=garment)
        data = GarmentSerializer(similar, many=True).data
        for row, g in zip(data, similar):
            row["distance"] = round(float(g.distance), 4)
        return Response(data)


class ClosetReparseApi(APIView):
    """Re-run the models on every photo of your closet (after a model update); your corrections are kept."""

    @extend_schema(request=None, responses={202: dict})
    def post(self, request):
        ids = services.closet_reparse(owner=request.user)
        return Response({"job_ids": ids, "count": len(ids)}, status=202)


class GarmentRecutApi(APIView):
    """Redo the cut-out from a box you drew (``box``: fractions of the photo), go back to the original photo
    (``original``), or back to the automatic cut-out (``automatic``). Exactly one of them."""

    class RecutInputSerializer(serializers.Serializer):
        box = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4, required=False)
        original = serializers.BooleanField(default=False)
        automatic = serializers.BooleanField(default=False)

    @extend_schema(request=RecutInputSerializer, responses={202: dict})
    def post(self, request, pk):
        garment = get_object_or_404(Garment, pk=pk, owner=request.user)
        data = self.RecutInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.garment_recut(
                garment=garment,
                box=data.validated_data.get("box"),
                original=data.validated_data["original"],
                automatic=data.validated_data["automatic"],
            )
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response({"id": garment.id, "status": "queued"}, status=202)
