"""Shop training/evaluation data: catalogue products with their labels, and closet photos by sender split.

Products are the fashion-product-images rows whose photo exists and whose name is not empty (as in
ml/bridge), sorted by id; held-out products follow the ml/bridge rule (``is_heldout``). Closet photos are
the clothing-dataset rows whose label maps to a fine type; their train/held-out sides are the sender
split of the garment classifier (ml/garment_category/splits.json).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.bridge.train import is_heldout, product_pairs
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


def closet_photos(data_dir: str | Path) -> tuple[list[str], list[str], np.ndarray]:
    """(paths, fine types, held-out mask) of the clothing-dataset photos whose label maps to a fine type."""
    held_senders = set(load_split()["heldout_senders"])
    rows = clothing_rows(data_dir)
    return [r.path for r in rows], [r.label for r in rows], np.array([r.sender_id in held_senders for r in rows])
