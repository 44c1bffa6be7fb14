"""Person parse scored against LIP parsing maps: ``python -m ml.evaluate person --data DIR``.

DIR holds ``image/<stem>.jpg`` photos and ``image-parse/<stem>.png`` LIP label maps (0 background, 5
upper-clothes, 9 pants, 12 skirt, 18/19 shoes; the full list is in ``LIP_LABELS``). Scored at the photo's size:

- ``mask_iou``: IoU of the person mask (> 0.5) with label > 0, mean over photos; a photo where no person was
  found scores 0;
- ``upper`` / ``lower`` / ``feet``: for photos showing that garment (upper-clothes; pants or skirt; shoes),
  ``coverage`` is the share of its pixels inside the region's box and ``precision`` the share of the box's
  pixels that are that garment, means over those photos. A missing box scores coverage 0 and is counted in
  ``missing`` (and left out of precision).

``negatives`` counts the photos in ``--negatives`` (default: the demo closet photos, garments with no one in
them) where a person was found: false positives (``found_in`` names the first 20, to look at).

``heuristic_upper`` scores the bounding box of the try-on model's rule-based garment region
(ml.tryon.regions.garment_region) the same way, so the upper numbers mean something.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]

LIP_LABELS = (
    "background", "hat", "hair", "glove", "sunglasses", "upper-clothes", "dress", "coat", "socks", "pants",
    "jumpsuits", "scarf", "skirt", "face", "left-arm", "right-arm", "left-leg", "right-leg", "left-shoe", "right-shoe",
)  # fmt: skip
GARMENT_LABELS = {"upper": (5,), "lower": (9, 12), "feet": (18, 19)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("../shared/data/tryon-samples"))
    parser.add_argument("--negatives", type=Path, default=REPO / "closet" / "demo_photos", help="photos with no person")
    parser.add_argument("--threads", type=int, default=1)


def mask_iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """IoU of two (H, W) bool masks; 1.0 when both are empty."""
    union = np.logical_or(pred, truth).sum()
    return float(np.logical_and(pred, truth).sum() / union) if union else 1.0


def box_mask(box: tuple[int, int, int, int] | None, shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, bool)
    if box is not None:
        x0, y0, x1, y1 = box
        out[y0:y1, x0:x1] = True
    return out


def box_coverage(box: tuple[int, int, int, int] | None, truth: np.ndarray) -> float:
    """Share of the ``truth`` pixels inside ``box`` (x0, y0, x1, y1, exclusive ends)."""
    total = truth.sum()
    return float((truth & box_mask(box, truth.shape)).sum() / total) if total else 1.0


def box_precision(box: tuple[int, int, int, int], truth: np.ndarray) -> float:
    """Share of the box's pixels that are ``truth``."""
    inside = box_mask(box, truth.shape)
    return float((truth & inside).sum() / inside.sum()) if inside.any() else 0.0


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1) if len(ys) else None


def region_scores(boxes: list[tuple | None], truths: list[np.ndarray]) -> dict:
    """Coverage / precision means over the photos whose truth is not empty."""
    cov, prec, missing = [], [], 0
    for box, truth in zip(boxes, truths):
        if not truth.any():
            continue
        cov.append(box_coverage(box, truth))
        if box is None:
            missing += 1
        else:
            prec.append(box_precision(box, truth))
    return {
        "coverage": round(float(np.mean(cov)), 4) if cov else None,
        "precision": round(float(np.mean(prec)), 4) if prec else None,
        "n": len(cov),
        "missing": missing,
    }


def evaluate_folder(data: Path, negatives: Path | None = None, threads: int = 1) -> dict:
    from ml.person import PersonParser
    from ml.tryon.regions import garment_region

    parser = PersonParser(num_threads=threads)
    photos = sorted((Path(data) / "image").glob("*.jpg"))
    if not photos:
        raise SystemExit(f"{data}/image has no .jpg photos")
    ious, seconds, found = [], [], 0
    boxes: dict[str, list] = {k: [] for k in GARMENT_LABELS}
    truths: dict[str, list] = {k: [] for k in GARMENT_LABELS}
    heuristic = []
    for path in photos:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
        with Image.open(Path(data) / "image-parse" / f"{path.stem}.png") as im:
            labels = np.asarray(im.resize((rgb.shape[1], rgb.shape[0]), Image.NEAREST))
        start = time.perf_counter()
        result = parser.parse(rgb)
        seconds.append(time.perf_counter() - start)
        found += result is not None
        ious.append(mask_iou(result.mask > 0.5, labels > 0) if result is not None else 0.0)
        for region, ids in GARMENT_LABELS.items():
            boxes[region].append(result.regions.get(region) if result is not None else None)
            truths[region].append(np.isin(labels, ids))
        heuristic.append(mask_box(garment_region(rgb)))
    false_persons, empty = [], sorted(Path(negatives).glob("*.jpg")) if negatives else []
    for path in empty:
        with Image.open(path) as im:
            if parser.parse(np.asarray(im.convert("RGB"))) is not None:
                false_persons.append(path.name)
    return {
        "n": len(photos),
        "found": found,
        "mask_iou": round(float(np.mean(ious)), 4),
        **{region: region_scores(boxes[region], truths[region]) for region in GARMENT_LABELS},
        "heuristic_upper": region_scores(heuristic, truths["upper"]),
        "negatives": {"n": len(empty), "found": len(false_persons), "found_in": false_persons[:20]},
        "ms_per_photo": round(1000 * float(np.median(seconds)), 1),
        "threads": threads,
    }


def run(args: argparse.Namespace) -> dict:
    return evaluate_folder(args.data, args.negatives, args.threads)
