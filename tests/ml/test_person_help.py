"""The detector helped by the person parse (ml/detect/person_help.py): its rules on hand-made detections and a
hand-made person with known answers, ``Detector.look``'s class scores, ``python -m ml.evaluate detection
--person-help`` on a tiny test set, and (where the research samples are on disk) a real person photo.
No person photo is committed; the samples folder is absent in CI and that test is skipped there."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.detect import CLASSES, Detection, load_detector
from ml.detect.metrics import iou_one_to_many
from ml.detect.person_help import (
    COVERED_SCORE,
    FOOT_LANDMARKS,
    KNEE_LANDMARKS,
    REGION_CLASSES,
    mask_extent,
    person_help,
)
from ml.person import LANDMARKS, PersonParse, body_regions, parse

REPO = Path(__file__).resolve().parents[2]
FLATLAY = REPO / "tests" / "data" / "outfit-flatlay.jpg"
DEMO = sorted((REPO / "closet" / "demo_photos").glob("*.jpg"))
SAMPLES = REPO.parent / "shared" / "data" / "tryon-samples"  # research-only person photos, absent in CI

W, H = 200, 400
EXTENT = (50, 20, 150, 370)  # the person mask's pixels: x 50..149, y 20..369


def standing(knees_visible=True, feet_visible=True):
    """Landmarks of a person standing facing the camera (torso 100 px), as in test_person.py."""
    lm = np.zeros((33, 3), np.float32)
    lm[:, 2] = 1.0
    pos = {
        "nose": (100, 40),
        "left_shoulder": (130, 80),
        "right_shoulder": (70, 80),
        "left_elbow": (140, 130),
        "right_elbow": (60, 130),
        "left_hip": (120, 180),
        "right_hip": (80, 180),
        "left_knee": (120, 260),
        "right_knee": (80, 260),
        "left_ankle": (120, 340),
        "right_ankle": (80, 340),
        "left_heel": (118, 345),
        "right_heel": (82, 345),
        "left_foot_index": (125, 350),
        "right_foot_index": (75, 350),
    }
    for name, xy in pos.items():
        lm[LANDMARKS.index(name), :2] = xy
    if not knees_visible:
        lm[list(KNEE_LANDMARKS), 2] = 0.1
    if not feet_visible:
        lm[list(FOOT_LANDMARKS), 2] = 0.1
    return lm


def person(**kw) -> PersonParse:
    mask = np.zeros((H, W), np.float32)
    x0, y0, x1, y1 = EXTENT
    mask[y0:y1, x0:x1] = 0.9
    lm = standing(**kw)
    return PersonParse(mask, lm, 0.99, body_regions(lm, W, H))


def scores(**probs) -> dict[str, float]:
    return {c: probs.get(c.replace("/", "_"), 0.001) for c in CLASSES}


def det(box, label, score, **probs) -> Detection:
    return Detection(tuple(float(v) for v in box), label, score, scores(**{label.replace("/", "_"): score, **probs}))


class RegionScores:
    """The detector's class scores for a region box, fixed per region; records what it was asked."""

    def __init__(self, regions, **by_region):
        self.regions, self.by_region, self.asked = regions, by_region, []

    def __call__(self, boxes):
        self.asked += list(boxes)
        names = {tuple(float(v) for v in box): name for name, box in self.regions.items()}
        return [self.by_region[names[tuple(box)]] for box in boxes]


def region_scores(p, **overrides):
    defaults = {
        "upper": scores(top=0.5, outer=0.3, dress=0.2),
        "lower": scores(pants=0.6, shorts=0.3, skirt=0.1),
        "feet": scores(footwear=0.8),
    }
    return RegionScores(p.regions, **{**defaults, **overrides})


def by_label(found):
    return {d.label: d for d in found}


def test_the_hand_made_person_has_the_regions_the_rules_are_written_against():
    p = person()
    assert p.regions["upper"] == (35, 60, 165, 205) and p.regions["lower"] == (60, 165, 140, 350)
    assert "feet" in p.regions and mask_extent(p.mask) == EXTENT
    assert [LANDMARKS[i] for i in KNEE_LANDMARKS] == ["left_knee", "right_knee"]
    assert [LANDMARKS[i] for i in FOOT_LANDMARKS] == ["left_heel", "right_heel", "left_foot_index", "right_foot_index"]


