"""Draw where an attribute head errs on the validation carve: its most common confusions (printed as JSON) and a
contact sheet of the wrong photos with "label -> answer" under each.

    PYTHONPATH=. .venv/bin/python scripts/attributes_error_sheet.py --head baseColour --sub Topwear --out var/sheet.png

The heads are trained as ``python -m ml.attributes.train --validation`` trains them (the shipped settings, the
carve left out, closet rows left out as they teach only the sleeve head), so nothing held out is read. It needs
the feature caches that ml.attributes.train builds (ml/cache).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from ml.attributes.config import AttributesConfig
from ml.attributes.evaluate import predicted_values, product_inputs
from ml.attributes.train import head_classes, label_ids, train_heads
from ml.shop.data import in_validation


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument("--head", default="baseColour")
    p.add_argument("--sub", default="", help="only products of this styles.csv subCategory (e.g. Topwear)")
    p.add_argument("--n", type=int, default=32, help="photos on the sheet")
    p.add_argument("--out", type=Path, default=Path("var/attribute_errors.png"))
    args = p.parse_args()
    torch.set_num_threads(1)
    bins = (8, 11, 11)
    items, labels, held, emb, colours, _ = product_inputs(args.data, "ml/weights/product_features.pt", 1, bins)
    carve = np.array([not h and in_validation(q.id) for q, h in zip(items, held)])
    tr, te = np.flatnonzero(~held & ~carve), np.flatnonzero(carve)
    heads, _ = head_classes(labels, tr, 10, 300)
    config = AttributesConfig(colour_bins=bins, colour_weight=3.0, hidden_dim=512, dropout=0.5, heads=heads)
    targets = {k: v[tr] for k, v in label_ids(labels, heads).items()}
    model = train_heads(
        emb[tr],
        colours[tr],
        targets,
        config,
        epochs=20,
        batch_size=128,
        lr=2e-3,
        weight_decay=0.05,
        smoothing=0.1,
        seed=0,
    )
    answers = predicted_values(model, emb[te], colours[te])[args.head]
    with open(Path(args.data) / "styles.csv", newline="") as f:
        sub = {r["id"]: r["subCategory"] for r in csv.DictReader(f)}
    wrong = [
        (i, labels[args.head][i], a)
        for i, a in zip(te, answers)
        if labels[args.head][i]
        and labels[args.head][i] != a
        and (not args.sub or sub.get(str(items[i].id)) == args.sub)
    ]
    scored = [i for i in te if labels[args.head][i] and (not args.sub or sub.get(str(items[i].id)) == args.sub)]
    confusions = Counter((y, a) for _, y, a in wrong).most_common(15)
    print(
        json.dumps({"scored": len(scored), "wrong": len(wrong), "confusions": [[y, a, n] for (y, a), n in confusions]})
    )
    cols, cell = 8, 160
    rows = max(1, -(-min(args.n, len(wrong)) // cols))
    sheet = Image.new("RGB", (cols * cell, rows * (cell + 30)), "white")
    draw = ImageDraw.Draw(sheet)
    for n, (i, y, a) in enumerate(wrong[: args.n]):
        x, top = (n % cols) * cell, (n // cols) * (cell + 30)
        with Image.open(items[i].path) as im:
            sheet.paste(im.convert("RGB").resize((cell, cell)), (x, top))
        draw.text((x + 2, top + cell + 2), f"{y} -> {a}", fill="black")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)


if __name__ == "__main__":
    main()
