"""Dress me, grade my outfit, feedback and closet statistics, on a closet made by the real pipeline."""

import datetime

import numpy as np
import pytest

from closet.models import Garment
from recommend import services
from recommend.models import Outfit, SuggestionRequest, Wear
from tests.conftest import wait_for

CLOSET = [
    ("t-shirt", 0),
    ("t-shirt", 1),
    ("longsleeve", 0),
    ("shirt", 0),
    ("pants", 0),
    ("pants", 1),
    ("shorts", 0),
    ("skirt", 0),
    ("dress", 0),
    ("dress", 1),
    ("shoes", 0),
    ("shoes", 1),
    ("outwear", 0),
    ("outwear", 1),
    ("hat", 0),
]


@pytest.fixture
def closet(users, make_garment):
    return {f"{p}{n}": make_garment(users["shopper"], p, n) for p, n in CLOSET}


def complete(outfit: dict) -> bool:
    slots = [i["slot"] for i in outfit["items"]]
    return slots.count("shoes") == 1 and (("top" in slots and "bottom" in slots) or "one-piece" in slots)


def run_suggest(user, **params):
    """Run a request in this process (the worker path is covered by the end-to-end test)."""
    req = SuggestionRequest.objects.create(owner=user, params={"n": 5, **params})
    services.suggestion_run(request_id=req.id)
    req.refresh_from_db()
    assert req.status == "done", req.error
    return [[oi.garment_id for oi in o.items.all()] for o in req.outfits.all()], req


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_dress_me_returns_complete_diverse_outfits_through_the_api_and_a_worker(worker, users, api_for, closet):
    client = api_for(users["shopper"])
    res = client.post("/api/outfits/suggest/", {"n": 5, "occasion": "casual", "temperature": 18}, format="json")
    assert res.status_code == 202
    url = f"/api/outfits/suggestions/{res.json()['id']}/"
    body = wait_for(lambda: (b := client.get(url).json())["status"] in ("done", "failed") and b)
    assert body["status"] == "done", body["error"]
    outfits = body["outfits"]
    assert len(outfits) == 5
    assert all(complete(o) for o in outfits)
    assert all(0 <= o["score"] <= 1 and o["reasons"] and o["words"] for o in outfits)
    assert len({tuple(sorted(i["garment"] for i in o["items"])) for o in outfits}) == 5
    assert [o["rank_score"] for o in outfits] == sorted((o["rank_score"] for o in outfits), reverse=True)
    mine = {g.id for g in closet.values()}
    assert all(i["garment"] in mine for o in outfits for i in o["items"])
    assert api_for(users["stranger"]).get(url).status_code == 404


@pytest.mark.django_db
def test_a_required_item_is_in_every_outfit(users, closet):
    outfits, _ = run_suggest(users["shopper"], include=closet["skirt0"].id)
    assert outfits and all(closet["skirt0"].id in o for o in outfits)


@pytest.mark.django_db
def test_items_in_the_laundry_are_left_out(users, api_for, closet):
    laundry = [closet["pants0"], closet["shoes0"], closet["t-shirt0"]]
    for g in laundry:
        assert (
            api_for(users["shopper"])
            .patch(f"/api/garments/{g.id}/state/", {"in_laundry": True}, format="json")
            .status_code
            == 200
        )
    outfits, _ = run_suggest(users["shopper"])
    assert outfits and not {g.id for g in laundry} & {i for o in outfits for i in o}


@pytest.mark.django_db
def test_items_worn_in_the_last_days_are_left_out(users, api_for, closet):
    client = api_for(users["shopper"])
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    long_ago = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    client.post("/api/feedback/", {"kind": "wore", "garment": closet["shoes1"].id, "day": yesterday}, format="json")
    client.post("/api/feedback/", {"kind": "wore", "garment": closet["dress0"].id, "day": long_ago}, format="json")
    outfits, _ = run_suggest(users["shopper"], avoid_worn_days=7, n=8)
    worn = {i for o in outfits for i in o}
    assert closet["shoes1"].id not in worn
    assert Wear.objects.filter(garment=closet["shoes1"]).count() == 1


