"""Complete the look: catalogue products that go with one garment or product, graded as whole outfits.

For the anchor's slot the rule below says which slots complete an outfit (a top needs a bottom and
shoes; a dress needs shoes and a bag; ...). Every in-stock product of each needed slot is graded as a
pair with the anchor by the outfit grader (ml.outfit, the same one "Dress me" uses); the best few per
slot are then combined and each combination graded as a whole; boards are the best combinations that
share no product. Products are graded from their titles (the grader's training data are item names);
the anchor garment from its photo's style vector, joined by its owner's name for it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ml.outfit import slot_for_category
from ml.outfit.features import product_extra
from ml.taxonomy import CLASSES, GROUP_OF
from shop.models import Product

COMPLETES = {
    "top": ["bottom", "shoes"],
    "bottom": ["top", "shoes"],
    "one-piece": ["shoes", "bag"],
    "outerwear": ["top", "bottom", "shoes"],
    "shoes": ["top", "bottom"],
    "bag": ["top", "bottom", "shoes"],
    "accessory": ["top", "bottom", "shoes"],
}
SLOT_CATEGORIES: dict[str, list[str]] = {}
for _c in CLASSES:
    SLOT_CATEGORIES.setdefault(slot_for_category(GROUP_OF[_c], _c), []).append(_c)
PER_SLOT = 4  # best pair partners kept per slot before whole outfits are graded
MAX_POOL = 3000  # products graded per slot at most (a seeded sample beyond that)


@dataclass
class Anchor:
    vector: np.ndarray  # (384,) MiniLM space
    slot: str
    gender: str = ""
    exclude_product: int | None = None
    extra: np.ndarray | None = None  # colour/pattern (ml.outfit.features: garment_extra or product_extra)


@dataclass
class Board:
    score: float
    products: list[Product]
    contributions: list[float]  # anchor first, then the products


def product_item(slot: str, vector, title: str, base_colour: str, colour_terms: list, attributes: dict) -> dict:
    """A product as a grader item: its title's vector, its slot and its colour/pattern features."""
    return {
        "text_embedding": np.asarray(vector, dtype=np.float32),
        "slot": slot,
        "extra": product_extra(title, base_colour, colour_terms, attributes),
    }


def _pool(slot: str, anchor: Anchor, rng: np.random.Generator) -> list[tuple[int, dict]]:
    qs = Product.objects.filter(
        status=Product.Status.READY,
        in_stock=True,
        category__in=SLOT_CATEGORIES.get(slot, []),
        style_embedding__isnull=False,
    )
    if anchor.gender in {"men", "women"}:
        qs = qs.filter(gender__in=[anchor.gender, "unisex", ""])
    if anchor.exclude_product:
        qs = qs.exclude(id=anchor.exclude_product)
    rows = list(
        qs.order_by("id").values_list("id", "style_embedding", "title", "base_colour", "colour_terms", "attributes")
    )
    if len(rows) > MAX_POOL:
        rows = [rows[i] for i in sorted(rng.choice(len(rows), MAX_POOL, replace=False))]
    return [(pid, product_item(slot, *fields)) for pid, *fields in rows]


def complete_the_look(anchor: Anchor, grader, boards: int = 3, seed: int = 0) -> list[Board]:
    rng = np.random.default_rng(seed)
    head = {"text_embedding": anchor.vector, "slot": anchor.slot, "extra": anchor.extra}
    best: dict[str, list[tuple[int, dict]]] = {}
    for slot in COMPLETES.get(anchor.slot, []):
        pool = _pool(slot, anchor, rng)
        if not pool:
            continue
        pair_scores = grader.score_many([[head, item] for _, item in pool])
        order = np.argsort([-s for s, _ in pair_scores])[: PER_SLOT * boards]
        best[slot] = [pool[i] for i in order]
    if not best:
        return []
    slots = list(best)
    combos = list(itertools.product(*[best[s] for s in slots]))[:2000]
    graded = grader.score_many([[head] + [item for _, item in combo] for combo in combos])
    ranked = sorted(zip(graded, combos), key=lambda g: -g[0][0])
    chosen, used = [], set()
    for (score, contributions), combo in ranked:
        ids = [pid for pid, _ in combo]
        if used & set(ids):
            continue
        used |= set(ids)
        chosen.append((score, ids, contributions))
        if len(chosen) == boards:
            break
    products = (
        Product.objects.select_related("shop")
        .prefetch_related("images")
        .in_bulk([pid for _, ids, _ in chosen for pid in ids])
    )
    return [Board(float(s), [products[i] for i in ids], [float(c) for c in contrib]) for s, ids, contrib in chosen]
