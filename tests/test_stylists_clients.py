"""Stylists and clients: consent, closet access, looks and answers, what answers feed, lookbooks for shoppers.

The permission matrix builds a small world of synthetic rows (garments and products with chosen vectors and
real PNG cut-outs) in the real Postgres, so each of its many cases starts clean and fast; the "make it from my
closet" test also runs the real pipeline on demo photos and the demo catalogue.
"""

import io
import json

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import User
from closet.models import Garment, Photo
from ml.colours import PALETTE
from ml.taxonomy import GROUP_OF
from recommend.models import Feedback, Outfit
from recommend.selectors import closet_items, taste_for
from shop.models import Product, Shop
from stylists import services
from stylists.models import Engagement, Look, Lookbook, LookbookEntry, LookItem

pytestmark = pytest.mark.django_db

API = "/api/stylists"


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def axis(dim: int, i: int, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A unit vector near the i-th axis (cosine distance to it about noise**2 / 2)."""
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1
    if noise:
        v += noise * np.random.default_rng(seed).standard_normal(dim).astype(np.float32) / np.sqrt(dim)
    return unit(v)


def png(colour=(30, 60, 120)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (48, 48), colour + (255,)).save(buf, "PNG")
    return buf.getvalue()


def garment(owner, category, colour="navy", *, style=None, shop=None, name="", n=0) -> Garment:
    """A closet garment with chosen vectors and a real PNG cut-out (no model run)."""
    seed = hash((owner.id, category, colour, n)) % 2**31
    rng = np.random.default_rng(seed)
    photo = Photo(owner=owner, width=48, height=48, original_filename=f"{category}-{n}.png", original_format="PNG")
    photo.sha256 = f"{seed:064x}"[-64:]
    photo.image.save(f"{category}.jpg", ContentFile(png()), save=False)
    photo.save()
    g = Garment(
        owner=owner,
        photo=photo,
        cutout_method="original",
        category=category,
        category_group=GROUP_OF[category],
        category_confidence=0.9,
        category_predicted=category,
        colours=[{"name": colour, "hex": PALETTE[colour], "share": 1.0}],
        colour_names=[colour],
        embedding=unit(rng.standard_normal(1280)),
        style_embedding=style if style is not None else unit(rng.standard_normal(384)),
        shop_embedding=shop if shop is not None else unit(rng.standard_normal(128)),
        model_version="test",
        name=name,
    )
    g.cutout.save(f"{category}.png", ContentFile(png()), save=False)
    g.mask.save(f"{category}-mask.png", ContentFile(png((255, 255, 255))), save=False)
    g.save()
    return g


def product(title, category, *, price="30.00", shop=None, n=0) -> Product:
    rng = np.random.default_rng(abs(hash((title, n))) % 2**31)
    store, _ = Shop.objects.get_or_create(name="Test shop", slug="test-shop")
    return Product.objects.create(
        shop=store,
        external_id=f"{title}-{n}",
        title=title,
        price=price,
        currency="EUR",
        url="https://shop.example/p",
        category=category,
        category_group=GROUP_OF[category],
        status=Product.Status.READY,
        style_embedding=unit(rng.standard_normal(384)),
        shop_embedding=shop if shop is not None else unit(rng.standard_normal(128)),
    )


def engage(stylist, client) -> Engagement:
    return Engagement.objects.create(
        stylist=stylist, client=client, status=Engagement.Status.ACTIVE, accepted_at=timezone.now()
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Many small worlds are built here; the default password hasher would spend most of the time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(users):
    """The stylist, their client, another client of the same stylist, and a stranger."""
    other = User.objects.create_user(username="other", password="pw-otherother", role=User.Role.SHOPPER)
    return {"stylist": users["stylist"], "client": users["shopper"], "other": other, "stranger": users["stranger"]}


@pytest.fixture
def world(people):
    s, c, o = people["stylist"], people["client"], people["other"]
    w = dict(people)
    w["e_client"], w["e_other"] = engage(s, c), engage(s, o)
    w["g_client"] = garment(c, "pants", "navy", name="SECRET-client-pants")
    w["g_client2"] = garment(c, "tshirt", "white")
    w["g_other"] = garment(o, "pants", "black", name="SECRET-other-pants")
    w["p1"] = product("Leather shoes", "shoes")
    w["p2"] = product("Canvas shoes", "shoes", price="20.00")
    w["look_sent"] = services.look_create(
        stylist=s,
        client=c,
        title="SECRET-sent",
        garment_ids=[w["g_client"].id, w["g_client2"].id],
        product_ids=[w["p1"].id],
    )
    services.look_send(look=w["look_sent"], by=s)
    w["look_draft"] = services.look_create(
        stylist=s, client=c, title="SECRET-draft", garment_ids=[w["g_client"].id], product_ids=[w["p1"].id]
    )
    w["look_other"] = services.look_create(
        stylist=s, client=o, title="SECRET-other", garment_ids=[w["g_other"].id], product_ids=[w["p1"].id]
    )
    services.look_send(look=w["look_other"], by=s)
    w["look_pub"] = services.look_create(stylist=s, title="Public look", product_ids=[w["p1"].id, w["p2"].id])
    w["look_hidden"] = services.look_create(stylist=s, title="SECRET-curated", product_ids=[w["p2"].id])
    w["lb_pub"] = Lookbook.objects.create(
        stylist=s, title="Spring", slug="spring", published=True, published_at=timezone.now()
    )
    LookbookEntry.objects.create(lookbook=w["lb_pub"], look=w["look_pub"])
    w["lb_hidden"] = Lookbook.objects.create(stylist=s, title="SECRET-book", slug="secret-book")
    LookbookEntry.objects.create(lookbook=w["lb_hidden"], look=w["look_hidden"])
    return w


SECRETS = ["SECRET-sent", "SECRET-draft", "SECRET-other", "SECRET-curated", "SECRET-book", "SECRET-client-pants"]
ROLES = ["stylist", "client", "other", "stranger"]

# (name, method, path template, body, expected status per role: stylist, client, other client, stranger)
MATRIX = [
    ("engagement", "get", API + "/engagements/{e_client}/", None, (200, 200, 404, 404)),
    ("engagement accept (already active)", "post", API + "/engagements/{e_client}/accept/", None, (400, 400, 404, 404)),
    (
        "engagement decline (already active)",
        "post",
        API + "/engagements/{e_client}/decline/",
        None,
        (400, 400, 404, 404),
    ),
    ("engagement revoke", "post", API + "/engagements/{e_client}/revoke/", None, (200, 200, 404, 404)),
    ("client closet api", "get", API + "/clients/{client}/closet/", None, (200, 404, 404, 404)),
    ("client closet page", "get", "/stylists/clients/{client}/", None, (200, 404, 404, 404)),
    ("client garment cut-out", "get", "/stylists/garments/{g_client}/cutout/", None, (200, 200, 404, 404)),
    ("sent look", "get", API + "/looks/{look_sent}/", None, (200, 200, 404, 404)),
    ("sent look page", "get", "/stylists/looks/{look_sent}/", None, (200, 200, 404, 404)),
    ("draft look", "get", API + "/looks/{look_draft}/", None, (200, 404, 404, 404)),
    ("draft look page", "get", "/stylists/looks/{look_draft}/", None, (200, 404, 404, 404)),
    ("edit draft", "patch", API + "/looks/{look_draft}/", {"title": "New title"}, (200, 404, 404, 404)),
    ("delete draft", "delete", API + "/looks/{look_draft}/", None, (204, 404, 404, 404)),
    ("send draft", "post", API + "/looks/{look_draft}/send/", None, (200, 404, 404, 404)),
    ("send a sent look", "post", API + "/looks/{look_sent}/send/", None, (400, 403, 404, 404)),
    ("answer sent look", "post", API + "/looks/{look_sent}/respond/", {"decision": "accept"}, (403, 200, 404, 404)),
    (
        "answer on the page",
        "post",
        "/stylists/looks/{look_sent}/respond/",
        {"decision": "reject"},
        (302, 302, 404, 404),
    ),
    ("shop sent look", "get", API + "/looks/{look_sent}/shop/", None, (200, 200, 404, 404)),
    ("sent look from closet", "get", API + "/looks/{look_sent}/from-closet/", None, (200, 200, 404, 404)),
    (
        "make a look for the client",
        "post",
        API + "/looks/",
        {"client": "shopper", "title": "t", "garments": ["{g_client}"], "products": ["{p1}"]},
        (201, 403, 403, 403),
    ),
    ("published lookbook", "get", API + "/lookbooks/spring/", None, (200, 200, 200, 200)),
    ("published lookbook page", "get", "/stylists/lookbooks/spring/", None, (200, 200, 200, 200)),
    ("unpublished lookbook", "get", API + "/lookbooks/secret-book/", None, (200, 404, 404, 404)),
    ("unpublished lookbook page", "get", "/stylists/lookbooks/secret-book/", None, (200, 404, 404, 404)),
    ("published look", "get", API + "/looks/{look_pub}/", None, (200, 200, 200, 200)),
    ("published look shop", "get", API + "/looks/{look_pub}/shop/", None, (200, 200, 200, 200)),
    ("published look from closet", "get", API + "/looks/{look_pub}/from-closet/", None, (200, 200, 200, 200)),
    ("published look page", "get", "/stylists/lookbooks/spring/looks/{look_pub}/", None, (200, 200, 200, 200)),
    ("unpublished curated look", "get", API + "/looks/{look_hidden}/", None, (200, 404, 404, 404)),
    (
        "unpublished look page",
        "get",
        "/stylists/lookbooks/secret-book/looks/{look_hidden}/",
        None,
        (200, 404, 404, 404),
    ),
]


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [int(_fill(v, ids)) if isinstance(v, str) and v.startswith("{") else _fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,method,path,body,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(world, api_for, role, name, method, path, body, expected):
    ids = {k: v.id for k, v in world.items()}
    user = world[role]
    url = _fill(path, ids)
    if url.startswith(API):
        res = getattr(api_for(user), method)(url, _fill(body, ids), format="json")
    else:
        browser = Client()
        browser.force_login(user)
        res = getattr(browser, method)(url, _fill(body, ids) or {})
    want = expected[ROLES.index(role)]
    assert res.status_code == want, (name, role, res.status_code, getattr(res, "content", b"")[:300])
    body_text = b"".join(res) if hasattr(res, "streaming_content") else res.content
    if want >= 400:
        for secret in SECRETS:
            assert secret.encode() not in body_text, (name, role, secret)


def test_lists_show_each_user_only_their_own(world, api_for):
    def titles(user, path):
        return sorted(x["title"] for x in api_for(world[user]).get(API + path).json())

    assert titles("client", "/looks/received/") == ["SECRET-sent"]  # not the draft
    assert titles("other", "/looks/received/") == ["SECRET-other"]
    assert titles("stranger", "/looks/received/") == []
    assert titles("stranger", "/looks/") == [] and titles("client", "/looks/") == []
    assert len(titles("stylist", "/looks/")) == 5

    def pairs(user):
        return sorted((e["stylist"], e["client"]) for e in api_for(world[user]).get(API + "/engagements/").json())

    assert pairs("client") == [("stylist", "shopper")]
    assert pairs("other") == [("stylist", "other")]
    assert pairs("stranger") == []
    assert sorted(lb["slug"] for lb in api_for(world["stranger"]).get(API + "/lookbooks/").json()) == ["spring"]
    assert sorted(lb["slug"] for lb in api_for(world["stylist"]).get(API + "/lookbooks/").json()) == [
        "secret-book",
        "spring",
    ]
    public = api_for(world["client"]).get(API + "/lookbooks/spring/").json()
    assert [look["title"] for look in public["looks"]] == ["Public look"]
    page = Client()
    page.force_login(world["stranger"])
    html = page.get("/stylists/lookbooks/").content.decode()
    assert "Spring" in html and "SECRET" not in html
    closet = api_for(world["stylist"]).get(f"{API}/clients/{world['client'].id}/closet/").json()
    assert {g["id"] for g in closet} == {world["g_client"].id, world["g_client2"].id}


def test_anonymous_users_get_nothing(world):
    anon = Client()
    assert anon.get(f"{API}/looks/{world['look_pub'].id}/").status_code in (401, 403)
    assert anon.get(API + "/lookbooks/").status_code in (401, 403)
    assert anon.get("/stylists/lookbooks/").status_code == 302
    assert anon.get(f"/stylists/garments/{world['g_client'].id}/cutout/").status_code in (401, 403)


def test_consent_lifecycle_with_clear_errors_and_revoke_removing_access_at_once(people, api_for):
    stylist, client, stranger = people["stylist"], people["client"], people["stranger"]
    g = garment(client, "pants", "navy")
    as_client, as_stylist, as_stranger = api_for(client), api_for(stylist), api_for(stranger)

    def invite(who, **body):
        return who.post(API + "/engagements/", body, format="json")

    assert "no user named 'nobody'" in invite(as_client, stylist="nobody").json()["detail"]
    assert invite(as_client, stylist="shopper").json()["detail"] == "You cannot invite yourself."
    assert invite(as_client, stylist="stranger").json()["detail"] == "stranger is not a stylist."
    res = invite(as_client, stylist="shopper", client="x")
    assert res.status_code == 400 and "not both" in res.json()["detail"]
    res = invite(as_stranger, client="shopper")
    assert res.status_code == 403 and "Only stylists" in res.json()["detail"]

    res = invite(as_client, stylist="stylist", message="Help me dress for work")
    assert res.status_code == 201 and res.json()["status"] == "invited" and res.json()["waiting_for"] == "stylist"
    eid = res.json()["id"]
    dup = invite(as_client, stylist="stylist")
    assert dup.status_code == 400 and "already a pending request" in dup.json()["detail"]
    assert invite(as_stylist, client="shopper").status_code == 400  # the same pair, from the other side
    assert as_stylist.get(f"{API}/clients/{client.id}/closet/").status_code == 404  # not accepted yet
    assert as_client.post(f"{API}/engagements/{eid}/accept/").status_code == 403  # not the client's to accept
    assert as_stranger.post(f"{API}/engagements/{eid}/accept/").status_code == 404

    res = as_stylist.post(f"{API}/engagements/{eid}/accept/")
    assert res.status_code == 200 and res.json()["status"] == "active"
    assert "already work together" in invite(as_client, stylist="stylist").json()["detail"]
    closet = as_stylist.get(f"{API}/clients/{client.id}/closet/")
    assert closet.status_code == 200
    [seen] = closet.json()
    assert seen["id"] == g.id and seen["category"] == "pants" and seen["colour_names"] == ["navy"]
    cutout = as_stylist.get(seen["cutout_url"])
    assert cutout.status_code == 200 and b"".join(cutout.streaming_content).startswith(b"\x89PNG")
    assert "no-store" in cutout["Cache-Control"]
    draft = services.look_create(stylist=stylist, client=client, title="Work", garment_ids=[g.id])

    res = as_client.post(f"{API}/engagements/{eid}/revoke/")
    assert res.status_code == 200 and res.json()["status"] == "revoked"
    assert as_stylist.get(f"{API}/clients/{client.id}/closet/").status_code == 404
    assert as_stylist.get(seen["cutout_url"]).status_code == 404
    res = as_stylist.post(f"{API}/looks/{draft.id}/send/")
    assert res.status_code == 403 and "not styling" in res.json()["detail"]
    res = as_stylist.post(API + "/looks/", {"client": "shopper", "title": "x", "garments": [g.id]}, format="json")
    assert res.status_code == 403
    assert as_client.post(f"{API}/engagements/{eid}/revoke/").status_code == 400  # already revoked

    res = invite(as_stylist, client="shopper")  # a stylist asks again: the same row, now waiting for the client
    assert res.status_code == 201 and res.json()["id"] == eid and res.json()["waiting_for"] == "client"
    assert as_stylist.post(f"{API}/engagements/{eid}/accept/").status_code == 403
    res = as_client.post(f"{API}/engagements/{eid}/decline/")
    assert res.json()["status"] == "declined"
    assert as_stylist.get(f"{API}/clients/{client.id}/closet/").status_code == 404
    assert Engagement.objects.filter(stylist=stylist, client=client).count() == 1


def test_a_look_is_built_scored_sent_and_answered_with_a_comment(people, api_for):
    stylist, client, other = people["stylist"], people["client"], people["other"]
    engage(stylist, client)
    engage(stylist, other)
    pants, tee = garment(client, "pants", "navy"), garment(client, "tshirt", "white")
    theirs = garment(other, "skirt", "red")
    shoes = product("White sneakers", "shoes")
    as_stylist, as_client = api_for(stylist), api_for(client)

    bad = {"client": "shopper", "title": "Office", "garments": [pants.id, theirs.id]}
    res = as_stylist.post(API + "/looks/", bad, format="json")
    assert res.status_code == 400 and str(theirs.id) in res.json()["detail"]
    res = as_stylist.post(API + "/looks/", {**bad, "garments": [pants.id], "products": [999999]}, format="json")
    assert res.status_code == 400 and "Not in the catalogue" in res.json()["detail"]
    res = as_stylist.post(API + "/looks/", {**bad, "title": " ", "garments": [pants.id]}, format="json")
    assert res.status_code == 400
    res = as_stylist.post(API + "/looks/", {**bad, "client": "ghost"}, format="json")
    assert res.status_code == 400 and "no user named" in res.json()["detail"]
    assert not Look.objects.exists()  # nothing half-made

    res = as_stylist.post(
        API + "/looks/",
        {
            "client": "shopper",
            "title": "Office Monday",
            "note": "Tuck the tee in.",
            "occasion": "work",
            "season": "spring",
            "style_tags": ["Minimal", "smart casual", "minimal"],
            "garments": [pants.id, tee.id],
            "products": [shoes.id],
        },
        format="json",
    )
    assert res.status_code == 201, res.content
    look = res.json()
    assert look["status"] == "draft" and look["style_tags"] == ["minimal", "smart casual"]
    assert 0 < look["score"] < 1 and look["score_version"]
    assert [i["kind"] for i in look["items"]] == ["garment", "garment", "product"]
    assert look["items"][2]["price"] == "30.00" and look["items"][2]["page_url"] == f"/shop/products/{shoes.id}/"
    assert as_client.get(API + "/looks/received/").json() == []  # drafts stay with the stylist

    res = as_stylist.patch(f"{API}/looks/{look['id']}/", {"garments": [pants.id]}, format="json")
    assert res.status_code == 200 and len(res.json()["items"]) == 2
    assert res.json()["score"] != look["score"]
    res = as_stylist.post(f"{API}/looks/{look['id']}/respond/", {"decision": "accept"}, format="json")
    assert res.status_code == 403

    assert as_stylist.post(f"{API}/looks/{look['id']}/send/").json()["status"] == "sent"
    assert as_stylist.patch(f"{API}/looks/{look['id']}/", {"title": "x"}, format="json").status_code == 400
    assert as_stylist.delete(f"{API}/looks/{look['id']}/").status_code == 400
    [received] = as_client.get(API + "/looks/received/").json()
    assert received["note"] == "Tuck the tee in."
    res = as_client.post(f"{API}/looks/{look['id']}/respond/", {"decision": "maybe"}, format="json")
    assert res.status_code == 400
    res = as_client.post(
        f"{API}/looks/{look['id']}/respond/", {"decision": "accept", "comment": "Love the sneakers"}, format="json"
    )
    assert res.status_code == 200
    assert res.json()["status"] == "accepted" and res.json()["response_comment"] == "Love the sneakers"
    again = as_client.post(f"{API}/looks/{look['id']}/respond/", {"decision": "reject"}, format="json")
    assert again.status_code == 400 and Look.objects.get(id=look["id"]).status == "accepted"
    assert as_stylist.get(API + "/looks/").json()[0]["response_comment"] == "Love the sneakers"


def test_answered_looks_feed_the_clients_taste_and_the_grader_export(people, tmp_path):
    stylist, client = people["stylist"], people["client"]
    engage(stylist, client)
    navy_pants, white_tee = garment(client, "pants", "navy"), garment(client, "tshirt", "white")
    red_skirt, pink_top = garment(client, "skirt", "red"), garment(client, "blouse", "pink")
    sneakers = product("White sneakers", "shoes")

    def taste_of(ids):
        items = closet_items(owner=client)
        by_id = {i.id: i for i in items}
        model = taste_for(owner=client, items=items)
        return model, float(model.score(np.stack([by_id[g].features for g in ids]).mean(0)[None])[0])

    before, liked_before = taste_of([navy_pants.id, white_tee.id])
    assert before.n_events == 0 and liked_before == 0

    def sent(title, garments):
        look = services.look_create(
            stylist=stylist, client=client, title=title, garment_ids=garments, product_ids=[sneakers.id]
        )
        return services.look_send(look=look, by=stylist)

    accepted = services.look_respond(
        look=sent("Yes", [navy_pants.id, white_tee.id]), by=client, accept=True, comment="great"
    )
    rejected = services.look_respond(look=sent("No", [red_skirt.id, pink_top.id]), by=client, accept=False)

    saved = Outfit.objects.get(owner=client, context__look=accepted.id)
    assert saved.source == Outfit.Source.SAVED
    assert set(saved.items.values_list("garment_id", flat=True)) == {navy_pants.id, white_tee.id}
    assert saved.feedback.get().kind == Feedback.Kind.LIKE
    assert Outfit.objects.get(context__look=rejected.id).feedback.get().kind == Feedback.Kind.DISLIKE

    after, liked_after = taste_of([navy_pants.id, white_tee.id])
    _, disliked_after = taste_of([red_skirt.id, pink_top.id])
    assert after.n_events == 2
    assert liked_after > 0.05 and disliked_after < -0.05  # suggestions with these items now rank up / down

    out = tmp_path / "outfits.jsonl"
    call_command("export_outfit_data", out=out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    looks = [r for r in rows if r["source"] == "stylist-look"]
    assert sorted((r["look"], r["label"]) for r in looks) == [(accepted.id, 1), (rejected.id, 0)]
    assert all(len(r["items"]) == 3 and len(r["items"][0]["text_embedding"]) == 384 for r in looks)
    assert [r["items"][2]["slot"] for r in looks] == ["shoes", "shoes"]
    from ml.outfit.features import garment_extra

    extras = [it["extra"] for it in next(r for r in looks if r["look"] == accepted.id)["items"][:2]]
    expected = [garment_extra(g.colour_names, g.attributes).tolist() for g in (navy_pants, white_tee)]
    assert sorted(extras) == sorted(expected) and all(any(e) for e in extras)  # blue and white families set
    assert not [r for r in rows if r["source"] == "feedback"]  # the looks' saved outfits are not counted twice


def test_make_it_from_my_closet_prefers_the_same_group_and_reports_items_without_a_match(people, api_for):
    shopper, stylist = people["client"], people["stylist"]
    close_top = garment(shopper, "shirt", "white", shop=axis(128, 0, 0.3, seed=1))  # the top's twin
    far_pants = garment(shopper, "pants", "navy", shop=axis(128, 2))
    garment(shopper, "tshirt", "black", shop=axis(128, 1))  # nearer the trousers than the pants, but a top
    top = product("White shirt", "shirt", shop=axis(128, 0))
    trousers = product("Wool trousers", "pants", shop=unit(axis(128, 1) * 0.3 + axis(128, 5) * 0.95))
    hat = product("Straw hat", "hat", shop=axis(128, 9))
    look = services.look_create(
        stylist=stylist, title="Summer", product_ids=[top.id, trousers.id, hat.id], season="summer"
    )
    lb = Lookbook.objects.create(stylist=stylist, title="S", slug="s", published=True, published_at=timezone.now())
    LookbookEntry.objects.create(lookbook=lb, look=look)

    res = api_for(shopper).get(f"{API}/looks/{look.id}/from-closet/").json()
    by_item = {m["item"]["product"]: m for m in res["matches"]}
    assert by_item[top.id]["garment"]["id"] == close_top.id and by_item[top.id]["close"]
    assert by_item[top.id]["distance"] < 0.1
    # the black tee is nearer to the trousers than any pants, but a bottom is preferred
    assert by_item[trousers.id]["garment"]["id"] == far_pants.id and by_item[trousers.id]["same_group"]
    assert not by_item[trousers.id]["close"]
    assert by_item[hat.id]["same_group"] is False and not by_item[hat.id]["close"]
    hat_item = LookItem.objects.get(look=look, product=hat).id
    trousers_item = LookItem.objects.get(look=look, product=trousers).id
    assert sorted(res["missing"]) == sorted([hat_item, trousers_item])

    page = Client()
    page.force_login(shopper)
    html = page.get(f"/stylists/lookbooks/s/looks/{look.id}/").content.decode()
    assert f'data-garment="{close_top.id}"' in html and "2 items without a close match" in html


def test_make_it_from_my_closet_with_real_photos_and_the_demo_catalogue(people, api_for, make_garment, tmp_path):
    from tests.test_catalogue import demo_rows, run_import, write_catalog

    shopper, stylist = people["client"], people["stylist"]
    pants, shoes = make_garment(shopper, "pants"), make_garment(shopper, "shoes")
    first = {}
    for r in demo_rows():
        first.setdefault(r["category"], r)
    run_import(write_catalog(tmp_path, [first["pants"], first["shoes"], first["hat"]]))
    by_cat = {p.category: p for p in Product.objects.filter(status=Product.Status.READY)}
    assert set(by_cat) == {"pants", "shoes", "hat"}
    look = services.look_create(
        stylist=stylist, title="Real", product_ids=[by_cat[c].id for c in ("pants", "shoes", "hat")]
    )
    look.published = True
    look.save()

    res = api_for(shopper).get(f"{API}/looks/{look.id}/from-closet/").json()
    got = {m["item"]["category"]: m for m in res["matches"]}
    assert got["pants"]["garment"]["id"] == pants.id and got["shoes"]["garment"]["id"] == shoes.id
    assert got["pants"]["same_group"] and got["shoes"]["same_group"] and not got["hat"]["same_group"]

    shop = api_for(shopper).get(f"{API}/looks/{look.id}/shop/").json()
    assert shop["currency"] == "EUR"
    assert shop["total"] == pytest.approx(sum(float(by_cat[c].price) for c in ("pants", "shoes", "hat")))
    in_look = {by_cat[c].id for c in by_cat}
    for entry in shop["items"]:
        assert entry["item"]["page_url"] == f"/shop/products/{entry['item']['product']}/"
        assert not in_look & {p["id"] for p in entry["similar"]}  # other products, not the look's own


def test_shop_this_look_lists_prices_links_and_nearest_products(world, api_for):
    look = world["look_pub"]
    twin = product(
        "Leather shoes, brown", "shoes", shop=np.asarray(world["p1"].shop_embedding) * 0.99 + axis(128, 3) * 0.01
    )
    shop = api_for(world["stranger"]).get(f"{API}/looks/{look.id}/shop/").json()
    assert shop["total"] == 50.0 and shop["currency"] == "EUR"
    first = shop["items"][0]
    assert first["item"]["title"] == "Leather shoes" and first["item"]["shop_url"] == "https://shop.example/p"
    assert first["similar"][0]["id"] == twin.id
    html = Client()
    html.force_login(world["stranger"])
    page = html.get(f"/stylists/lookbooks/spring/looks/{look.id}/").content.decode()
    assert f"/shop/products/{world['p1'].id}/" in page and "50.00 EUR" in page


def test_pages_report_bad_input_and_keep_what_was_typed(world):
    browser = Client()
    browser.force_login(world["stylist"])
    url = f"/stylists/clients/{world['client'].id}/"
    res = browser.post(url, {"action": "save", "title": "", "note": "keep me", "garments": [world["g_client"].id]})
    assert res.status_code == 200
    html = res.content.decode()
    assert "Give the look a title." in html and "keep me" in html
    assert f'value="{world["g_client"].id}" checked' in html
    res = browser.post(url, {"action": "save", "title": "Ok", "garments": [world["g_other"].id]})
    assert "Not in your client&#x27;s closet" in res.content.decode()
    assert not Look.objects.filter(title="Ok").exists()
    res = browser.post("/stylists/engagements/", {"client": "nobody"}, follow=True)
    assert "There is no user named &#x27;nobody&#x27;." in res.content.decode()


def test_the_stylist_api_is_in_the_valid_openapi_schema(users, api_for):
    from drf_spectacular.validation import validate_schema

    res = api_for(users["shopper"]).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(res.content)
    validate_schema(schema)
    for path in ("engagements/", "engagements/{id}/revoke/", "clients/{client_id}/closet/", "looks/{id}/respond/"):
        assert f"{API}/{path}" in schema["paths"], path
    for path in ("looks/{id}/shop/", "looks/{id}/from-closet/", "lookbooks/{slug}/", "looks/received/"):
        assert f"{API}/{path}" in schema["paths"], path


def test_the_demo_stylist_is_seeded_once_with_a_sent_look_and_a_published_lookbook(users):
    from closet.management.commands.seed_demo import seed_stylist

    shopper = users["shopper"]
    garment(shopper, "shirt", "white")
    garment(shopper, "pants", "navy")
    for title, category in [("Blazer", "blazer"), ("Shirt", "shirt"), ("Trousers", "pants"), ("Loafers", "shoes")]:
        product(title, category)
    store = Shop.objects.get(slug="test-shop")
    for _ in range(2):
        seed_stylist(shopper=shopper, password="pw", shop=store)
    stylist = User.objects.get(username="shopper-stylist")
    assert stylist.is_stylist and stylist.check_password("pw")
    assert Engagement.objects.get(stylist=stylist, client=shopper).status == Engagement.Status.ACTIVE
    [sent] = Look.objects.filter(stylist=stylist, client=shopper)
    assert sent.status == Look.Status.SENT and sent.items.count() == 3 and sent.score is not None
    [book] = Lookbook.objects.filter(stylist=stylist)
    assert book.published and [look.published for look in book.looks.all()] == [True]
    assert book.looks.get().items.count() == 4
