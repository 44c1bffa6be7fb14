"""An outfit photo through the API, a real Celery worker, the real garment detector and the real Postgres."""

import datetime
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from closet.models import Garment
from recommend.models import Wear
from tests.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

FLATLAY = Path(__file__).resolve().parent / "data" / "outfit-flatlay.jpg"  # t-shirt, pants, shoes


def test_an_outfit_photo_is_detected_on_a_worker_confirmed_and_logged_on_the_calendar(
    worker, users, api_for, make_garment
):
    owner = users["shopper"]
    client = api_for(owner)
    tshirt = make_garment(owner, "t-shirt", 0)  # the flat-lay's own top, photographed for the closet
    make_garment(owner, "skirt", 0)
    res = client.post(
        "/api/outfit-photos/",
        {"file": SimpleUploadedFile(FLATLAY.name, FLATLAY.read_bytes()), "worn_on": "2026-11-20"},
        format="multipart",
    )
    assert res.status_code == 202 and res.json()["status"] == "queued", res.content
    url = f"/api/outfit-photos/{res.json()['id']}/"
    done = wait_for(lambda: (p := client.get(url).json())["status"] in ("done", "failed") and p, timeout=180)
    assert done["status"] == "done", done["error"]
    assert done["progress"] == 100 and done["attempts"] == 1 and done["detector_version"]
    detections = done["detections"]
    assert len(detections) >= 2, [(d["label"], d["score"]) for d in detections]
    for d in detections:
        assert d["score"] >= settings.OUTFIT_MIN_SCORE and d["crop_url"] and d["cutout_url"] and len(d["box"]) == 4
        x0, y0, x1, y1 = d["box"]
        assert 0 <= x0 < x1 <= done["width"] and 0 <= y0 < y1 <= done["height"]

    # the top is matched to the t-shirt's closet photo; another garment is added as new
    top = next(d for d in detections if d["matches"] and d["matches"][0]["garment"] == tshirt.id)
    assert top["matches"][0]["likely"], top["matches"]
    other = next(d for d in detections if d["id"] != top["id"] and d["category"] not in ("tshirt", "top"))
    decisions = [{"detection": top["id"], "action": "match"}, {"detection": other["id"], "action": "new"}]
    decisions += [{"detection": d["id"], "action": "ignore"} for d in detections if d not in (top, other)]
    confirmed = client.post(f"{url}confirm/", {"decisions": decisions}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    new_id = next(d["garment"] for d in confirmed.json()["detections"] if d["id"] == other["id"])
    new = Garment.objects.get(id=new_id, owner=owner)
    assert new.category == other["category"] and new.embedding is not None
    alpha = np.asarray(Image.open(new.cutout.path))[:, :, 3]
    assert (alpha == 0).any() and (alpha == 255).mean() > 0.2
    day = datetime.date(2026, 11, 20)
    assert {(w.garment_id, w.worn_on) for w in Wear.objects.filter(owner=owner)} == {(tshirt.id, day), (new_id, day)}

    # confirming again duplicates nothing
    assert client.post(f"{url}confirm/", {"decisions": decisions}, format="json").status_code == 200
    assert Wear.objects.filter(owner=owner).count() == 2 and Garment.objects.filter(owner=owner).count() == 3

    calendar = client.get("/api/wears/?month=2026-11").json()
    [logged] = calendar["days"]
    assert logged["date"] == "2026-11-20"
    assert {w["garment"] for w in logged["wears"]} == {tshirt.id, new_id}
    assert all(w["outfit_photo"] == done["id"] for w in logged["wears"])
    assert api_for(users["stranger"]).get(url).status_code == 404