def test_without_a_person_the_detections_come_back_untouched():
    found = [det((0, 0, 199, 399), "bag", 0.7, pants=0.2), det((10, 10, 30, 30), "belt", 0.05)]
    ask = RegionScores({})
    assert person_help(found, None, ask) == found
    assert [d.box for d in person_help(found, None, ask)] == [d.box for d in found] and ask.asked == []


def test_trousers_called_a_bag_are_relabelled_to_the_lower_class_the_detector_scored_next():
    p = person(knees_visible=False)  # with the knees in view their length would decide (below)
    top = det((55, 65, 145, 200), "top", 0.9)
    trousers = det((62, 170, 138, 340), "bag", 0.6, pants=0.2, shorts=0.25, skirt=0.05)
    handbag = det((140, 200, 180, 240), "bag", 0.5, pants=0.3)  # a real bag: covers little of the legs
    shoes = det((70, 330, 130, 360), "footwear", 0.8)
    ask = region_scores(p)
    found = person_help([top, trousers, handbag, shoes], p, ask)
    labels = sorted((d.label, d.score) for d in found)
    assert labels == [("bag", 0.5), ("footwear", 0.8), ("shorts", 0.6), ("top", 0.9)]
    assert by_label(found)["shorts"].box == trousers.box  # inside the person already: unchanged
    assert by_label(found)["bag"].box == handbag.box  # carried: not clipped to the person
    assert ask.asked == []  # every region is covered: nothing to propose


def test_a_relabelled_box_merges_with_a_weaker_one_of_its_new_class():
    p = person()
    found = person_help(
        [det((62, 170, 138, 340), "belt", 0.6, pants=0.3), det((60, 172, 138, 342), "pants", 0.4)],
        p,
        region_scores(p),
    )
    pants = [d for d in found if d.label == "pants"]
    assert len(pants) == 1 and pants[0].score == 0.6


def test_a_region_without_its_garment_gets_a_weaker_proposal_from_its_box_clipped_to_the_person():
    p = person()
    trousers = det((62, 170, 138, 340), "pants", 0.8)
    shoes = det((70, 330, 130, 360), "footwear", 0.8)
    weak_top = det((55, 65, 145, 200), "top", 0.1)  # too weak to count as the upper body's garment
    ask = region_scores(p, upper=scores(top=0.2, outer=0.6, dress=0.2))
    found = person_help([trousers, shoes, weak_top], p, ask)
    assert ask.asked == [tuple(float(v) for v in p.regions["upper"])]
    proposal = by_label(found)["outer"]
    assert proposal.box == (50.0, 60.0, 150.0, 205.0)  # the upper region (35..165) inside the mask (50..150)
    assert proposal.score == pytest.approx(COVERED_SCORE * 0.6 / (0.2 + 0.6 + 0.2))
    assert proposal.score < min(trousers.score, shoes.score)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)


def test_an_empty_photo_of_a_person_gets_one_proposal_per_region_and_feet_only_when_seen():
    p = person()
    found = person_help([], p, region_scores(p))
    assert sorted(d.label for d in found) == ["footwear", "pants", "top"]
    assert all(d.score < COVERED_SCORE for d in found)
    assert {d.label for d in found} <= {c for kinds in REGION_CLASSES.values() for c in kinds}
    hidden = person(feet_visible=False)  # ankles in view, heels and toes hidden: no shoes to propose
    assert "feet" in hidden.regions
    assert sorted(d.label for d in person_help([], hidden, region_scores(hidden))) == ["pants", "top"]


def test_a_proposed_dress_spans_both_regions_and_covers_the_legs():
    p = person()
    found = person_help([], p, region_scores(p, upper=scores(top=0.2, outer=0.1, dress=0.7)))
    assert sorted(d.label for d in found) == ["dress", "footwear"]
    assert by_label(found)["dress"].box == (50.0, 60.0, 150.0, 350.0)  # upper to the lower region's ankles
    confident = person_help([det((55, 65, 145, 345), "dress", 0.7)], p, region_scores(p))
    assert sorted(d.label for d in confident) == ["dress", "footwear"]  # the dress covers the legs too


