"""Outfits from styled on-model product photos: each worn top with the bottom a stylist put it with.

    python -m ml.outfit.onmodel extract --data ../shared/data/fashion-product-images --out var/onmodel
    python -m ml.outfit.onmodel evaluate --pairs var/onmodel/heldout.jsonl --checkpoint ml/weights/outfit_grader.pt

``extract`` reads every Topwear product photo (styles.csv ``subCategory``); where ``ml.person.parse`` finds a
person with a lower-body region in view, the outfit is the product (its *name*, through MiniLM, slot top) and
the crop of that region (its *photo*, through the garment model and the image->text bridge, slot bottom). It
writes ``train.jsonl``, ``select.jsonl`` (training products in the validation carve, ``ml.shop.data.VALIDATION_RULE``,
for choosing settings) and ``heldout.jsonl`` (products held out by ``ml.shop.data.SPLIT_RULE``) in the layout of
``manage.py export_outfit_data``. ``python -m ml.outfit.train --pairs train.jsonl --pairs-select select.jsonl``
trains on them as a second stream whose negatives come from the pairs themselves. The top's ``extra`` features
come from the product's name, as a catalogue product's do (``ml.outfit.features.name_extra``); the crop's are
left unknown (zeros): a body region's colours include skin and background.

``evaluate`` scores a grader on held-out pairs: compatibility AUC of each top with its own bottom against the
same top with another held-out pair's bottom (a seeded derangement), and fill-in-the-blank accuracy among the
true bottom and 3 others (seeded). A crop is a body region, not a cut-out garment, and a photo's bottom is
often half out of frame; the pairs are real styling choices, not a curated benchmark. ``--same-brand`` draws
the wrong bottoms from tops of the same brand (first word of the name), since a brand's tops share shoots.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np


def extract(data_dir: str, out_dir: Path, threads: int = 1) -> dict:
    import torch
    from PIL import Image

    from ml.bridge import load_photo_embedder
    from ml.outfit.features import name_extra
    from ml.person import parse
    from ml.shop.data import heldout_mask, in_validation, products
    from ml.text_encoder import load_text_encoder

    torch.set_num_threads(threads)
    items = products(data_dir)
    held = heldout_mask(items)
    with open(Path(data_dir) / "styles.csv", newline="", encoding="utf-8", errors="replace") as f:
        sub = {r["id"]: r.get("subCategory", "") for r in csv.DictReader(f)}
    crops, names, ids, sides, seen, t0 = [], [], [], [], 0, time.time()
    for p, h in zip(items, held):
        if sub.get(p.id) != "Topwear":
            continue
        seen += 1
        with Image.open(p.path) as im:
            rgb = im.convert("RGB")
        person = parse(np.asarray(rgb))
        if person is None or "lower" not in person.regions:
            continue
        x0, y0, x1, y1 = person.regions["lower"]
        if x1 - x0 < 16 or y1 - y0 < 16:
            continue
        crops.append(rgb.crop((x0, y0, x1, y1)))
        names.append(p.name)
        ids.append(p.id)
        sides.append("heldout" if h else "select" if in_validation(p.id) else "train")
        if seen % 1000 == 0:
            print(f"{seen} topwear photos, {len(crops)} worn with a bottom, {time.time() - t0:.0f}s", file=sys.stderr)
    bottoms = load_photo_embedder().embed_images(crops)
    tops = load_text_encoder().encode(names)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for side in ("train", "select", "heldout"):
        with open(out_dir / f"{side}.jsonl", "w") as f:
            for t, b, s, name, pid in zip(tops, bottoms, sides, names, ids):
                if s == side:
                    items_ = [
                        {"slot": "top", "text_embedding": t.tolist(), "extra": name_extra(name).tolist()},
                        {"slot": "bottom", "text_embedding": b.tolist()},
                    ]
                    row = {
                        "label": 1,
                        "source": "on-model product photo",
                        "product_id": pid,
                        "top_name": name,
                        "items": items_,
                    }
                    f.write(json.dumps(row) + "\n")
        counts[side] = sides.count(side)
    return {"topwear_photos": seen, "pairs": counts, "seconds": round(time.time() - t0)}


def other_pairs(groups: list[str], rng: np.random.Generator) -> np.ndarray:
    """For each pair, another pair of the same group ("" = any group) whose bottom becomes its negative; a pair
    alone in its group draws from all the others. Never the pair itself."""
    n = len(groups)
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    out = np.empty(n, dtype=np.int64)
    for i, g in enumerate(groups):
        pool = [j for j in by_group[g] if j != i] or [j for j in range(n) if j != i]
        out[i] = pool[int(rng.integers(len(pool)))]
    return out


def evaluate(pairs_path: Path, checkpoint: str, seed: int = 0, same_brand: bool = False) -> dict:
    from ml.outfit import load_grader
    from ml.outfit.evaluate import auc_score

    rows = [json.loads(line) for line in pairs_path.read_text().splitlines() if line.strip()]
    tops, bottoms = [r["items"][0] for r in rows], [r["items"][1] for r in rows]
    n = len(rows)
    rng = np.random.default_rng(seed)
    # the brand is the first word of the product's name ("Nike Men Black T-shirt"): a catalogue photographs a
    # brand's tops in its own shoots, so same-brand negatives ask about style, not about the shoot
    brands = [r.get("top_name", "").split(" ")[0].lower() if same_brand else "" for r in rows]
    other = other_pairs(brands, rng)
    grader = load_grader(checkpoint)
    pos = np.array([s for s, _ in grader.score_many([[t, b] for t, b in zip(tops, bottoms)])])
    neg = np.array([s for s, _ in grader.score_many([[tops[i], bottoms[j]] for i, j in enumerate(other)])])
    right = 0
    for i in range(n):
        same = [j for j in range(n) if j != i and brands[j] == brands[i]]
        wrong = rng.choice(same if len(same) >= 3 else np.delete(np.arange(n), i), size=3, replace=False)
        scores = [s for s, _ in grader.score_many([[tops[i], bottoms[j]] for j in [i, *wrong]])]
        right += int(np.argmax(scores) == 0)
    return {
        "auc": round(auc_score(pos, neg), 4),
        "fitb": round(right / n, 4),
        "n": n,
        "negatives": "same brand" if same_brand else "any pair",
        "seed": seed,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.outfit.onmodel")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--data", default="../shared/data/fashion-product-images")
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--threads", type=int, default=1)
    v = sub.add_parser("evaluate")
    v.add_argument("--pairs", type=Path, required=True)
    v.add_argument("--checkpoint", default="ml/weights/outfit_grader.pt")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--same-brand", action="store_true", help="wrong bottoms from tops of the same brand")
    args = p.parse_args(argv)
    if args.command == "extract":
        print(json.dumps(extract(args.data, args.out, args.threads)))
    else:
        print(json.dumps(evaluate(args.pairs, args.checkpoint, args.seed, args.same_brand)))


if __name__ == "__main__":
    main()
