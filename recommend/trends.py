"""The stylists' trends: popularity of categories, colours and style clusters in four sources, with forecasts.

Sources and their periods:

- ``catalogue``: shop products by their year and season (products without both are left out);
- ``closet``: closet garments by the month they were uploaded (items only being considered are not in a closet);
- ``wears``: each logged wear, by the month of ``worn_on``, counted as the garment worn;
- ``likes``: each "like", by its month; a liked outfit counts each of its garments.

Popularity is a share of the period's items (ml.trends.series); forecasts and backtests are ml.trends.forecast.
Style clusters are seeded k-means (k by silhouette) over the shared 128-d shop space, fitted on catalogue products and closet
garments together. A cluster shows catalogue photos only: closet photos are private to their owner, and the
closet sources appear only as shares.

Computing reads every product, so it runs as a ``TrendReport`` on the `default` queue; the page and the API
show the newest finished report and ask for a fresh one when it is older than ``REPORT_MAX_AGE``.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import numpy as np
from django.db import transaction
from django.utils import timezone

from closet.models import Garment
from ml.taxonomy import LABELS
from ml.trends.cluster import kmeans_auto, nearest_members
from ml.trends.forecast import GRID, MIN_FIT, Backtest
from ml.trends.series import month_period, next_period, period_label, season_period, share_table
from recommend.models import Feedback, OutfitItem, TrendReport, Wear
from shop.models import Product, ProductImage

REPORT_MAX_AGE = datetime.timedelta(hours=1)
PENDING_GIVE_UP = datetime.timedelta(minutes=15)  # a queued report older than this no longer blocks a new one
CLUSTERS = 8  # at most; the number is the one with the best silhouette (ml.trends.cluster.kmeans_auto)
CLUSTER_FIT_SAMPLE = 20000  # k-means is fitted on at most this many embeddings, then every item is assigned
REPRESENTATIVES = 4
TOP_SERIES = 8
SEED = 0

SOURCES = {
    "catalogue": ("Catalogue", "season"),
    "closet": ("Closet uploads", "month"),
    "wears": ("Wears", "month"),
    "likes": ("Likes", "month"),
}
DIMENSIONS = {"category": "Categories", "colour": "Colours", "cluster": "Style clusters"}
MODEL_DESCRIPTION = (
    "Damped-trend exponential smoothing on each share series; one (alpha, beta, phi) per dimension, chosen from "
    f"a grid of {len(GRID)} by the least pooled one-step squared error on the history (naive below {MIN_FIT} "
    "periods). Naive baseline: the last share. Backtest: rolling origin, one period ahead, MAE in share points."
)


def can_see_trends(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.is_stylist))


# --- reads ---------------------------------------------------------------------------------------------------


def trend_report_latest() -> TrendReport | None:
    """The newest finished report."""
    return TrendReport.objects.filter(status=TrendReport.Status.DONE).order_by("-finished_at", "-id").first()


def trend_report_failed() -> TrendReport | None:
    """The newest report, when it failed recently (newer than the newest finished one)."""
    newest = TrendReport.objects.order_by("-created_at", "-id").first()
    recent = newest and newest.finished_at and timezone.now() - newest.finished_at < REPORT_MAX_AGE
    return newest if recent and newest.status == TrendReport.Status.FAILED else None


def trend_report_pending() -> TrendReport | None:
    """A queued or running report young enough to wait for."""
    since = timezone.now() - PENDING_GIVE_UP
    return (
        TrendReport.objects.filter(status__in=[TrendReport.Status.QUEUED, TrendReport.Status.RUNNING])
        .filter(created_at__gte=since)
        .order_by("-created_at")
        .first()
    )


# --- writes --------------------------------------------------------------------------------------------------


def trend_report_request(*, requested_by=None) -> TrendReport:
    """Queue a fresh report, or return the one already on its way."""
    from recommend.tasks import trend_report_task

    pending = trend_report_pending()
    if pending:
        return pending
    report = TrendReport.objects.create(requested_by=requested_by)
    transaction.on_commit(lambda: trend_report_task.delay(report.id))
    return report


def trend_report_refresh_if_stale(*, requested_by=None) -> TrendReport | None:
    """What the page and the API call on each read: a report is queued when the newest is missing or old."""
    latest = trend_report_latest()
    if latest and latest.finished_at and timezone.now() - latest.finished_at < REPORT_MAX_AGE:
        return None
    failed = trend_report_failed()
    if failed and not trend_report_pending():
        return None  # no retry loop on every read: "Recompute now" (or the refresh API) asks again
    return trend_report_request(requested_by=requested_by)


def trend_report_run(*, report_id: int) -> TrendReport | None:
    """Compute a queued report; a report already claimed (a redelivered task) is left alone."""
    claimed = TrendReport.objects.filter(id=report_id, status=TrendReport.Status.QUEUED).update(
        status=TrendReport.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    report = TrendReport.objects.get(id=report_id)
    try:
        report.data = trends_compute()
        report.status = TrendReport.Status.DONE
    except Exception as exc:  # the report shows why; the page keeps showing the previous one
        report.status, report.error = TrendReport.Status.FAILED, f"{type(exc).__name__}: {exc}"
        raise
    finally:
        report.finished_at = timezone.now()
        report.save(update_fields=["data", "status", "error", "finished_at"])
    return report


# --- the computation -----------------------------------------------------------------------------------------


def _month(when) -> tuple[int, int]:
    if isinstance(when, datetime.datetime):
        when = timezone.localtime(when)
    return month_period(when.year, when.month)


def _first_colour(names) -> str | None:
    return str(names[0]).strip().lower() if names else None


def _product_colour(base_colour: str, colours: list) -> str | None:
    """The shop's own colour label, else the dominant colour read from the photo."""
    if base_colour and base_colour.strip():
        return base_colour.strip().lower()
    return _first_colour([c.get("name") for c in colours or [] if c.get("name")])