@pytest.mark.django_db
def test_the_occasion_and_the_weather_shape_the_outfits(users, closet):
    formal, _ = run_suggest(users["shopper"], occasion="formal")
    casual_only = {closet[k].id for k in ("t-shirt0", "t-shirt1", "shorts0", "hat0")}
    assert formal and not casual_only & {i for o in formal for i in o}

    outerwear = {closet["outwear0"].id, closet["outwear1"].id}
    cold, _ = run_suggest(users["shopper"], temperature=3)
    assert all(outerwear & set(o) for o in cold)
    assert closet["shorts0"].id not in {i for o in cold for i in o}
    hot, _ = run_suggest(users["shopper"], temperature=30)
    assert not outerwear & {i for o in hot for i in o}


def test_a_wish_fills_only_what_the_user_left_unset():
    from ml.wish import WishReading
    from recommend.engine import Request, wish_summary, with_wish

    reading = WishReading("formal", "warm", True)
    req, used = with_wish(Request(wish_reading=reading))
    assert (req.occasion, req.temperature, req.rain, req.temperature_from_wish) == ("formal", 28.0, True, True)
    assert used == ["occasion", "weather", "rain"]
    req, used = with_wish(Request(occasion="sport", temperature=10, rain=True, wish_reading=reading))
    assert (req.occasion, req.temperature, req.rain, req.temperature_from_wish) == ("sport", 10, True, False)
    assert used == []
    req, used = with_wish(Request(wish_reading=WishReading()))
    assert (req.occasion, req.temperature, req.rain, used) == ("", None, False, [])

    agreeing = wish_summary(Request(occasion="formal", temperature=30, wish_reading=reading))
    assert agreeing["used"] == ["rain"] and agreeing["overridden"] == []
    assert wish_summary(Request(temperature=18, wish_reading=reading))["overridden"] == ["weather"]
    assert wish_summary(Request()) == {}


def test_a_colour_in_the_wish_ranks_outfits_with_items_of_that_colour_up():
    from ml.wish import WishReading
    from recommend.engine import Item, Request, context_bonus

    def item(i, category, slot, colours):
        return Item(i, category, slot, colours, np.zeros(384, np.float32), np.zeros(1, np.float32))

    red_skirt = item(1, "skirt", "bottom", [{"name": "red", "share": 0.8}, {"name": "white", "share": 0.2}])
    grey_pants = item(2, "pants", "bottom", [{"name": "grey", "share": 1.0}])
    top = item(3, "tshirt", "top", [{"name": "white", "share": 1.0}])
    shoes = item(4, "shoes", "shoes", [{"name": "black", "share": 0.9}, {"name": "pink", "share": 0.1}])
    req = Request(wish="something red", wish_reading=WishReading(colours=("red-pink",)))
    with_red, reasons = context_bonus([top, red_skirt, shoes], req)
    without, others = context_bonus([top, grey_pants, shoes], req)
    assert with_red > without and with_red - without == pytest.approx(0.3 * 0.8)
    assert "In the colour you asked for: skirt" in reasons and not any("colour you asked" in r for r in others)
    assert context_bonus([top, red_skirt, shoes], Request())[0] == 0.0  # no wish, no colour bonus


def test_garments_named_in_the_wish_rank_outfits_with_them_up_and_their_colour_counts_on_them():
    from ml.wish import WishReading
    from recommend.engine import Item, Request, context_bonus

    def item(i, category, slot, colour):
        return Item(i, category, slot, [{"name": colour, "share": 1.0}], np.zeros(384, np.float32), np.zeros(1))

    white_top, black_top = item(1, "tshirt", "top", "white"), item(2, "tshirt", "top", "black")
    jeans = item(3, "pants", "bottom", "denim")
    white_shoes, black_shoes = item(4, "shoes", "shoes", "white"), item(5, "shoes", "shoes", "black")
    reading = WishReading(colours=("white",), types=("shoes",))  # "something with my white sneakers"
    req = Request(wish="something with my white sneakers", wish_reading=reading)
    best, best_reasons = context_bonus([black_top, jeans, white_shoes], req)
    top_only, _ = context_bonus([white_top, jeans, black_shoes], req)  # white, but not the shoes
    assert best == pytest.approx(0.3 + 0.3) and top_only == pytest.approx(0.3)
    assert "In the colour you asked for: shoes" in best_reasons
    assert not any(r.startswith("Has the") for r in best_reasons)  # every outfit has shoes: not a reason
    jeans_wish = Request(wish="my favourite jeans", wish_reading=WishReading(types=("pants", "shoes")))
    assert context_bonus([black_top, jeans, black_shoes], jeans_wish)[0] == pytest.approx(0.3)
    assert context_bonus([black_top, black_shoes], jeans_wish)[0] == pytest.approx(0.15)


