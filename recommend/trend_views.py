"""The stylists' trends page, its refresh button and its charts (stylists and staff only)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from recommend import trend_charts, trends


def _stylist_or_staff(request) -> None:
    if not trends.can_see_trends(request.user):
        raise PermissionDenied("The trends page is for stylists and staff.")


def _pct(share) -> str:
    return "–" if share is None else f"{100 * share:.1f}%"


def _backtest_display(bt: dict | None) -> dict | None:
    return bt and {**bt, "model": _pct(bt["model_mae"]), "naive": _pct(bt["naive_mae"])}


def _direction(last: float, forecast: float) -> str:
    return "↑" if forecast > last + 0.0005 else "↓" if forecast < last - 0.0005 else "→"


def _page_sources(report) -> list[dict]:
    """The report's sources with the numbers the page prints already formatted."""
    out = []
    for source in trends.report_sources(report):
        dims = []
        for key, dim in trends.source_dimensions(source):
            rows = [
                {
                    "label": s["label"],
                    "count": s["count"],
                    "last": _pct(s["shares"][-1] if s["shares"] else None),
                    "forecast": _pct(s["forecast"]),
                    "direction": _direction(s["shares"][-1] if s["shares"] else 0, s["forecast"]),
                }
                for s in dim["series"]
            ]
            bt = dim["backtest"]
            dims.append({**dim, "key": key, "rows": rows, "model_mae": _pct(bt["model_mae"]),
                         "naive_mae": _pct(bt["naive_mae"])})  # fmt: skip
        out.append({**source, "dimension_list": dims})
    return out


@login_required
def trends_page(request):
    _stylist_or_staff(request)
    trends.trend_report_refresh_if_stale(requested_by=request.user)
    report = trends.trend_report_latest()
    return render(
        request,
        "trends/trends.html",
        {
            "report": report,
            "pending": trends.trend_report_pending(),
            "failed": trends.trend_report_failed(),
            "sources": _page_sources(report) if report else [],
            "clusters": report.data.get("clusters", []) if report else [],
            "backtest": _backtest_display(report.data.get("backtest")) if report else None,
        },
    )


@login_required
@require_POST
def trends_refresh(request):
    _stylist_or_staff(request)
    trends.trend_report_request(requested_by=request.user)
    messages.success(request, "Recomputing the trends; this page shows the new numbers when they are ready.")
    return redirect("trends:page")


def _size(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"`{name}` must be a whole number of pixels from {low} to {high}.")
    return int(raw)


def trend_chart_response(request, source: str, dimension: str) -> HttpResponse:
    """The chart of one source and dimension of the newest report, as PNG (also served by the API)."""
    (w0, h0), (w_min, h_min), (w_max, h_max) = trend_charts.DEFAULT_SIZE, trend_charts.MIN_SIZE, trend_charts.MAX_SIZE
    try:
        width = _size(request, "width", w0, w_min, w_max)
        height = _size(request, "height", h0, h_min, h_max)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    report = trends.trend_report_latest()
    data = trends.report_dimension(report, source, dimension) if report else None
    if data is None:
        raise Http404("No such chart.")
    title = f"{trends.SOURCES[source][0]}: {trends.DIMENSIONS[dimension].lower()}, share of the period's items"
    png = trend_charts.line_chart_png(data, width=width, height=height, title=title)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def trend_chart(request, source: str, dimension: str):
    _stylist_or_staff(request)
    return trend_chart_response(request, source, dimension)