def test_a_dress_inside_the_upper_body_with_the_legs_in_view_is_a_top():
    p = person()
    found = person_help(
        [det((55, 65, 145, 200), "dress", 0.7, top=0.2, outer=0.1), det((62, 170, 138, 340), "pants", 0.8)],
        p,
        region_scores(p),
    )
    assert by_label(found)["top"].score == 0.7 and "dress" not in by_label(found)


def test_with_the_knees_in_view_a_garment_ending_below_them_is_not_shorts():
    p = person()  # knees at y 260, lower region 165..350
    below = det((62, 170, 138, 340), "shorts", 0.7, pants=0.2, skirt=0.05)
    assert by_label(person_help([below], p, region_scores(p)))["pants"].score == 0.7
    above = det((62, 170, 138, 220), "pants", 0.7, shorts=0.1, skirt=0.2)
    assert "skirt" in by_label(person_help([above], p, region_scores(p)))
    unseen = person(knees_visible=False)
    assert "shorts" in by_label(person_help([below], unseen, region_scores(unseen)))


def cut_at_the_thighs(height=230) -> PersonParse:
    """The standing person photographed down to mid-thigh: the knees (y 260) are below the photo's edge."""
    lm = standing(knees_visible=False, feet_visible=False)
    mask = np.zeros((height, W), np.float32)
    mask[EXTENT[1] :, EXTENT[0] : EXTENT[2]] = 0.9
    return PersonParse(mask, lm, 0.99, body_regions(lm, W, height))


def test_trousers_cut_by_the_photos_edge_are_not_called_shorts():
    p = cut_at_the_thighs()
    assert p.regions["lower"][3] == 230  # the lower body runs out of the photo
    cut = det((62, 170, 138, 230), "shorts", 0.7, pants=0.2, skirt=0.05)
    assert by_label(person_help([cut], p, region_scores(p)))["pants"].score == 0.7
    hem_in_view = det((62, 170, 138, 200), "shorts", 0.7, pants=0.2, skirt=0.05)  # ends 30 px above the edge
    assert "shorts" in by_label(person_help([hem_in_view], p, region_scores(p)))
    proposed = person_help([], p, region_scores(p, lower=scores(pants=0.3, shorts=0.6, skirt=0.1)))
    assert sorted(d.label for d in proposed) == ["pants", "top"]  # the proposal for the legs too


def test_boxes_are_clipped_to_the_person_and_those_outside_dropped():
    p = person()
    wide = det((0, 50, 200, 210), "top", 0.9)  # wider than the person
    hat_beside = det((160, 10, 195, 40), "headwear", 0.4)  # beside the person: nothing left after clipping
    found = person_help([wide, hat_beside], p, region_scores(p))
    assert by_label(found)["top"].box == (50.0, 50.0, 150.0, 210.0)
    assert "headwear" not in by_label(found)
    for d in found:
        if d.label != "bag":
            assert EXTENT[0] <= d.box[0] < d.box[2] <= EXTENT[2] and EXTENT[1] <= d.box[1] < d.box[3] <= EXTENT[3]


def test_a_detection_without_class_scores_keeps_its_label():
    p = person()
    plain = Detection((62.0, 170.0, 138.0, 340.0), "bag", 0.6)  # the old three-field Detection still works
    assert by_label(person_help([plain], p, region_scores(p)))["bag"].box == plain.box
    assert plain == Detection((62.0, 170.0, 138.0, 340.0), "bag", 0.6, scores(bag=0.6))  # scores: not compared


@pytest.fixture(scope="module")
def detector():
    torch.set_num_threads(1)
    return load_detector()


