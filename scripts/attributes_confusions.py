"""Where the attribute heads go wrong on the validation carve: the most frequent confusions and how many of the
article-type errors stay inside the product's own catalogue subCategory (Flats for Heels, Tops for Tshirts).

    python -m ml.attributes.train --data ../shared/data/fashion-product-images \
        --closet ../shared/data/clothing-dataset --validation --validation-out /tmp/attr_carve.npz
    PYTHONPATH=. .venv/bin/python scripts/attributes_confusions.py --carve /tmp/attr_carve.npz

Only the carve is read (training products the heads did not see), never the held-out products.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
STYLES = REPO.parent / "shared" / "data" / "fashion-product-images" / "styles.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--carve", type=Path, required=True, help="the npz of ml.attributes.train --validation-out")
    ap.add_argument("--styles", type=Path, default=STYLES)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    z = np.load(args.carve)
    with open(args.styles, newline="", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    subcategories: dict[str, set[str]] = {}
    for r in rows.values():
        subcategories.setdefault(r["articleType"], set()).add(r["subCategory"])
    carve = [(i, rows[str(pid)]) for i, pid in enumerate(z["ids"]) if z["carve"][i]]
    out = {"n": len(carve)}
    for head in ("articleType", "baseColour"):
        probs, classes = z[head], z[f"classes_{head}"]
        ranked = np.argsort(-probs, axis=1)
        errors = Counter()
        top2 = 0
        same_sub = 0
        for i, r in carve:
            truth, answer = r[head], str(classes[ranked[i, 0]])
            top2 += truth in {str(c) for c in classes[ranked[i, :2]]}
            if answer != truth:
                errors[(truth, answer)] += 1
                same_sub += r["subCategory"] in subcategories.get(answer, set())
        wrong = sum(errors.values())
        out[head] = {
            "top1": round(1 - wrong / len(carve), 4),
            "top2": round(top2 / len(carve), 4),
            "errors": wrong,
            "confusions": [f"{t} -> {a}: {n}" for (t, a), n in errors.most_common(args.top)],
        }
        if head == "articleType":
            out[head]["errors_within_the_subCategory"] = same_sub
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