def _clusters(products: dict, garments: dict) -> tuple[dict, dict, list[dict]]:
    """k-means over product and garment shop embeddings: cluster key per product id, per garment id, and info."""
    p_rows = list(Product.objects.filter(shop_embedding__isnull=False).values_list("id", "shop_embedding"))
    g_rows = list(Garment.objects.filter(shop_embedding__isnull=False).values_list("id", "shop_embedding"))
    rows = [("p", i, e) for i, e in p_rows] + [("g", i, e) for i, e in g_rows]
    if not rows:
        return {}, {}, []
    x = np.stack([np.asarray(e, dtype=np.float32) for _, _, e in rows])  # (N, 128)
    rng = np.random.default_rng(SEED)
    fit_rows = np.sort(rng.choice(len(x), CLUSTER_FIT_SAMPLE, replace=False)) if len(x) > CLUSTER_FIT_SAMPLE else None
    centroids, _ = kmeans_auto(x if fit_rows is None else x[fit_rows], CLUSTERS, seed=SEED)
    xn = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    labels = _assign(xn, centroids)  # (N,)

    is_product = np.array([kind == "p" for kind, _, _ in rows])
    first_image = {}
    for product_id, image in (
        ProductImage.objects.filter(product_id__in=[i for kind, i, _ in rows if kind == "p"])
        .order_by("product_id", "position")
        .values_list("product_id", "image")
    ):
        first_image.setdefault(product_id, image)
    info, names = [], Counter()
    by_product, by_garment = {}, {}
    for j in range(len(centroids)):
        members = np.flatnonzero(labels == j)
        if not len(members):
            continue
        key = f"c{j}"
        cats, cols = Counter(), Counter()
        for m in members:
            kind, item_id, _ = rows[m]
            cat, col = (products if kind == "p" else garments).get(item_id, (None, None))
            cats[cat] += 1 if cat else 0
            cols[col] += 1 if col else 0
            (by_product if kind == "p" else by_garment)[item_id] = key
        category = next((c for c, _ in cats.most_common() if c), None)
        colour = next((c for c, _ in cols.most_common() if c), None)
        name = " ".join(w for w in [(colour or "").capitalize(), LABELS.get(category, "Other").lower() if category
                                    else "items"] if w)  # fmt: skip
        names[name] += 1
        name = name if names[name] == 1 else f"{name} {names[name]}"
        product_members = nearest_members(xn, centroids, np.where(is_product, labels, -1), j, 10 * REPRESENTATIVES)
        reps = []
        for m in product_members:
            _, product_id, _ = rows[m]
            if product_id in first_image:
                reps.append({"product": product_id, "image": first_image[product_id]})
            if len(reps) == REPRESENTATIVES:
                break
        info.append({"key": key, "name": name, "size": int(len(members)), "products": int(is_product[members].sum()),
                     "garments": int((~is_product[members]).sum()), "category": category, "colour": colour,
                     "representatives": reps})  # fmt: skip
    info.sort(key=lambda c: -c["size"])
    return by_product, by_garment, info