def test_with_the_real_grader_a_colour_wish_puts_the_one_red_top_in_most_outfits():
    from ml.wish import WishReading
    from recommend import inference
    from recommend.engine import Item, Request, suggest

    names = ["white t-shirt", "white cotton shirt", "red t-shirt", "blue jeans", "black trousers", "white sneakers"]
    names += ["black leather boots"]
    vectors = inference.encode_text(names)
    colours = ["white", "white", "red", "denim", "black", "white", "black"]
    slots = [("tshirt", "top"), ("shirt", "top"), ("tshirt", "top"), ("pants", "bottom"), ("pants", "bottom")]
    slots += [("shoes", "shoes"), ("shoes", "shoes")]
    closet = [
        Item(n, cat, slot, [{"name": c, "share": 1.0}], v, np.zeros(1, np.float32))
        for n, ((cat, slot), c, v) in enumerate(zip(slots, colours, vectors))
    ]

    def red_outfits(req):
        return sum(2 in {i.id for i in s.items} for s in suggest(closet, req, inference.grader()))

    reading = WishReading(colours=("red-pink",))
    plain = red_outfits(Request(n=4))
    wished = red_outfits(Request(n=4, wish="something red", wish_reading=reading))
    assert wished >= 3 and wished > plain


@pytest.mark.django_db
def test_a_wish_is_read_into_an_occasion_and_weather_unless_the_user_chose_them(users, api_for, closet):
    client = api_for(users["shopper"])

    def suggest(**params):
        res = client.post("/api/outfits/suggest/", params, format="json")
        assert res.status_code == 202
        services.suggestion_run(request_id=res.json()["id"])  # the worker path is covered end to end above
        body = client.get(f"/api/outfits/suggestions/{res.json()['id']}/").json()
        assert body["status"] == "done", body["error"]
        return body

    body = suggest(n=5, wish="something for a summer wedding")
    assert body["wish_reading"] == {
        "occasion": "formal",
        "weather": "warm",
        "rain": False,
        "colours": [],
        "types": [],
        "types_named": [],
        "used": ["occasion", "weather"],
        "overridden": [],
    }
    worn = {i["garment"] for o in body["outfits"] for i in o["items"]}
    not_for_it = {closet[k].id for k in ("t-shirt0", "t-shirt1", "shorts0", "hat0", "outwear0", "outwear1")}
    assert body["outfits"] and not worn & not_for_it
    reasons = [r for o in body["outfits"] for r in o["reasons"]]
    assert any(r.startswith("Suits formal") for r in reasons) and any("warm weather" in r for r in reasons)
    assert not any("longsleeve" in r for r in reasons)  # types are named as people say them
    items = [i for o in body["outfits"] for i in o["items"]]
    assert {i["category_label"] for i in items} <= {"Long-sleeve top", "Shirt", "Pants", "Skirt", "Dress", "Shoes"}

    body = suggest(n=3, wish="something for a summer wedding", occasion="sport", temperature=3)
    assert body["wish_reading"]["used"] == []  # the user's own occasion and temperature win
    assert body["wish_reading"]["overridden"] == ["occasion", "weather"]
    outerwear = {closet["outwear0"].id, closet["outwear1"].id}
    assert body["outfits"] and all(outerwear & {i["garment"] for i in o["items"]} for o in body["outfits"])
    dresses = {closet["dress0"].id, closet["dress1"].id}
    assert not dresses & {i["garment"] for o in body["outfits"] for i in o["items"]}  # sport leaves dresses out

    assert suggest(n=2)["wish_reading"] == {}

    # a colour: outfits with an item mostly of it come first (the closet's rarest colour family is asked for)
    from ml.outfit.features import COLOUR_FAMILIES
    from recommend.engine import colour_share
    from recommend.selectors import closet_items

    items = {i.id: i for i in closet_items(owner=users["shopper"])}
    count = {f: sum(colour_share(i, (f,)) >= 0.5 for i in items.values()) for f in COLOUR_FAMILIES[:9]}
    family = min((f for f in count if count[f]), key=lambda f: (count[f], f))
    word = {"red-pink": "red", "beige-brown": "brown", "orange-yellow": "yellow"}.get(family, family)

    def coloured(body):
        return sum(
            any(colour_share(items[i["garment"]], (family,)) >= 0.3 for i in o["items"]) for o in body["outfits"]
        )

    wished = suggest(n=6, seed=3, wish=f"something {word}")
    assert wished["wish_reading"]["colours"] == [family] and wished["wish_reading"]["used"] == ["colours"]
    assert coloured({"outfits": wished["outfits"][:1]}) == 1  # how much more often: the engine test above

    jeans = suggest(n=3, wish="something with my jeans")
    assert jeans["wish_reading"]["types"] == ["pants"] and "types" in jeans["wish_reading"]["used"]
    pants = {closet["pants0"].id, closet["pants1"].id}
    assert pants & {i["garment"] for i in jeans["outfits"][0]["items"]}
    assert "Has the pants you asked for" in jeans["outfits"][0]["reasons"]
    assert any(r.startswith("In the colour you asked for") for o in wished["outfits"] for r in o["reasons"])


