"""The stylists' trends: shares per period from the catalogue, closets, wears and likes; forecasts, clusters,
charts; the page and the API; only stylists and staff see them."""

import datetime
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from closet.models import Garment, Photo
from recommend import trends
from recommend.models import Feedback, Outfit, OutfitItem, TrendReport, Wear
from shop.models import Product, ProductImage, Shop
from tests.conftest import wait_for

SEASONS = [(2024, "Spring"), (2024, "Summer"), (2024, "Fall"), (2024, "Winter"), (2025, "Spring")]
SHOE = np.eye(128)[0]
TSHIRT = np.eye(128)[1]


def _jpeg(colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), colour).save(buf, "JPEG")
    return buf.getvalue()


def _product(shop, n, year, season, category, colour, vector, with_image):
    p = Product.objects.create(
        shop=shop, external_id=f"p{n}", title=f"{colour} {category} {n}", category=category,
        category_group="footwear" if category == "shoes" else "tops", base_colour=colour, year=year, season=season,
        status="ready", shop_embedding=list(vector + np.random.default_rng(n).normal(0, 0.01, 128)),
    )  # fmt: skip
    if with_image:
        data = _jpeg("black" if colour == "Black" else "white")
        name = f"products/{shop.id}/{p.id}/0-test.jpg"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        ProductImage.objects.create(product=p, image=name, sha256=hashlib.sha256(data).hexdigest(), width=40, height=60)
    return p


def _garment(owner, category, colour, when, **extra):
    photo = Photo.objects.create(owner=owner, image="photos/x.jpg", original_filename="x.jpg", original_format="JPEG",
                                 sha256="0" * 64)  # fmt: skip
    g = Garment.objects.create(
        owner=owner, photo=photo, cutout="cutouts/x.png", mask="masks/x.png", cutout_method="test",
        category=category, category_group="tops" if category == "shirt" else "bottoms", category_confidence=0.9,
        category_predicted=category, colour_names=[colour], colours=[{"name": colour, "hex": "#000000", "share": 1}],
        embedding=list(np.ones(1280)), model_version="test",
        shop_embedding=list(TSHIRT if category == "shirt" else SHOE), **extra,
    )  # fmt: skip
    Garment.objects.filter(pk=g.pk).update(created_at=when)
    return g


def _day(year, month, day=15):
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def trend_data(users):
    """Catalogue: shoes rise 10% a season. Closet: shirts 25% -> 100% over four months. Wears and likes below."""
    shop = Shop.objects.create(name="Trend shop", slug="trend-shop")
    n = 0
    for i, (year, season) in enumerate(SEASONS):
        for k in range(20):
            shoes = k < 2 * (i + 1)
            _product(shop, n, year, season, "shoes" if shoes else "tshirt", "Black" if shoes else "White",
                     SHOE if shoes else TSHIRT, with_image=k == 0 or k == 19)  # fmt: skip
            n += 1
    _product(shop, n, None, "", "shoes", "Black", SHOE, with_image=False)  # no season: not in the catalogue series

    owner = users["shopper"]
    closet = {}
    for month in (1, 2, 3, 4):
        for k in range(4):
            category, colour = ("shirt", "blue") if k < month else ("pants", "black")
            closet.setdefault((month, category), []).append(
                _garment(owner, category, colour, _day(2026, month, 10 + k))
            )
    _garment(owner, "dress", "red", _day(2026, 4), considering=True)  # not owned: not in the closet's shares

    shirts, pants = closet[(4, "shirt")], closet[(1, "pants")]
    for day in (1, 2, 3):  # January: pants worn 3 times, a shirt once -> pants 75%
        Wear.objects.create(owner=owner, garment=pants[0], worn_on=datetime.date(2026, 1, day))
    Wear.objects.create(owner=owner, garment=shirts[0], worn_on=datetime.date(2026, 1, 4))
    for k in range(3):  # February: shirts 3 times, pants once -> pants 25%
        Wear.objects.create(owner=owner, garment=shirts[k], worn_on=datetime.date(2026, 2, 1))
    Wear.objects.create(owner=owner, garment=pants[1], worn_on=datetime.date(2026, 2, 2))

    outfit = Outfit.objects.create(owner=owner, source="saved", score=0.5, model_version="test")
    OutfitItem.objects.create(outfit=outfit, garment=shirts[1], slot="top", contribution=0.5, position=0)
    OutfitItem.objects.create(outfit=outfit, garment=pants[2], slot="bottom", contribution=0.5, position=1)
    likes = [
        Feedback.objects.create(owner=owner, kind="like", garment=shirts[2]),  # March: shirt, + outfit (shirt, pants)
        Feedback.objects.create(owner=owner, kind="like", outfit=outfit),
        Feedback.objects.create(owner=owner, kind="dislike", garment=pants[0]),  # not a like
    ]
    Feedback.objects.filter(pk__in=[f.pk for f in likes]).update(created_at=_day(2026, 3))
    return shop


