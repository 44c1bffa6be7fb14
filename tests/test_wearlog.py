"""The wear log: outfit photos, confirming their garments, the calendar, privacy and bad input.

The detector's own run through a real worker is in test_wearlog_flow.py. Here the garments of the committed
flat-lay are found from the boxes the flat-lay was built with (scripts/make_outfit_flatlay.py), and everything
after the detector is the real pipeline: crop, GrabCut from the box, garment model, matching, storage.
"""

import datetime
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from closet import inference as garment_inference
from closet.models import Garment, IngestJob, Photo
from ml.detect.person_help import runs_off_the_bottom
from recommend.models import Wear
from scripts.make_outfit_flatlay import DEMO, PIECES, flatlay
from tests.imaging import truncated_jpeg
from wearlog import inference, services
from wearlog.models import Detection, OutfitPhoto

pytestmark = pytest.mark.django_db

FLATLAY = Path(__file__).resolve().parent / "data" / "outfit-flatlay.jpg"
LABELS = ["top", "pants", "footwear"]  # the detector's names for the flat-lay's pieces, in order


def flatlay_boxes() -> list[tuple]:
    canvas, boxes = flatlay([DEMO / name for name in PIECES])
    assert Image.open(FLATLAY).size == canvas.size  # the committed photo is what the script makes
    return boxes


def outfit_from_known_boxes(owner, **upload) -> OutfitPhoto:
    """An outfit photo whose job ran with the flat-lay's known boxes in place of the detector."""
    photo = services.outfit_photo_upload(owner=owner, name=FLATLAY.name, data=FLATLAY.read_bytes(), **upload)
    OutfitPhoto.objects.filter(id=photo.id).update(status=OutfitPhoto.Status.RUNNING)
    source = services._source_open(photo)
    found = [
        services._garment_cut(source, box, label=label, score=1.0, to_stored=photo.width / source.width)
        for box, label in zip(flatlay_boxes(), LABELS)
    ]
    predictions = garment_inference.classify([f.crop for f in found])
    versions = ("known-boxes", garment_inference.model_version())
    return services._detections_save(photo.id, found, predictions, versions)


@pytest.fixture
def closet(users, make_garment):
    """The shopper's closet: the flat-lay's own three garments (their closet photos) and a skirt."""
    owner = users["shopper"]
    return {
        "top": make_garment(owner, "t-shirt", 0),
        "pants": make_garment(owner, "pants", 0),
        "shoes": make_garment(owner, "shoes", 0),
        "skirt": make_garment(owner, "skirt", 0),
    }


def confirm(client, photo_id, decisions, **extra):
    return client.post(f"/api/outfit-photos/{photo_id}/confirm/", {"decisions": decisions, **extra}, format="json")


