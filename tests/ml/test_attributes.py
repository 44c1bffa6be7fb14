"""Attribute heads (ml/attributes): the evaluation's metric and majority baseline on hand-made fixtures whose
answers are known, ``python -m ml.evaluate product-attributes`` end to end on a tiny catalogue, the checkpoint
round-trip, and the pattern / sleeve labels derived from product names.

No ../shared data: the tiny catalogue is written here, and ml/weights holds the product-feature checkpoint.
"""

import csv
import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml import evaluate as ml_evaluate
from ml.attributes import AttributeHeads, AttributesConfig, load_checkpoint, predict, save_checkpoint
from ml.attributes.evaluate import SLEEVE_TESTSET, accuracy, attribute_scores, confusion, majority_baseline
from ml.attributes.labels import CLOSET_SLEEVE, closet_sleeve, pattern_from_name, product_labels, sleeve_from_name
from ml.attributes.train import head_classes
from ml.bridge.train import is_heldout

REPO = Path(__file__).resolve().parents[2]
GARMENT = REPO / "ml" / "weights" / "product_features.pt"  # the features the heads read
SHIPPED = REPO / "ml" / "weights" / "garment_attributes.pt"


def garment_version() -> str:
    return torch.load(GARMENT, map_location="cpu", weights_only=True)["meta"]["model_version"]


def test_accuracy_counts_only_labelled_items_and_an_unknown_value_is_wrong():
    # labelled: a (right), c (wrong: said b), x (wrong: a value the model cannot say); "" has no label
    assert accuracy(["a", "b", "c", "a"], ["a", "c", "", "x"]) == (pytest.approx(1 / 3), 3)
    assert accuracy(["a"], [""]) == (None, 0)


def test_majority_baseline_answers_the_most_common_training_value():
    train = ["Casual", "Casual", "Casual", "Formal", "", ""]
    assert majority_baseline(train, ["Casual", "Formal", "Casual", ""]) == pytest.approx(2 / 3)
    assert majority_baseline(["b", "a"], ["a", "b", "b"]) == pytest.approx(1 / 3)  # a tie goes to "a"


def test_attribute_scores_report_each_key_its_baseline_and_the_targets_met():
    labels = {"usage": ["Casual", "Formal", "Sports", "Casual"], "season": ["Fall", "Summer", "", "Fall"]}
    predicted = {"usage": ["Casual", "Formal", "Casual", "Casual"], "season": ["Fall", "Fall", "Fall", "Winter"]}
    train = {"usage": ["Casual", "Casual", "Formal"], "season": ["Summer", "Summer", "Fall"]}
    out = attribute_scores(predicted, labels, train, keys=("usage", "season"))
    assert out["usage"] == 0.75 and out["season"] == pytest.approx(0.3333, abs=1e-4)
    assert out["n"] == 4 and out["n_labelled"] == {"usage": 4, "season": 3}
    assert out["baseline"] == {"usage": 0.5, "season": pytest.approx(0.3333, abs=1e-4)}
    assert out["met"] == {"usage": False, "season": False}


def test_the_colour_family_score_forgives_a_neighbouring_shade_but_not_another_colour():
    labels = {"baseColour": ["Blue", "Grey", "Maroon", "White", ""]}
    predicted = {"baseColour": ["Navy Blue", "Black", "Red", "Off White", "Red"]}
    out = attribute_scores(predicted, labels, {"baseColour": ["Blue"]}, keys=("baseColour",))
    assert out["baseColour"] == 0  # no exact answer
    assert out["baseColour_family"] == 0.75  # navy/blue, red/maroon, off white/white; black is not grey


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("Turtle Check Men Navy Blue Shirt", "checked"),
        ("Wrangler Men Striped Blue Shirt", "striped"),
        ("Puma Men Stripes Black T-shirt", "striped"),
        ("Wrangler Women Floral Print Pink Top", "floral"),  # a floral print is floral
        ("Nike Men Printed Black T-shirt", "printed"),
        ("Arrow Men Solid White Formal Shirt", "solid"),
        ("ADIDAS Men Stripes Solid Grey Sweaters", ""),  # two patterns named: no label
        ("Nike Men Black Running Shoes", ""),  # the name does not say
        ("Peter England Men Checkered Shirt", ""),  # not one of the words
    ],
)
def test_pattern_labels_come_from_words_of_the_product_name(name, pattern):
    assert pattern_from_name(name) == pattern


