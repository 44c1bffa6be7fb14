"""Machine-made masks of real closet photos, for training the cut-out model on the photos it will meet.

``python -m ml.segment.closet_labels --data-root ../shared/data [--out ml/cache/segment-closet-labels.npz]
[--workers 2] [--limit N]``; ``--heldback-out DIR`` writes the held-back twentieth (``held_back``) as an
evaluation folder instead.

Photos: every clothing-dataset photo of the training pool (``data.is_heldout`` false on the photo id: the
closet test set is drawn from the held-out pool, so no test photo and no photo of its pool is read), kids'
photos and the label "Other" skipped, downscaled to 384 px on the long side as the test set was.

Each mask is made the way the closet test set's masks were seeded (``make_closet_candidates.consensus``),
with the automatic GrabCut (``ml/cutout.py``) as the only seed: a full-resolution GrabCut, 5 iterations at
384 px, where the automatic mask (eroded) is probable garment, the background it leaves (eroded 7 px) definite
background and the band between probable background. No person looks at these masks, so a photo is kept only
when the label looks trustworthy by rules fixed before any training run:

* the automatic GrabCut did not fall back to its ellipse (``CutoutResult.method == "grabcut"``);
* the refined mask covers 5% to 90% of the photo;
* the refined and the automatic masks agree (IoU at least 0.8): GrabCut that changes its mind a lot between
  160 px / 1 iteration and 384 px / 5 iterations has usually locked onto a print, a carpet or a shadow.

The kept photos and masks are saved in one npz: ``images`` (uint8, squashed to ``--size``), ``masks`` (uint8
0/1, same size), ``ids``, plus ``n_seen`` and the rule. ``ml.segment.train --closet-labels FILE`` reads it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ml.segment.data import is_heldout
from ml.segment.make_closet_candidates import consensus, downscale

REPO = Path(__file__).resolve().parents[2]
MIN_SHARE, MAX_SHARE = 0.05, 0.90
MIN_AGREEMENT = 0.8
RULE = (
    "clothing-dataset photos with is_heldout(id) false, kids and 'Other' skipped, 384 px long side; mask = "
    "make_closet_candidates.consensus(rgb, grabcut, grabcut) (384 px, 5 iterations); kept when the automatic "
    f"GrabCut did not fall back, the mask covers {MIN_SHARE:.0%}-{MAX_SHARE:.0%} and IoU(automatic, refined) >= "
    f"{MIN_AGREEMENT}"
)


def held_back(stem: str) -> bool:
    """A twentieth of the labelled photos, by a hash of the photo id: never trained on, scored every epoch (and
    written out by ``--heldback-out`` to choose between trained models at full resolution)."""
    return int(hashlib.sha256(f"seg-val:{stem}".encode()).hexdigest(), 16) % 20 == 0


def write_heldback(data_root: Path, out: Path) -> int:
    """The held-back photos that keep a label, as ``out/image/<id>.jpg`` (384 px, quality 95) and
    ``out/mask/<id>.png``: the layout of ``python -m ml.evaluate cutout --data out``."""
    (out / "image").mkdir(parents=True, exist_ok=True)
    (out / "mask").mkdir(parents=True, exist_ok=True)
    n = 0
    for path in training_photos(data_root):
        if not held_back(path.stem):
            continue
        rgb = downscale(path)
        mask, _ = label_photo(rgb)
        if mask is not None:
            Image.fromarray(rgb).save(out / "image" / f"{path.stem}.jpg", quality=95)
            Image.fromarray(mask).save(out / "mask" / f"{path.stem}.png")
            n += 1
    return n


def training_photos(data_root: Path) -> list[Path]:
    """The training pool's closet photos, in a fixed order."""
    root = Path(data_root) / "clothing-dataset"
    with open(root / "images.csv", newline="") as f:
        rows = [
            r
            for r in csv.DictReader(f)
            if not is_heldout(r["image"]) and r.get("kids") != "True" and r["label"] != "Other"
        ]
    paths = [root / "images" / f"{r['image']}.jpg" for r in rows]
    return sorted(p for p in paths if p.exists())


def label_photo(rgb: np.ndarray) -> tuple[np.ndarray | None, str]:
    """(mask (H, W) uint8 0/255 or None, why it was dropped or "kept")."""
    from ml.cutout import grabcut_cutout
    from ml.segment.metrics import iou

    fast = grabcut_cutout(rgb)
    if fast.method != "grabcut":
        return None, "fallback"
    refined = consensus(rgb, fast.mask, fast.mask)
    share = np.count_nonzero(refined) / refined.size
    if not MIN_SHARE <= share <= MAX_SHARE:
        return None, "share"
    if iou(refined > 0, fast.mask > 0) < MIN_AGREEMENT:
        return None, "disagree"
    return refined, "kept"


def _work(args: tuple[str, int]) -> tuple[str, np.ndarray | None, np.ndarray | None, str]:
    path, size = args
    cv2.setNumThreads(1)
    rgb = downscale(Path(path))
    mask, why = label_photo(rgb)
    if mask is None:
        return Path(path).stem, None, None, why
    image = cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)  # squashed, as predict.to_input does
    small = cv2.resize((mask > 0).astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    return Path(path).stem, image, (small > 0.5).astype(np.uint8), why


def build(data_root: Path, size: int, workers: int, limit: int = 0) -> dict:
    paths = training_photos(data_root)
    if limit:
        paths = paths[:limit]
    ids, images, masks, why = [], [], [], {}
    t0 = time.time()
    with Pool(workers) as pool:
        for i, (stem, image, mask, reason) in enumerate(pool.imap(_work, [(str(p), size) for p in paths], 8)):
            why[reason] = why.get(reason, 0) + 1
            if image is not None:
                ids.append(stem)
                images.append(image)
                masks.append(mask)
            if i % 500 == 0:
                print(f"closet labels {i}/{len(paths)} {time.time() - t0:.0f}s {why}", file=sys.stderr, flush=True)
    return {
        "images": np.stack(images) if images else np.zeros((0, size, size, 3), np.uint8),
        "masks": np.stack(masks) if masks else np.zeros((0, size, size), np.uint8),
        "ids": np.array(ids),
        "n_seen": len(paths),
        "counts": json.dumps(why),
        "rule": RULE,
        "size": size,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=REPO / "ml" / "cache" / "segment-closet-labels.npz")
    ap.add_argument("--size", type=int, default=160, help="side of the squashed training images (the model's input)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--heldback-out", type=Path, help="write only the held-back photos and masks to this folder")
    args = ap.parse_args(argv)
    if args.heldback_out:
        n = write_heldback(args.data_root, args.heldback_out)
        print(json.dumps({"out": str(args.heldback_out), "photos": n}))
        return
    out = build(args.data_root, args.size, args.workers, args.limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **out)
    print(json.dumps({"out": str(args.out), "kept": len(out["ids"]), "seen": out["n_seen"], "why": out["counts"]}))


if __name__ == "__main__":
    main()