def upload(client, name, data, **fields):
    return client.post("/api/outfit-photos/", {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def assert_nothing_stored(media_files):
    assert not OutfitPhoto.objects.exists() and not Detection.objects.exists()
    assert media_files() == []


def test_the_garments_of_an_outfit_photo_are_cut_out_classified_and_matched_to_the_closet(users, api_for, closet):
    photo = outfit_from_known_boxes(users["shopper"])
    body = api_for(users["shopper"]).get(f"/api/outfit-photos/{photo.id}/").json()
    assert body["status"] == "done" and body["progress"] == 100
    assert body["detector_version"] == "known-boxes" and body["model_version"].startswith("garment-category")
    detections = body["detections"]
    assert [d["label"] for d in detections] == LABELS
    assert [d["category"] for d in detections][1:] == ["pants", "shoes"]
    assert detections[0]["category"] in ("tshirt", "blouse", "shirt", "top", "longsleeve")
    for d, own in zip(detections, [closet["top"], closet["pants"], closet["shoes"]]):
        # each piece's own closet photo is its nearest garment of its group, and close enough to be "likely"
        assert d["matches"][0]["garment"] == own.id, d["matches"]
        assert d["matches"][0]["likely"] is True
        assert [m["distance"] for m in d["matches"]] == sorted(m["distance"] for m in d["matches"])
        assert closet["skirt"].id not in [m["garment"] for m in d["matches"]] or d["category"] == "pants"
        cutout = Image.open(Detection.objects.get(id=d["id"]).cutout.path)
        alpha = np.asarray(cutout)[:, :, 3]
        assert cutout.mode == "RGBA" and (alpha == 0).any() and (alpha == 255).mean() > 0.2
    assert api_for(users["shopper"]).get(detections[0]["cutout_url"]).status_code == 200
    [listed] = api_for(users["shopper"]).get("/api/outfit-photos/").json()["results"]
    assert listed["detections"][1]["matches"][0]["category"] == "pants"
    assert listed["detections"][1]["matches"][0]["cutout_url"].startswith("/media/cutouts/")


def test_confirming_logs_wears_adds_a_new_garment_and_twice_changes_nothing(users, api_for, closet):
    client = api_for(users["shopper"])
    photo = outfit_from_known_boxes(users["shopper"])
    top, pants, shoes = photo.detections.order_by("position")
    day = timezone.localdate() - datetime.timedelta(days=3)
    decisions = [
        {"detection": top.id, "action": "match", "garment": closet["top"].id},
        {"detection": pants.id, "action": "match"},  # the nearest suggestion
        {"detection": shoes.id, "action": "new"},
    ]
    res = confirm(client, photo.id, decisions, worn_on=str(day))
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["worn_on"] == str(day) and body["confirmed_at"]
    new_id = body["detections"][2]["garment"]
    new = Garment.objects.get(id=new_id)
    assert new.owner == users["shopper"] and new.category == "shoes" and new.cutout_method == "grabcut-rect"
    assert new.photo.job.status == IngestJob.Status.DONE and new.embedding is not None and new.cutout_box
    alpha = np.asarray(Image.open(new.cutout.path))[:, :, 3]
    assert (alpha == 0).any() and (alpha == 255).mean() > 0.2
    assert new.attributes.get("model_version") and new.shop_embedding is not None
    worn = {(w.garment_id, w.worn_on) for w in Wear.objects.filter(owner=users["shopper"])}
    assert worn == {(closet["top"].id, day), (closet["pants"].id, day), (new_id, day)}

    again = confirm(client, photo.id, decisions, worn_on=str(day))
    assert again.status_code == 200
    assert again.json()["detections"][2]["garment"] == new_id
    assert Garment.objects.filter(owner=users["shopper"]).count() == 5  # the closet's four and the new shoes
    assert Photo.objects.filter(owner=users["shopper"]).count() == 5
    assert Wear.objects.filter(owner=users["shopper"]).count() == 3

    # another date moves the wears; ignoring the new shoes removes their wear but keeps the garment
    later = day + datetime.timedelta(days=1)
    decisions[2] = {"detection": shoes.id, "action": "ignore"}
    assert confirm(client, photo.id, decisions, worn_on=str(later)).status_code == 200
    worn = {(w.garment_id, w.worn_on) for w in Wear.objects.filter(owner=users["shopper"])}
    assert worn == {(closet["top"].id, later), (closet["pants"].id, later)}
    assert Garment.objects.filter(id=new_id).exists()
    decisions[2] = {"detection": shoes.id, "action": "new"}  # and adding them again reuses that garment
    assert confirm(client, photo.id, decisions).json()["detections"][2]["garment"] == new_id
    assert Garment.objects.filter(owner=users["shopper"]).count() == 5


def test_a_wear_logged_elsewhere_that_day_is_kept_when_the_photo_changes_its_mind(users, api_for, closet):
    from recommend.services import feedback_give

    client = api_for(users["shopper"])
    photo = outfit_from_known_boxes(users["shopper"])
    top = photo.detections.get(position=0)
    feedback_give(owner=users["shopper"], kind="wore", garment=closet["top"], day=photo.worn_on)
    assert confirm(client, photo.id, [{"detection": top.id, "action": "match"}]).status_code == 200
    assert Wear.objects.filter(garment=closet["top"]).count() == 1
    assert confirm(client, photo.id, [{"detection": top.id, "action": "ignore"}]).status_code == 200
    assert Wear.objects.filter(garment=closet["top"], worn_on=photo.worn_on).count() == 1


def test_bad_decisions_get_a_clear_400_and_change_nothing(users, api_for, closet, make_garment):
    client = api_for(users["shopper"])
    photo = outfit_from_known_boxes(users["shopper"])
    top, pants, _ = photo.detections.order_by("position")
    theirs = make_garment(users["stranger"], "pants", 1)
    cases = [
        ([{"detection": top.id, "action": "match"}, {"detection": pants.id, "action": "wear"}], {}, "action"),
        ([{"detection": 999999, "action": "ignore"}], {}, "not in this photo"),
        ([{"detection": pants.id, "action": "match", "garment": theirs.id}], {}, "not in your closet"),
        ([{"detection": top.id, "action": "new"}, {"detection": top.id, "action": "ignore"}], {}, "two decisions"),
        ([], {}, "at least one"),
        ([{"detection": top.id, "action": "match"}], {"worn_on": "2999-01-01"}, "future"),
    ]
    for decisions, extra, message in cases:
        res = confirm(client, photo.id, decisions, **extra)
        assert res.status_code == 400, (decisions, res.content)
        assert message in str(res.json()), (message, res.json())
    assert not Wear.objects.exists() and Garment.objects.count() == 5
    assert not Detection.objects.exclude(action="").exists()


def test_a_stranger_can_neither_see_nor_confirm_nor_delete_an_outfit_photo(users, api_for, closet, client):
    photo = outfit_from_known_boxes(users["shopper"])
    detection = photo.detections.first()
    stranger = api_for(users["stranger"])
    assert stranger.get(f"/api/outfit-photos/{photo.id}/").status_code == 404
    assert stranger.get("/api/outfit-photos/").json()["results"] == []
    assert confirm(stranger, photo.id, [{"detection": detection.id, "action": "new"}]).status_code == 404
    assert stranger.delete(f"/api/outfit-photos/{photo.id}/").status_code == 404
    owner_view = api_for(users["shopper"]).get(f"/api/outfit-photos/{photo.id}/").json()
    for url in (owner_view["image_url"], owner_view["detections"][0]["cutout_url"]):
        assert stranger.get(url).status_code == 404
    client.force_login(users["stranger"])
    assert client.get(f"/wears/photos/{photo.id}/").status_code == 404
    assert client.post(f"/wears/photos/{photo.id}/", {f"d{detection.id}": "new"}).status_code == 404
    assert client.post(f"/wears/photos/{photo.id}/delete/").status_code == 404
    assert not Wear.objects.exists() and OutfitPhoto.objects.filter(id=photo.id).exists()
    assert stranger.get("/api/wears/").json()["days"] == []


@pytest.mark.django_db(transaction=True)  # files go once the delete commits
def test_deleting_an_outfit_photo_deletes_its_files_but_not_garments_or_wears(
    users, api_for, closet, private_media_root, broker_url
):
    client = api_for(users["shopper"])
    photo = outfit_from_known_boxes(users["shopper"])
    top, _, shoes = photo.detections.order_by("position")
    confirm(client, photo.id, [{"detection": top.id, "action": "match"}, {"detection": shoes.id, "action": "new"}])
    files = [Path(private_media_root) / photo.image.name]
    files += [
        Path(private_media_root) / n for d in photo.detections.all() for n in (d.crop.name, d.cutout.name, d.mask.name)
    ]
    assert len(files) == 10 and all(f.is_file() for f in files)
    new = Garment.objects.get(id=Detection.objects.get(id=shoes.id).garment_id)
    assert client.delete(f"/api/outfit-photos/{photo.id}/").status_code == 204
    assert not any(f.exists() for f in files)
    assert not OutfitPhoto.objects.exists() and not Detection.objects.exists()
    assert Path(new.cutout.path).is_file() and Wear.objects.filter(owner=users["shopper"]).count() == 2


@pytest.mark.parametrize(
    "name, data, fields, message",
    [
        ("notes.txt", b"not a photo at all", {}, "not a supported image"),
        ("cut.jpg", truncated_jpeg(), {}, "truncated or corrupt"),
        ("empty.jpg", b"", {}, "empty"),
        ("outfit.jpg", FLATLAY.read_bytes(), {"worn_on": "2999-12-31"}, "future"),
        ("outfit.jpg", FLATLAY.read_bytes(), {"worn_on": "yesterday"}, "worn_on"),
    ],
)
def test_a_bad_outfit_photo_gets_a_clear_400_and_nothing_is_stored(
    users, api_for, media_files, name, data, fields, message
):
    res = upload(api_for(users["shopper"]), name, data, **fields)
    assert res.status_code == 400, res.content
    assert message in str(res.json()), res.json()
    assert_nothing_stored(media_files)


def test_an_outfit_photo_over_the_size_limit_gets_a_clear_400(users, api_for, media_files, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    res = upload(api_for(users["shopper"]), "big.jpg", FLATLAY.read_bytes())
    assert res.status_code == 400 and "the limit is 0.0 MB" in res.json()["detail"]
    assert_nothing_stored(media_files)


def test_an_upload_without_a_file_gets_a_clear_400(users, api_for, media_files):
    res = api_for(users["shopper"]).post("/api/outfit-photos/", {}, format="multipart")
    assert res.status_code == 400 and "multipart field `file`" in res.json()["detail"]
    assert_nothing_stored(media_files)


def test_the_worn_date_defaults_to_the_photos_own_date_then_today(users, api_for):
    client = api_for(users["shopper"])
    image = Image.open(FLATLAY)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:03:14 09:30:00"  # DateTimeOriginal
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    dated = upload(client, "dated.jpg", out.getvalue())
    assert dated.status_code == 202 and dated.json()["worn_on"] == "2026-03-14" and dated.json()["status"] == "queued"
    assert upload(client, "plain.jpg", FLATLAY.read_bytes()).json()["worn_on"] == str(timezone.localdate())
    chosen = upload(client, "chosen.jpg", FLATLAY.read_bytes(), worn_on="2026-01-02")
    assert chosen.json()["worn_on"] == "2026-01-02"
    stored = OutfitPhoto.objects.get(id=dated.json()["id"])
    assert Image.open(stored.image.path).getexif().get_ifd(0x8769) == {}  # the metadata is not kept


def test_without_the_detector_weights_the_job_fails_with_a_clear_reason(users, settings, tmp_path, client):

    settings.ML_WEIGHTS_DIR = tmp_path  # no garment_detector.pt here
    inference.detector.cache_clear()
    photo = services.outfit_photo_upload(owner=users["shopper"], name="o.jpg", data=FLATLAY.read_bytes())
    try:
        done = services.outfit_photo_detect(outfit_photo_id=photo.id)
    finally:
        inference.detector.cache_clear()
    assert done.status == "failed" and not done.detections.exists()
    assert "detector is not installed" in done.error and "garment_detector.pt" in done.error
    assert services.outfit_photo_detect(outfit_photo_id=photo.id) is None  # a failed job is not taken again
    client.force_login(users["shopper"])
    assert "detector is not installed" in client.get(f"/wears/photos/{photo.id}/").content.decode()


def test_the_calendar_shows_a_month_of_wears_with_cost_per_wear_and_the_outfit_photo(users, api_for, closet, client):
    api = api_for(users["shopper"])
    photo = outfit_from_known_boxes(users["shopper"], worn_on=datetime.date(2026, 3, 14))
    top, pants, _ = photo.detections.order_by("position")
    api.patch(f"/api/garments/{closet['top'].id}/state/", {"price": "30.00"}, format="json")
    Wear.objects.create(owner=users["shopper"], garment=closet["top"], worn_on=datetime.date(2026, 3, 2))
    confirm(api, photo.id, [{"detection": top.id, "action": "match"}, {"detection": pants.id, "action": "match"}])

    march = api.get("/api/wears/?month=2026-03").json()
    assert (march["month"], march["previous"], march["next"]) == ("2026-03", "2026-02", "2026-04")
    assert [d["date"] for d in march["days"]] == ["2026-03-02", "2026-03-14"]
    plain, logged = march["days"]
    assert plain["wears"][0]["outfit_photo"] is None and plain["wears"][0]["cost_per_wear"] == 15.0
    by_garment = {w["garment"]: w for w in logged["wears"]}
    assert set(by_garment) == {closet["top"].id, closet["pants"].id}
    assert all(w["outfit_photo"] == photo.id for w in logged["wears"])
    assert by_garment[closet["pants"].id]["cost_per_wear"] is None  # no price entered
    assert api.get(logged["wears"][0]["outfit_photo_url"]).status_code == 200
    assert api.get("/api/wears/?month=2026-04").json()["days"] == []
    for bad in ("2026-13", "march", "2026"):
        assert api.get(f"/api/wears/?month={bad}").status_code == 400

    client.force_login(users["shopper"])
    page = client.get("/wears/?month=2026-03").content.decode()
    assert "March 2026" in page and page.count('class="wear"') == 3 and "15.00/wear" in page
    assert f'href="/wears/photos/{photo.id}/"' in page and "?month=2026-02" in page and "?month=2026-04" in page
    assert 'aria-current="date"' not in page  # today is not in March 2026
    today = client.get("/wears/").content.decode()
    assert today.count('aria-current="date"') == 1
    assert f'aria-current="date" data-date="{timezone.localdate().isoformat()}"' in today


def test_the_review_page_confirms_the_choices_made_in_its_form(users, client, closet):
    photo = outfit_from_known_boxes(users["shopper"])
    top, pants, shoes = photo.detections.order_by("position")
    client.force_login(users["shopper"])
    page = client.get(f"/wears/photos/{photo.id}/").content.decode()
    assert page.count('class="detection"') == 3 and "This is my" in page and "Add as a new closet item" in page
    res = client.post(
        f"/wears/photos/{photo.id}/",
        {
            f"d{top.id}": f"match:{closet['top'].id}",
            f"d{pants.id}": "match:other",
            f"other{pants.id}": str(closet["pants"].id),
            f"d{shoes.id}": "ignore",
            "worn_on": "2026-02-10",
        },
    )
    assert res.status_code == 302 and res["Location"].endswith("/wears/?month=2026-02")
    worn = {(w.garment_id, str(w.worn_on)) for w in Wear.objects.all()}
    assert worn == {(closet["top"].id, "2026-02-10"), (closet["pants"].id, "2026-02-10")}
    assert Detection.objects.get(id=shoes.id).action == "ignore"


def test_the_wear_log_api_is_in_the_valid_openapi_schema(users, api_for):
    import json

    from django.core.management import call_command
    from drf_spectacular.validation import validate_schema

    res = api_for(users["shopper"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(res.content)
    validate_schema(schema)
    for path in ("/api/outfit-photos/", "/api/outfit-photos/{id}/", "/api/outfit-photos/{id}/confirm/", "/api/wears/"):
        assert path in schema["paths"], path
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_worker_starting_re_sends_outfit_photo_jobs_whose_message_was_lost(users, broker_url):
    fresh = services.outfit_photo_upload(owner=users["shopper"], name="a.jpg", data=FLATLAY.read_bytes())
    lost = services.outfit_photo_upload(owner=users["shopper"], name="b.jpg", data=FLATLAY.read_bytes())
    stuck = services.outfit_photo_upload(owner=users["shopper"], name="c.jpg", data=FLATLAY.read_bytes())
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    OutfitPhoto.objects.filter(id=lost.id).update(created_at=long_ago)
    OutfitPhoto.objects.filter(id=stuck.id).update(status="running", started_at=long_ago, created_at=long_ago)
    assert services.outfit_photos_requeue_stale() == 2
    OutfitPhoto.objects.filter(id__in=[lost.id, stuck.id]).update(status="done")
    assert services.outfit_photos_requeue_stale() == 0 and fresh.status == "queued"
    OutfitPhoto.objects.filter(id=fresh.id).update(status="running", started_at=timezone.now())
    assert services.outfit_photo_detect(outfit_photo_id=fresh.id) is None  # a second message while it runs


def test_a_crops_category_follows_the_garment_model_when_it_agrees_or_is_surer_than_the_detector():
    def model(*answers):
        return {"top": [{"category": c, "confidence": p} for c, p in answers]}

    assert services._category("pants", model(("shoes", 0.9), ("pants", 0.05)), 0.4) == ("shoes", 0.9)
    assert services._category("pants", model(("skirt", 0.3), ("pants", 0.2)), 0.8) == ("skirt", 0.3)  # same group
    assert services._category("pants", model(("shoes", 0.3), ("shorts", 0.2)), 0.8) == ("shorts", 0.2)
    assert services._category("pants", model(("shoes", 0.3), ("hat", 0.2)), 0.8) == ("pants", 0.8)


def test_worn_trousers_running_out_of_the_photo_are_not_called_shorts_by_their_crop():
    def model(*answers):
        return {"top": [{"category": c, "confidence": p} for c, p in answers]}

    short_looking = model(("shorts", 0.8), ("pants", 0.15), ("skirt", 0.05))
    assert services._category("pants", short_looking, 0.3) == ("shorts", 0.8)  # the hem is in view: its answer
    assert services._category("pants", short_looking, 0.3, length_unseen=True) == ("pants", 0.15)
    only_shorts = model(("shorts", 0.9), ("tshirt", 0.1))
    assert services._category("pants", only_shorts, 0.3, length_unseen=True) == ("pants", 0.3)
    assert services._category("top", model(("shorts", 0.8)), 0.3, length_unseen=True) == ("shorts", 0.8)
    assert runs_off_the_bottom((10, 100, 90, 199), 200) and not runs_off_the_bottom((10, 100, 90, 180), 200)


def test_a_garment_added_from_an_outfit_photo_survives_a_re_run_of_the_models(users, api_for, closet):
    from closet.services import job_run

    photo = outfit_from_known_boxes(users["shopper"])
    shoes = photo.detections.get(position=2)
    res = confirm(api_for(users["shopper"]), photo.id, [{"detection": shoes.id, "action": "new"}])
    new = Garment.objects.get(id=res.json()["detections"][2]["garment"])
    IngestJob.objects.filter(photo=new.photo).update(status="queued")
    assert job_run(job_id=new.photo.job.id).status == "done"
    rerun = Garment.objects.get(photo=new.photo)
    assert rerun.id == new.id and rerun.cutout_method == "grabcut-rect" and rerun.cutout_box == new.cutout_box
    assert rerun.category == "shoes"


class LeftPerson:
    """A hand-made person parse (no person photo is committed): someone standing in the photo's left 60%."""

    def parse(self, rgb):
        from ml.person import LANDMARKS, PersonParse, body_regions

        h, w = rgb.shape[:2]
        mask = np.zeros((h, w), np.float32)
        mask[:, : int(0.6 * w)] = 1.0
        landmarks = np.zeros((33, 3), np.float32)
        landmarks[:, 2] = 1.0
        for name, (x, y) in {
            "left_shoulder": (0.4, 0.15), "right_shoulder": (0.2, 0.15), "left_elbow": (0.45, 0.3),
            "right_elbow": (0.15, 0.3), "left_hip": (0.35, 0.5), "right_hip": (0.25, 0.5), "left_knee": (0.35, 0.7),
            "right_knee": (0.25, 0.7), "left_ankle": (0.35, 0.9), "right_ankle": (0.25, 0.9),
        }.items():  # fmt: skip
            landmarks[LANDMARKS.index(name), :2] = (x * w, y * h)
        return PersonParse(mask, landmarks, 0.99, body_regions(landmarks, w, h))


def test_a_photo_of_a_person_is_read_with_the_person_help_and_says_so(users, monkeypatch):

    owner = users["shopper"]
    flat = services.outfit_photo_upload(owner=owner, name=FLATLAY.name, data=FLATLAY.read_bytes())
    flat = services.outfit_photo_detect(outfit_photo_id=flat.id)  # the real parse: no one in a flat-lay
    assert flat.status == "done" and flat.detector_version == inference.detector_version()
    assert "+" not in flat.detector_version and flat.detections.exists()

    monkeypatch.setattr(inference, "person_parser", lambda: LeftPerson())
    worn = services.outfit_photo_upload(owner=owner, name=FLATLAY.name, data=FLATLAY.read_bytes())
    worn = services.outfit_photo_detect(outfit_photo_id=worn.id)
    assert worn.status == "done" and worn.detector_version == inference.detector_version() + "+person2"
    boxes = [d.box for d in worn.detections.exclude(label="bag")]
    assert boxes and all(box[2] <= 0.6 * worn.width + 2 for box in boxes)  # clipped to the person
    assert any(box[2] > 0.6 * flat.width + 2 for box in (d.box for d in flat.detections.all()))

    monkeypatch.setattr(inference, "person_parser", lambda: None)  # model files missing: the detector alone
    alone = services.outfit_photo_upload(owner=owner, name=FLATLAY.name, data=FLATLAY.read_bytes())
    alone = services.outfit_photo_detect(outfit_photo_id=alone.id)
    assert alone.detector_version == flat.detector_version
    assert [(d.label, d.box) for d in alone.detections.order_by("position")] == [
        (d.label, d.box) for d in flat.detections.order_by("position")
    ]


def test_missing_person_model_files_are_warned_about_once_and_turn_the_help_off(monkeypatch, caplog):
    from ml.person import ModelFileError, PersonParser

    def refuse():
        raise ModelFileError("pose_landmark_full.tflite is missing")

    monkeypatch.setattr(PersonParser, "shared", refuse)
    inference.person_parser.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="wearlog.inference"):
            assert inference.person_parser() is None and inference.person_parser() is None
    finally:
        inference.person_parser.cache_clear()
    warnings = [r for r in caplog.records if "without the person parse" in r.getMessage()]
    assert len(warnings) == 1 and "pose_landmark_full.tflite" in warnings[0].getMessage()


def test_seed_demo_logs_the_flatlay_as_an_outfit_photo_once_without_a_worker(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    from closet.management.commands.seed_demo import seed_outfit_photo
    from wearlog.tasks import detect_outfit_task

    owner = users["shopper"]
    queued = []
    monkeypatch.setattr(detect_outfit_task, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        first = seed_outfit_photo(shopper=owner)
        again = seed_outfit_photo(shopper=owner)
    assert queued == []  # nothing for a worker: the detection ran here
    photo = OutfitPhoto.objects.get(owner=owner)
    assert photo.status == "done" and photo.original_filename == FLATLAY.name
    assert photo.detections.count() >= 2 and first == again and f"{photo.detections.count()} garments" in first
    assert not OutfitPhoto.objects.exclude(owner=owner).exists()


def test_the_wearers_face_is_left_out_of_a_worn_garments_cut_out():
    """GrabCut from the box keeps a chin or a face inside a top's box (23 of 56 upper-body cut-outs on the
    on-model photos, README); the face ellipse from the person parse is taken out, and never the whole garment."""
    source = np.full((300, 200, 3), 235, np.uint8)
    source[60:260, 40:160] = (40, 60, 120)  # a dark garment on a light wall; the "face" sits in its top part
    image = Image.fromarray(source)
    box = (40, 60, 160, 260)
    plain = services._garment_cut(image, box, label="top", score=0.9, to_stored=1.0)
    helped = services._garment_cut(image, box, label="top", score=0.9, to_stored=1.0, face=(80, 90, 120, 150))

    def at(found, x, y):  # the cut-out's mask at a point of the source photo
        (h, w), (x0, y0, x1, y1) = found.mask.shape, found.window
        return found.mask[int((y - y0) * h / (y1 - y0)), int((x - x0) * w / (x1 - x0))] > 127

    assert at(plain, 100, 120) and at(helped, 100, 200)  # the garment, with and without the face taken out
    assert not at(helped, 100, 120)  # the face's centre is gone
    assert at(plain, 82, 92) and at(helped, 82, 92)  # the ellipse, not its box: the box's corner stays garment
    whole = services._garment_cut(image, box, label="top", score=0.9, to_stored=1.0, face=(0, 0, 200, 300))
    assert whole.mask.any()  # a face box over everything: the cut-out is kept as it was
