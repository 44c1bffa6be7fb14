"""Maryland Polyvore outfits (Han et al. 2017), the fixed split, and the seeded negatives.

Split, by ``bucket(set_id) = int(sha256(set_id), 16) % 100``:
  train    = every outfit of the valid file + test-file outfits with bucket < 60
  held-out = test-file outfits with bucket >= 60 (reported once, never used for choosing anything)
Model selection uses train outfits with ``int(sha256("select:" + set_id), 16) % 10 == 0``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml.outfit.features import EXTRA_DIM
from ml.outfit.slots import SLOTS, maryland_slot, polyvore_slot

TEST_FILE = "test_no_dup_with_category_3more_name.json"
VALID_FILE = "valid_no_dup_with_category_3more_name.json"
HELDOUT_FROM_BUCKET = 60
SPLIT_RULE = (
    "bucket = int(sha256(set_id),16) % 100; train = Maryland valid file + test-file outfits with bucket < 60; "
    "held-out = test-file outfits with bucket >= 60; model selection = train outfits with "
    "int(sha256('select:'+set_id),16) % 10 == 0"
)
# slots that an outfit should not hold twice; used to build slot-breaking negatives
SINGLE_SLOTS = ("top", "bottom", "one-piece", "shoes", "bag")


def bucket(set_id: str, salt: str = "", buckets: int = 100) -> int:
    return int(hashlib.sha256((salt + set_id).encode()).hexdigest(), 16) % buckets


@dataclass
class Item:
    name: str
    slot: str
    image: str | None = None  # photo path, when the data set has photos


@dataclass
class Outfit:
    set_id: str
    items: list[Item]
    source: str = ""  # which file it came from
    tags: dict = field(default_factory=dict)


def read_maryland(data_dir: str | Path) -> list[Outfit]:
    """Both Maryland files of ../shared/data/polyvore/maryland (each outfit: one item per present slot)."""
    d = Path(data_dir)
    outfits = []
    for source, name in (("valid", VALID_FILE), ("test", TEST_FILE)):
        path = d / name
        if not path.exists():
            continue
        for set_id, slots in json.loads(path.read_text()).items():
            items = [Item(it["name"], maryland_slot(s, it["name"])) for s, it in slots.items()]
            outfits.append(Outfit(str(set_id), items, source))
    return outfits


def read_maryland_labels(data_dir: str | Path, split: str = "test") -> list[Outfit]:
    """The original Maryland layout: ``label/<split>_no_dup.json`` (a list of outfits with ``set_id`` and
    ``items`` of ``index``, ``name``, ``categoryid``), photos at ``images/<set_id>/<index>.jpg``."""
    d = Path(data_dir)
    outfits = []
    for o in json.loads((d / "label" / f"{split}_no_dup.json").read_text()):
        set_id = str(o["set_id"])
        items = []
        for it in o["items"]:
            photo = d / "images" / set_id / f"{it['index']}.jpg"
            items.append(
                Item(
                    it.get("name", ""),
                    polyvore_slot(it.get("categoryid", ""), it.get("name", "")),
                    str(photo) if photo.exists() else None,
                )
            )
        outfits.append(Outfit(set_id, items, f"label/{split}_no_dup.json"))
    return outfits


def split_maryland(outfits: list[Outfit]) -> dict[str, list[Outfit]]:
    train = [o for o in outfits if o.source == "valid" or bucket(o.set_id) < HELDOUT_FROM_BUCKET]
    heldout = [o for o in outfits if o.source == "test" and bucket(o.set_id) >= HELDOUT_FROM_BUCKET]
    select = [o for o in train if bucket(o.set_id, "select:", 10) == 0]
    fit = [o for o in train if bucket(o.set_id, "select:", 10) != 0]
    return {"train": train, "fit": fit, "select": select, "heldout": heldout}


class ItemTable:
    """Items as rows: embedding (384,), slot index and extra features; outfits become lists of row ids."""

    def __init__(
        self, embeddings: np.ndarray, slots: list[str], names: list[str], extras: np.ndarray | None = None
    ) -> None:
        self.embeddings = embeddings.astype(np.float32)
        self.extras = (
            np.zeros((len(names), EXTRA_DIM), np.float32) if extras is None else extras.astype(np.float32)
        )  # (rows, EXTRA_DIM), ml.outfit.features
        self.slot_index = np.array([SLOTS.index(s) for s in slots], dtype=np.int64)
        self.names = names
        self.pools = {s: np.flatnonzero(self.slot_index == i) for i, s in enumerate(SLOTS)}

    def slot(self, row: int) -> str:
        return SLOTS[self.slot_index[row]]


def same_slot_swap(
    rows: list[int], table: ItemTable, pool: dict[str, np.ndarray], rng: np.random.Generator
) -> list[int] | None:
    """Swap one random item for a random item of the same slot (different name, not already in the outfit)."""
    for _ in range(10):
        i = int(rng.integers(len(rows)))
        candidates = pool[table.slot(rows[i])]
        if len(candidates) < 2:
            continue
        c = int(candidates[rng.integers(len(candidates))])
        if table.names[c] != table.names[rows[i]] and c not in rows:
            return rows[:i] + [c] + rows[i + 1 :]
    return None


def slot_breaking_swap(
    rows: list[int], table: ItemTable, pool: dict[str, np.ndarray], rng: np.random.Generator
) -> list[int] | None:
    """Swap one item for an item of another slot the outfit already has (two tops and no shoes, ...)."""
    present = {table.slot(r) for r in rows} & set(SINGLE_SLOTS)
    for _ in range(10):
        i = int(rng.integers(len(rows)))
        donors = sorted(present - {table.slot(rows[i])})
        if not donors:
            continue
        candidates = pool[donors[int(rng.integers(len(donors)))]]
        c = int(candidates[rng.integers(len(candidates))])
        if c not in rows:
            return rows[:i] + [c] + rows[i + 1 :]
    return None


def fitb_question(
    rows: list[int], table: ItemTable, pool: dict[str, np.ndarray], rng: np.random.Generator, n_candidates: int = 4
):
    """Blank one random item; candidates are it and ``n_candidates - 1`` other items of its slot (distinct names).
    Returns ``(rest_rows, candidate_rows, answer_position)`` or None when the slot's pool is too small."""
    i = int(rng.integers(len(rows)))
    true = rows[i]
    others = pool[table.slot(true)]
    names = {table.names[true]}
    wrong = []
    for c in rng.permutation(others):
        c = int(c)
        if table.names[c] not in names and c not in rows:
            wrong.append(c)
            names.add(table.names[c])
            if len(wrong) == n_candidates - 1:
                break
    if len(wrong) < n_candidates - 1:
        return None
    answer = int(rng.integers(n_candidates))
    candidates = wrong[:answer] + [true] + wrong[answer:]
    return rows[:i] + rows[i + 1 :], candidates, answer


