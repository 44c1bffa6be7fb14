"""Attribute heads: top-1 accuracy per attribute on held-out products, against the majority class.

``python -m ml.evaluate product-attributes --data DIR [--checkpoint ml/weights/garment_attributes.pt]``

DIR is in the fashion-product-images layout (styles.csv, images/<id>.jpg). Products are those of
``ml.shop.data.products`` (a photo and a name); only the held-out ones (``ml.shop.data.SPLIT_RULE``, the
ml/bridge rule) are scored. Per key, the accuracy is over the held-out products that have that label
(styles.csv's "NA" usage counts as none); a value the heads do not know (a class too rare to train) counts
as wrong. ``baseline`` is the accuracy of always answering the training split's most common value.
``pattern`` is scored the same way on the labels derived from product names (ml/attributes/labels.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
KEYS = ("articleType", "baseColour", "usage", "season", "gender")
TARGETS = {"articleType": 0.90, "baseColour": 0.80, "usage": 0.85, "season": 0.70}


def accuracy(predicted: list[str], labels: list[str]) -> tuple[float | None, int]:
    """(top-1 accuracy, n) over the items that have a label ("" = none); (None, 0) when none has one."""
    pairs = [(p, y) for p, y in zip(predicted, labels) if y]
    if not pairs:
        return None, 0
    return sum(p == y for p, y in pairs) / len(pairs), len(pairs)


def majority_baseline(train_labels: list[str], test_labels: list[str]) -> float | None:
    """Accuracy on ``test_labels`` of always answering the most common non-empty training label."""
    counts = Counter(y for y in train_labels if y)
    if not counts:
        return None
    top = min(counts, key=lambda v: (-counts[v], v))  # ties: the alphabetically first, so it is deterministic
    return accuracy([top] * len(test_labels), test_labels)[0]


def attribute_scores(
    predicted: dict[str, list[str]],
    labels: dict[str, list[str]],
    train_labels: dict[str, list[str]],
    keys: tuple[str, ...] = KEYS,
) -> dict:
    """The evaluation's JSON for predictions and labels of the same (held-out) items."""
    out: dict = {}
    n_labelled, baseline = {}, {}
    for key in keys:
        acc, n = accuracy(predicted.get(key, [""] * len(labels[key])), labels[key])
        out[key] = None if acc is None else round(acc, 4)
        n_labelled[key] = n
        base = majority_baseline(train_labels[key], labels[key])
        baseline[key] = None if base is None else round(base, 4)
    out["n"] = max((len(v) for v in labels.values()), default=0)
    out["n_labelled"] = n_labelled
    out["baseline"] = baseline
    out["targets"] = {k: t for k, t in TARGETS.items() if k in keys}
    out["met"] = {k: out[k] is not None and out[k] >= t for k, t in out["targets"].items()}
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="fashion-product-images layout: styles.csv, images/<id>.jpg")
    parser.add_argument("--checkpoint", default=str(WEIGHTS / "garment_attributes.pt"))
    parser.add_argument(
        "--features-checkpoint", default=str(WEIGHTS / "product_features.pt"), help="whose features the heads read"
    )
    parser.add_argument("--threads", type=int, default=2)


def product_inputs(data_dir: str | Path, features_path: str, threads: int, bins: tuple[int, ...]):
    """(products, labels, held-out mask, features (N, 1280), colour features (N, prod(bins)) or None, version).

    The features are those of the ``features_path`` checkpoint (ml/product_features; any garment-category
    checkpoint works), whose version is returned.

    Embeddings and colour pixels are cached under ml/cache (ml.bridge.train, ml.shop.data), keyed by the
    products' paths, so the shop's training and evaluation share them.
    """
    from ml.attributes.labels import product_labels
    from ml.bridge.train import image_embeddings
    from ml.shop.data import colour_features, heldout_mask, products

    items = products(data_dir)
    paths = [p.path for p in items]
    emb, version = image_embeddings(paths, features_path, threads)
    colours = colour_features(paths, "studio", bins) if bins else None
    return items, product_labels(data_dir, items), heldout_mask(items), emb, colours, version


def predicted_values(model, emb: np.ndarray, colours: np.ndarray | None) -> dict[str, list[str]]:
    from ml.attributes.model import predict_probabilities

    probs = predict_probabilities(model, emb, colours)
    return {k: [model.config.heads[k][j] for j in p.argmax(1)] for k, p in probs.items()}


def run(args: argparse.Namespace) -> dict:
    import torch

    from ml.attributes.checkpoint import load_checkpoint
    from ml.shop.data import SPLIT_RULE

    torch.set_num_threads(args.threads)
    t0 = time.time()
    ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    bins = tuple(int(b) for b in ckpt["config"]["colour_bins"])
    items, labels, held, emb, colours, version = product_inputs(args.data, args.features_checkpoint, args.threads, bins)
    model, config, meta = load_checkpoint(args.checkpoint, garment_model_version=version)
    print(f"{held.sum()} held-out products; inputs ready in {time.time() - t0:.0f}s", file=sys.stderr)
    idx, train = np.flatnonzero(held), np.flatnonzero(~held)
    predicted = predicted_values(model, emb[idx], None if colours is None else colours[idx])
    keys = KEYS + tuple(k for k in ("pattern", "sleeve") if k in config.heads)
    out = attribute_scores(
        predicted,
        {k: [labels[k][i] for i in idx] for k in keys},
        {k: [labels[k][i] for i in train] for k in keys},
        keys,
    )
    out["split"] = SPLIT_RULE
    out["model_version"] = meta["model_version"]
    return out
