"""Photos of people (ml/person): the metrics on hand-made fixtures with known answers, the model files' checksums,
the BlazePose geometry, garment photos that hold no person, and (where the research samples are on disk) a real
person photo. No person photo is committed; the samples folder is absent in CI and that test is skipped there."""

import math
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ml.person import (
    LANDMARKS,
    PersonParser,
    body_regions,
    decode_detections,
    face_box,
    garment_regions,
    parse,
    roi_from_keypoints,
    ssd_anchors,
)
from ml.person.evaluate import box_coverage, box_precision, mask_iou, region_scores
from ml.person.files import MODEL_FILES, MODELS_DIR, ModelFileError, check_file, verified_paths
from ml.person.install import install

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "closet" / "demo_photos"
SAMPLES = REPO.parent / "shared" / "data" / "tryon-samples"  # research-only person photos, absent in CI


def block(shape, y0, y1, x0, x1):
    m = np.zeros(shape, bool)
    m[y0:y1, x0:x1] = True
    return m


def test_mask_iou_known_answers():
    left, whole = block((10, 10), 0, 10, 0, 5), block((10, 10), 0, 10, 0, 10)
    assert mask_iou(left, whole) == pytest.approx(0.5)
    assert mask_iou(left, ~left) == 0.0
    assert mask_iou(left, left) == 1.0
    assert mask_iou(np.zeros((4, 4), bool), np.zeros((4, 4), bool)) == 1.0


def test_box_coverage_and_precision_known_answers():
    garment = block((10, 10), 2, 6, 2, 6)  # 16 px
    assert box_coverage((2, 2, 4, 6), garment) == pytest.approx(0.5)  # x 2-3, y 2-5: 8 of 16
    assert box_precision((2, 2, 4, 6), garment) == 1.0
    assert box_coverage((0, 0, 10, 10), garment) == 1.0
    assert box_precision((0, 0, 10, 10), garment) == pytest.approx(0.16)
    assert box_coverage(None, garment) == 0.0


def test_region_scores_count_a_missing_box_as_no_coverage_and_skip_photos_without_the_garment():
    garment = block((10, 10), 2, 6, 2, 6)
    scores = region_scores([(0, 0, 10, 10), None, (0, 0, 5, 5)], [garment, garment, np.zeros((10, 10), bool)])
    assert scores == {"coverage": 0.5, "precision": 0.16, "n": 2, "missing": 1}


def test_a_model_file_whose_sha256_differs_from_the_pin_is_refused(tmp_path):
    for name in MODEL_FILES:
        shutil.copy(MODELS_DIR / name, tmp_path / name)
    assert set(verified_paths(tmp_path)) == set(MODEL_FILES)
    tampered = tmp_path / "pose_detection.tflite"
    data = bytearray(tampered.read_bytes())
    data[1000] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="expected"):
        check_file(tampered, MODEL_FILES["pose_detection.tflite"].sha256)
    with pytest.raises(ModelFileError, match="refusing"):
        PersonParser(tmp_path)
    (tmp_path / "selfie_segmentation.tflite").unlink()
    with pytest.raises(ModelFileError, match="missing"):
        verified_paths(tmp_path)


def test_install_takes_the_files_out_of_a_wheel_once_and_refuses_a_wheel_with_other_files(tmp_path):
    good = tmp_path / "good.whl"
    with zipfile.ZipFile(good, "w") as z:
        for f in MODEL_FILES.values():
            z.write(MODELS_DIR / f.name, f.member)
    dest = tmp_path / "models"
    assert sorted(install(dest, good)) == sorted(MODEL_FILES)
    assert set(verified_paths(dest)) == set(MODEL_FILES)
    assert install(dest, tmp_path / "no-such.whl") == []  # all present and right: the wheel is not even opened

    bad = tmp_path / "bad.whl"
    with zipfile.ZipFile(bad, "w") as z:
        for f in MODEL_FILES.values():
            z.writestr(f.member, b"not the model")
    (dest / "pose_landmark_full.tflite").write_bytes(b"truncated")
    with pytest.raises(ModelFileError, match="not installed"):
        install(dest, bad)
    assert (dest / "pose_landmark_full.tflite").read_bytes() == b"truncated"  # nothing half-written in its place


def test_the_detector_has_blazepose_anchor_grid_and_decodes_a_box_around_its_anchor():
    anchors = ssd_anchors()
    assert anchors.shape == (2254, 2)
    assert anchors[0] == pytest.approx([0.5 / 28, 0.5 / 28]) and anchors[-1] == pytest.approx([6.5 / 7, 6.5 / 7])
    raw = np.zeros((2254, 12), np.float32)
    scores = np.full(2254, -10.0, np.float32)
    i = 28 * 28 * 2 + 5  # a 14x14-grid anchor
    scores[i] = 5.0
    raw[i, :4] = [22.4, 0.0, 44.8, 67.2]  # +0.1 in x; 0.2 wide, 0.3 tall (in units of the 224 input)
    raw[i, 4:6] = [0.0, -22.4]
    s, boxes, keypoints = decode_detections(raw, scores)
    ax, ay = anchors[i]
    assert len(s) == 1 and s[0] == pytest.approx(1 / (1 + math.exp(-5)))
    assert boxes[0] == pytest.approx([ax + 0.1 - 0.1, ay - 0.15, ax + 0.1 + 0.1, ay + 0.15], abs=1e-6)
    assert keypoints[0, 0] == pytest.approx([ax, ay - 0.1], abs=1e-6)


