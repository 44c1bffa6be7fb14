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
    """Without learned weights the command still scores GrabCut (the fallback cut-out) and says so."""
    _write_set(tmp_path / "set")
    out = _evaluate_cutout(tmp_path / "set", tmp_path / "absent.pt")
    result = json.loads(out.stdout)
    assert result["method"] == "grabcut" and result["learned"] is None and result["n"] == 2
    assert result["iou"] > 0.85 and result["boundary_f1"] > 0.8
    assert "absent.pt not found" in out.stderr


def test_tuned_blocks_and_context_survive_the_checkpoint(tmp_path):
    """With ``tune_from_block`` the blocks after the stride-16 tap are stored (and nothing earlier), and the
    deepest tap computed from cached frozen taps (training) equals the one of a full pass (the app)."""
    torch.manual_seed(0)
    config = SegmentConfig(image_size=96, context=True, tune_from_block=SegmentConfig.taps[-2] + 1)
    model = GarmentSegmenter(config).eval()
    with torch.no_grad():
        model.backbone._blocks[12]._project_conv.weight.mul_(1.5)  # as if tuned: differs from the wheel
    for p in model.decoder.parameters():
        torch.nn.init.normal_(p, std=0.05)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any(n.startswith("backbone._blocks.15.") for n in trainable)
    assert not any(n.startswith(("backbone._blocks.10.", "backbone._conv_stem")) for n in trainable)
    path = tmp_path / "seg.pt"
    save_checkpoint(path, model, config, {})
    stored = torch.load(path, weights_only=True)["state_dict"]
    blocks = {int(k.split(".")[2]) for k in stored if k.startswith("backbone.")}
    assert blocks == set(range(11, 16))
    loaded, cfg2, _ = load_checkpoint(path)
    assert cfg2 == config
    x = torch.randn(2, 3, 96, 96)
    with torch.inference_mode():
        full = model.features(x)
        from_cache = model.finish(model.backbone.tapped(x, config.taps[:-1]))
        assert torch.allclose(full[-1], from_cache[-1])
        assert torch.allclose(model(x), loaded(x), atol=3e-2)  # float16 storage
        plain = GarmentSegmenter(SegmentConfig(image_size=96)).eval()
        assert not torch.allclose(plain.features(x)[-1], loaded.features(x)[-1])  # the tuned blocks were loaded


def test_closet_labels_keep_a_clean_garment_and_drop_a_photo_with_none():
    """The machine labeller (ml.segment.closet_labels) on a committed closet test photo gives a mask close to
    the checked one; on a featureless photo GrabCut falls back to its ellipse and the photo is dropped."""
    from ml.segment.closet_labels import label_photo

    root = REPO / "ml" / "segment" / "closet_testset"
    stem = "046c5c17-e506-4104-b762-9722b0769db8"  # a polo on a plain floor
    rgb = np.asarray(Image.open(root / "image" / f"{stem}.jpg").convert("RGB"))
    truth = np.asarray(Image.open(root / "mask" / f"{stem}.png")) > 127
    mask, why = label_photo(rgb)
    assert why == "kept" and mask.shape == truth.shape and iou(mask > 0, truth) > 0.95
    grey = np.full((200, 150, 3), 128, np.uint8)
    assert label_photo(grey) == (None, "fallback")


def test_the_shipped_cut_out_model_cuts_the_committed_closet_photos():
    """The app's automatic cut-out (ml/weights/garment_segment.pt) on the 49 checked closet photos: measured
    mean IoU 0.966 (README); a broken or wrongly loaded model lands far below these floors."""
    from ml.segment.evaluate import load_pairs

    model, config, meta = load_checkpoint(REPO / "ml" / "weights" / "garment_segment.pt")
    assert config.tune_from_block and config.context and config.image_size == 160
    ious = [
        iou(segment(model, config, rgb) > 127, truth)
        for _, rgb, truth in load_pairs(REPO / "ml" / "segment" / "closet_testset")
    ]
    assert len(ious) == 49 and np.mean(ious) > 0.95 and np.median(ious) > 0.96


def test_a_loaded_model_runs_its_frozen_trace_and_cuts_as_the_eager_network_does():
    """load_checkpoint traces and freezes the network for its one input shape (about 30% faster on one thread,
    `manage.py bench cutout`); the masks must be those of the eager network."""
    from ml.segment.evaluate import load_pairs
    from ml.segment.predict import probabilities

    model, config, _ = load_checkpoint(REPO / "ml" / "weights" / "garment_segment.pt")
    shape, traced = model.frozen
    assert shape == (1, 3, config.image_size, config.image_size)
    assert "frozen" not in dict(model.named_modules())  # not a submodule: state_dict and .to() are unchanged
    calls = []
    model.frozen = (shape, lambda x: calls.append(x.shape) or traced(x))
    eager, _, _ = load_checkpoint(REPO / "ml" / "weights" / "garment_segment.pt")
    eager.frozen = None
    pairs = load_pairs(REPO / "ml" / "segment" / "closet_testset")[:6]
    for _, rgb, _ in pairs:
        assert np.abs(probabilities(model, config, rgb) - probabilities(eager, config, rgb)).max() < 1e-3
        assert iou(segment(model, config, rgb) > 127, segment(eager, config, rgb) > 127) > 0.999
    assert len(calls) == 2 * len(pairs)  # the trace ran, not the eager network
