"""Choose ``ml.shop.rerank.RERANK_WEIGHT`` on the validation carve, with heads that never trained on it.

    .venv/bin/python -m ml.shop.train --data ../shared/data/fashion-product-images \
        --closet ../shared/data/clothing-dataset --validation --validation-out var/shop_val.npz
    .venv/bin/python -m ml.attributes.train --data ../shared/data/fashion-product-images \
        --closet ../shared/data/clothing-dataset --validation --validation-out var/attr_val.npz
    PYTHONPATH=. .venv/bin/python scripts/shop_rerank_weight.py --data ../shared/data/fashion-product-images \
        --shop var/shop_val.npz --attributes var/attr_val.npz

Prints one JSON object: recall@1 and recall@10 of the carve's products querying each other, and
(``catalogue_...``) querying every non-held-out product, most of which the heads trained on, as the app's
catalogue is searched (a hit shares article type and base colour, as ``python -m ml.evaluate retrieval``),
without the re-rank and for each number of promoted products and weight, the attribute distributions kept
at their top 3 as the app stores them. ``chosen`` applies the rule that chose ``ml.shop.rerank``'s settings:
the highest recall@1 among the settings whose recall@10 is below the plain ranking's in neither figure.

``--covering`` sweeps the covering promotion instead (``ml.shop.rerank.cover``: each promoted product adds
the most probability that *some* promoted product shares the query's type and colour), against the shipped
setting (``rerank``, ``RERANK_PROMOTE`` and ``RERANK_WEIGHT``). Its rule, written before the sweep: the highest
carve recall@10 among covering settings whose other three figures (recall@1, catalogue recall@1 and @10) are
not below the shipped setting's; if none beats the shipped recall@10, the shipped setting stays.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from ml.shop.data import products
from ml.shop.rerank import HEADS, RERANK_CANDIDATES, RERANK_PROMOTE, RERANK_WEIGHT, reranked_recall, top_k_rows

WEIGHTS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 4.0)
PROMOTE = (1, 3, 5, 100)
CANDIDATES = (100, 200)  # the app fetches them through HNSW with 5x as many index candidates, at most 1000


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--shop", required=True, help="npz from ml.shop.train --validation --validation-out")
    p.add_argument("--attributes", required=True, help="npz from ml.attributes.train --validation --validation-out")
    p.add_argument("--covering", action="store_true", help="sweep ml.shop.rerank.cover against the shipped setting")
    args = p.parse_args()
    shop, attrs = np.load(args.shop), np.load(args.attributes)
    if list(shop["ids"]) != list(attrs["ids"]) or not (shop["carve"] == attrs["carve"]).all():
        raise SystemExit("the two files hold different products or carves")
    label = {q.id: q.label for q in products(args.data)}
    labels = [label[i] for i in shop["ids"]]
    carve = np.flatnonzero(shop["carve"])
    vectors = shop["vectors"]
    probs = {h: top_k_rows(attrs[h]) for h in HEADS}
    carve_probs = {h: v[carve] for h, v in probs.items()}
    carve_labels = [labels[i] for i in carve]

    def scores(**kw) -> dict:
        own = reranked_recall(vectors[carve], carve_probs, carve_labels, **kw)
        whole = reranked_recall(vectors, probs, labels, queries=carve, **kw)
        return {**own, **{f"catalogue_{k}": v for k, v in whole.items()}}

    if args.covering:
        print(json.dumps(covering_sweep(scores)))
        return
    plain = scores(weight=0.0)
    sweep = {"plain": plain}
    for k in CANDIDATES:
        for m in PROMOTE:
            for w in WEIGHTS:
                sweep[f"candidates {k}, promote {m}, weight {w}"] = scores(weight=w, promote=m, candidates=k)
    allowed = {
        k: v
        for k, v in sweep.items()
        if v["recall_at_10"] >= plain["recall_at_10"] and v["catalogue_recall_at_10"] >= plain["catalogue_recall_at_10"]
    }
    best = max(allowed, key=lambda k: (allowed[k]["recall_at_1"], allowed[k]["recall_at_10"]))
    print(json.dumps({"shipped_candidates": RERANK_CANDIDATES, "n_carve": len(carve), "chosen": best, "sweep": sweep}))


def covering_sweep(scores) -> dict:
    shipped = scores(weight=RERANK_WEIGHT, promote=RERANK_PROMOTE)
    sweep = {"shipped": shipped}
    for m in (3, 5, 10):
        for w in (1.0, 2.0, 4.0):
            sweep[f"covering, promote {m}, weight {w}"] = scores(weight=w, promote=m, covering=True)
    others = ("recall_at_1", "catalogue_recall_at_1", "catalogue_recall_at_10")
    allowed = {k: v for k, v in sweep.items() if k != "shipped" and all(v[o] >= shipped[o] for o in others)}
    best = max(allowed, key=lambda k: allowed[k]["recall_at_10"], default=None)
    chosen = best if best and allowed[best]["recall_at_10"] > shipped["recall_at_10"] else "shipped"
    return {"chosen": chosen, "sweep": sweep}


if __name__ == "__main__":
    main()