def test_look_finds_what_detect_finds_and_scores_any_box(detector):
    photo = Image.open(FLATLAY).convert("RGB")
    look = detector.look(photo, min_score=0.2)
    plain = detector.detect([photo], min_score=0.2)[0]
    assert look.detections == plain and plain and all(d.scores is None for d in plain)
    for d in look.detections:
        assert set(d.scores) == set(CLASSES) and d.scores[d.label] == pytest.approx(d.score, abs=1e-6)
        assert sum(d.scores.values()) <= 1.0 + 1e-5
    best = look.detections[0]
    (on_best,) = look.class_scores([best.box])
    assert max(on_best, key=on_best.get) == best.label  # the anchors around a confident box agree with it
    corner = look.class_scores([(0.0, 0.0, 8.0, 8.0)])[0]  # no anchor overlaps it by 0.5: the nearest five
    assert set(corner) == set(CLASSES) and 0.0 <= sum(corner.values()) <= 1.0 + 1e-5


def tiny_testset(root: Path) -> Path:
    """Two garment photos (no person) with one true box each, as make_testset writes them."""
    (root / "images").mkdir(parents=True)
    images, annotations = [], []
    for i, (path, label) in enumerate([(DEMO[0], "top"), (FLATLAY, "pants")], start=1):
        shutil.copy(path, root / "images" / f"{i}.jpg")
        w, h = Image.open(path).size
        images.append({"id": i, "file_name": f"{i}.jpg", "width": w, "height": h})
        annotations.append(
            {"id": i, "image_id": i, "category_id": CLASSES.index(label) + 1, "bbox": [0, 0, w / 2, h / 2]}
        )
    categories = [{"id": i + 1, "name": c} for i, c in enumerate(CLASSES)]
    coco = {"images": images, "annotations": annotations, "categories": categories, "info": {"source": "tiny"}}
    (root / "annotations.json").write_text(json.dumps(coco))
    return root


def evaluate(*args):
    run = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "detection", *args], cwd=REPO, check=True, capture_output=True, text=True
    )
    return json.loads(run.stdout)


def test_evaluate_detection_scores_with_and_without_the_person_help_in_one_run(tmp_path):
    data = tiny_testset(tmp_path / "tiny")
    plain = evaluate("--data", str(data))
    both = evaluate("--data", str(data), "--person-help")
    assert "person_help" not in plain and both["n"] == plain["n"] == 2
    assert {k: both[k] for k in ("map50", "per_class")} == {k: plain[k] for k in ("map50", "per_class")}
    helped = both["person_help"]
    assert helped["people_found"] == 0 and helped["changed_photos"] == 0  # garment photos: no one in them
    assert (helped["map50"], helped["per_class"]) == (plain["map50"], plain["per_class"])
    assert set(helped["per_class"]) == {"top", "pants"}


@pytest.mark.skipif(not (SAMPLES / "image").is_dir(), reason="research-only person photos are not in this checkout")
def test_a_real_person_photo_gets_their_top_and_trousers_inside_their_mask(detector):
    stem = "000001_0"
    with Image.open(SAMPLES / "image" / f"{stem}.jpg") as im:
        rgb = np.asarray(im.convert("RGB"))
    with Image.open(SAMPLES / "image-parse" / f"{stem}.png") as im:
        labels = np.asarray(im)

    def extent(mask):
        ys, xs = np.nonzero(mask)
        return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)

    upper_clothes, pants = extent(labels == 5), extent(labels == 9)  # LIP labels
    p = parse(rgb)
    assert p is not None and {"upper", "lower"} <= set(p.regions)
    look = detector.look(rgb, min_score=0.01)
    found = person_help(look.detections, p, look.class_scores)
    x0, y0, x1, y1 = mask_extent(p.mask)
    for d in found:
        if d.label != "bag":
            assert x0 <= d.box[0] and y0 <= d.box[1] and d.box[2] <= x1 and d.box[3] <= y1

    def best_iou(kinds, truth):
        boxes = [d.box for d in found if d.label in kinds]
        return float(iou_one_to_many(truth, np.asarray(boxes, np.float64)).max()) if boxes else 0.0

    assert best_iou({"top", "outer"}, upper_clothes) >= 0.8
    assert best_iou(set(REGION_CLASSES["lower"]), pants) >= 0.6
