"""Cut-out: learned model vs GrabCut (ml/cutout.py) on DIR/image/<stem>.jpg + DIR/mask/<stem>.png.

Top-level ``iou`` and ``boundary_f1`` (means over photos) and ``ms_per_photo`` are the learned model's;
``grabcut`` holds the same for GrabCut on the same photos in the same run. Masks are compared at the
ground-truth mask's size (the photo's size). Without learned weights (``--weights`` missing) the top level is
GrabCut's, ``method`` says so and ``learned`` is null.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from ml.cutout import grabcut_mask
from ml.segment.metrics import boundary_f1, iou

REPO = Path(__file__).resolve().parents[2]
DEFAULT_WEIGHTS = REPO / "ml" / "weights" / "garment_segment.pt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="folder with image/<stem>.jpg and mask/<stem>.png")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0)


def load_pairs(data: Path, limit: int = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    images = sorted((data / "image").glob("*.jpg"))
    if not images:
        raise SystemExit(f"{data}/image has no .jpg photos")
    out = []
    for p in images[:limit] if limit else images:
        mpath = data / "mask" / f"{p.stem}.png"
        if not mpath.exists():
            raise SystemExit(f"{mpath} is missing (every image/<stem>.jpg needs mask/<stem>.png)")
        with Image.open(p) as im, Image.open(mpath) as m:
            rgb, mask = np.asarray(im.convert("RGB")), np.asarray(m.convert("L")) > 127
        if mask.shape != rgb.shape[:2]:
            raise SystemExit(f"{p.stem}: photo {rgb.shape[:2]} and mask {mask.shape} differ in size")
        out.append((p.stem, rgb, mask))
    return out


def score(method, pairs) -> dict:
    ious, bfs, seconds = [], [], []
    for _, rgb, truth in pairs:
        t = time.perf_counter()
        pred = method(rgb) > 127
        seconds.append(time.perf_counter() - t)
        ious.append(iou(pred, truth))
        bfs.append(boundary_f1(pred, truth))
    return {
        "iou": round(float(np.mean(ious)), 4),
        "boundary_f1": round(float(np.mean(bfs)), 4),
        "iou_median": round(float(np.median(ious)), 4),
        "ms_per_photo": round(1000 * float(np.mean(seconds)), 1),
        "per_photo_iou": [round(float(v), 4) for v in ious],
    }


def evaluate_dir(data: Path, weights: Path, threads: int = 2, limit: int = 0) -> dict:
    from ml.segment import load_checkpoint, segment

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    pairs = load_pairs(data, limit)
    if not Path(weights).exists():
        print(f"{weights} not found: scoring GrabCut only (train one with python -m ml.segment.train)", file=sys.stderr)
        grabcut_mask(pairs[0][1])  # warm-up, not timed
        grabcut = score(grabcut_mask, pairs)
        return {
            "n": len(pairs),
            "method": "grabcut",
            **{k: grabcut[k] for k in ("iou", "boundary_f1", "iou_median", "ms_per_photo")},
            "learned": None,
            "threads": threads,
            "stems": [s for s, _, _ in pairs],
            "per_photo_iou": {"grabcut": grabcut["per_photo_iou"]},
        }
    model, config, meta = load_checkpoint(weights)
    segment(model, config, pairs[0][1])  # warm-up, not timed
    grabcut_mask(pairs[0][1])
    print(f"{len(pairs)} photos", file=sys.stderr)
    learned = score(lambda rgb: segment(model, config, rgb), pairs)
    grabcut = score(grabcut_mask, pairs)
    wins = sum(a > b for a, b in zip(learned["per_photo_iou"], grabcut["per_photo_iou"]))
    return {
        "n": len(pairs),
        "method": "learned",
        "iou": learned["iou"],
        "boundary_f1": learned["boundary_f1"],
        "iou_median": learned["iou_median"],
        "ms_per_photo": learned["ms_per_photo"],
        "grabcut": {k: v for k, v in grabcut.items() if k != "per_photo_iou"},
        "learned_better_iou_photos": wins,
        "threads": threads,
        "model_version": meta["model_version"],
        "stems": [s for s, _, _ in pairs],
        "per_photo_iou": {"learned": learned["per_photo_iou"], "grabcut": grabcut["per_photo_iou"]},
    }


def run(args: argparse.Namespace) -> dict:
    return evaluate_dir(args.data, args.weights, args.threads, args.limit)
