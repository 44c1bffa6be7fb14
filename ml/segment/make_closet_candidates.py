"""Candidate masks for the closet test set, to be checked by eye (see closet_testset/README.md).

``python -m ml.segment.make_closet_candidates --out /tmp/closet-candidates [--n 60] [--weights W]``

Draws ``--n`` clothing-dataset photos among those held out of the background pool (``data.is_heldout`` on
the photo id; kids' photos and the label "Other" skipped), downscales them to 384 px on the long side and
writes, per photo, the GrabCut mask and (with ``--weights``) the learned model's mask and a "consensus"
mask: a full-resolution GrabCut (5 iterations at 384 px) seeded neutrally by both, with pixels both call
garment (eroded) as probable garment, pixels both call background (eroded) as definite background and the
rest as probable background. An overlay sheet per photo lets a person accept a candidate, or none.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ml.cutout import grabcut_mask
from ml.segment.data import is_heldout

REPO = Path(__file__).resolve().parents[2]
LONG_SIDE = 384


def downscale(path: Path) -> np.ndarray:
    """The photo as RGB at ``LONG_SIDE`` px on the long side (as the closet test set's photos are stored)."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        s = LONG_SIDE / max(im.size)
        return np.asarray(im.resize((round(im.width * s), round(im.height * s)), Image.LANCZOS))


def overlay(rgb: np.ndarray, mask: np.ndarray, colour=(255, 0, 0)) -> np.ndarray:
    out = rgb.copy()
    dim = mask == 0
    out[dim] = (out[dim] * 0.35).astype(np.uint8)
    contours, _ = cv2.findContours((mask > 0).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(out, contours, -1, colour, 2)
    return out


def consensus(rgb: np.ndarray, a: np.ndarray, b: np.ndarray, iterations: int = 5) -> np.ndarray:
    """Full-resolution GrabCut seeded by where two candidate masks agree (see the module docstring)."""
    k = np.ones((7, 7), np.uint8)
    both = cv2.erode(((a > 0) & (b > 0)).astype(np.uint8), k) > 0
    neither = cv2.erode(((a == 0) & (b == 0)).astype(np.uint8), k) > 0
    labels = np.full(a.shape, cv2.GC_PR_BGD, np.uint8)
    labels[(a > 0) | (b > 0)] = cv2.GC_PR_FGD
    labels[both] = cv2.GC_PR_FGD
    labels[neither] = cv2.GC_BGD
    if not both.any() or not neither.any():
        return np.where((a > 0) & (b > 0), 255, 0).astype(np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(np.ascontiguousarray(rgb[:, :, ::-1]), labels, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    mask = np.where((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    from ml.segment.data import clean_mask

    return clean_mask(mask, max_hole=0.02)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--weights", type=Path)
    args = ap.parse_args(argv)
    root = args.data_root / "clothing-dataset"
    with open(root / "images.csv", newline="") as f:
        rows = [
            r for r in csv.DictReader(f) if is_heldout(r["image"]) and r.get("kids") != "True" and r["label"] != "Other"
        ]
    rows = [r for r in rows if (root / "images" / f"{r['image']}.jpg").exists()]
    random.Random(args.seed).shuffle(rows)
    rows = rows[: args.n]
    model = None
    if args.weights:
        from ml.segment import load_checkpoint, segment

        model, config, _ = load_checkpoint(args.weights)
    for sub in ("image", "grabcut", "learned", "consensus", "sheet"):
        (args.out / sub).mkdir(parents=True, exist_ok=True)
    for r in rows:
        stem = r["image"]
        rgb = downscale(root / "images" / f"{stem}.jpg")
        Image.fromarray(rgb).save(args.out / "image" / f"{stem}.jpg", quality=92)
        cands = {"grabcut": grabcut_mask(rgb)}
        if model is not None:
            cands["learned"] = segment(model, config, rgb)
        if model is not None:
            cands["consensus"] = consensus(rgb, cands["grabcut"], cands["learned"])
        panels = [rgb]
        for name, m in cands.items():
            Image.fromarray(m).save(args.out / name / f"{stem}.png")
            panels.append(overlay(rgb, m, {"grabcut": (255, 0, 0), "learned": (0, 255, 0)}.get(name, (0, 160, 255))))
        Image.fromarray(np.hstack(panels)).save(args.out / "sheet" / f"{stem}.png")
    print(f"{len(rows)} candidates -> {args.out}")


if __name__ == "__main__":
    main()