# Polyvore Outfits' coarse categories, in the order of items.json (../shared/data/README.md)
POLYVORE_COARSE = [
    "accessories",
    "all-body",
    "bags",
    "bottoms",
    "hats",
    "jewellery",
    "outerwear",
    "scarves",
    "shoes",
    "sunglasses",
    "tops",
]
# what an item with no fine category is called, and its slot
_COARSE_ITEM = {
    "accessories": ("accessory", "accessory"),
    "all-body": ("dress", "one-piece"),
    "bags": ("bag", "bag"),
    "bottoms": ("bottoms", "bottom"),
    "hats": ("hat", "accessory"),
    "jewellery": ("jewelry", "accessory"),
    "outerwear": ("jacket", "outerwear"),
    "scarves": ("scarf", "accessory"),
    "shoes": ("shoes", "shoes"),
    "sunglasses": ("sunglasses", "accessory"),
    "tops": ("top", "top"),
}
POLYVORE_FILES = ("train_pos", "valid_pos", "test_pos")


def read_polyvore_outfits(data_dir: str | Path, max_items: int = 8) -> tuple[list[Outfit], dict]:
    """Polyvore Outfits rows (``uid, n, item_index x M, category x M``) as outfits of *category names*.

    Each item becomes its fine category's name from ``categories.csv`` (via ``train_category.json``, found
    next to DIR), or its coarse category's when it has none; its slot comes from the fine category (or the
    coarse one). Outfits with more than ``max_items`` items are left out (the grader takes 2 to 8)."""
    import csv

    d = Path(data_dir)
    root = d.parent
    coarse_items = json.loads((d / "items.json").read_text())
    fine_of = json.loads((root / "train_category.json").read_text())
    with open(root / "categories.csv", newline="") as f:
        fine_names = {row[0]: row[1].strip() for row in csv.reader(f) if len(row) >= 2}
    outfits, stats = [], {"rows": 0, "too_many_items": 0, "items": 0, "items_with_fine_category": 0}
    for name in POLYVORE_FILES:
        path = d / name
        if not path.exists():
            continue
        for k, line in enumerate(path.read_text().splitlines()):
            if not line.strip():
                continue
            values = [int(v) for v in line.split(",")]
            width = (len(values) - 2) // 2  # rows are padded to M items
            n = values[1]
            stats["rows"] += 1
            if n > max_items:
                stats["too_many_items"] += 1
                continue
            items = []
            for index, coarse in zip(values[2 : 2 + n], values[2 + width : 2 + width + n]):
                item_id = coarse_items[coarse][index]
                fine = fine_of.get(item_id)
                fine_name = fine_names.get(fine, "") if fine else ""
                if fine_name and fine_name != "undefined":
                    slot = polyvore_slot(fine, fine_name)
                    items.append(Item(fine_name, slot))
                    stats["items_with_fine_category"] += 1
                else:
                    items.append(Item(*_COARSE_ITEM[POLYVORE_COARSE[coarse]]))
                stats["items"] += 1
            outfits.append(Outfit(f"{d.name}/{name}/{k}", items, f"{d.name}/{name}"))
    stats["outfits"] = len(outfits)
    return outfits, stats