def test_sleeve_labels_come_from_words_of_the_product_name():
    assert sleeve_from_name("Jealous 21 Women White Sleeveless Top") == "sleeveless"
    assert sleeve_from_name("Mark Taylor Men Full Sleeve Shirt") == "long"
    assert sleeve_from_name("Inkfruit Women Half Sleeve Top") == "short"
    assert sleeve_from_name("Peter England Unisex Orange Sleeve Bag") == ""
    assert sleeve_from_name("Nike Men Blue T-shirt") == ""


def test_a_head_with_too_few_labels_is_dropped_and_rare_classes_are_left_out():
    labels = {k: [""] * 6 for k in ("articleType", "baseColour", "usage", "season", "gender", "pattern", "sleeve")}
    labels["usage"] = ["Casual", "Casual", "Casual", "Formal", "Formal", "Travel"]
    labels["sleeve"] = ["long", "", "", "", "", "short"]
    heads, dropped = head_classes(labels, np.arange(6), min_class=2, min_labels=4)
    assert heads == {"usage": ["Casual", "Formal"]}
    assert "sleeve" in dropped and "articleType" in dropped


def small_config(**kw) -> AttributesConfig:
    return AttributesConfig(
        colour_bins=(2, 3, 3),
        hidden_dim=16,
        heads={"usage": ["Casual", "Formal", "Sports"], "pattern": ["checked", "solid"]},
        garment_model_version="garment-category-test",
        **kw,
    )


def test_a_checkpoint_rebuilds_its_own_model_and_refuses_another_garment_model(tmp_path):
    torch.manual_seed(0)
    config = small_config()
    model = AttributeHeads(config).eval()
    emb, colours = np.random.default_rng(0).normal(size=(5, 1280)).astype(np.float32), np.full((5, 18), 0.2, np.float32)
    meta = save_checkpoint(tmp_path / "a.pt", model, config, {"data": "hand-made", "scores": {}})
    assert meta["model_version"].startswith("garment-attributes-v1-")

    loaded, loaded_config, loaded_meta = load_checkpoint(
        tmp_path / "a.pt", garment_model_version="garment-category-test"
    )
    assert loaded_config == config and loaded_meta == meta
    before, after = predict(model, emb, colours), predict(loaded, emb, colours)
    for b, a in zip(before, after):
        assert a.keys() == {"usage", "pattern"}
        for k in a:
            assert a[k]["value"] == b[k]["value"]  # fp16 weights: the same answers
            assert a[k]["confidence"] == pytest.approx(b[k]["confidence"], abs=2e-3)
            assert sum(t["confidence"] for t in a[k]["top"]) == pytest.approx(1, abs=1e-3)  # softmax over all classes
            assert a[k]["top"][0]["value"] == a[k]["value"]
    with pytest.raises(ValueError, match="trained on garment model"):
        load_checkpoint(tmp_path / "a.pt", garment_model_version="garment-category-other")
    with pytest.raises(ValueError, match="colour features"):
        predict(loaded, emb, None)