def _assign(xn: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Nearest centroid per row, in chunks (large catalogues)."""
    out = np.empty(len(xn), dtype=np.int64)
    for s in range(0, len(xn), 20000):
        chunk = xn[s : s + 20000]
        out[s : s + 20000] = (-2 * chunk @ centroids.T + (centroids**2).sum(1)[None]).argmin(1)
    return out


def _dimension(items: list[tuple], kind: str, labels: dict) -> tuple[dict, Backtest]:
    table = share_table(items, top=TOP_SERIES)
    return {
        "periods": [period_label(p, kind) for p in table.periods],
        "period_items": table.period_items,
        "next_period": period_label(next_period(table.periods[-1], kind), kind) if table.periods else None,
        "params": table.params,
        "backtest": table.backtest.as_dict(),
        "series": [
            {
                "key": s.value,
                "label": labels.get(s.value, str(s.value).capitalize()),
                "count": s.count,
                "shares": s.shares,
                "forecast": s.forecast,
                "naive_forecast": s.naive,
                "backtest": s.backtest.as_dict(),
            }
            for s in table.series
        ],
    }, table.backtest


def trends_compute() -> dict:
    """Every source's shares, forecasts and backtests per dimension, and the style clusters."""
    products = {}  # id -> (category, colour)
    catalogue = []  # (period, product id)
    for pid, year, season, category, base_colour, colours in Product.objects.values_list(
        "id", "year", "season", "category", "base_colour", "colours"
    ):
        products[pid] = (category, _product_colour(base_colour, colours))
        catalogue.append((season_period(year, season), pid))
    garments = {
        gid: (category, _first_colour(colour_names))
        for gid, category, colour_names in Garment.objects.values_list("id", "category", "colour_names")
    }
    cluster_of_product, cluster_of_garment, clusters = _clusters(products, garments)
    closet = [
        (_month(created_at), gid)
        for gid, created_at in Garment.objects.filter(considering=False).values_list("id", "created_at")
    ]
    wears = [(_month(day), gid) for gid, day in Wear.objects.values_list("garment_id", "worn_on")]
    likes = Feedback.objects.filter(kind=Feedback.Kind.LIKE)
    liked = [
        (_month(at), gid) for gid, at in likes.filter(garment__isnull=False).values_list("garment_id", "created_at")
    ]
    outfit_likes = defaultdict(list)
    for outfit_id, at in likes.filter(outfit__isnull=False).values_list("outfit_id", "created_at"):
        outfit_likes[outfit_id].append(at)
    for outfit_id, gid in OutfitItem.objects.filter(outfit_id__in=list(outfit_likes)).values_list(
        "outfit_id", "garment_id"
    ):
        liked += [(_month(at), gid) for at in outfit_likes[outfit_id]]

    cluster_labels = {c["key"]: c["name"] for c in clusters}
    labels = {"category": {**LABELS, "other": "Other"}, "colour": {}, "cluster": cluster_labels}
    events = {"catalogue": catalogue, "closet": closet, "wears": wears, "likes": liked}
    sources, tests = {}, []
    for source, (label, kind) in SOURCES.items():
        attrs, clusters_of = (products, cluster_of_product) if source == "catalogue" else (garments, cluster_of_garment)
        dims = {
            "category": [(p, attrs.get(i, (None, None))[0]) for p, i in events[source]],
            "colour": [(p, attrs.get(i, (None, None))[1]) for p, i in events[source]],
            "cluster": [(p, clusters_of.get(i)) for p, i in events[source]],
        }
        dimensions = {}
        for d, dim_label in DIMENSIONS.items():
            data, tested = _dimension(dims[d], kind, labels[d])
            dimensions[d] = {"label": dim_label, **data}
            tests.append(tested)
        sources[source] = {
            "key": source,
            "label": label,
            "period_kind": kind,
            "items": sum(1 for p, _ in events[source] if p is not None),
            "dimensions": dimensions,
        }
    return {
        "computed_at": timezone.now().isoformat(),
        "model": MODEL_DESCRIPTION,
        "backtest": Backtest.pooled(tests).as_dict(),
        "sources": sources,
        "clusters": clusters,
    }


def report_sources(report: TrendReport) -> list[dict]:
    """The report's sources in ``SOURCES`` order (a jsonb column keeps no key order)."""
    stored = report.data.get("sources") or {}
    return [stored[key] for key in SOURCES if key in stored]


def source_dimensions(source: dict) -> list[tuple[str, dict]]:
    return [(key, source["dimensions"][key]) for key in DIMENSIONS if key in source["dimensions"]]


def report_dimension(report: TrendReport, source: str, dimension: str) -> dict | None:
    return ((report.data.get("sources") or {}).get(source) or {}).get("dimensions", {}).get(dimension)
