"""Garment attributes (ml.attributes) through the API and the garment page: a real worker parses real demo
photos; each attribute carries the model's confidence; the user corrects one, a bad value is refused with a
message and changes nothing, and a re-parse keeps the correction."""

import numpy as np
import pytest
import torch
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from closet.models import Correction, Garment
from tests.conftest import DEMO, demo_photo, wait_for_jobs
from tests.test_browser import login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

SHOWN = {"articleType", "baseColour", "pattern", "usage", "season", "gender"}
SHOE_TYPES = {
    "Casual Shoes",
    "Sports Shoes",
    "Formal Shoes",
    "Heels",
    "Flats",
    "Sandals",
    "Flip Flops",
    "Sports Sandals",
}


def upload(client, *paths):
    files = [SimpleUploadedFile(p.name, p.read_bytes(), content_type="image/jpeg") for p in paths]
    res = client.post("/api/photos/", {"files": files}, format="multipart")
    assert res.status_code == 201, res.content
    return [r["job_id"] for r in res.json()["results"]]


def garment_of(client, job_id) -> dict:
    job = client.get(f"/api/jobs/{job_id}/").json()
    assert job["status"] == "done", job["error"]
    return client.get(f"/api/garments/{job['garment']['id']}/").json()


def test_a_parsed_garment_has_attributes_with_confidences_and_the_user_can_correct_them(worker, users, api_for):
    client = api_for(users["shopper"])
    shoes_job, pants_job, tee_job = upload(
        client, demo_photo("shoes", 0), demo_photo("pants", 0), demo_photo("t-shirt", 0)
    )
    wait_for_jobs([shoes_job, pants_job, tee_job])
    shoes, pants, tee = garment_of(client, shoes_job), garment_of(client, pants_job), garment_of(client, tee_job)

    for g in (shoes, pants):
        assert g["attributes_model_version"].startswith("garment-attributes-v1-")
        assert SHOWN <= set(g["attributes"])
        for name, a in g["attributes"].items():
            assert 0 < a["confidence"] <= 1, name
            assert a["source"] == "model" and a["value"] == a["predicted"] == a["top"][0]["value"]
            assert [t["confidence"] for t in a["top"]] == sorted((t["confidence"] for t in a["top"]), reverse=True)
    assert shoes["attributes"]["articleType"]["value"] in SHOE_TYPES
    assert shoes["attributes"]["articleType"]["within_group"] == "footwear"  # chosen within the garment's group
    assert pants["attributes"]["articleType"]["within_group"] == "bottoms"
    # the sleeve length, learned from closet photos, is given for garments that have sleeves only
    assert tee["category"] == "tshirt" and tee["attributes"]["sleeve"]["value"] == "short"
    assert 0 < tee["attributes"]["sleeve"]["confidence"] <= 1
    assert "sleeve" not in shoes["attributes"] and "sleeve" not in pants["attributes"]
    assert pants["attributes"]["articleType"]["value"] not in SHOE_TYPES
    # the heads read the product-feature model's tail (one pass with the category), stored beside the embedding
    stored = Garment.objects.get(id=shoes["id"])
    features = np.asarray(stored.product_embedding, dtype=np.float32)
    assert features.shape == (1280,) and abs(float(np.linalg.norm(features)) - 1) < 1e-4
    assert float(features @ np.asarray(stored.embedding, dtype=np.float32)) < 0.99  # not the category embedding
    listed = {g["id"]: g for g in client.get("/api/garments/").json()["results"]}
    assert listed[shoes["id"]]["attributes"] == shoes["attributes"]

    # a correction: the value the app uses becomes the user's, the model's answer stays beside it
    other = next(v for v in ("striped", "checked", "solid") if v != shoes["attributes"]["pattern"]["value"])
    res = client.patch(f"/api/garments/{shoes['id']}/", {"attributes": {"pattern": other}}, format="json")
    assert res.status_code == 200, res.content
    corrected = res.json()["attributes"]["pattern"]
    assert corrected["value"] == other and corrected["source"] == "user"
    assert corrected["predicted"] == shoes["attributes"]["pattern"]["predicted"]
    assert Correction.objects.filter(garment_id=shoes["id"], field="attribute:pattern", corrected=other).exists()

    # a value the model does not know is refused with a message, and nothing of the request is saved
    before = Garment.objects.get(id=shoes["id"])
    res = client.patch(
        f"/api/garments/{shoes['id']}/", {"category": "dress", "attributes": {"usage": "Gardening"}}, format="json"
    )
    assert res.status_code == 400 and "Gardening" in res.json()["detail"]
    after = Garment.objects.get(id=shoes["id"])
    assert (after.category, after.attributes) == (before.category, before.attributes)
    res = client.patch(f"/api/garments/{shoes['id']}/", {"attributes": {"sleeves": "long"}}, format="json")
    assert res.status_code == 400 and "Unknown attribute" in res.json()["detail"]

    # a re-parse refreshes the model's answers and keeps the user's
    res = client.post("/api/closet/reparse/")
    assert res.status_code == 202
    wait_for_jobs(res.json()["job_ids"])
    again = client.get(f"/api/garments/{shoes['id']}/").json()["attributes"]
    assert again["pattern"]["value"] == other and again["pattern"]["source"] == "user"
    assert again["articleType"] == shoes["attributes"]["articleType"]  # same photo, same model: same answer


