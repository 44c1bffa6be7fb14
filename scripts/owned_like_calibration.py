"""Calibrate "you already own something like this": shop-space distances between the demo catalogue and the
demo closet (both CC0, committed).

    DJANGO_SETTINGS_MODULE=fashionsite.settings .venv/bin/python scripts/owned_like_calibration.py

For each demo product it finds the nearest demo garment and prints the percentiles of that distance when the
garment is of the product's category, and every distance when it is not; then the spread of all same- and
other-category pairs. ``shop.selectors.OWNED_LIKE_MAX_DISTANCE`` was set from its output.
"""

import csv
import sys
from pathlib import Path

import django
import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLOSET_PREFIX = {"t": "tshirt", "outwear": "outerwear"}  # demo photo file prefixes that are not category names


def shop_space(paths: list[Path], product: bool) -> np.ndarray:
    """Shop vectors of photos, with the colour input the catalogue import (product) or closet ingest computes."""
    from PIL import Image

    from closet import inference
    from closet.photos import photo_open_for_pipeline
    from shop.inference import colour_feature, product_colour_feature, shop_vectors

    colours = []
    for path in paths:
        rgb = np.asarray(photo_open_for_pipeline(path, 512))
        mask = inference.cutout(rgb).mask
        colours.append(product_colour_feature(rgb, mask) if product else colour_feature(rgb, mask))
    predictions = inference.classify([Image.open(p).convert("RGB") for p in paths])
    return shop_vectors(np.stack([p["embedding"] for p in predictions]), np.stack(colours))


def main() -> None:
    sys.path.insert(0, str(REPO))
    django.setup()
    with open(REPO / "shop/demo_catalog/catalog.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    products = shop_space([REPO / "shop/demo_catalog/images" / r["images"] for r in rows], product=True)
    product_categories = [r["category"] for r in rows]
    files = sorted((REPO / "closet/demo_photos").glob("*.jpg"))
    garments = shop_space(files, product=False)
    garment_categories = [CLOSET_PREFIX.get(f.name.split("-")[0], f.name.split("-")[0]) for f in files]

    distance = 1 - products @ garments.T  # (P, G) cosine distance
    same = np.array([[g == p for g in garment_categories] for p in product_categories])  # (P, G)
    nearest = distance.argmin(1)
    nearest_same = [distance[i, j] for i, j in enumerate(nearest) if same[i, j]]
    nearest_other = sorted(distance[i, j] for i, j in enumerate(nearest) if not same[i, j])
    print("nearest, same category: p10/p50/p90", np.percentile(nearest_same, [10, 50, 90]).round(3), len(nearest_same))
    print("nearest, other category:", np.round(nearest_other, 3))
    print("all same-category pairs: p5/p25/p50", np.percentile(distance[same], [5, 25, 50]).round(3))
    print("all other-category pairs: p5/p25/p50", np.percentile(distance[~same], [5, 25, 50]).round(3))


if __name__ == "__main__":
    main()
