"""Real photos through the API, a real Celery worker process and the real Postgres."""

import io
import os

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from closet.models import Garment, IngestJob
from closet.services import job_run
from tests.conftest import demo_photo, wait_for, wait_for_jobs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

EXPECTED = {"pants": "pants", "shoes": "shoes", "dress": "dress"}


def upload(client, *paths):
    files = [SimpleUploadedFile(p.name, p.read_bytes(), content_type="image/jpeg") for p in paths]
    res = client.post("/api/photos/", {"files": files}, format="multipart")
    assert res.status_code == 201, res.content
    return [r["job_id"] for r in res.json()["results"]]


def test_uploaded_photos_become_cut_out_classified_coloured_embedded_garments(worker, users, api_for):
    client = api_for(users["shopper"])
    paths = {prefix: demo_photo(prefix) for prefix in EXPECTED}
    job_ids = upload(client, *paths.values())
    jobs = wait_for_jobs(job_ids)
    assert [jobs[i].status for i in job_ids] == ["done"] * 3, [jobs[i].error for i in job_ids]

    for (prefix, expected), job_id in zip(EXPECTED.items(), job_ids):
        job = client.get(f"/api/jobs/{job_id}/").json()
        assert job["status"] == "done" and job["progress"] == 100 and job["attempts"] == 1
        garment = Garment.objects.get(id=job["garment"]["id"])
        assert garment.category == expected, (prefix, garment.category_top)
        assert 0 < garment.category_confidence <= 1
        assert 1 <= len(garment.colours) <= 3
        assert all(c["hex"].startswith("#") and len(c["hex"]) == 7 and 0 < c["share"] <= 1 for c in garment.colours)
        assert sum(c["share"] for c in garment.colours) <= 1.0001
        vector = np.asarray(garment.embedding)
        assert vector.shape == (1280,) and abs(np.linalg.norm(vector) - 1) < 1e-3
        assert garment.model_version.startswith("garment-category")
        assert garment.cutout_method.startswith("learned-")  # the shipped learned cut-out

        cutout = Image.open(garment.cutout.path)
        assert cutout.mode == "RGBA"
        alpha = np.asarray(cutout)[:, :, 3]
        assert (alpha == 0).any() and (alpha == 255).mean() > 0.2  # a real cut-out: some background removed
        mask = np.asarray(Image.open(garment.mask.path))
        assert max(mask.shape) == 512
        assert abs(mask.shape[0] / mask.shape[1] - garment.photo.height / garment.photo.width) < 0.02
        assert 0.05 < (mask > 127).mean() < 0.95

        api = client.get(f"/api/garments/{garment.id}/").json()
        assert api["category"] == expected and api["embedding_dim"] == 1280
        assert client.get(api["cutout_url"]).status_code == 200