@pytest.mark.browser
def test_the_garment_page_shows_attributes_with_confidences_and_takes_a_correction(
    live_server, users, page, make_garment
):
    garment = make_garment(users["shopper"], "shoes")
    login(page, live_server)
    page.goto(f"{live_server.url}/closet/garments/{garment.id}/")
    form = page.locator("#attributes")
    for name in SHOWN:
        row = form.locator(f"[data-attribute={name}]")
        expect(row.locator("select")).to_have_value(garment.attributes[name]["value"])
        expect(row).to_contain_text(f"model confidence {round(garment.attributes[name]['confidence'] * 100)}%")
    expect(form.locator("[data-attribute=sleeve]")).to_have_count(0)  # shoes have no sleeves
    usage = next(v for v in ("Formal", "Sports", "Casual") if v != garment.attributes["usage"]["value"])
    form.locator("[data-attribute=usage] select").select_option(usage)
    form.locator("button[type=submit]").click()
    expect(page.locator("#attributes [data-attribute=usage]")).to_contain_text("set by you")
    expect(page.locator("#attributes [data-attribute=usage] select")).to_have_value(usage)
    garment.refresh_from_db()
    assert garment.attributes["usage"]["value"] == usage and garment.attributes["usage"]["source"] == "user"


def test_imported_catalogue_products_get_attributes_with_confidences_beside_the_shops_columns(users, api_for, tmp_path):
    from shop.models import Product
    from tests.test_catalogue import demo_rows, run_import, write_catalog

    rows = demo_rows(3)
    job = run_import(write_catalog(tmp_path, rows))
    assert job.created_count == 3
    for product in Product.objects.filter(shop=job.shop):
        predicted = product.attributes["predicted_attributes"]
        assert predicted["model_version"].startswith("garment-attributes-v1-")
        assert SHOWN <= set(predicted)
        assert all(0 < predicted[k]["confidence"] <= 1 for k in SHOWN)
        assert product.attributes["predicted_category"] and product.attributes["shop_model_version"]  # still there
        assert len(product.product_embedding) == 1280  # what the heads and the shop vector read
        api = api_for(users["shopper"]).get(f"/api/shop/products/{product.id}/").json()
        assert api["attributes"]["predicted_attributes"] == predicted

    # importing again with unchanged photos keeps them without running the models
    again = run_import(write_catalog(tmp_path, rows))
    assert again.unchanged_count == 3
    assert all("predicted_attributes" in p.attributes for p in Product.objects.filter(shop=job.shop))


