"""Bad input gets a clear error and nothing is stored; good input from phones is accepted."""

import io

import pytest
from PIL import Image

from closet.models import IngestJob, Photo
from tests.imaging import GPS_IFD, huge_pixel_png, jpeg_with_rotation_and_gps, photo_bytes, truncated_jpeg

pytestmark = pytest.mark.django_db


def upload(client, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/photos/", {"files": [SimpleUploadedFile(name, data)]}, format="multipart")


def assert_nothing_stored(media_files):
    assert Photo.objects.count() == 0
    assert IngestJob.objects.count() == 0
    assert media_files() == []


def test_it_rejects_a_file_that_is_not_an_image(users, api_for, media_files):
    res = upload(api_for(users["shopper"]), "notes.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n")
    assert res.status_code == 400
    assert "not a supported image" in res.json()["results"][0]["error"]
    assert_nothing_stored(media_files)


def test_it_rejects_an_image_type_it_does_not_accept(users, api_for, media_files):
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, "GIF")
    res = upload(api_for(users["shopper"]), "anim.gif", out.getvalue())
    assert res.status_code == 400
    assert "JPEG, PNG, WebP or HEIC" in res.json()["results"][0]["error"]
    assert_nothing_stored(media_files)


def test_it_rejects_a_photo_larger_than_the_size_limit(users, api_for, media_files, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    res = upload(api_for(users["shopper"]), "big.jpg", photo_bytes("pants", quality=95))
    assert res.status_code == 400
    assert res.json()["results"][0]["error"].startswith("The file is 0.")
    assert "the limit is 0.0 MB" in res.json()["results"][0]["error"]
    assert_nothing_stored(media_files)


def test_it_rejects_a_decompression_bomb(users, api_for, media_files):
    res = upload(api_for(users["shopper"]), "bomb.png", huge_pixel_png())
    assert res.status_code == 400
    assert "megapixels" in res.json()["results"][0]["error"]
    assert_nothing_stored(media_files)


def test_it_rejects_a_truncated_photo(users, api_for, media_files):
    res = upload(api_for(users["shopper"]), "cut.jpg", truncated_jpeg())
    assert res.status_code == 400
    assert "truncated or corrupt" in res.json()["results"][0]["error"]
    assert_nothing_stored(media_files)


def test_it_rejects_an_empty_file(users, api_for, media_files):
    res = upload(api_for(users["shopper"]), "empty.jpg", b"")
    assert res.status_code == 400
    assert "empty" in res.json()["results"][0]["error"]
    assert_nothing_stored(media_files)


def test_it_asks_for_files_when_the_field_is_missing(users, api_for, media_files):
    res = api_for(users["shopper"]).post("/api/photos/", {"title": "no files"}, format="multipart")
    assert res.status_code == 400
    assert "files" in res.json()["detail"]
    assert_nothing_stored(media_files)


def test_it_needs_a_login_to_upload(client, media_files, db):
    res = client.post("/api/photos/", {"files": []})
    assert res.status_code in (401, 403)
    assert_nothing_stored(media_files)


@pytest.mark.parametrize("fmt,name", [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp"), ("HEIF", "a.heic")])
def test_it_accepts_phone_and_web_formats(users, api_for, fmt, name):
    res = upload(api_for(users["shopper"]), name, photo_bytes("pants", fmt))
    assert res.status_code == 201, res.json()
    result = res.json()["results"][0]
    job = IngestJob.objects.get(id=result["job_id"])
    assert job.status == "queued" and job.owner == users["shopper"]
    assert job.photo.original_format == fmt
    assert Image.open(job.photo.image.path).format == "JPEG"


def test_it_applies_exif_orientation_and_strips_the_location(users, api_for):
    data, stored_size = jpeg_with_rotation_and_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the upload does carry a location
    res = upload(api_for(users["shopper"]), "phone.jpg", data)
    photo = Photo.objects.get(id=res.json()["results"][0]["photo_id"])
    stored = Image.open(photo.image.path)
    assert stored.size == (stored_size[1], stored_size[0])  # rotated upright
    assert stored.height > stored.width
    exif = stored.getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert b"GPS" not in open(photo.image.path, "rb").read()


def test_a_batch_reports_each_file_and_keeps_the_good_ones(users, api_for, media_files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile("good.jpg", photo_bytes("pants")),
        SimpleUploadedFile("bad.txt", b"hello"),
        SimpleUploadedFile("good2.png", photo_bytes("skirt", "PNG")),
    ]
    res = api_for(users["shopper"]).post("/api/photos/", {"files": files}, format="multipart")
    assert res.status_code == 207
    results = res.json()["results"]
    assert [r["accepted"] for r in results] == [True, False, True]
    assert results[1]["error"] and results[1]["job_id"] is None
    assert Photo.objects.count() == 2
    assert len(media_files()) == 2