def test_the_region_of_interest_turns_the_body_upright():
    upright = roi_from_keypoints(np.array([100.0, 200.0]), np.array([100.0, 120.0]))  # head above the hips
    assert upright.rotation == pytest.approx(0.0) and upright.side == pytest.approx(2 * 80 * 1.25)
    lying = roi_from_keypoints(np.array([100.0, 200.0]), np.array([180.0, 200.0]))  # head to the right
    assert lying.rotation == pytest.approx(math.pi / 2)
    m = lying.photo_from_crop(256)
    assert m @ [128, 128, 1] == pytest.approx([100, 200])  # crop centre -> the hips
    assert m @ [128, 0, 1] == pytest.approx([100 + lying.side / 2, 200])  # the crop's top -> towards the head


def standing(leg_scale=1.0):
    """Landmarks of a person standing facing the camera, all visible."""
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
        "left_knee": (120, 180 + 80 * leg_scale),
        "right_knee": (80, 180 + 80 * leg_scale),
        "left_ankle": (120, 180 + 160 * leg_scale),
        "right_ankle": (80, 180 + 160 * leg_scale),
        "left_heel": (118, 185 + 160 * leg_scale),
        "right_heel": (82, 185 + 160 * leg_scale),
        "left_foot_index": (125, 190 + 160 * leg_scale),
        "right_foot_index": (75, 190 + 160 * leg_scale),
    }
    for name, xy in pos.items():
        lm[LANDMARKS.index(name), :2] = xy
    return lm


def test_body_regions_follow_the_landmarks_with_margins_in_torso_lengths():
    regions = body_regions(standing(), 200, 400)  # torso t = 100 px
    assert regions["upper"] == (35, 60, 165, 205)  # elbows +-25, shoulders -20, hips +25
    assert regions["lower"] == (60, 165, 140, 350)  # hips/knees/ankles +-20, hips -15, ankles +10
    x0, y0, x1, y1 = regions["feet"]
    assert x0 <= 75 and x1 >= 125 and y0 <= 340 and y1 >= 350


def test_body_regions_leave_out_what_is_outside_the_photo():
    cropped = standing()
    regions = body_regions(cropped, 200, 185)  # the photo ends 5 px below the hips
    assert regions["upper"] == (35, 60, 165, 185)
    assert "lower" not in regions and "feet" not in regions  # 20 px of the lower box < 0.25 t; no foot in view
    assert "lower" in body_regions(cropped, 200, 190)  # 25 px of it: the top of the trousers is in view
    hidden = standing()
    hidden[[LANDMARKS.index(n) for n in LANDMARKS if "ankle" in n or "heel" in n or "foot" in n], 2] = 0.1
    assert "feet" not in body_regions(hidden, 200, 400)


def test_garment_photos_without_a_person_parse_to_none():
    photos = sorted(DEMO.glob("*.jpg"))
    assert len(photos) >= 40
    found = []
    for path in photos:
        with Image.open(path) as im:
            if parse(np.asarray(im.convert("RGB"))) is not None:
                found.append(path.name)
    assert found == []


@pytest.mark.skipif(not (SAMPLES / "image").is_dir(), reason="research-only person photos are not in this checkout")
def test_a_person_photo_gets_their_mask_pose_and_garment_regions():
    stem = "000001_0"
    with Image.open(SAMPLES / "image" / f"{stem}.jpg") as im:
        rgb = np.asarray(im.convert("RGB"))
    with Image.open(SAMPLES / "image-parse" / f"{stem}.png") as im:
        labels = np.asarray(im)
    person = parse(rgb)
    assert person is not None and person.mask.shape == rgb.shape[:2] and person.presence > 0.9
    assert mask_iou(person.mask > 0.5, labels > 0) > 0.9
    xy = {name: person.landmarks[i, :2] for i, name in enumerate(LANDMARKS)}
    assert xy["nose"][1] < xy["left_shoulder"][1] < xy["left_hip"][1]
    assert xy["left_shoulder"][0] > xy["right_shoulder"][0]  # facing the camera: their left is the photo's right
    assert box_coverage(person.regions["upper"], labels == 5) > 0.95
    assert garment_regions(rgb) == person.regions


def test_the_face_box_runs_forehead_to_chin_and_needs_the_eyes_and_mouth_in_view():
    lm = standing()
    face = {"left_eye": (108, 30), "right_eye": (92, 30), "mouth_left": (105, 50), "mouth_right": (95, 50),
            "left_ear": (115, 34), "right_ear": (85, 34)}  # fmt: skip
    for name, xy in face.items():
        lm[LANDMARKS.index(name), :2] = xy
    # d = 20 (eyes to mouth): 20 above the eyes, 18 below the mouth, the ears widened by 10
    assert face_box(lm, 200, 400) == (75, 10, 125, 68)
    assert face_box(lm, 110, 400) == (75, 10, 110, 68)  # clipped to the photo
    lm[LANDMARKS.index("left_ear"), 2] = 0.1  # an ear out of sight: the face spans what is seen
    assert face_box(lm, 200, 400) == (75, 10, 118, 68)
    lm[LANDMARKS.index("mouth_left"), 2] = 0.1
    assert face_box(lm, 200, 400) is None  # no mouth, no chin to reach
    assert face_box(standing(), 200, 400) is None  # every face landmark at one point: degenerate