def test_similar_garments_rank_the_same_kind_first_and_duplicates_are_flagged(worker, users, api_for):
    client = api_for(users["shopper"])
    wait_for_jobs(
        upload(client, demo_photo("pants", 0), demo_photo("pants", 1), demo_photo("hat", 0), demo_photo("shoes", 0))
    )
    pants = Garment.objects.get(photo__original_filename=demo_photo("pants", 0).name)
    similar = client.get(f"/api/garments/{pants.id}/similar/").json()
    assert len(similar) == 3
    assert similar[0]["category"] == "pants"
    assert [s["distance"] for s in similar] == sorted(s["distance"] for s in similar)
    assert all(s["duplicate_of"] is None for s in similar)

    # the same garment photographed again (here: mirrored and re-encoded) is flagged at upload
    mirrored = Image.open(demo_photo("pants", 0)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    out = io.BytesIO()
    mirrored.save(out, "JPEG", quality=85)
    res = client.post("/api/photos/", {"files": [SimpleUploadedFile("again.jpg", out.getvalue())]}, format="multipart")
    wait_for_jobs([res.json()["results"][0]["job_id"]])
    again = client.get(f"/api/jobs/{res.json()['results'][0]['job_id']}/").json()["garment"]
    assert again["duplicate_of"] == pants.id


def test_a_users_correction_survives_a_rerun_of_the_models(users, api_for, make_garment):
    client = api_for(users["shopper"])
    garment = make_garment(users["shopper"], "pants")
    res = client.patch(
        f"/api/garments/{garment.id}/", {"category": "skirt", "colours": ["red", "white"]}, format="json"
    )
    assert res.status_code == 200
    assert res.json()["category"] == "skirt" and res.json()["category_source"] == "user"
    assert {c["name"] for c in res.json()["colours"]} == {"red", "white"}
    assert garment.corrections.count() == 2

    IngestJob.objects.filter(id=garment.photo.job.id).update(status="queued")
    job_run(job_id=garment.photo.job.id)
    garment.refresh_from_db()
    assert garment.category == "skirt" and garment.category_predicted == "pants"
    assert garment.colour_names == ["red", "white"]
    assert Garment.objects.filter(photo=garment.photo).count() == 1


def test_deleting_a_garment_removes_its_files(users, api_for, make_garment, media_files):
    client = api_for(users["shopper"])
    garment = make_garment(users["shopper"], "skirt")
    paths = [garment.cutout.path, garment.mask.path, garment.photo.image.path]
    assert len(media_files()) == 3
    assert client.delete(f"/api/garments/{garment.id}/").status_code == 204
    assert media_files() == []
    assert not Garment.objects.filter(id=garment.id).exists()
    assert all(not os.path.exists(p) for p in paths)


def test_re_running_the_models_on_a_closet_keeps_corrections_and_makes_no_duplicates(worker, users, api_for):
    client = api_for(users["shopper"])
    job_ids = upload(client, demo_photo("pants"), demo_photo("hat"))
    wait_for_jobs(job_ids)
    pants = Garment.objects.get(photo__job__id=job_ids[0])
    client.patch(f"/api/garments/{pants.id}/", {"category": "shorts"}, format="json")
    assert api_for(users["stranger"]).post("/api/closet/reparse/").json()["count"] == 0

    res = client.post("/api/closet/reparse/")
    assert res.status_code == 202 and sorted(res.json()["job_ids"]) == sorted(job_ids)
    jobs = wait_for_jobs(job_ids)
    assert all(j.status == "done" and j.attempts == 2 for j in jobs.values())
    assert Garment.objects.filter(owner=users["shopper"]).count() == 2
    pants.refresh_from_db()
    assert pants.category == "shorts" and pants.category_source == "user" and pants.category_predicted == "pants"


def test_the_user_can_redo_the_cut_out_from_a_box_or_go_back_to_the_original(worker, users, api_for):
    client = api_for(users["shopper"])
    [job_id] = upload(client, demo_photo("shoes"))
    wait_for_jobs([job_id])
    garment = Garment.objects.get(photo__job__id=job_id)
    url = f"/api/garments/{garment.id}/recut/"
    assert client.post(url, {"box": [0.5, 0.5, 0.4, 0.9]}, format="json").status_code == 400
    assert api_for(users["stranger"]).post(url, {"original": True}, format="json").status_code == 404

    def recut_done(body, method):
        old = Garment.objects.get(id=garment.id).mask.name
        assert client.post(url, body, format="json").status_code == 202
        return wait_for(
            lambda: (
                (g := Garment.objects.get(id=garment.id)).mask.name != old and g.cutout_method.startswith(method) and g
            )
        )

    boxed = recut_done({"box": [0.25, 0.2, 0.75, 0.8]}, "grabcut-rect")
    mask = np.asarray(Image.open(boxed.mask.path)) > 127
    h, w = mask.shape
    assert mask.any() and not mask[:, : int(0.24 * w)].any() and not mask[:, int(0.76 * w) :].any()
    assert not mask[: int(0.19 * h)].any() and not mask[int(0.81 * h) :].any()

    IngestJob.objects.filter(id=job_id).update(status="queued")  # a re-run of the models keeps the user's box
    job_run(job_id=job_id)
    rerun = Garment.objects.get(id=garment.id)
    assert (
        rerun.cutout_box == [0.25, 0.2, 0.75, 0.8]
        and not (np.asarray(Image.open(rerun.mask.path)) > 127)[:, : int(0.24 * w)].any()
    )

    original = recut_done({"original": True}, "original")
    assert (np.asarray(Image.open(original.mask.path)) == 255).all()
    assert Image.open(original.cutout.path).size == (w, h)

    assert client.post(url, {"original": True, "automatic": True}, format="json").status_code == 400
    automatic = recut_done({"automatic": True}, "learned-")  # back to the app's own cut-out, box forgotten
    assert automatic.cutout_box is None and 0.05 < (np.asarray(Image.open(automatic.mask.path)) > 127).mean() < 0.95
