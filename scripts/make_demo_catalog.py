"""Build the committed demo shop (shop/demo_catalog/) from CC0 clothing-dataset photos.

    .venv/bin/python scripts/make_demo_catalog.py --data ../shared/data/clothing-dataset

A second-hand shop of 48 real garment photos that are not among the closet demo photos: 4 per label for
12 labels, taken in a seeded order, downscaled to 300 px wide. Titles say the colour our own colour
model reads from the photo and the dataset's label ("Navy shirt"); prices are illustrative demo
prices, a base per type plus a seeded variation; every 8th item is out of stock. This file writes the
generic catalogue format that `manage.py import_catalog` reads.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from ml.colours import dominant_colours
from ml.cutout import grabcut_cutout

LABELS = {  # dataset label -> (title word, app category, base price)
    "T-Shirt": ("T-shirt", "tshirt", 12),
    "Shirt": ("Shirt", "shirt", 22),
    "Longsleeve": ("Long-sleeve top", "longsleeve", 15),
    "Hoodie": ("Hoodie", "hoodie", 25),
    "Pants": ("Trousers", "pants", 24),
    "Shorts": ("Shorts", "shorts", 14),
    "Skirt": ("Skirt", "skirt", 18),
    "Dress": ("Dress", "dress", 30),
    "Outwear": ("Jacket", "outerwear", 45),
    "Blazer": ("Blazer", "blazer", 40),
    "Shoes": ("Shoes", "shoes", 35),
    "Hat": ("Hat", "hat", 10),
}
PER_LABEL = 4
OUT = Path(__file__).resolve().parents[1] / "shop" / "demo_catalog"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="../shared/data/clothing-dataset")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    data = Path(args.data)
    taken = {f.stem.split("-", 1)[1] for f in (OUT.parents[1] / "closet" / "demo_photos").glob("*.jpg")}
    with open(data / "images.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["kids"] == "False" and r["label"] in LABELS]
    random.Random(args.seed).shuffle(rows)
    (OUT / "images").mkdir(parents=True, exist_ok=True)
    products, count = [], {k: 0 for k in LABELS}
    rng = random.Random(args.seed)
    for r in rows:
        if count[r["label"]] >= PER_LABEL or r["image"][:8] in taken:
            continue
        src = data / "images" / f"{r['image']}.jpg"
        if not src.is_file():
            continue
        count[r["label"]] += 1
        name, category, base = LABELS[r["label"]]
        with Image.open(src) as im:
            im = im.convert("RGB")
            im.thumbnail((300, 400))
            rgb = np.asarray(im)
            colour = dominant_colours(rgb, grabcut_cutout(rgb).mask, max_colours=1)[0]["name"]
            file = f"{r['image'][:8]}.jpg"
            im.save(OUT / "images" / file, "JPEG", quality=82, optimize=True)
        n = len(products) + 1
        products.append(
            {
                "id": f"demo-{n:03d}",
                "title": f"{colour.capitalize()} {name.lower()}",
                "brand": "Second-hand",
                "price": f"{base + rng.randint(0, base):.2f}",
                "currency": "EUR",
                "url": "",
                "gender": "",
                "category": category,
                "colour": colour,
                "in_stock": "no" if n % 8 == 0 else "yes",
                "images": file,
                "source": f"clothing-dataset {r['image']} ({r['label']})",
            }
        )
        if all(c >= PER_LABEL for c in count.values()):
            break
    with open(OUT / "catalog.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(products[0]))
        w.writeheader()
        w.writerows(products)
    shutil.copy(data / "LICENSE", OUT / "LICENSE-CC0.txt") if (data / "LICENSE").exists() else None
    print(f"{len(products)} products in {OUT}")


if __name__ == "__main__":
    main()