def write_catalogue(folder: Path) -> list[dict]:
    """A tiny fashion-product-images folder: 12 products (solid-colour photos), some held out by the id rule."""
    rows = []
    for pid in range(1000, 1400):
        if len(rows) == 12:
            break
        held = is_heldout(str(pid))
        if sum(is_heldout(r["id"]) == held for r in rows) >= 6:  # six held-out, six training
            continue
        usage = ["Casual", "Formal", "Casual", "NA"][len(rows) % 4]
        rows.append(
            {
                "id": str(pid),
                "gender": "Men",
                "masterCategory": "Apparel",
                "subCategory": "Topwear",
                "articleType": "Shirts",
                "baseColour": "Blue",
                "season": "Fall",
                "year": "2012",
                "usage": usage,
                "productDisplayName": f"Brand Men {'Checked' if len(rows) % 3 == 0 else 'Solid'} Blue Shirt {pid}",
            }
        )
    (folder / "images").mkdir(parents=True)
    with open(folder / "styles.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for i, r in enumerate(rows):
        Image.new("RGB", (60, 80), (30 + 10 * i, 60, 200)).save(folder / "images" / f"{r['id']}.jpg")
    return rows


def test_the_evaluate_command_scores_held_out_products_against_the_known_answer(tmp_path, monkeypatch):
    import ml.bridge.train
    import ml.shop.data

    monkeypatch.setattr(ml.bridge.train, "CACHE", tmp_path / "cache")  # keep ml/cache clean
    monkeypatch.setattr(ml.shop.data, "CACHE", tmp_path / "cache")
    rows = write_catalogue(tmp_path / "data")
    # heads that always answer usage "Casual" and pattern "solid" (zero weights, a bias for one class)
    config = AttributesConfig(
        colour_bins=(),
        hidden_dim=8,
        heads={"usage": ["Casual", "Formal"], "pattern": ["checked", "solid"]},
        garment_model_version=garment_version(),
    )
    model = AttributeHeads(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.heads["usage"].bias[0] = 3.0
        model.heads["pattern"].bias[1] = 3.0
    save_checkpoint(tmp_path / "heads.pt", model, config, {})

    out = io.StringIO()
    with redirect_stdout(out):
        ml_evaluate.main(
            ["product-attributes", "--data", str(tmp_path / "data"), "--checkpoint", str(tmp_path / "heads.pt")]
        )
    scores = json.loads(out.getvalue())

    held = [r for r in rows if is_heldout(r["id"])]
    train = [r for r in rows if not is_heldout(r["id"])]
    usage = [r["usage"] for r in held if r["usage"] != "NA"]
    assert scores["n"] == len(held) == 6
    assert scores["usage"] == round(usage.count("Casual") / len(usage), 4)
    assert scores["n_labelled"]["usage"] == len(usage)
    patterns = [pattern_from_name(r["productDisplayName"]) for r in held]
    assert scores["pattern"] == round(patterns.count("solid") / len(patterns), 4)
    assert scores["articleType"] is not None and scores["articleType"] == 0  # no such head: every answer wrong
    train_usage = [r["usage"] for r in train if r["usage"] != "NA"]
    majority = max(sorted(set(train_usage)), key=train_usage.count)
    assert scores["baseline"]["usage"] == round(usage.count(majority) / len(usage), 4)
    assert scores["baseline"]["articleType"] == 1.0
    assert set(scores) >= {"articleType", "baseColour", "usage", "season", "gender", "n", "baseline"}


def test_product_labels_read_the_columns_and_treat_na_as_no_label(tmp_path):
    from ml.shop.data import products

    rows = write_catalogue(tmp_path)
    items = products(tmp_path)
    labels = product_labels(tmp_path, items)
    assert [p.id for p in items] == sorted((r["id"] for r in rows), key=int)
    by_id = {r["id"]: r for r in rows}
    assert labels["usage"] == [("" if by_id[p.id]["usage"] == "NA" else by_id[p.id]["usage"]) for p in items]
    assert set(labels["pattern"]) == {"checked", "solid"} and set(labels["sleeve"]) == {""}


def test_the_shipped_checkpoint_names_its_data_command_and_scores():
    model, config, meta = load_checkpoint(SHIPPED, garment_model_version=garment_version())
    assert {"articleType", "baseColour", "usage", "season", "gender", "pattern"} <= set(config.heads)
    assert meta["command"].startswith("python -m ml.attributes.train")
    assert meta["scores"]["heldout"]["n"] > 1000
    assert config.heads["sleeve"] == ["long", "short", "sleeveless"]  # taught by closet photos (labels.CLOSET_SLEEVE)
    assert meta["scores"]["heldout"]["sleeve"]["by_eye"]["n"] == 167
    assert SHIPPED.stat().st_size < 8_000_000


def test_closet_labels_that_say_the_sleeve_length_teach_it_and_the_others_do_not():
    assert closet_sleeve("T-Shirt") == closet_sleeve("Polo") == "short"
    assert closet_sleeve("Longsleeve") == closet_sleeve("Hoodie") == "long"
    assert closet_sleeve("Undershirt") == "sleeveless"
    assert closet_sleeve("Shirt") == closet_sleeve("Dress") == closet_sleeve("Pants") == ""
    from ml.attributes.labels import closet_article_type

    assert closet_article_type("Hoodie") == "Sweatshirts" and closet_article_type("Pants") == ""


def test_confusion_counts_label_then_prediction_over_labelled_items():
    got = confusion(["long", "short", "long", "short"], ["long", "long", "", "short"])
    assert got == {"long": {"long": 1, "short": 1}, "short": {"short": 1}}


def test_the_by_eye_sleeve_set_holds_only_held_out_senders_photos_whose_label_does_not_say():
    photos = json.loads(SLEEVE_TESTSET.read_text())["photos"]
    assert len(photos) == 174 and len({p["image"] for p in photos}) == 174
    assert {p["sleeve"] for p in photos} == {"short", "long", "sleeveless", "?"}
    assert not {p["category_label"] for p in photos} & {"tshirt", "polo", "longsleeve", "hoodie", "blazer"}
    assert set(CLOSET_SLEEVE.values()) == {"short", "long", "sleeveless"}


def test_the_sleeve_evaluation_scores_a_known_answer_on_a_tiny_closet(tmp_path, monkeypatch):
    """Heads that always answer "long": accuracy is the share of long labels, per part, with its confusion."""
    import ml.bridge.train
    import ml.shop.data
    from ml.attributes.evaluate import closet_scores
    from ml.garment_category.data import load_split

    monkeypatch.setattr(ml.bridge.train, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(ml.shop.data, "CACHE", tmp_path / "cache")
    held = load_split()["heldout_senders"][0]
    rows = [  # (image, sender, label): held-out T-shirt + longsleeve, a training polo, two held-out shirts
        ("a1", held, "T-Shirt"),
        ("a2", held, "Longsleeve"),
        ("a3", "trainer-x", "Polo"),
        ("s1", held, "Shirt"),
        ("s2", held, "Shirt"),
        ("s3", held, "Dress"),
    ]
    (tmp_path / "closet" / "images").mkdir(parents=True)
    with open(tmp_path / "closet" / "images.csv", "w") as f:
        f.write("image,sender_id,label,kids\n" + "".join(f"{i},{s},{lab},False\n" for i, s, lab in rows))
    for n, (image, _, _) in enumerate(rows):
        Image.new("RGB", (60, 80), (40 * n, 90, 160)).save(tmp_path / "closet" / "images" / f"{image}.jpg")
    testset = tmp_path / "eye.json"
    testset.write_text(
        json.dumps(
            {
                "photos": [
                    {"image": "s1", "category_label": "shirt", "sleeve": "long"},
                    {"image": "s2", "category_label": "shirt", "sleeve": "short"},
                    {"image": "s3", "category_label": "dress", "sleeve": "?"},
                ]
            }
        )
    )
    config = AttributesConfig(colour_bins=(), hidden_dim=8, heads={"sleeve": ["long", "short", "sleeveless"]})
    config.garment_model_version = garment_version()
    model = AttributeHeads(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.heads["sleeve"].bias[0] = 3.0

    got = closet_scores(model, tmp_path / "closet", str(GARMENT), threads=1, testset=testset)["sleeve"]
    assert got["closet"]["accuracy"] == 0.5 and got["closet"]["n"] == 2  # the training polo is not scored
    assert got["closet"]["confusion"] == {"long": {"long": 1}, "short": {"long": 1}}
    assert got["by_eye"]["accuracy"] == 0.5 and got["by_eye"]["n"] == 2 and got["left_out_by_eye"] == 1
    assert got["closet"]["baseline"] == 0.5  # training senders: one polo, so "short" is the majority


def test_the_article_type_is_chosen_within_the_garments_group_and_renormalised():
    from ml.attributes.model import within_group

    types = ["Jackets", "Jeans", "Trousers", "Watches"]  # outerwear, bottoms, bottoms, accessories
    probs = np.array([[0.6, 0.1, 0.3, 0.0], [0.6, 0.1, 0.3, 0.0], [0.6, 0.1, 0.3, 0.0]], np.float32)
    got = within_group(probs, types, ["bottoms", "", "bags"])
    assert np.allclose(got[0], [0, 0.25, 0.75, 0])  # pants read as a jacket: the best bottom wins, P(type | group)
    assert np.allclose(got[1], probs[1]) and np.allclose(got[2], probs[2])  # no group, or none of its types: as is


def test_the_by_eye_training_dresses_are_apart_from_the_test_set():
    from ml.attributes.evaluate import SLEEVE_TRAIN_BY_EYE

    train = json.loads(SLEEVE_TRAIN_BY_EYE.read_text())["photos"]
    test = json.loads(SLEEVE_TESTSET.read_text())["photos"]
    assert len(train) == 282 and {p["category_label"] for p in train} == {"dress", "top"}
    assert {p["sleeve"] for p in train} == {"short", "long", "sleeveless", "?"}
    assert not {p["image"] for p in train} & {p["image"] for p in test}


def hand_made_tail(tmp_path: Path) -> Path:
    """A tail-heads file (as ml.product_features.train --heads-out writes it) whose usage head, in its own class
    order, answers from the feature's first coordinate: raw feature x 2 -> logits (2 f0, 0, -2 f0)."""
    w = torch.zeros(3, 1280)
    w[0, 0], w[2, 0] = 1.0, -1.0
    state = {"heads.usage.weight": w, "heads.usage.bias": torch.zeros(3)}
    path = tmp_path / "tail.pt"
    torch.save({"classes": {"usage": ["Sports", "Formal", "Casual"]}, "state": state, "raw_norm": 2.0}, path)
    return path


def test_the_tails_own_head_mixes_into_the_answer_in_the_heads_class_order(tmp_path):
    from ml.attributes.model import predict_probabilities
    from ml.attributes.tail import attach, load_tail_heads

    config = small_config()
    config.colour_bins = ()
    model = AttributeHeads(config)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.heads["usage"].bias[0] = 20.0  # the heads alone: always "Casual"
    tail = load_tail_heads(hand_made_tail(tmp_path))
    emb = np.zeros((2, 1280), np.float32)
    emb[0, 0], emb[1, 0] = 1.0, -1.0  # unit-norm features: raw f0 = +2 and -2
    expected_tail = torch.tensor([[2.0, 0.0, -2.0], [-2.0, 0.0, 2.0]]).softmax(-1).numpy()  # Sports, Formal, Casual

    alone = predict_probabilities(attach(model, tail, {"usage": 1.0}), emb)["usage"]  # heads' order: C, F, S
    assert np.allclose(alone, expected_tail[:, ::-1], atol=1e-5)
    half = predict_probabilities(attach(model, tail, {"usage": 0.5}), emb)["usage"]
    assert np.allclose(half, 0.5 * np.array([1, 0, 0]) + 0.5 * expected_tail[:, ::-1], atol=1e-5)
    assert [p["usage"]["value"] for p in predict(attach(model, tail, {"usage": 1.0}), emb)] == ["Sports", "Casual"]
    assert np.allclose(predict_probabilities(attach(model, tail, {}), emb)["usage"][:, 0], 1, atol=1e-6)

    mixed = attach(model, tail, {"usage": 1.0})
    save_checkpoint(tmp_path / "mixed.pt", mixed, mixed.config, {})
    loaded, loaded_config, _ = load_checkpoint(tmp_path / "mixed.pt")
    assert loaded_config.tail_mix == {"usage": 1.0} and loaded_config.tail_heads == {
        "usage": ["Sports", "Formal", "Casual"]
    }
    assert np.allclose(predict_probabilities(loaded, emb)["usage"], alone, atol=2e-3)  # fp16 weights
    with pytest.raises(ValueError, match="no tail head"):
        attach(model, tail, {"pattern": 1.0})


def test_the_heads_the_tail_training_saves_are_read_back_on_the_stored_unit_norm_feature(tmp_path):
    from ml.attributes.model import predict_probabilities
    from ml.attributes.tail import attach, load_tail_heads
    from ml.product_features.train import Heads, save_tail_heads

    torch.manual_seed(0)
    classes = {"usage": ["Casual", "Formal", "Sports"], "season": ["Fall", "Summer"]}
    heads = Heads(classes, 1280, dropout=0.2).eval()
    raw = torch.randn(4, 1280) * 0.5
    raw = raw / raw.norm(dim=1, keepdim=True) * 7.0  # every raw feature has norm 7, the constant saved
    save_tail_heads(tmp_path / "tail.pt", heads, classes, norm=7.0)

    tail = load_tail_heads(tmp_path / "tail.pt")
    assert tail["classes"] == classes and tail["raw_norm"] == 7.0
    model = AttributeHeads(AttributesConfig(colour_bins=(), hidden_dim=8, heads=classes))
    unit = (raw / raw.norm(dim=1, keepdim=True)).numpy()  # what the app stores
    got = predict_probabilities(attach(model, tail, {"usage": 1.0, "season": 1.0}), unit)
    with torch.no_grad():
        want = {k: v.softmax(-1).numpy() for k, v in heads(raw).items()}
    for k in classes:
        assert np.allclose(got[k], want[k], atol=1e-5)
    torch.save({"classes": classes}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a tail-heads file"):
        load_tail_heads(tmp_path / "other.pt")
