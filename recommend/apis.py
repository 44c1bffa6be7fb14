from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from closet.models import Garment
from closet.serializers import media_url
from recommend import selectors, services
from recommend.engine import OCCASIONS
from recommend.models import Feedback, Outfit, SuggestionRequest


class OutfitSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        model = Outfit
        fields = [
            "id",
            "source",
            "score",
            "rank_score",
            "reasons",
            "words",
            "occasion",
            "context",
            "model_version",
            "items",
            "created_at",
        ]

    def get_items(self, obj) -> list[dict]:
        items = list(obj.items.all())
        weakest = min(items, key=lambda i: i.contribution).garment_id if items else None
        return [
            {
                "garment": i.garment_id,
                "slot": i.slot,
                "category": i.garment.category,
                "category_label": i.garment.category_label,
                "name": i.garment.name,
                "contribution": round(i.contribution, 4),
                "weakest": i.garment_id == weakest,
                "cutout_url": media_url(i.garment.cutout),
            }
            for i in items
        ]


class SuggestInput(serializers.Serializer):
    n = serializers.IntegerField(min_value=1, max_value=20, default=5)
    occasion = serializers.ChoiceField(choices=[""] + list(OCCASIONS), default="", allow_blank=True)
    temperature = serializers.FloatField(required=False, allow_null=True, min_value=-40, max_value=50)
    rain = serializers.BooleanField(default=False)
    wish = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    include = serializers.IntegerField(required=False, allow_null=True)
    avoid_worn_days = serializers.IntegerField(required=False, min_value=0, max_value=60, default=0)
    seed = serializers.IntegerField(required=False, default=0)


class SuggestApi(APIView):
    """Start a "dress me" job; poll GET suggestions/{id}/ for its outfits."""

    @extend_schema(request=SuggestInput, responses={202: dict})
    def post(self, request):
        data = SuggestInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = {k: v for k, v in data.validated_data.items() if v is not None}
        if params.get("include") and not Garment.objects.filter(id=params["include"], owner=request.user).exists():
            return Response({"include": ["Not in your closet."]}, status=400)
        req = services.suggestion_request_create(owner=request.user, params=params)
        return Response({"id": req.id, "status": req.status}, status=202)


class SuggestionDetailApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        req = get_object_or_404(SuggestionRequest, pk=pk, owner=request.user)
        outfits = selectors.outfit_list(owner=request.user, request_id=req.id)
        return Response(
            {
                "id": req.id,
                "status": req.status,
                "error": req.error,
                "params": req.params,
                "wish_reading": req.wish_reading,
                "outfits": OutfitSerializer(outfits, many=True).data,
            }
        )


class GradeInput(serializers.Serializer):
    garments = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=8)


class GradeApi(APIView):
    """Grade any 2–8 of your items: score, weakest item and its best replacement from your closet."""

    @extend_schema(request=GradeInput, responses={201: dict})
    def post(self, request):
        data = GradeInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            outfit, verdict = services.outfit_grade(owner=request.user, garment_ids=data.validated_data["garments"])
        except services.OutfitInvalid as exc:
            return Response({"detail": str(exc)}, status=400)
        replacement = verdict["replacement"]
        if replacement:
            garment = Garment.objects.get(id=replacement["item"].id, owner=request.user)
            replacement = {
                "garment": garment.id,
                "score": round(replacement["score"], 4),
                "category": garment.category_label,
                "cutout_url": media_url(garment.cutout),
            }
        return Response(
            {
                "outfit": OutfitSerializer(outfit).data,
                "score": round(verdict["score"], 4),
                "weakest": verdict["weakest"].id,
                "replacement": replacement,
            },
            status=201,
        )


class OutfitListApi(generics.ListAPIView):
    serializer_class = OutfitSerializer

    def get_queryset(self):
        return selectors.outfit_list(owner=self.request.user, source=self.request.query_params.get("source", ""))


class FeedbackInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Feedback.Kind.choices)
    outfit = serializers.IntegerField(required=False)
    garment = serializers.IntegerField(required=False)
    day = serializers.DateField(required=False)

    def validate(self, attrs):
        if ("outfit" in attrs) == ("garment" in attrs):
            raise serializers.ValidationError("Give exactly one of `outfit` or `garment`.")
        return attrs


class FeedbackApi(APIView):
    @extend_schema(request=FeedbackInput, responses={201: dict})
    def post(self, request):
        data = FeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        outfit = get_object_or_404(Outfit, pk=v["outfit"], owner=request.user) if "outfit" in v else None
        garment = get_object_or_404(Garment, pk=v["garment"], owner=request.user) if "garment" in v else None
        fb = services.feedback_give(
            owner=request.user, kind=v["kind"], outfit=outfit, garment=garment, day=v.get("day")
        )
        return Response({"id": fb.id, "kind": fb.kind}, status=201)


class GarmentStateInput(serializers.Serializer):
    in_laundry = serializers.BooleanField(required=False)
    considering = serializers.BooleanField(required=False, help_text="not owned yet: a purchase being considered")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, min_value=0)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class GarmentStateApi(APIView):
    """Laundry, price (for cost per wear) and the user's name for a garment."""

    @extend_schema(request=GarmentStateInput, responses={200: dict})
    def patch(self, request, pk):
        garment = get_object_or_404(Garment, pk=pk, owner=request.user)
        data = GarmentStateInput(data=request.data)
        data.is_valid(raise_exception=True)
        g = services.garment_set_state(garment=garment, **data.validated_data)
        return Response(
            {"id": g.id, "in_laundry": g.in_laundry, "considering": g.considering, "price": g.price, "name": g.name}
        )


class GarmentUnlockApi(APIView):
    """For an item marked as considered for purchase: how many good outfits it would unlock."""

    @extend_schema(responses={200: dict})
    def get(self, request, pk):
        garment = get_object_or_404(Garment, pk=pk, owner=request.user)
        try:
            return Response(services.purchase_unlocks(owner=request.user, garment=garment))
        except services.OutfitInvalid as exc:
            return Response({"detail": str(exc)}, status=400)


class ClosetStatsApi(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        from recommend import inference

        items = selectors.closet_items(owner=request.user)
        versatility = services.outfits_for_item(items, inference.grader())
        rows = selectors.closet_stats(owner=request.user, versatility=versatility)
        for r in rows:
            r["cutout_url"] = media_url(r.pop("cutout"))
        return Response({"garments": rows, "never_worn": sum(r["never_worn"] for r in rows)})
