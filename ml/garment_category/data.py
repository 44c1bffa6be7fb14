"""Training/evaluation data: clothing-dataset rows, the sender-grouped split, and sampled product photos.

Split rule (``heldout_senders``): the distinct ``sender_id`` values of clothing-dataset ``images.csv`` are
sorted numerically and shuffled with ``random.Random(seed)``; senders are taken in that order into the
held-out set until it holds at least ``HELDOUT_FRACTION`` of the labelled rows ("Other" excluded). All photos
of a sender are on one side. The result is written to ``splits.json`` next to this file.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ml.taxonomy import CLOTHING_DATASET, PRODUCT_ARTICLE_TYPES

HELDOUT_FRACTION = 0.15
SPLIT_FILE = Path(__file__).with_name("splits.json")
CLOTHING = "clothing-dataset"
PRODUCTS = "fashion-product-images"


@dataclass(frozen=True)
class Row:
    path: str
    label: str  # fine class (ml.taxonomy.CLASSES)
    source_label: str
    sender_id: str = ""


def read_clothing_csv(data_dir: str | Path) -> list[dict]:
    with open(Path(data_dir) / "images.csv", newline="") as f:
        return list(csv.DictReader(f))


def clothing_rows(data_dir: str | Path) -> list[Row]:
    """Rows whose label maps to a fine class (``Other`` dropped; kids' garments kept) and whose image exists."""
    d = Path(data_dir)
    out = []
    for r in read_clothing_csv(d):
        fine = CLOTHING_DATASET.get(r["label"])
        p = d / "images" / f"{r['image']}.jpg"
        if fine and p.exists():
            out.append(Row(str(p), fine, r["label"], r["sender_id"]))
    return out


def heldout_senders(rows: list[Row], seed: int, fraction: float = HELDOUT_FRACTION) -> list[str]:
    senders = sorted({r.sender_id for r in rows}, key=lambda s: (len(s), s))
    random.Random(seed).shuffle(senders)
    count = defaultdict(int)
    for r in rows:
        count[r.sender_id] += 1
    held, n = [], 0
    for s in senders:
        if n >= fraction * len(rows):
            break
        held.append(s)
        n += count[s]
    return sorted(held, key=lambda s: (len(s), s))


def write_split(rows: list[Row], seed: int, path: Path = SPLIT_FILE) -> dict:
    held = set(heldout_senders(rows, seed))
    split = {
        "dataset": CLOTHING,
        "rule": f"sender_id group split: senders shuffled with random.Random({seed}) and taken until >= "
        f"{HELDOUT_FRACTION:.0%} of the labelled rows (label != Other) are held out (ml/garment_category/data.py)",
        "seed": seed,
        "heldout_senders": sorted(held, key=lambda s: (len(s), s)),
        "heldout_images": sorted(Path(r.path).stem for r in rows if r.sender_id in held),
        "n_train": sum(r.sender_id not in held for r in rows),
        "n_heldout": sum(r.sender_id in held for r in rows),
    }
    path.write_text(json.dumps(split, indent=1) + "\n")
    return split


def load_split(path: Path = SPLIT_FILE) -> dict:
    return json.loads(Path(path).read_text())


def product_rows(data_dir: str | Path, cap_per_class: int, seed: int) -> list[Row]:
    """fashion-product-images rows mapped through PRODUCT_ARTICLE_TYPES whose image exists, at most
    ``cap_per_class`` per fine class (a seeded sample)."""
    d = Path(data_dir)
    have = {p.name for p in (d / "images").iterdir()}
    by_class = defaultdict(list)
    with open(d / "styles.csv", newline="") as f:
        for r in csv.DictReader(f):
            fine = PRODUCT_ARTICLE_TYPES.get(r["articleType"])
            if fine and f"{r['id']}.jpg" in have:
                by_class[fine].append(Row(str(d / "images" / f"{r['id']}.jpg"), fine, r["articleType"]))
    rng = random.Random(seed)
    out = []
    for fine in sorted(by_class):
        rows = sorted(by_class[fine], key=lambda r: r.path)
        rng.shuffle(rows)
        out += rows[:cap_per_class]
    return out