@pytest.mark.django_db
def test_it_explains_when_the_closet_cannot_make_an_outfit(users, make_garment):
    make_garment(users["shopper"], "t-shirt")
    make_garment(users["shopper"], "pants")
    req = SuggestionRequest.objects.create(owner=users["shopper"], params={"n": 3})
    services.suggestion_run(request_id=req.id)
    req.refresh_from_db()
    assert req.status == "failed" and "shoes" in req.error


@pytest.mark.django_db
def test_grading_names_the_weakest_item_and_a_better_swap(users, api_for, closet):
    client = api_for(users["shopper"])
    picks = [  # the first outfit the closet can improve on is checked in full
        ["shirt0", "pants0", "shoes0"],
        ["t-shirt0", "skirt0", "shoes1", "hat0"],
        ["longsleeve0", "shorts0", "shoes0", "outwear0"],
        ["t-shirt1", "pants1", "shoes1", "outwear1", "hat0"],
        ["dress0", "shoes0", "outwear0", "hat0"],
    ]
    improved = 0
    for names in picks:
        picked = [closet[k].id for k in names]
        res = client.post("/api/outfits/grade/", {"garments": picked}, format="json")
        assert res.status_code == 201
        body = res.json()
        items = body["outfit"]["items"]
        assert 0 <= body["score"] <= 1 and {i["garment"] for i in items} == set(picked)
        weakest = min(items, key=lambda i: i["contribution"])
        assert body["weakest"] == weakest["garment"] and weakest["weakest"]
        assert body["outfit"]["reasons"][0] == f"Weakest item: {weakest['category_label'].lower()}"
        if not body["replacement"]:
            continue
        improved += 1
        swap = body["replacement"]["garment"]
        assert swap not in picked and body["replacement"]["score"] > body["score"]
        swapped = Garment.objects.get(id=swap)  # shown with its cut-out and name on the page
        assert body["replacement"]["category"] == swapped.category_label
        assert body["replacement"]["cutout_url"].endswith(swapped.cutout.name)
        slot = {i["garment"]: i["slot"] for i in items}[weakest["garment"]]
        regraded = client.post(
            "/api/outfits/grade/", {"garments": [g if g != weakest["garment"] else swap for g in picked]}, format="json"
        ).json()
        assert abs(regraded["score"] - body["replacement"]["score"]) < 1e-3
        assert {i["garment"]: i["slot"] for i in regraded["outfit"]["items"]}[swap] == slot
    assert improved, "no picked outfit had a better swap in the closet"
    picked = [closet[k].id for k in picks[0]]
    assert client.post("/api/outfits/grade/", {"garments": [closet["shirt0"].id]}, format="json").status_code == 400
    stranger = api_for(users["stranger"]).post("/api/outfits/grade/", {"garments": picked}, format="json")
    assert stranger.status_code == 400 and "Not in your closet" in stranger.json()["detail"]


