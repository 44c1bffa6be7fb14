"""The stylists' trends page and its API (mounted at /trends/ and /api/trends/)."""

from django.urls import path

from recommend import trend_apis, trend_views

app_name = "trends"

urlpatterns = [
    path("", trend_views.trends_page, name="page"),
    path("refresh/", trend_views.trends_refresh, name="refresh"),
    path("charts/<slug:source>/<slug:dimension>.png", trend_views.trend_chart, name="chart"),
]
api_urlpatterns = [
    path("", trend_apis.TrendsApi.as_view(), name="trends"),
    path("refresh/", trend_apis.TrendRefreshApi.as_view(), name="refresh"),
    path("reports/<int:pk>/", trend_apis.TrendReportApi.as_view(), name="report"),
    path("charts/<slug:source>/<slug:dimension>.png", trend_apis.TrendChartApi.as_view(), name="chart"),
]
