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
the most probability that *some* promoted product shares the query's type and colour), against the plain
promotion of 3 at weight 4 (shipped before it). Its rule, written before the sweep: the highest carve
recall@10 among covering settings whose other three figures (recall@1, catalogue recall@1 and @10) are not
below the plain promotion's; if none beats its recall@10, the plain promotion stays. Then, with the chosen
setting, the floor (``RERANK_FLOOR``), added after plain covering was seen to put fewer products of the
query's type and colour in a declared catalogue's top 10 (``declared_same_kind_at_10``: labels known, as
fashion-product-images declares them): the largest floor whose recall@10, in both figures, is within 0.005 of
no floor.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from ml.shop.data import products
from ml.shop.rerank import HEADS, RERANK_CANDIDATES, cover, rerank, reranked_recall, top_k_rows

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
        print(json.dumps(covering_sweep(scores, vectors, labels, carve)))
        return
    plain = scores(weight=0.0, covering=False)
    sweep = {"plain": plain}
    for k in CANDIDATES:
        for m in PROMOTE:
            for w in WEIGHTS:
                sweep[f"candidates {k}, promote {m}, weight {w}"] = scores(
                    weight=w, promote=m, candidates=k, covering=False
                )
    allowed = {
        k: v
        for k, v in sweep.items()
        if v["recall_at_10"] >= plain["recall_at_10"] and v["catalogue_recall_at_10"] >= plain["catalogue_recall_at_10"]
    }
    best = max(allowed, key=lambda k: (allowed[k]["recall_at_1"], allowed[k]["recall_at_10"]))
    print(json.dumps({"shipped_candidates": RERANK_CANDIDATES, "n_carve": len(carve), "chosen": best, "sweep": sweep}))


def declared_same_kind(vectors, labels, queries, weight, promote, floor, covering=True) -> float:
    """Mean number of products sharing the query's label in its top 10 when every label is declared (certain)."""
    y = np.unique(np.array(labels), return_inverse=True)[1]
    out = []
    for q in queries:
        sim = vectors[q] @ vectors.T
        sim[q] = -np.inf
        cand = np.argsort(-sim)[:RERANK_CANDIDATES]
        same = (y[cand] == y[q]).astype(float)
        if covering:
            order = cover(sim[cand], same[:, None], np.ones(1), weight, promote, floor)
        else:
            order = rerank(sim[cand], same, weight, promote)
        out.append(same[order[:10]].sum())
    return round(float(np.mean(out)), 3)


def covering_sweep(scores, vectors, labels, carve) -> dict:
    before = scores(weight=4.0, promote=3, covering=False)
    sweep = {"plain promotion of 3, weight 4.0": before}
    for m in (3, 5, 10):
        for w in (1.0, 2.0, 4.0):
            sweep[f"covering, promote {m}, weight {w}"] = scores(weight=w, promote=m, covering=True, floor=0.0)
    others = ("recall_at_1", "catalogue_recall_at_1", "catalogue_recall_at_10")
    allowed = {k: v for k, v in sweep.items() if k.startswith("covering") and all(v[o] >= before[o] for o in others)}
    best = max(allowed, key=lambda k: allowed[k]["recall_at_10"], default=None)
    if not best or allowed[best]["recall_at_10"] <= before["recall_at_10"]:
        return {"chosen": "plain promotion of 3, weight 4.0", "sweep": sweep}
    m, w = int(best.split("promote ")[1].split(",")[0]), float(best.split("weight ")[1])
    floors = {}
    for f in (0.0, 0.02, 0.05, 0.1, 0.2):
        floors[f] = {**scores(weight=w, promote=m, covering=True, floor=f)}
        floors[f]["declared_same_kind_at_10"] = declared_same_kind(vectors, labels, carve, w, m, f)
    keep = [
        f
        for f, v in floors.items()
        if all(v[k] >= floors[0.0][k] - 0.005 for k in ("recall_at_10", "catalogue_recall_at_10"))
    ]
    before["declared_same_kind_at_10"] = declared_same_kind(vectors, labels, carve, 4.0, 3, 0.0, covering=False)
    return {
        "chosen": best,
        "chosen_floor": max(keep),
        "sweep": sweep,
        "floors": {str(f): v for f, v in floors.items()},
    }


if __name__ == "__main__":
    main()
