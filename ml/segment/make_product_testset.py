"""Write the held-out product test set: ``python -m ml.segment.make_product_testset --out /tmp/segment-products``.

Held-out products (``ml.bridge.train.is_heldout``) that give a usable mask (``data.product_mask``) are written
as ``image/<id>.jpg`` (the original shot on white, untouched) and ``mask/<id>.png``; with ``--composite`` a
second folder ``<out>-composite`` gets the same products pasted on held-out closet backgrounds.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from ml.segment.data import background_crop, composite, is_heldout, load_products, product_rows

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--composite", action="store_true")
    args = ap.parse_args(argv)
    products = load_products(product_rows(args.data_root, heldout=True), limit=args.limit)
    for d in (args.out, Path(f"{args.out}-composite")) if args.composite else (args.out,):
        (d / "image").mkdir(parents=True, exist_ok=True)
        (d / "mask").mkdir(parents=True, exist_ok=True)
    bgs = sorted(p for p in (args.data_root / "clothing-dataset" / "images").glob("*.jpg") if is_heldout(p.stem))
    rng = np.random.default_rng(123)
    for pid, rgb, mask in products:
        shutil.copyfile(
            args.data_root / "fashion-product-images" / "images" / f"{pid}.jpg", args.out / "image" / f"{pid}.jpg"
        )
        Image.fromarray(mask).save(args.out / "mask" / f"{pid}.png")
        if args.composite:
            with Image.open(bgs[int(rng.integers(len(bgs)))]) as im:
                bg = background_crop(np.asarray(im.convert("RGB")), 224, rng)
            out, m = composite(rgb, mask, bg, 224, rng)
            d = Path(f"{args.out}-composite")
            Image.fromarray(out).save(d / "image" / f"{pid}.jpg", quality=92)
            Image.fromarray(m * 255).save(d / "mask" / f"{pid}.png")
    print(f"{len(products)} held-out products -> {args.out}")


if __name__ == "__main__":
    main()
