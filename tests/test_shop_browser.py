"""In headless Chromium: a shopper searches the shop, opens a product and completes a look; staff import."""

import zipfile

import pytest
from playwright.sync_api import expect

from shop import selectors
from shop.models import Product
from shop.permissions import catalogue_editor_grant
from tests.test_browser import login
from tests.test_catalogue import DEMO, demo_rows, run_import, write_catalog

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo_catalogue(users):
    job = run_import(DEMO / "catalog.csv", shop="Demo", images=DEMO / "images")
    assert job.created_count == len(demo_rows())


def test_a_shopper_searches_filters_and_completes_a_look(live_server, users, page, demo_catalogue, make_garment):
    garment = make_garment(users["shopper"], "shoes")
    login(page, live_server)
    page.goto(f"{live_server.url}/shop/")
    page.fill("input[name=q]", "shoes under 60")
    page.click("#search-go")
    expect(page.locator("#parsed")).to_contain_text("shoes")
    expect(page.locator("#parsed")).to_contain_text("up to 60")
    n = Product.objects.filter(category="shoes", price__lte=60).count()
    expect(page.locator("#results .tile")).to_have_count(n)

    page.goto(f"{live_server.url}/closet/garments/{garment.id}/")
    page.click("#shop-similar")
    expect(page.locator("#anchor")).to_contain_text("Similar to your")
    expect(page.locator("#results .tile")).to_have_count(20)
    page.click("#next")
    expect(page.locator("#results .tile")).to_have_count(20)
    page.click("#prev")
    page.locator("#results .tile a").first.click()  # the nearest product to the shopper's own shoes
    expect(page.locator("#product-title")).to_be_visible()
    expect(page.locator("#owned .tile")).to_have_count(1)
    expect(page.locator("#boards .board").first).to_be_visible()
    product_id = int(page.url.rstrip("/").rsplit("/", 1)[1])  # /shop/products/<id>/
    anchor = Product.objects.get(id=product_id)
    same_group = Product.objects.filter(category_group=anchor.category_group).exclude(id=product_id).count()
    expect(page.locator("#similar .tile")).to_have_count(min(8, same_group))  # of its own group only
    # similar products likely of the same type and colour say so (ml.shop.rerank)
    group = selectors.ProductFilter(groups=[anchor.category_group])
    similar = selectors.similar_products(anchor=anchor, filters=group, limit=8).products
    likely = [p.id for p in similar if p.agreement >= 0.5]
    expect(page.locator("#similar .same-kind")).to_have_count(len(likely))
    for pid in likely:
        expect(page.locator(f"#similar [data-product='{pid}'] .same-kind")).to_be_visible()
    # what the attribute model read from the product's photo, each with its confidence
    shown = anchor.attributes["predicted_attributes"]
    for name in ("articleType", "pattern", "usage"):
        row = page.locator(f"#predicted-attributes [data-attribute={name}]")
        expect(row).to_contain_text(shown[name]["value"])
        expect(row).to_contain_text(f"model confidence {round(shown[name]['confidence'] * 100)}%")

    page.goto(f"{live_server.url}/closet/garments/{garment.id}/")
    page.click("#complete-look")
    expect(page.locator("#boards .board").first.locator(".tile")).to_have_count(2)


@pytest.mark.worker
def test_staff_import_a_catalogue_and_see_bad_rows(worker, live_server, users, page, tmp_path):
    catalogue_editor_grant(user=users["shopper"])
    rows = demo_rows(3) + [{**demo_rows(4)[3], "id": "", "title": "no id"}]
    path = write_catalog(tmp_path, rows)
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for r in rows:
            z.write(tmp_path / "images" / r["images"], r["images"])
    login(page, live_server)
    page.goto(f"{live_server.url}/shop/imports/")
    page.fill("#import-form input[name=shop]", "Boutique")
    page.set_input_files("#import-form input[name=catalog]", str(path))
    page.set_input_files("#import-form input[name=images]", str(archive))
    page.click("#import-go")
    expect(page.locator("#import-status")).to_have_attribute("data-status", "done", timeout=120_000)
    expect(page.locator("#import-counts")).to_contain_text("3 new")
    expect(page.locator("#row-errors")).to_contain_text("`id` is missing")
    expect(page.locator("#row-errors")).to_contain_text("5")
    assert Product.objects.filter(shop__name="Boutique").count() == 3
