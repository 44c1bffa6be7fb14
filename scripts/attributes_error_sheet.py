"""Draw where an attribute head errs on the validation carve: its most common confusions (printed as JSON) and a
contact sheet of the wrong photos with "label -> answer" under each.

    PYTHONPATH=. .venv/bin/python scripts/attributes_error_sheet.py --head baseColour --sub Topwear --out var/sheet.png

The answers are those of ``python -m ml.attributes.train --data DIR --validation --validation-out FILE`` (the
shipped settings, the carve left out; run here without ``--closet``, whose rows teach only the sleeve head), so
nothing held out is read. It needs the feature caches that ml.attributes.train builds (ml/cache).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ml.attributes.labels import product_labels
from ml.attributes.train import main as train_main
from ml.shop.data import products


def carve_answers(data: str, head: str) -> dict[str, str]:
    """{product id: the head's answer} for the validation carve, from the training command's own output."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "validation.npz"
        with contextlib.redirect_stdout(sys.stderr):  # its JSON scores are not this script's output
            train_main(["--data", data, "--validation", "--validation-out", str(out)])
        z = np.load(out)
        carve = z["carve"]
        answers = z[f"classes_{head}"][z[head][carve].argmax(1)]
        return {str(i): str(a) for i, a in zip(z["ids"][carve], answers)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument("--head", default="baseColour")
    p.add_argument("--sub", default="", help="only products of this styles.csv subCategory (e.g. Topwear)")
    p.add_argument("--n", type=int, default=32, help="photos on the sheet")
    p.add_argument("--out", type=Path, default=Path("var/attribute_errors.png"))
    args = p.parse_args()
    answers = carve_answers(args.data, args.head)
    items = products(args.data)
    labels = product_labels(args.data, items)[args.head]
    with open(Path(args.data) / "styles.csv", newline="") as f:
        sub = {r["id"]: r["subCategory"] for r in csv.DictReader(f)}
    scored = [
        (q, y, answers[str(q.id)])
        for q, y in zip(items, labels)
        if str(q.id) in answers and y and (not args.sub or sub.get(str(q.id)) == args.sub)
    ]
    wrong = [(q, y, a) for q, y, a in scored if y != a]
    confusions = Counter((y, a) for _, y, a in wrong).most_common(15)
    print(
        json.dumps({"scored": len(scored), "wrong": len(wrong), "confusions": [[y, a, n] for (y, a), n in confusions]})
    )
    cols, cell = 8, 160
    rows = max(1, -(-min(args.n, len(wrong)) // cols))
    sheet = Image.new("RGB", (cols * cell, rows * (cell + 30)), "white")
    draw = ImageDraw.Draw(sheet)
    for n, (q, y, a) in enumerate(wrong[: args.n]):
        x, top = (n % cols) * cell, (n // cols) * (cell + 30)
        with Image.open(q.path) as im:
            sheet.paste(im.convert("RGB").resize((cell, cell)), (x, top))
        draw.text((x + 2, top + cell + 2), f"{y} -> {a}", fill="black")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)


if __name__ == "__main__":
    main()
