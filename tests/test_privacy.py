"""A stranger never sees or changes another person's photos, garments or jobs: API, pages, media."""

import pytest
from django.urls import reverse

from closet.models import Garment

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(users, make_garment):
    return make_garment(users["shopper"], "pants")


def test_a_stranger_cannot_read_change_or_delete_a_garment_through_the_api(users, api_for, owned):
    stranger = api_for(users["stranger"])
    url = f"/api/garments/{owned.id}/"
    assert stranger.get(url).status_code == 404
    assert stranger.patch(url, {"category": "skirt"}, format="json").status_code == 404
    assert stranger.delete(url).status_code == 404
    assert stranger.get(f"/api/garments/{owned.id}/similar/").status_code == 404
    owned.refresh_from_db()
    assert owned.category_source == "model" and not owned.corrections.exists()
    assert Garment.objects.filter(id=owned.id).exists()


def test_a_strangers_lists_hold_nothing_of_the_owners(users, api_for, owned):
    stranger = api_for(users["stranger"])
    assert stranger.get("/api/garments/").json()["count"] == 0
    assert stranger.get("/api/jobs/").json()["count"] == 0
    assert stranger.get(f"/api/jobs/?ids={owned.photo.job.id}").json()["count"] == 0
    assert stranger.get(f"/api/jobs/{owned.photo.job.id}/").status_code == 404
    owner = api_for(users["shopper"])
    assert owner.get("/api/garments/").json()["count"] == 1
    assert owner.get(f"/api/jobs/{owned.photo.job.id}/").json()["status"] == "done"


@pytest.mark.parametrize("field", ["cutout", "mask", "photo"])
def test_a_stranger_cannot_fetch_the_owners_media(users, client, owned, field):
    name = owned.photo.image.name if field == "photo" else getattr(owned, field).name
    url = reverse("media", args=[name])
    client.force_login(users["stranger"])
    assert client.get(url).status_code == 404
    client.force_login(users["stylist"])  # no consent yet: stylists see nothing either
    assert client.get(url).status_code == 404
    client.force_login(users["shopper"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")


def test_media_needs_a_login_and_refuses_path_tricks(users, client, owned):
    assert client.get(reverse("media", args=[owned.cutout.name])).status_code in (401, 403)
    client.force_login(users["shopper"])
    assert client.get("/media/../fashionsite/settings.py").status_code == 404
    assert client.get(f"/media/cutouts/{users['shopper'].id}/../../../manage.py").status_code == 404


def test_a_stranger_cannot_open_or_delete_the_garment_pages(users, client, owned):
    client.force_login(users["stranger"])
    assert client.get(reverse("closet:garment", args=[owned.id])).status_code == 404
    assert client.post(reverse("closet:garment", args=[owned.id]), {"category": "skirt"}).status_code == 404
    assert client.post(reverse("closet:garment_delete", args=[owned.id])).status_code == 404
    assert Garment.objects.filter(id=owned.id).exists()
    page = client.get(reverse("closet:grid"))
    assert owned.cutout.name not in page.content.decode()