@pytest.mark.browser
def test_a_tops_page_shows_its_sleeve_length_and_takes_a_correction(live_server, users, page, make_garment):
    garment = make_garment(users["shopper"], "longsleeve")
    login(page, live_server)
    page.goto(f"{live_server.url}/closet/garments/{garment.id}/")
    row = page.locator("#attributes [data-attribute=sleeve]")
    expect(row).to_contain_text("Sleeves")
    expect(row.locator("select")).to_have_value(garment.attributes["sleeve"]["value"])
    other = next(v for v in ("sleeveless", "short", "long") if v != garment.attributes["sleeve"]["value"])
    row.locator("select").select_option(other)
    page.locator("#attributes button[type=submit]").click()
    expect(page.locator("#attributes [data-attribute=sleeve]")).to_contain_text("set by you")
    garment.refresh_from_db()
    assert garment.attributes["sleeve"] == {**garment.attributes["sleeve"], "value": other, "source": "user"}
    assert Correction.objects.filter(garment=garment, field="attribute:sleeve", corrected=other).exists()


def test_a_category_correction_to_another_group_rereads_the_type_within_it(users, api_for, make_garment):
    from ml.taxonomy import GROUP_OF, PRODUCT_CATEGORY

    garment = make_garment(users["shopper"], "shoes")
    assert garment.attributes["articleType"]["within_group"] == "footwear"
    client = api_for(users["shopper"])
    res = client.patch(f"/api/garments/{garment.id}/", {"category": "pants"}, format="json")
    assert res.status_code == 200, res.content
    article = res.json()["attributes"]["articleType"]
    assert article["within_group"] == "bottoms" and article["source"] == "model"
    assert GROUP_OF[PRODUCT_CATEGORY[article["value"]]] == "bottoms" and 0 < article["confidence"] <= 1
    assert res.json()["attributes"]["usage"]["predicted"] == garment.attributes["usage"]["predicted"]  # same photo


def test_the_attribute_heads_check_the_feature_version_without_building_the_feature_model():
    """A web process (a category correction) needs only the product-feature model's version, read from its
    checkpoint; the version read that way is the one the built model carries."""
    from closet import inference

    for cached in (inference.product_model, inference.product_model_version, inference.attributes_model):
        cached.cache_clear()
    try:
        version = inference.attributes_model()[1].garment_model_version
        assert inference.product_model.cache_info().currsize == 0  # the tail was not built
        assert version == inference.product_model_version() == inference.product_model()[2]["model_version"]
    finally:
        for cached in (inference.product_model, inference.product_model_version, inference.attributes_model):
            cached.cache_clear()


def test_the_closet_filters_by_sleeve_length_on_the_page_and_the_api(users, api_for, client, make_garment):
    from closet.attributes import garment_attributes_correct

    user = users["shopper"]
    dress, tee, shoes = (make_garment(user, p) for p in ("dress", "t-shirt", "shoes"))
    garment_attributes_correct(garment=dress, user=user, values={"sleeve": "sleeveless"})  # the user's value counts
    garment_attributes_correct(garment=tee, user=user, values={"sleeve": "short"})
    api = api_for(user)
    for sleeve, want in (("sleeveless", {dress.id}), ("short", {tee.id}), ("long", set())):
        got = {g["id"] for g in api.get(f"/api/garments/?sleeve={sleeve}").json()["results"]}
        assert got == want, sleeve
    assert len(api.get("/api/garments/").json()["results"]) == 3  # no filter: shoes too

    client.force_login(user)
    page = client.get("/closet/?sleeve=sleeveless").content.decode()
    assert f"/closet/garments/{dress.id}/" in page and f"/closet/garments/{tee.id}/" not in page
    assert '<option value="sleeveless" selected>' in page


def test_classify_runs_the_frozen_tails_and_the_eager_network_for_other_input_sizes(monkeypatch):
    from closet import inference

    shape, traced = inference.two_tails_frozen()
    calls = []
    monkeypatch.setattr(inference, "two_tails_frozen", lambda: (shape, lambda x: calls.append(x.shape) or traced(x)))
    photos = [Image.open(p).convert("RGB") for p in sorted(DEMO.glob("*.jpg"))[:3]]
    frozen = inference.classify(photos)
    assert calls == [torch.Size([3, *shape])]
    monkeypatch.setattr(inference, "two_tails_frozen", lambda: None)  # no trace (torch.jit gone): eager
    eager = inference.classify(photos)
    for a, b in zip(frozen, eager):
        assert a["category"] == b["category"]
        assert np.allclose(a["embedding"], b["embedding"], atol=1e-4)
        assert np.allclose(a["product_embedding"], b["product_embedding"], atol=1e-4)
