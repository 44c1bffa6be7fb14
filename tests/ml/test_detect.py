"""Garment detector (ml/detect): mAP on hand-made cases with known answers, box coding and NMS, the flat-lay
recipe's boxes, and the shipped weights on the committed demo photos (valid boxes and labels, batch = one by
one, a recipe in the meta), plus ``python -m ml.evaluate detection`` on the committed closet test set."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.detect import APP_CATEGORY, CLASSES, DEFAULT_WEIGHTS, Detection, load_detector
from ml.detect.checkpoint import REQUIRED_META
from ml.detect.config import DetectorConfig
from ml.detect.data import flatlay
from ml.detect.metrics import average_precision, mean_average_precision
from ml.detect.model import decode, encode, make_anchors, nms
from ml.taxonomy import CLASSES as APP_CLASSES

REPO = Path(__file__).resolve().parents[2]
DEMO = sorted((REPO / "closet" / "demo_photos").glob("*.jpg"))

BOX = (10.0, 10.0, 50.0, 50.0)


def test_the_thirteen_classes_map_onto_the_app_taxonomy():
    assert CLASSES == [
        "bag", "belt", "boots", "footwear", "outer", "dress", "sunglasses",
        "pants", "top", "shorts", "skirt", "headwear", "scarf/tie",
    ]  # fmt: skip
    assert set(APP_CATEGORY) == set(CLASSES)
    assert set(APP_CATEGORY.values()) <= set(APP_CLASSES)
    assert APP_CATEGORY["outer"] == "outerwear" and APP_CATEGORY["boots"] == "shoes"


def test_perfect_detections_score_one():
    truths = [("a", "top", BOX), ("a", "pants", (0, 60, 40, 120)), ("b", "top", (5, 5, 30, 30))]
    dets = [(im, c, 0.9, box) for im, c, box in truths]
    result = mean_average_precision(dets, truths)
    assert result["map"] == 1.0 and result["per_class"] == {"pants": 1.0, "top": 1.0}


def test_finding_one_of_two_boxes_scores_a_half():
    truths = [("a", "top", BOX), ("b", "top", BOX)]
    assert mean_average_precision([("a", "top", 0.9, BOX)], truths)["map"] == pytest.approx(0.5)


def test_a_false_positive_ranked_first_halves_precision():
    truths = [("a", "top", BOX)]
    fp_first = [("a", "top", 0.9, (60, 60, 90, 90)), ("a", "top", 0.8, BOX)]
    assert mean_average_precision(fp_first, truths)["map"] == pytest.approx(0.5)
    tp_first = [("a", "top", 0.9, BOX), ("a", "top", 0.8, (60, 60, 90, 90))]
    assert mean_average_precision(tp_first, truths)["map"] == pytest.approx(1.0)


def test_interpolated_precision_is_the_best_at_any_higher_recall():
    # TP, FP, TP against two boxes: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1 -> 0.5 * 1 + 0.5 * 2/3
    scores, hits = [0.9, 0.8, 0.7], [True, False, True]
    assert average_precision(scores, hits, n_truth=2) == pytest.approx(0.5 + 0.5 * 2 / 3)
    # FP, TP, FP, TP: precision 0, 1/2, 1/3, 1/2 at recall 0, 1/2, 1/2, 1 -> the 1/2 holds for all recall
    assert average_precision([0.9, 0.8, 0.7, 0.6], [False, True, False, True], n_truth=2) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        average_precision([0.5], [True], n_truth=0)


def test_duplicates_wrong_classes_low_iou_and_missing_classes():
    truths = [("a", "top", BOX), ("a", "bag", (60, 60, 100, 100))]
    dets = [
        ("a", "top", 0.9, BOX),
        ("a", "top", 0.8, BOX),  # a second hit on a matched box is a false positive, ranked after the hit
        ("a", "belt", 0.99, BOX),  # a class with no ground truth is left out of the mean
        ("a", "bag", 0.7, (60, 60, 100, 141)),  # IoU 40*40 / (40*81) < 0.5: a miss
    ]
    result = mean_average_precision(dets, truths)
    assert result["per_class"] == {"bag": 0.0, "top": 1.0}
    assert result["map"] == pytest.approx(0.5)
    assert mean_average_precision(dets, truths, iou_threshold=0.4)["per_class"]["bag"] == 1.0
    assert mean_average_precision([("b", "top", 0.9, BOX)], [("a", "top", BOX)])["map"] == 0.0  # wrong image


def test_box_coding_round_trips_and_nms_keeps_the_best_of_overlaps():
    config = DetectorConfig()
    anchors = make_anchors(config)
    boxes = torch.tensor([[30.0, 40.0, 130.0, 300.0]]).expand(len(anchors), 4)
    back = decode(encode(boxes, anchors, config.box_variances), anchors, config.box_variances)
    assert torch.allclose(back, boxes, atol=1e-3)
    b = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60], [0, 0, 10, 9]], dtype=torch.float32)
    keep = nms(b, torch.tensor([0.5, 0.9, 0.3, 0.4]), iou=0.45)
    assert keep.tolist() == [1, 2]


def test_flatlay_boxes_are_the_visible_garments():
    rng = np.random.default_rng(0)
    page = np.full((120, 80, 3), 255, np.uint8)
    red, blue = page.copy(), page.copy()
    red[20:100, 10:70] = (200, 20, 20)
    blue[30:90, 20:60] = (20, 20, 200)
    mask_red = np.zeros((120, 80), np.uint8)
    mask_red[20:100, 10:70] = 255
    mask_blue = np.zeros((120, 80), np.uint8)
    mask_blue[30:90, 20:60] = 255
    grey = np.full((160, 160, 3), 128, np.uint8)
    for _ in range(5):
        ex = flatlay([("top", red, mask_red), ("bag", blue, mask_blue)], grey, 160, rng)
        assert len(ex.labels) >= 1 and set(ex.labels.tolist()) <= {CLASSES.index("top"), CLASSES.index("bag")}
        for box, label in zip(ex.boxes.astype(int), ex.labels):
            x0, y0, x1, y1 = box
            assert 0 <= x0 < x1 <= 160 and 0 <= y0 < y1 <= 160
            inside = ex.image[y0:y1, x0:x1].astype(int)
            channel = 0 if CLASSES[label] == "top" else 2
            colour = (inside[..., channel] - inside[..., 1]) > 60
            assert colour[0].any() and colour[-1].any() and colour[:, 0].any() and colour[:, -1].any()


def test_missing_weights_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m ml.detect.train"):
        load_detector(tmp_path / "none.pt")


@pytest.fixture(scope="module")
def detector():
    torch.set_num_threads(1)
    return load_detector()


def test_shipped_weights_say_what_made_them(detector):
    meta = detector.meta
    for key in REQUIRED_META:
        assert meta.get(key), f"{DEFAULT_WEIGHTS.name} meta lacks {key!r}"
    assert "python -m ml.detect.train" in meta["command"]
    assert meta["data"]["flatlays"]["recipe"] and meta["data"]["flatlays"]["n"] > 0
    assert "is_heldout" in meta["split"]
    assert 0.0 <= meta["heldout"]["flatlay"]["map50"] <= 1.0
    assert detector.version == meta["model_version"] and detector.version.startswith("garment-detector-v1-")


def test_shipped_detector_on_demo_photos(detector):
    photos = [Image.open(p) for p in DEMO[:6]]
    photos.append(np.asarray(Image.open(DEMO[6]).convert("RGB").resize((700, 300))))  # any size, as an array
    batch = detector.detect(photos, min_score=0.2)
    assert len(batch) == len(photos)
    assert sum(len(found) for found in batch) > 0
    for photo, found in zip(photos, batch):
        w, h = photo.size if isinstance(photo, Image.Image) else (photo.shape[1], photo.shape[0])
        for d in found:
            assert isinstance(d, Detection) and d.label in CLASSES and 0.2 < d.score <= 1.0
            x0, y0, x1, y1 = d.box
            assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    batched = load_detector(batch_size=4)  # photos of different sizes share a forward pass
    for photo, together in zip(photos, batched.detect(photos, min_score=0.2)):
        alone = detector.detect([photo], min_score=0.2)[0]
        assert [d.label for d in alone] == [d.label for d in together]
        assert np.allclose([d.box for d in alone], [d.box for d in together], atol=0.5)
        assert np.allclose([d.score for d in alone], [d.score for d in together], atol=1e-4)


def test_evaluate_detection_cli_on_the_closet_test_set(tmp_path):
    out = tmp_path / "closet"
    subprocess.run(
        [sys.executable, "-m", "ml.detect.make_testset", "--source", "closet", "--out", str(out)],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    coco = json.loads((out / "annotations.json").read_text())
    assert len(coco["images"]) == len(list((out / "images").glob("*.jpg"))) > 40
    assert {c["name"] for c in coco["categories"]} == set(CLASSES)
    x, y, w, h = coco["annotations"][0]["bbox"]
    assert w > 0 and h > 0
    run = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "detection", "--data", str(out)],
        cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    result = json.loads(run.stdout)
    assert result["n"] == len(coco["images"])
    assert 0.0 <= result["map50"] <= 1.0
    assert set(result["per_class"]) == {CLASSES[a["category_id"] - 1] for a in coco["annotations"]}
    assert result["map50"] == pytest.approx(np.mean(list(result["per_class"].values())), abs=1e-3)


def test_onmodel_testset_reads_boxes_by_eye_and_refuses_unknown_classes(tmp_path):
    from ml.detect.make_testset import onmodel_testset

    images = tmp_path / "fashion-product-images" / "images"
    images.mkdir(parents=True)
    for pid in ("1", "2"):
        Image.new("RGB", (224, 224), "white").save(images / f"{pid}.jpg")
    spec = {
        "how": "fixture",
        "photos": [
            {"id": "1", "boxes": [{"class": "top", "box": [10, 20, 110, 120]}, {"class": "pants", "box": [30, 120, 90, 224]}]},
            {"id": "2", "boxes": [], "note": "no person"},
        ],
    }  # fmt: skip
    path = tmp_path / "set.json"
    path.write_text(json.dumps(spec))
    items, info = onmodel_testset(tmp_path, path)
    assert [name for name, _, _ in items] == ["1"]  # the unlabellable photo is left out
    assert items[0][2] == [("top", (10.0, 20.0, 110.0, 120.0)), ("pants", (30.0, 120.0, 90.0, 224.0))]
    assert info["photos"] == 1 and info["recipe"] == "fixture"
    spec["photos"][0]["boxes"][0]["class"] = "shirt"
    path.write_text(json.dumps(spec))
    with pytest.raises(ValueError, match="shirt"):
        onmodel_testset(tmp_path, path)


def test_committed_onmodel_boxes_are_valid_and_on_held_out_products():
    from ml.detect.make_testset import ONMODEL_TESTSET
    from ml.segment.data import is_heldout

    spec = json.loads(ONMODEL_TESTSET.read_text())
    photos = spec["photos"]
    assert len(photos) == len({p["id"] for p in photos}) >= 40
    assert all(is_heldout(p["id"]) for p in photos)  # the detector never trained on them
    boxes = [b for p in photos for b in p["boxes"]]
    assert len(boxes) >= 2 * sum(1 for p in photos if p["boxes"])  # several garments per photo on average
    for b in boxes:
        x0, y0, x1, y1 = b["box"]
        assert b["class"] in CLASSES
        assert 0 <= x0 < x1 <= 224 and 0 <= y0 < y1 <= 224
