"""How much the Polyvore Outfits *categories* say about Maryland outfits: a co-occurrence probe.

    PYTHONPATH=. .venv/bin/python scripts/polyvore_category_probe.py

Reads the 34k outfits of ../shared/data/polyvore/outfits-disjoint as bags of fine-category names
(``ml.outfit.data.read_polyvore_outfits``) and counts which categories appear together (PMI, add-0.5
smoothing). Each Maryland item is given the category of its slot nearest its name in MiniLM space, and an
outfit scores the mean PMI of its pairs. Prints the compatibility AUC of that score on the grader's held-out
and model-selection outfits, negatives drawn exactly as ``python -m ml.evaluate outfit`` draws them (one item
swapped for a random item of its slot, seed 0). 0.5 is chance.
"""

from __future__ import annotations

import itertools
import json

import numpy as np

from ml.outfit.data import read_maryland, read_polyvore_outfits, same_slot_swap, split_maryland
from ml.outfit.evaluate import auc_score
from ml.outfit.train import build_table

POLYVORE = "../shared/data/polyvore"


def main() -> None:
    maryland = read_maryland(f"{POLYVORE}/maryland")
    split = split_maryland(maryland)
    categories, stats = read_polyvore_outfits(f"{POLYVORE}/outfits-disjoint")
    table, rows_of = build_table(maryland + categories)
    cat_rows = sorted({r for o in categories for r in rows_of[o.set_id]})
    index = {r: i for i, r in enumerate(cat_rows)}
    cat_emb, cat_slot = table.embeddings[cat_rows], table.slot_index[cat_rows]
    k = len(cat_rows)
    together, alone = np.zeros((k, k)), np.zeros(k)
    for o in categories:
        ids = [index[r] for r in rows_of[o.set_id]]
        for i in ids:
            alone[i] += 1
        for a, b in itertools.permutations(ids, 2):
            together[a, b] += 1
    pmi = np.log((together + 0.5) * alone.sum() / ((alone[:, None] + 1) * (alone[None, :] + 1)))

    def category(row: int) -> int | None:
        same = cat_slot == table.slot_index[row]
        if not same.any():
            return None
        sims = np.where(same, cat_emb @ table.embeddings[row], -np.inf)
        return int(sims.argmax())

    def score(rows: list[int]) -> float:
        c = [x for x in (category(r) for r in rows) if x is not None]
        return float(np.mean([pmi[a, b] for a, b in itertools.combinations(c, 2)])) if len(c) > 1 else 0.0

    out = {"polyvore_outfits": stats, "categories": k}
    for name in ("heldout", "select"):
        outfits = [rows_of[o.set_id] for o in split[name]]
        rng = np.random.default_rng(0)
        in_play = sorted({r for rows in outfits for r in rows})
        pool = {s: np.intersect1d(p, in_play) for s, p in table.pools.items()}
        negatives = [n for n in (same_slot_swap(rows, table, pool, rng) for rows in outfits) if n is not None]
        pos = np.array([score(r) for r in outfits])
        neg = np.array([score(n) for n in negatives])
        out[f"{name}_auc"] = round(auc_score(pos, neg), 4)
        out[f"{name}_n"] = len(outfits)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
