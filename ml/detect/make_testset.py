"""Write a held-out detection test set: ``DIR/images/*.jpg`` + COCO-style ``DIR/annotations.json``.

``python -m ml.detect.make_testset --data ../shared/data --out DIR [--source flatlay|closet|worn|onmodel] [--n 500]``

* ``flatlay`` (default): ``--n`` flat-lay composites (``data.flatlay``) of held-out products and held-out
  closet cut-outs, on backgrounds cropped from held-out closet photos (none of them enter training), at the
  detector's input size, seed 2. Boxes are exact (the pasted pixels).
* ``closet``: the committed closet cut-out test set (``ml/segment/closet_testset``: 49 real single-garment
  photos from held-out closet ids, masks accepted by eye), one box each from its mask, labels mapped by
  ``labels.CLOSET_LABELS`` (photos whose label has no detector class are skipped). Needs no ``--data``.
* ``worn``: the 12 person photos of ``tryon-samples`` (VITON-style, 192x256), boxes from their LIP parsing
  (upper-clothes -> top, dress, coat -> outer, pants, skirt; components under 5% of a label's largest are
  specks and left out, labels covering under 0.5% of the photo are left out). People wearing garments are a
  domain the detector never trained on: this measures the gap, it is not a target.
* ``onmodel``: 48 held-out fashion-product-images photos of a model wearing the product (224x224), every
  visible garment boxed by eye (``ml/detect/onmodel_testset.json``: which photos, the rule that picked them
  before any was looked at, and how they were boxed). Real photos of several garments worn together, never
  trained on and never used to tune the person rules.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from ml.detect.config import DetectorConfig
from ml.detect.data import (
    Example,
    closet_cutouts,
    closet_rows,
    garments,
    make_flatlays,
    merge_pools,
)
from ml.detect.labels import CLASSES, CLOSET_LABELS
from ml.segment.data import is_heldout

REPO = Path(__file__).resolve().parents[2]
CLOSET_TESTSET = REPO / "ml" / "segment" / "closet_testset"
SEED = 2
CLOSET_PER_CLASS = 60  # held-out closet cut-outs per class in the flat-lays' garment pool


def heldout_backgrounds(data_root: Path, exclude: set[str]) -> list[str]:
    paths = sorted((Path(data_root) / "clothing-dataset" / "images").glob("*.jpg"))
    return [str(p) for p in paths if is_heldout(p.stem) and p.stem not in exclude]


def flatlay_testset(data_root: Path, n: int, size: int, seed: int = SEED) -> tuple[list[Example], dict]:
    """The held-out flat-lays and a description of how they were made."""
    products = garments(data_root, heldout=True)
    closet = closet_cutouts(closet_rows(data_root, heldout=True), CLOSET_PER_CLASS, seed)
    used = {pid for items in closet.values() for pid, _, _ in items}
    backgrounds = heldout_backgrounds(data_root, exclude=used)
    examples = make_flatlays(merge_pools(products, closet), backgrounds, n, size, seed)
    info = {
        "source": "flatlay",
        "recipe": "ml.detect.data.flatlay: 1-5 garments of distinct classes on a corner crop of a closet photo",
        "garments": {
            "products": {c: len(v) for c, v in products.items()},
            "closet_cutouts": {c: len(v) for c, v in closet.items()},
        },
        "backgrounds": len(backgrounds),
        "split": "held out by ml.bridge.train.is_heldout (products, closet photos and backgrounds)",
        "seed": seed,
        "image_size": size,
    }
    return examples, info


def closet_testset(root: Path = CLOSET_TESTSET) -> tuple[list[tuple[str, np.ndarray, list]], dict]:
    """(stem, rgb, [(label, xyxy)]) of the committed closet photos, boxed by their accepted masks."""
    out = []
    with open(root / "masks.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        label = CLOSET_LABELS.get(row["label"])
        if label is None:
            continue
        rgb = np.asarray(Image.open(root / "image" / f"{row['stem']}.jpg").convert("RGB"))
        mask = np.asarray(Image.open(root / "mask" / f"{row['stem']}.png"))
        ys, xs = np.nonzero(mask > 127)
        out.append((row["stem"], rgb, [(label, (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))]))
    info = {
        "source": "closet",
        "recipe": "ml/segment/closet_testset: real closet photos, one garment each, box = extent of the accepted mask",
        "split": "closet photo ids held out by ml.bridge.train.is_heldout",
        "photos": len(out),
        "skipped_unmapped_labels": len(rows) - len(out),
    }
    return out, info


ONMODEL_TESTSET = REPO / "ml" / "detect" / "onmodel_testset.json"


def onmodel_testset(
    data_root: Path, testset: Path = ONMODEL_TESTSET
) -> tuple[list[tuple[str, np.ndarray, list]], dict]:
    """(id, rgb, [(label, xyxy)]) of the on-model product photos boxed by eye; photos marked unlabellable (no
    boxes) are left out."""
    spec = json.loads(testset.read_text())
    root = Path(data_root) / "fashion-product-images" / "images"
    out = []
    for photo in spec["photos"]:
        if not photo["boxes"]:
            continue
        unknown = {b["class"] for b in photo["boxes"]} - set(CLASSES)
        if unknown:
            raise ValueError(f"{testset}: photo {photo['id']} has unknown classes {sorted(unknown)}")
        path = root / f"{photo['id']}.jpg"
        if not path.exists():
            raise SystemExit(f"{path} is missing: the on-model set reads ../shared/data/fashion-product-images")
        rgb = np.asarray(Image.open(path).convert("RGB"))
        out.append((photo["id"], rgb, [(b["class"], tuple(float(v) for v in b["box"])) for b in photo["boxes"]]))
    info = {
        "source": "onmodel",
        "recipe": spec["how"],
        "split": "held-out products (ml.segment.data.is_heldout): never in the detector's training",
        "photos": len(out),
    }
    return out, info


LIP_CLASSES = {5: "top", 6: "dress", 7: "outer", 9: "pants", 12: "skirt"}


def worn_testset(data_root: Path) -> tuple[list[tuple[str, np.ndarray, list]], dict]:
    """(stem, rgb, [(label, xyxy)]) of the try-on person photos, boxed by their garment parsing."""
    import cv2

    root = Path(data_root) / "tryon-samples"
    out = []
    for path in sorted((root / "image").glob("*.jpg")):
        rgb = np.asarray(Image.open(path).convert("RGB"))
        parse = np.asarray(Image.open(root / "image-parse" / f"{path.stem}.png"))
        objects = []
        for index, label in LIP_CLASSES.items():
            mask = (parse == index).astype(np.uint8)
            if mask.sum() < 0.005 * mask.size:
                continue
            count, comp, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            areas = stats[1:, cv2.CC_STAT_AREA]
            keep = np.isin(comp, np.flatnonzero(areas >= 0.05 * areas.max()) + 1)
            ys, xs = np.nonzero(keep)
            sy, sx = rgb.shape[0] / parse.shape[0], rgb.shape[1] / parse.shape[1]
            objects.append((label, (xs.min() * sx, ys.min() * sy, (xs.max() + 1) * sx, (ys.max() + 1) * sy)))
        if objects:
            out.append((path.stem, rgb, objects))
    info = {
        "source": "worn",
        "recipe": "tryon-samples person photos, box per garment label = extent of its LIP parsing pixels",
        "split": "never used in training (the detector saw no person photos)",
        "photos": len(out),
    }
    return out, info


def write_coco(out: Path, items: list[tuple[str, np.ndarray, list]], info: dict) -> dict:
    """Write images and ``annotations.json`` (bbox as [x, y, w, h], category ids 1..13 in CLASSES order)."""
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    images, annotations = [], []
    for image_id, (name, rgb, objects) in enumerate(items, start=1):
        file_name = f"{name}.jpg"
        Image.fromarray(rgb).save(out / "images" / file_name, quality=92)
        images.append({"id": image_id, "file_name": file_name, "height": rgb.shape[0], "width": rgb.shape[1]})
        for label, (x0, y0, x1, y1) in objects:
            w, h = float(x1 - x0), float(y1 - y0)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": CLASSES.index(label) + 1,
                    "bbox": [float(x0), float(y0), w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    coco = {
        "info": info,
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i + 1, "name": c} for i, c in enumerate(CLASSES)],
    }
    (out / "annotations.json").write_text(json.dumps(coco, indent=1))
    return coco


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--source", choices=["flatlay", "closet", "worn", "onmodel"], default="flatlay")
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args(argv)
    if args.source == "closet":
        items, info = closet_testset()
    elif args.source == "worn":
        items, info = worn_testset(args.data)
    elif args.source == "onmodel":
        items, info = onmodel_testset(args.data)
    else:
        examples, info = flatlay_testset(args.data, args.n, DetectorConfig().image_size)
        items = [
            (f"flatlay-{i:04d}", ex.image, [(CLASSES[c], tuple(b)) for b, c in zip(ex.boxes.tolist(), ex.labels)])
            for i, ex in enumerate(examples)
        ]
    coco = write_coco(args.out, items, info)
    counts: dict[str, int] = {}
    for a in coco["annotations"]:
        name = CLASSES[a["category_id"] - 1]
        counts[name] = counts.get(name, 0) + 1
    print(json.dumps({"out": str(args.out), "images": len(coco["images"]), "boxes": counts}), file=sys.stdout)


if __name__ == "__main__":
    main()
