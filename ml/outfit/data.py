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