def _series(data, source, dimension):
    return {s["key"]: s for s in data["sources"][source]["dimensions"][dimension]["series"]}


def test_shares_are_of_each_periods_items_in_all_four_sources(trend_data):
    data = trends.trends_compute()
    catalogue = data["sources"]["catalogue"]
    assert catalogue["items"] == 100
    cat = catalogue["dimensions"]["category"]
    assert cat["periods"] == ["2024 Spring", "2024 Summer", "2024 Fall", "2024 Winter", "2025 Spring"]
    assert cat["period_items"] == [20] * 5 and cat["next_period"] == "2025 Summer"
    shoes = _series(data, "catalogue", "category")["shoes"]
    assert shoes["shares"] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert shoes["forecast"] == pytest.approx(0.6) and shoes["naive_forecast"] == pytest.approx(0.5)
    assert shoes["label"] == "Shoes" and shoes["count"] == 30
    assert cat["backtest"]["n"] == 4 and cat["backtest"]["model_mae"] < cat["backtest"]["naive_mae"]
    assert _series(data, "catalogue", "colour")["black"]["shares"] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])

    closet = data["sources"]["closet"]
    assert closet["items"] == 16 and closet["dimensions"]["category"]["periods"] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
    ]
    assert _series(data, "closet", "category")["shirt"]["shares"] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert _series(data, "closet", "colour")["blue"]["shares"] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert _series(data, "closet", "category")["shirt"]["forecast"] == 1.0  # a share never passes 100%

    assert _series(data, "wears", "category")["pants"]["shares"] == pytest.approx([0.75, 0.25])
    likes = data["sources"]["likes"]["dimensions"]["category"]
    assert likes["periods"] == ["2026-03"] and likes["period_items"] == [3]
    assert _series(data, "likes", "category")["shirt"]["shares"] == pytest.approx([2 / 3])

    clusters = {c["category"]: c for c in data["clusters"]}
    assert set(clusters) == {"shoes", "tshirt"}
    assert clusters["shoes"]["name"] == "Black shoes" and clusters["tshirt"]["name"] == "White t-shirt"
    assert (clusters["shoes"]["products"], clusters["shoes"]["garments"]) == (
        31,
        6 + 1,
    )  # 6 pants and the dress share the shoe spot
    reps = clusters["shoes"]["representatives"]
    assert reps and all(Product.objects.get(pk=r["product"]).category == "shoes" for r in reps)
    by_cluster = _series(data, "catalogue", "cluster")
    assert by_cluster[clusters["shoes"]["key"]]["shares"] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    assert by_cluster[clusters["shoes"]["key"]]["label"] == "Black shoes"


def _png(response):
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    assert image.format == "PNG"
    return image


def _report_now():
    report = TrendReport.objects.create()
    return trends.trend_report_run(report_id=report.id)


def test_stylists_and_staff_see_the_trends_and_shoppers_and_strangers_do_not(trend_data, users, client, api_for):
    _report_now()
    for name in ("shopper", "stranger"):
        client.force_login(users[name])
        assert client.get("/trends/").status_code == 403
        assert client.get("/trends/charts/catalogue/category.png").status_code == 403
        assert client.post("/trends/refresh/").status_code == 403
        assert api_for(users[name]).get("/api/trends/").status_code == 403
        assert api_for(users[name]).post("/api/trends/refresh/").status_code == 403
    client.logout()
    assert client.get("/trends/").status_code == 302  # to the login page
    assert client.get("/trends/charts/catalogue/category.png").status_code == 302
    assert client.get("/api/trends/").status_code in (401, 403)

    staff = users["stranger"]
    staff.is_staff = True
    staff.save()
    for user in (users["stylist"], staff):
        client.force_login(user)
        page = client.get("/trends/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "/trends/charts/catalogue/category.png" in html and "Black shoes" in html
        assert "50.0%" in html and "60.0%" in html  # shoes now and forecast
        api = api_for(user).get("/api/trends/")
        assert api.status_code == 200
        body = api.json()
        catalogue = next(s for s in body["sources"] if s["key"] == "catalogue")
        category = next(d for d in catalogue["dimensions"] if d["key"] == "category")
        shoes = next(s for s in category["series"] if s["key"] == "shoes")
        assert shoes["shares"] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5]) and shoes["forecast"] == pytest.approx(0.6)
        assert category["backtest"]["model_mae"] is not None and category["backtest"]["naive_mae"] is not None
        assert body["backtest"]["n"] > 0 and category["chart_url"] == "/api/trends/charts/catalogue/category.png"
        rep = body["clusters"][0]["representatives"][0]
        assert client.get(rep["image_url"]).status_code == 200
    assert TrendReport.objects.count() == 1  # a fresh report is not recomputed on every read