@pytest.mark.django_db
def test_feedback_logs_wears_and_feeds_the_statistics(users, api_for, closet):
    client = api_for(users["shopper"])
    client.patch(f"/api/garments/{closet['pants0'].id}/state/", {"price": "60.00"}, format="json")
    _, req = run_suggest(users["shopper"], n=2)
    outfit = req.outfits.first()
    assert client.post("/api/feedback/", {"kind": "wore", "outfit": outfit.id}, format="json").status_code == 201
    client.post("/api/feedback/", {"kind": "wore", "garment": closet["pants0"].id, "day": "2026-01-02"}, format="json")
    client.post("/api/feedback/", {"kind": "wore", "garment": closet["pants0"].id, "day": "2026-01-03"}, format="json")
    stats = {g["id"]: g for g in client.get("/api/closet/stats/").json()["garments"]}
    for g in outfit.garments.all():
        assert stats[g.id]["wears"] >= 1 and not stats[g.id]["never_worn"]
    pants = stats[closet["pants0"].id]
    assert pants["cost_per_wear"] == round(60 / pants["wears"], 2)
    worn = {g.id for g in outfit.garments.all()} | {closet["pants0"].id}
    assert all(stats[g.id]["never_worn"] == (g.id not in worn) for g in closet.values())
    assert sum(g["versatility"] for g in stats.values()) > 0
    assert (
        api_for(users["stranger"])
        .post("/api/feedback/", {"kind": "like", "outfit": outfit.id}, format="json")
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_dislikes_push_an_item_down_the_suggestions(users, api_for, closet):
    client = api_for(users["shopper"])
    before, _ = run_suggest(users["shopper"], n=10, seed=1)
    tops = {closet[k].id for k in ("t-shirt0", "t-shirt1", "longsleeve0", "shirt0")}  # a slot with alternatives
    counts = {}
    for o in before:
        for i in set(o) & tops:
            counts[i] = counts.get(i, 0) + 1
    favourite = max(counts, key=counts.get)
    for _ in range(5):
        client.post("/api/feedback/", {"kind": "dislike", "garment": favourite}, format="json")
    after, _ = run_suggest(users["shopper"], n=10, seed=1)
    assert sum(favourite in o for o in after) < counts[favourite]
    assert Outfit.objects.filter(owner=users["shopper"]).count() == 20


@pytest.mark.django_db
def test_an_item_being_considered_is_kept_out_of_suggestions_and_counts_the_outfits_it_unlocks(users, api_for, closet):
    client = api_for(users["shopper"])
    wanted = closet["skirt0"]
    assert client.get(f"/api/garments/{wanted.id}/unlock/").status_code == 400  # owned: nothing to unlock
    client.patch(f"/api/garments/{wanted.id}/state/", {"considering": True}, format="json")
    outfits, _ = run_suggest(users["shopper"], n=8)
    assert wanted.id not in {i for o in outfits for i in o}
    res = client.get(f"/api/garments/{wanted.id}/unlock/")
    assert res.status_code == 200
    body = res.json()
    assert 0 <= body["new_good_outfits"] <= body["new_outfits_checked"] and body["new_outfits_checked"] > 0


@pytest.mark.django_db
def test_feedback_exports_as_outfit_training_data(users, api_for, closet, tmp_path):
    import json

    from django.core.management import call_command

    client = api_for(users["shopper"])
    _, req = run_suggest(users["shopper"], n=3)
    liked, disliked, worn = list(req.outfits.all())
    client.post("/api/feedback/", {"kind": "like", "outfit": liked.id}, format="json")
    client.post("/api/feedback/", {"kind": "dislike", "outfit": disliked.id}, format="json")
    client.post("/api/feedback/", {"kind": "wore", "outfit": worn.id}, format="json")
    out = tmp_path / "app.jsonl"
    call_command("export_outfit_data", out=out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["label"] for r in rows) == [0, 1, 1]
    assert all(len(i["text_embedding"]) == 384 and i["slot"] for r in rows for i in r["items"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_an_items_own_name_joins_its_vector_for_the_grader(worker, users, api_for, make_garment):
    from recommend.selectors import closet_items

    shirt = make_garment(users["shopper"], "shirt")
    before = {i.id: i.vector for i in closet_items(owner=users["shopper"])}[shirt.id]
    res = api_for(users["shopper"]).patch(
        f"/api/garments/{shirt.id}/state/", {"name": "white linen summer shirt"}, format="json"
    )
    assert res.status_code == 200
    wait_for(lambda: Garment.objects.get(id=shirt.id).name_embedding is not None)
    after = {i.id: i.vector for i in closet_items(owner=users["shopper"])}[shirt.id]
    assert abs(float(after @ after) - 1) < 1e-4 and float(after @ before) < 0.999


@pytest.mark.django_db
def test_the_graders_items_carry_each_garments_colours_and_pattern(users, make_garment):
    import numpy as np

    from ml.outfit.features import name_extra
    from recommend.engine import grader_inputs
    from recommend.selectors import closet_items

    shirt = make_garment(users["shopper"], "shirt")
    Garment.objects.filter(id=shirt.id).update(
        colour_names=["navy", "white"], attributes={**shirt.attributes, "pattern": {"value": "striped"}}
    )
    [item] = [i for i in closet_items(owner=users["shopper"]) if i.id == shirt.id]
    [graded] = grader_inputs([item])
    assert np.array_equal(graded["extra"], name_extra("navy white striped shirt"))
    assert graded["slot"] == "top" and len(graded["text_embedding"]) == 384


def test_complete_the_look_grades_a_product_with_its_colours_and_pattern():
    import numpy as np

    from ml.outfit.features import name_extra
    from shop.looks import product_item

    title = "Roadster Men Navy Blue Striped Shirt"
    item = product_item("top", [0.0] * 384, title, "Navy Blue", ["navy blue", "navy", "blue"], {})
    assert item["slot"] == "top" and item["text_embedding"].shape == (384,)
    assert np.array_equal(item["extra"], name_extra("navy striped"))


def test_sleeves_suit_the_weather_and_a_coat_covers_bare_arms_in_the_cold():
    import numpy as np

    from recommend.engine import Item, Request, context_bonus

    def item(i, slot, sleeve=""):
        return Item(i, "dress" if slot == "one-piece" else slot, slot, [], np.zeros(384), np.zeros(4), sleeve=sleeve)

    long_dress, bare_dress = item(1, "one-piece", "long"), item(2, "one-piece", "sleeveless")
    shoes, coat = item(3, "shoes"), item(4, "outerwear")
    cold, hot, mild = Request(temperature=3), Request(temperature=30), Request(temperature=18)

    long_cold, reasons = context_bonus([long_dress, shoes], cold)
    bare_cold, _ = context_bonus([bare_dress, shoes], cold)
    assert long_cold > bare_cold and "Long sleeves for 3°C" in reasons
    covered, _ = context_bonus([bare_dress, shoes, coat], cold)  # under a coat bare arms cost nothing
    assert covered > bare_cold
    long_hot, _ = context_bonus([long_dress, shoes], hot)
    bare_hot, reasons = context_bonus([bare_dress, shoes], hot)
    assert bare_hot > long_hot and "Sleeveless for 30°C" in reasons
    assert context_bonus([long_dress, shoes], mild) == context_bonus([bare_dress, shoes], mild)


@pytest.mark.django_db
def test_the_suggestions_read_each_garments_sleeve_length_and_the_users_correction(users, make_garment):
    from closet.attributes import garment_attributes_correct
    from recommend.selectors import closet_items

    dress, shoes = make_garment(users["shopper"], "dress"), make_garment(users["shopper"], "shoes")
    other = next(v for v in ("sleeveless", "short", "long") if v != dress.attributes["sleeve"]["value"])
    garment_attributes_correct(garment=dress, user=users["shopper"], values={"sleeve": other})
    items = {i.id: i for i in closet_items(owner=users["shopper"])}
    assert items[dress.id].sleeve == other and items[shoes.id].sleeve == ""
