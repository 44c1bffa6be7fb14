"""The trends API for stylists and staff: series, forecasts, backtest errors and style clusters."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from recommend import trend_views, trends
from recommend.models import TrendReport


class StylistOrStaff(permissions.BasePermission):
    message = "The trends are for stylists and staff."

    def has_permission(self, request, view):
        return trends.can_see_trends(request.user)


class BacktestSerializer(serializers.Serializer):
    model_mae = serializers.FloatField(allow_null=True, help_text="mean |forecast - share|, damped trend")
    naive_mae = serializers.FloatField(allow_null=True, help_text="the same for the last share as forecast")
    n = serializers.IntegerField(help_text="one-step forecasts scored")
    model_beats_naive = serializers.BooleanField(allow_null=True)


class ParamsSerializer(serializers.Serializer):
    alpha = serializers.FloatField()
    beta = serializers.FloatField()
    phi = serializers.FloatField()


class TrendSeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="items with this value in the periods shown")
    shares = serializers.ListField(child=serializers.FloatField(), help_text="share of each period's items, 0..1")
    forecast = serializers.FloatField(help_text="the model's share for next_period")
    naive_forecast = serializers.FloatField()
    backtest = BacktestSerializer()


class DimensionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    periods = serializers.ListField(child=serializers.CharField())
    period_items = serializers.ListField(child=serializers.IntegerField())
    next_period = serializers.CharField(allow_null=True)
    params = ParamsSerializer(allow_null=True)
    backtest = BacktestSerializer()
    series = TrendSeriesSerializer(many=True)
    chart_url = serializers.CharField()


class SourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    period_kind = serializers.ChoiceField(choices=["season", "month"])
    items = serializers.IntegerField()
    dimensions = DimensionSerializer(many=True)


class RepresentativeSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    image_url = serializers.CharField()
    product_url = serializers.CharField()


class ClusterSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    products = serializers.IntegerField()
    garments = serializers.IntegerField()
    category = serializers.CharField(allow_null=True)
    colour = serializers.CharField(allow_null=True)
    representatives = RepresentativeSerializer(many=True)


class ReportStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrendReport
        fields = ["id", "status", "error", "created_at", "started_at", "finished_at"]


class TrendsSerializer(serializers.Serializer):
    report = ReportStatusSerializer()
    refreshing = ReportStatusSerializer(allow_null=True, help_text="a newer report on its way, if any")
    model = serializers.CharField()
    backtest = BacktestSerializer(help_text="pooled over every source and dimension")
    sources = SourceSerializer(many=True)
    clusters = ClusterSerializer(many=True)


def _trends_payload(report: TrendReport, pending: TrendReport | None) -> dict:
    data = report.data
    sources = []
    for source in trends.report_sources(report):  # jsonb keeps no key order: the order is trends.SOURCES'
        dims = [
            {**dim, "key": key, "chart_url": reverse("trends-api:chart", args=[source["key"], key])}
            for key, dim in trends.source_dimensions(source)
        ]
        sources.append({**source, "dimensions": dims})
    clusters = [
        {
            **c,
            "representatives": [
                {
                    "product": r["product"],
                    "image_url": reverse("media", args=[r["image"]]),
                    "product_url": reverse("shop:product", args=[r["product"]]),
                }
                for r in c["representatives"]
            ],
        }
        for c in data.get("clusters", [])
    ]
    return {"report": report, "refreshing": pending, "model": data.get("model", ""),
            "backtest": data.get("backtest"), "sources": sources, "clusters": clusters}  # fmt: skip


class TrendsApi(APIView):
    permission_classes = [StylistOrStaff]

    @extend_schema(responses={200: TrendsSerializer, 202: ReportStatusSerializer})
    def get(self, request):
        """The newest trends. 202 with the queued report when none has been computed yet."""
        queued = trends.trend_report_refresh_if_stale(requested_by=request.user)
        report = trends.trend_report_latest()
        if report is None:
            return Response(ReportStatusSerializer(queued).data, status=status.HTTP_202_ACCEPTED)
        return Response(TrendsSerializer(_trends_payload(report, trends.trend_report_pending())).data)


class TrendRefreshApi(APIView):
    permission_classes = [StylistOrStaff]

    @extend_schema(request=None, responses={202: ReportStatusSerializer})
    def post(self, request):
        """Recompute the trends now (or return the computation already on its way)."""
        report = trends.trend_report_request(requested_by=request.user)
        return Response(ReportStatusSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class TrendReportApi(APIView):
    permission_classes = [StylistOrStaff]

    @extend_schema(responses={200: ReportStatusSerializer})
    def get(self, request, pk: int):
        return Response(ReportStatusSerializer(get_object_or_404(TrendReport, pk=pk)).data)


class TrendChartApi(APIView):
    permission_classes = [StylistOrStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("width", int, description="pixels, 320..1600 (default 800)"),
            OpenApiParameter("height", int, description="pixels, 200..1000 (default 360)"),
        ],
        responses={(200, "image/png"): OpenApiTypes.BINARY, 400: OpenApiTypes.STR, 404: OpenApiTypes.STR},
    )
    def get(self, request, source: str, dimension: str):
        """One source's chart of one dimension (shares per period, forecast dashed) as PNG."""
        return trend_views.trend_chart_response(request, source, dimension)
