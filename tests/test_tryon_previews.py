"""Try-on through the API and a real worker: person photos, previews, privacy, and deleting everything.

No person photo may be committed (the only people photos here are research-only), so a CC0 closet photo
stands in for the shopper's photo; the model's quality is measured by `python -m ml.evaluate tryon`.
"""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import demo_photo, wait_for
from tryon.models import PersonPhoto, Preview

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def upload_person(client, path=None):
    path = path or demo_photo("longsleeve", 1)
    res = client.post(
        "/api/tryon/people/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}, format="multipart"
    )
    assert res.status_code == 201, res.content
    return res.json()


def test_a_preview_runs_on_a_worker_and_shows_before_and_after(
    worker, users, api_for, make_garment, private_media_root
):
    client = api_for(users["shopper"])
    person = upload_person(client)
    top = make_garment(users["shopper"], "t", 0)
    assert top.category_group == "tops"
    res = client.post("/api/tryon/previews/", {"person": person["id"], "garment": top.id}, format="json")
    assert res.status_code == 202, res.content
    done = wait_for(
        lambda: (p := client.get(f"/api/tryon/previews/{res.json()['id']}/").json())["status"] == "done" and p
    )
    assert done["progress"] == 100 and done["attempts"] == 1 and done["model_version"].startswith("tryon-cagan")
    assert done["model_version"].endswith("+no-person-found")  # the "person" here is a closet photo
    result = client.get(done["result_url"])
    assert result.status_code == 200
    with Image.open(io.BytesIO(b"".join(result.streaming_content))) as im:
        assert im.size == (person["width"], person["height"])  # the preview keeps the photo's size
    assert [p["id"] for p in client.get("/api/tryon/previews/").json()["results"]] == [done["id"]]

    # the page shows before and after, and says the photo had no person for the parse to follow
    from django.test import Client

    page = Client()
    page.force_login(users["shopper"])
    html = page.get(f"/tryon/previews/{done['id']}/").content.decode()
    assert 'id="after"' in html and 'id="no-person"' in html

    # strangers see nothing of it
    stranger = api_for(users["stranger"])
    assert stranger.get(f"/api/tryon/previews/{done['id']}/").status_code == 404
    assert stranger.get(done["result_url"]).status_code == 404
    assert stranger.get(person["image_url"]).status_code == 404
    assert stranger.post("/api/tryon/previews/", {"person": person["id"], "garment": top.id}).status_code == 400


def test_deleting_a_person_photo_deletes_every_preview_and_file(
    worker, users, api_for, make_garment, private_media_root
):
    client = api_for(users["shopper"])
    person = upload_person(client)
    top = make_garment(users["shopper"], "t", 1)
    ids = [
        client.post("/api/tryon/previews/", {"person": person["id"], "garment": top.id}, format="json").json()["id"]
        for _ in range(2)
    ]
    wait_for(lambda: Preview.objects.filter(id__in=ids, status="done").count() == 2)
    files = [
        Path(private_media_root) / n for p in Preview.objects.filter(id__in=ids) for n in (p.result.name, p.alpha.name)
    ]
    files.append(Path(private_media_root) / PersonPhoto.objects.get(id=person["id"]).image.name)
    assert all(f.is_file() for f in files)
    assert client.delete(f"/api/tryon/people/{person['id']}/").status_code == 204
    assert not Preview.objects.filter(id__in=ids).exists() and not PersonPhoto.objects.exists()
    assert not any(f.exists() for f in files)


def test_bad_requests_get_a_clear_error_and_store_nothing(users, api_for, make_garment, tmp_path):
    client = api_for(users["shopper"])
    bad = client.post("/api/tryon/people/", {"file": SimpleUploadedFile("me.txt", b"hello")}, format="multipart")
    assert bad.status_code == 400 and "not a supported image" in bad.json()["detail"]
    assert client.post("/api/tryon/people/", {}, format="multipart").status_code == 400
    assert not PersonPhoto.objects.exists()

    person = upload_person(client)
    pants = make_garment(users["shopper"], "pants")
    res = client.post("/api/tryon/previews/", {"person": person["id"], "garment": pants.id}, format="json")
    assert res.status_code == 400 and "tops and outerwear" in res.json()["detail"]
    res = client.post("/api/tryon/previews/", {"person": person["id"]}, format="json")
    assert res.status_code == 400 and "Pick one" in res.json()["detail"]
    assert not Preview.objects.exists()
