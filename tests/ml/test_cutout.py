"""GrabCut garment cut-outs: synthetic photos with a known garment, and a few real closet photos."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ml.cutout import apply_cutout, crop_to_mask, grabcut_cutout, grabcut_mask

DATA = Path(__file__).parent / "data"
PHOTOS = sorted(DATA.glob("*.jpg"))


def garment_on_floor(height: int = 533, width: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """A red T-shirt-ish blob on a noisy wooden-floor-coloured background, and its true mask."""
    rng = np.random.default_rng(1)
    floor = np.array([186, 160, 120], np.float32)
    image = floor + rng.normal(0, 8, (height, width, 3)).astype(np.float32)
    image += (np.sin(np.arange(width) / 6.0) * 6)[None, :, None]  # planks
    truth = np.zeros((height, width), np.uint8)
    cv2.ellipse(truth, (width // 2, height // 2 + 30), (120, 170), 0, 0, 360, 255, -1)
    cv2.rectangle(
        truth,
        (width // 2 - 170, height // 2 - 150),
        (width // 2 + 170, height // 2 - 70),
        255,
        -1,
    )
    garment = np.array([170, 30, 40], np.float32) + rng.normal(0, 10, (height, width, 3)).astype(np.float32)
    image = np.where(truth[..., None] > 0, garment, image)
    return np.clip(image, 0, 255).astype(np.uint8), truth


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 127, b > 127
    return np.count_nonzero(a & b) / np.count_nonzero(a | b)


def test_it_cuts_a_garment_from_a_uniform_floor_with_high_iou():
    image, truth = garment_on_floor()
    result = grabcut_cutout(image)
    assert result.method == "grabcut"
    assert result.mask.shape == truth.shape and result.mask.dtype == np.uint8
    assert set(np.unique(result.mask)) <= {0, 255}
    assert iou(result.mask, truth) >= 0.9


def test_it_keeps_the_mask_inside_a_box_the_user_drew():
    image, truth = garment_on_floor()
    # Another garment in the corner.
    cv2.rectangle(image, (10, 10), (120, 60), (20, 60, 160), -1)
    rect = (20, 90, 360, 440)  # x, y, w, h: around the red garment, not the blue one
    result = grabcut_cutout(image, rect=rect)
    x, y, w, h = rect
    outside = result.mask.copy()
    outside[y : y + h, x : x + w] = 0
    assert result.method == "grabcut-rect"
    assert not outside.any()
    assert iou(result.mask, truth) >= 0.9


def test_a_box_cutting_through_the_garment_still_gives_a_mask_inside_it():
    image, _ = garment_on_floor()
    rect = (150, 200, 100, 100)  # entirely on the garment
    mask = grabcut_mask(image, rect=rect)
    outside = mask.copy()
    outside[200:300, 150:250] = 0
    assert mask.any() and not outside.any()


def test_it_falls_back_to_an_ellipse_when_there_is_nothing_to_cut():
    flat = np.full((300, 200, 3), 128, np.uint8)
    result = grabcut_cutout(flat)
    assert result.method == "fallback"
    assert 0.3 < result.share < 0.8
    assert result.mask[150, 100] == 255 and result.mask[0, 0] == 0


def test_it_drops_small_blobs_and_fills_holes():
    image, _ = garment_on_floor()
    # A speck near the corner, and a floor-coloured print inside the garment.
    cv2.circle(image, (30, 30), 5, (20, 20, 200), -1)
    cv2.circle(image, (200, 330), 6, (186, 160, 120), -1)
    mask = grabcut_mask(image)
    assert mask[30, 30] == 0
    assert mask[330, 200] == 255


@pytest.mark.parametrize("photo", PHOTOS, ids=[p.stem[:8] for p in PHOTOS])
def test_it_cuts_a_sensible_garment_from_a_real_closet_photo(photo):
    image = np.asarray(Image.open(photo).convert("RGB"))
    result = grabcut_cutout(image)
    height, width = result.mask.shape
    ys, xs = np.nonzero(result.mask)
    assert result.method == "grabcut"
    assert 0.05 < result.share < 0.95
    assert abs(xs.mean() / width - 0.5) < 0.15 and abs(ys.mean() / height - 0.5) < 0.15


def test_it_makes_a_transparent_cutout_and_a_tight_crop():
    image, truth = garment_on_floor()
    rgba = apply_cutout(image, truth)
    assert rgba.shape == (*truth.shape, 4)
    assert np.array_equal(rgba[..., 3], truth) and np.array_equal(rgba[..., :3], image)
    crop = crop_to_mask(rgba, truth, pad=0.0)
    ys, xs = np.nonzero(truth)
    assert crop.shape[:2] == (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
    assert crop_to_mask(rgba, np.zeros_like(truth)).shape == rgba.shape
