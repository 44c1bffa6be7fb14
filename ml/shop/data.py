"""Shop training/evaluation data: catalogue products with their labels, and closet photos by sender split.

Products are the fashion-product-images rows whose photo exists and whose name is not empty (as in
ml/bridge), sorted by id; held-out products follow the ml/bridge rule (``is_heldout``). Closet photos are
the clothing-dataset rows whose label maps to a fine type; their train/held-out sides are the sender
split of the garment classifier (ml/garment_category/splits.json).
"""

from __future__ import annotations

import csv
import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.bridge.train import CACHE, is_heldout, product_pairs
from ml.garment_category.data import clothing_rows, load_split
from ml.taxonomy import OTHER_CATEGORY, PRODUCT_CATEGORY

SPLIT_RULE = "held-out products = int(sha256(str(id)),16) % 100 < 15 (as ml/bridge); train = the rest"
CLOSET_SPLIT_RULE = "closet photos: held-out senders of ml/garment_category/splits.json; train = the other senders"


@dataclass(frozen=True)
class Product:
    id: str
    path: str
    name: str
    article_type: str
    colour: str

    @property
    def label(self) -> str:
        """The metric-learning label: two products match when article type and colour both agree."""
        return f"{self.article_type}|{self.colour}"

    @property
    def fine_type(self) -> str:
        return PRODUCT_CATEGORY.get(self.article_type, OTHER_CATEGORY)


def products(data_dir: str | Path) -> list[Product]:
    """Products with a photo and a name, in the order of ``ml.bridge.train.product_pairs`` (by id)."""
    with open(Path(data_dir) / "styles.csv", newline="", encoding="utf-8", errors="replace") as f:
        labels = {r["id"]: (r["articleType"], r["baseColour"]) for r in csv.DictReader(f)}
    return [Product(i, p, n, *labels[i]) for i, p, n in product_pairs(data_dir)]


def heldout_mask(items: list[Product]) -> np.ndarray:
    return np.array([is_heldout(p.id) for p in items], dtype=bool)


VALIDATION_RULE = (
    "validation (to choose settings): training products with int(sha256('val:'+id),16) % 100 < 15, and the "
    "training-sender closet photos whose int(sha256('val:'+sender_id),16) % 100 < 15; never the held-out ones"
)


def in_validation(key: str) -> bool:
    return int(hashlib.sha256(f"val:{key}".encode()).hexdigest(), 16) % 100 < 15


def closet_validation_mask(data_dir: str | Path) -> np.ndarray:
    """Rows of ``closet_photos`` whose sender is in the validation carve (held-out senders are never in it)."""
    held_senders = set(load_split()["heldout_senders"])
    return np.array(
        [r.sender_id not in held_senders and in_validation(r.sender_id) for r in clothing_rows(data_dir)], bool
    )


def closet_photos(data_dir: str | Path) -> tuple[list[str], list[str], np.ndarray]:
    """(paths, fine types, held-out mask) of the clothing-dataset photos whose label maps to a fine type."""
    held_senders = set(load_split()["heldout_senders"])
    rows = clothing_rows(data_dir)
    return [r.path for r in rows], [r.label for r in rows], np.array([r.sender_id in held_senders for r in rows])


PIPELINE_SIZE = 512  # closet photos are cut out at this long side, as the app's ingest does (closet/services.py)


def colour_pixels(paths: list[str], kind: str) -> list[np.ndarray]:
    """Per photo, the (N, 3) Lab garment pixels of ``ml.shop.colour.garment_pixels``; cached under ml/cache.

    ``kind`` is ``"studio"`` (catalogue shots: the non-white foreground) or ``"cutout"`` (closet photos:
    decoded at ``PIPELINE_SIZE`` and cut out by ``ml.cutout.grabcut_cutout``, as the app's ingest does).
    The cache holds pixels rather than histograms, so any bin layout is computed from it in seconds.
    """
    from PIL import Image

    from ml.cutout import grabcut_cutout
    from ml.shop.colour import PIXELS_VERSION, garment_pixels

    if kind not in ("studio", "cutout"):
        raise ValueError(f"kind is 'studio' or 'cutout', not {kind!r}")
    version = PIXELS_VERSION + (f"-grabcut{PIPELINE_SIZE}" if kind == "cutout" else "-studio")
    key = hashlib.sha256(("\n".join(paths) + version).encode()).hexdigest()[:12]
    cache = CACHE / f"shop-colour-pixels-{key}.npz"
    if cache.exists():
        with np.load(cache) as z:
            return np.split(z["pixels"].astype(np.float32), z["offsets"][1:-1])
    out, t0 = [], time.time()
    for n, path in enumerate(paths):
        with Image.open(path) as im:
            if kind == "cutout":
                im.draft("RGB", (PIPELINE_SIZE, PIPELINE_SIZE))
                im = im.convert("RGB")
                im.thumbnail((PIPELINE_SIZE, PIPELINE_SIZE), Image.Resampling.BILINEAR)
            rgb = np.asarray(im.convert("RGB"))
        out.append(garment_pixels(rgb, grabcut_cutout(rgb).mask if kind == "cutout" else None))
        if n % 1000 == 0:
            print(f"colour pixels ({kind}) {n}/{len(paths)} {time.time() - t0:.0f}s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    offsets = np.cumsum([0, *[len(p) for p in out]])
    np.savez(cache, pixels=np.concatenate(out).astype(np.float16), offsets=offsets)
    return out


def colour_features(paths: list[str], kind: str, bins) -> np.ndarray:
    """(N, prod(bins)) ``ml.shop.colour`` features of the photos (see ``colour_pixels``)."""
    from ml.shop.colour import feature_dim, lab_histogram

    if not paths:
        return np.zeros((0, feature_dim(bins)), np.float32)
    return np.stack([lab_histogram(p, bins) for p in colour_pixels(paths, kind)])
