"""Cut-out model (ml/segment): metrics on hand-made masks with known answers, checkpoint round trip,
masks of the photo's own size, the product-mask extraction, and the evaluation task's JSON."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ml.segment import GarmentSegmenter, SegmentConfig, load_checkpoint, save_checkpoint, segment
from ml.segment.data import composite, product_mask
from ml.segment.metrics import boundary, boundary_f1, iou

REPO = Path(__file__).resolve().parents[2]


def square(size, y0, y1, x0, x1):
    m = np.zeros((size, size), np.uint8)
    m[y0:y1, x0:x1] = 1
    return m


def test_iou_known_answers():
    a = square(10, 0, 10, 0, 5)  # left half: 50 px
    b = square(10, 0, 10, 0, 10)  # all: 100 px
    assert iou(a, b) == pytest.approx(0.5)
    assert iou(a, a) == 1.0
    assert iou(a, square(10, 0, 10, 5, 10)) == 0.0  # right half: disjoint
    assert iou(np.zeros((4, 4)), np.zeros((4, 4))) == 1.0  # both empty
    c = square(10, 0, 5, 0, 10)  # top half overlaps left half in a quarter
    assert iou(a, c) == pytest.approx(25 / 75)


def test_boundary_is_the_inner_ring():
    m = square(7, 1, 6, 1, 6)  # a 5x5 block
    ring = boundary(m)
    assert ring.sum() == 16  # 5x5 minus the 3x3 inside
    assert not ring[3, 3] and ring[1, 1] and not ring[0, 0]


def test_boundary_f1_known_answers():
    truth = square(40, 10, 30, 10, 30)
    assert boundary_f1(truth, truth, tolerance=1) == 1.0
    shifted = square(40, 11, 31, 10, 30)  # one pixel down: every boundary pixel within 1 px
    assert boundary_f1(shifted, truth, tolerance=1) == 1.0
    far = square(40, 15, 35, 10, 30)  # five pixels down: only the side edges still match
    f = boundary_f1(far, truth, tolerance=1)
    assert 0.0 < f < 0.7
    assert boundary_f1(square(40, 0, 5, 0, 5), square(40, 30, 40, 30, 40), tolerance=2) == 0.0
    assert boundary_f1(np.zeros((8, 8)), truth[:8, :8] * 0, tolerance=1) == 1.0
    with pytest.raises(ValueError):
        boundary_f1(np.zeros((4, 4)), np.zeros((5, 5)))


def test_product_mask_on_white_page():
    rgb = np.full((100, 100, 3), 255, np.uint8)
    rgb[20:80, 30:70] = (20, 40, 160)  # a blue garment
    rgb[45:50, 45:50] = 255  # a white print inside it: a hole that is filled
    mask = product_mask(rgb)
    assert mask is not None
    assert iou(mask, square(100, 20, 80, 30, 70)) == 1.0
    rgb[:, :] = 255
    rgb[0:100, 30:70] = (20, 40, 160)  # cut by the page edges: unusable
    assert product_mask(rgb) is None


def test_composite_keeps_mask_and_image_aligned():
    rgb = np.full((100, 100, 3), 255, np.uint8)
    rgb[20:80, 30:70] = (200, 30, 30)
    mask = product_mask(rgb)
    bg = np.full((64, 64, 3), (30, 160, 30), np.uint8)  # green floor
    out, m = composite(rgb, mask, bg, 64, np.random.default_rng(0))
    assert out.shape == (64, 64, 3) and m.shape == (64, 64) and m.any()
    inside = out[m > 0].astype(int)
    outside = out[m == 0].astype(int)
    assert (inside[:, 0] > inside[:, 1]).mean() > 0.9  # red where the mask is
    assert (outside[:, 1] > outside[:, 0]).mean() > 0.9  # green elsewhere


def test_checkpoint_round_trip_and_mask_size(tmp_path):
    torch.manual_seed(0)
    config = SegmentConfig()
    model = GarmentSegmenter(config).eval()
    for p in model.decoder.parameters():
        torch.nn.init.normal_(p, std=0.05)
    path = tmp_path / "seg.pt"
    meta = save_checkpoint(path, model, config, {"data": "test"})
    assert meta["model_version"].startswith("garment-segment-v1-")
    ckpt = torch.load(path, weights_only=True)
    assert not any(k.startswith("backbone") for k in ckpt["state_dict"])  # the decoder only
    loaded, cfg2, meta2 = load_checkpoint(path)
    assert cfg2 == config and meta2["model_version"] == meta["model_version"]
    x = torch.randn(1, 3, config.image_size, config.image_size)
    with torch.inference_mode():
        a, b = model(x), loaded(x)
    assert a.shape == (1, 1, config.image_size // 2, config.image_size // 2)
    assert torch.allclose(a, b, atol=2e-2)  # float16 storage
    rgb = np.random.default_rng(0).integers(0, 255, (301, 187, 3), dtype=np.uint8)
    mask = segment(loaded, cfg2, rgb)
    assert mask.shape == (301, 187) and mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255}
    assert mask.any()
    with pytest.raises(ValueError):
        segment(loaded, cfg2, rgb[:, :, 0])


def _write_set(root: Path, n: int = 2):
    """Synthetic photos with known masks: a dark garment on a light uniform floor."""
    (root / "image").mkdir(parents=True)
    (root / "mask").mkdir()
    for i in range(n):
        rgb = np.full((160, 120, 3), (225, 215, 200), np.uint8)
        m = np.zeros((160, 120), np.uint8)
        m[30 + i * 5 : 130, 25:95] = 255
        rgb[m > 0] = (40, 50, 90)
        Image.fromarray(rgb).save(root / "image" / f"p{i}.jpg", quality=95)
        Image.fromarray(m).save(root / "mask" / f"p{i}.png")


def _evaluate_cutout(data, weights) -> subprocess.CompletedProcess:
    args = ["--data", str(data), "--weights", str(weights), "--threads", "1"]
    return subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "cutout", *args], cwd=REPO, capture_output=True, text=True, check=True
    )


def test_evaluate_cutout_cli(tmp_path):
    """The JSON of ``python -m ml.evaluate cutout``: both methods scored on the same photos.

    The learned model here is untrained (the shipped one is optional), so only GrabCut's score has a known
    floor: an easy, high-contrast garment it must get nearly right.
    """
    _write_set(tmp_path / "set")
    torch.manual_seed(0)
    weights = tmp_path / "seg.pt"
    save_checkpoint(weights, GarmentSegmenter(SegmentConfig()).eval(), SegmentConfig(), {})
    result = json.loads(_evaluate_cutout(tmp_path / "set", weights).stdout)
    assert result["n"] == 2 and result["stems"] == ["p0", "p1"]
    for scores in (result, result["grabcut"]):
        assert 0 <= scores["iou"] <= 1 and 0 <= scores["boundary_f1"] <= 1 and scores["ms_per_photo"] > 0
    assert result["grabcut"]["iou"] > 0.85 and result["grabcut"]["boundary_f1"] > 0.8
    assert len(result["per_photo_iou"]["learned"]) == 2


def test_evaluate_cutout_rejects_missing_masks(tmp_path):
    _write_set(tmp_path / "set")
    (tmp_path / "set" / "mask" / "p1.png").unlink()
    out = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "cutout", "--data", str(tmp_path / "set")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "p1.png is missing" in out.stderr


def test_evaluate_cutout_without_learned_weights_scores_grabcut(tmp_path):
    """No learned weights are shipped: the command still scores the app's cut-out (GrabCut) and says so."""
    _write_set(tmp_path / "set")
    out = _evaluate_cutout(tmp_path / "set", tmp_path / "absent.pt")
    result = json.loads(out.stdout)
    assert result["method"] == "grabcut" and result["learned"] is None and result["n"] == 2
    assert result["iou"] > 0.85 and result["boundary_f1"] > 0.8
    assert "absent.pt not found" in out.stderr