def test_the_chart_is_a_png_of_the_asked_size_and_bad_sizes_are_refused(trend_data, users, client, api_for):
    _report_now()
    client.force_login(users["stylist"])
    assert _png(client.get("/trends/charts/catalogue/category.png")).size == (800, 360)
    image = _png(client.get("/trends/charts/closet/colour.png?width=640&height=300"))
    assert image.size == (640, 300)
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 5  # lines drawn, not a blank canvas
    bad = client.get("/trends/charts/catalogue/category.png?width=huge")
    assert bad.status_code == 400 and b"width" in bad.content
    assert client.get("/trends/charts/catalogue/category.png?height=5").status_code == 400
    assert client.get("/trends/charts/nowhere/category.png").status_code == 404

    api = api_for(users["stylist"])  # the API's chart, with a token
    assert _png(api.get("/api/trends/charts/wears/cluster.png?width=400&height=250")).size == (400, 250)
    assert api.get("/api/trends/charts/wears/cluster.png?width=0").status_code == 400
    assert api_for(users["shopper"]).get("/api/trends/charts/wears/cluster.png").status_code == 403


def test_the_api_queues_a_report_when_none_exists(users, api_for):
    res = api_for(users["stylist"]).get("/api/trends/")
    assert res.status_code == 202 and res.json()["status"] == "queued"
    again = api_for(users["stylist"]).post("/api/trends/refresh/")
    assert again.status_code == 202 and again.json()["id"] == res.json()["id"]  # already on its way


def test_the_schema_lists_the_trends_api(users, api_for):
    from drf_spectacular.validation import validate_schema

    res = api_for(users["stylist"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(res.content)
    validate_schema(schema)
    for path in ("/api/trends/", "/api/trends/refresh/", "/api/trends/reports/{id}/",
                 "/api/trends/charts/{source}/{dimension}.png"):  # fmt: skip
        assert path in schema["paths"], path


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_stylist_asks_for_fresh_trends_and_a_real_worker_computes_them(trend_data, users, api_for, worker):
    stylist = api_for(users["stylist"])
    queued = stylist.post("/api/trends/refresh/")
    assert queued.status_code == 202
    done = wait_for(
        lambda: (
            (r := stylist.get(f"/api/trends/reports/{queued.json()['id']}/").json())["status"] in ("done", "failed")
            and r
        )
    )
    assert done["status"] == "done", done["error"]
    body = stylist.get("/api/trends/").json()
    assert body["report"]["id"] == queued.json()["id"] and body["refreshing"] is None
    closet = next(s for s in body["sources"] if s["key"] == "closet")
    assert [d["key"] for d in closet["dimensions"]] == ["category", "colour", "cluster"]
    assert [s["key"] for s in body["sources"]] == ["catalogue", "closet", "wears", "likes"]
    shirt = next(s for s in closet["dimensions"][0]["series"] if s["key"] == "shirt")
    assert shirt["shares"] == pytest.approx([0.25, 0.5, 0.75, 1.0])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_shows_the_charts_and_cluster_photos_in_a_browser(trend_data, users, live_server, page):
    _report_now()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "stylist")
    page.fill("input[name=password]", "pw-styliststylist")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/trends/")
    expect(page.locator("#source-catalogue h2")).to_contain_text("Catalogue")
    charts = page.locator("img.trend-chart")
    expect(charts).to_have_count(4 * 3)  # four sources x categories, colours, style clusters
    page.wait_for_function("[...document.querySelectorAll('img.trend-chart')].every(i => i.complete)")
    widths = page.eval_on_selector_all("img.trend-chart", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths and all(w == 800 for w in widths)
    expect(page.locator("#trend-catalogue-category tbody")).to_contain_text("Shoes")
    expect(page.locator("#clusters .trend-cluster")).to_have_count(2)
    photo = page.locator("#clusters .trend-cluster img").first
    expect(photo).to_be_visible()
    page.wait_for_function("[...document.querySelectorAll('#clusters img')].every(i => i.complete)")
    assert page.eval_on_selector("#clusters img", "i => i.naturalWidth") == 40
    expect(page.locator("#model-mae")).not_to_be_empty()


def test_a_failed_computation_says_why_and_keeps_the_last_good_report(trend_data, users, client, monkeypatch):
    good = _report_now()
    TrendReport.objects.filter(pk=good.pk).update(finished_at=good.finished_at - trends.REPORT_MAX_AGE)  # stale

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(trends, "trends_compute", broken)
    failed = TrendReport.objects.create()
    with pytest.raises(RuntimeError):
        trends.trend_report_run(report_id=failed.id)
    failed.refresh_from_db()
    assert failed.status == "failed" and failed.error == "RuntimeError: database went away"
    assert trends.trend_report_run(report_id=failed.id) is None  # a redelivered task claims nothing

    client.force_login(users["stylist"])
    html = client.get("/trends/").content.decode()
    assert "The last computation failed: RuntimeError: database went away" in html
    assert "Black shoes" in html  # the previous report is still shown
    assert TrendReport.objects.count() == 2  # no automatic retry loop; "Recompute now" asks again
    assert client.post("/trends/refresh/").status_code == 302
    assert TrendReport.objects.filter(status="queued").count() == 1
