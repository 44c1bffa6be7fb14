"""Attribute heads: top-1 accuracy per attribute on held-out products, against the majority class.

``python -m ml.evaluate product-attributes --data DIR [--checkpoint ml/weights/garment_attributes.pt]``

DIR is in the fashion-product-images layout (styles.csv, images/<id>.jpg). Products are those of
``ml.shop.data.products`` (a photo and a name); only the held-out ones (``ml.shop.data.SPLIT_RULE``, the
ml/bridge rule) are scored. Per key, the accuracy is over the held-out products that have that label
(styles.csv's "NA" usage counts as none); a value the heads do not know (a class too rare to train) counts
as wrong. ``baseline`` is the accuracy of always answering the training split's most common value.
``pattern`` is scored the same way on the labels derived from product names (ml/attributes/labels.py).
``baseColour_family`` (not a target) counts a colour right when it is in the label's family
(ml.attributes.labels.COLOUR_FAMILY: "Navy Blue" for "Blue" is right there, "Black" for "Grey" is not).

With ``--closet DIR`` (clothing-dataset layout) and a checkpoint that has a sleeve head, the JSON adds
``sleeve``: accuracy on the held-out senders' photos whose label says the sleeve length (``closet``:
T-shirts, polos, longsleeves, hoodies, blazers; ml.attributes.labels.CLOSET_SLEEVE) and on the held-out
shirts, dresses, tops, blouses and undershirts labelled by eye (``by_eye``: ml/attributes/sleeve_testset.json,
its "?" left out), each with the majority-class baseline and a confusion table (label -> predicted -> n);
and ``closet_type``: the articleType head's answer read as the app's fine type (ml.taxonomy.PRODUCT_CATEGORY)
and group, against the held-out senders' closet labels that some article type maps to (the head learned from
product shots only, so this is how it carries over to closet photos), alone and (``..._within_group``) chosen
within the photo's true garment group, as the app asks it within the group of the garment's category.
Closet photos are read as the app's ingest reads them: the feature of the whole photo, the colour of its
GrabCut cut-out.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
SLEEVE_TESTSET = Path(__file__).resolve().parent / "sleeve_testset.json"
SLEEVE_TRAIN_BY_EYE = Path(__file__).resolve().parent / "sleeve_train_by_eye.json"  # training senders' dresses, tops
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
    if "baseColour" in keys:  # not a target: how far off the colour is when it is wrong (labels.COLOUR_FAMILY)
        from ml.attributes.labels import colour_family

        family = [colour_family(v) if v else "" for v in predicted.get("baseColour", [""] * len(labels["baseColour"]))]
        acc, _ = accuracy(family, [colour_family(v) if v else "" for v in labels["baseColour"]])
        out["baseColour_family"] = None if acc is None else round(acc, 4)
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
    parser.add_argument(
        "--closet", help="clothing-dataset layout: score the sleeve and article-type heads on its held-out senders"
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


def closet_inputs(data_dir: str | Path, features_path: str, threads: int, bins: tuple[int, ...]):
    """(rows, sleeve labels, held-out-sender mask, features, colour features or None) of the clothing-dataset
    photos whose label maps to a garment type (ml.shop.data.closet_photos), as the app's ingest reads them.

    A sleeve label is the one the photo's dataset label implies (labels.closet_sleeve) or, for the training
    senders' dresses and tops of ``SLEEVE_TRAIN_BY_EYE``, the one read by eye; "" for none."""
    from ml.attributes.labels import closet_sleeve
    from ml.bridge.train import image_embeddings
    from ml.garment_category.data import clothing_rows, load_split
    from ml.shop.data import colour_features

    rows = clothing_rows(data_dir)
    held_senders = set(load_split()["heldout_senders"])
    paths = [r.path for r in rows]
    emb, _ = image_embeddings(paths, features_path, threads)
    colours = colour_features(paths, "cutout", bins) if bins else None
    held = np.array([r.sender_id in held_senders for r in rows], bool)
    sleeve = [closet_sleeve(r.source_label) for r in rows]
    by_eye = {p["image"]: p["sleeve"] for p in json.loads(SLEEVE_TRAIN_BY_EYE.read_text())["photos"]}
    for i, r in enumerate(rows):  # training senders' photos whose sleeves were read by eye ("?" stays unlabelled)
        value = by_eye.get(Path(r.path).stem, "?")
        if value != "?":
            if held[i]:
                raise ValueError(f"{SLEEVE_TRAIN_BY_EYE} labels a held-out sender's photo ({r.path})")
            sleeve[i] = value
    return rows, sleeve, held, emb, colours


def confusion(predicted: list[str], labels: list[str]) -> dict[str, dict[str, int]]:
    """{label: {predicted: n}} over the items that have a label."""
    out: dict[str, Counter] = {}
    for p, y in zip(predicted, labels):
        if y:
            out.setdefault(y, Counter())[p] += 1
    return {y: dict(sorted(c.items())) for y, c in sorted(out.items())}


def closet_scores(model, data_dir: str | Path, features_path: str, threads: int, testset: Path = SLEEVE_TESTSET):
    """The ``sleeve`` and ``closet_type`` parts of the JSON (module docstring), for the heads the model has."""
    from ml.attributes.model import predict_probabilities, within_group
    from ml.taxonomy import GROUP_OF

    rows, sleeve, held, emb, colours = closet_inputs(data_dir, features_path, threads, model.config.colour_bins)
    probs = predict_probabilities(model, emb, colours)
    heads = model.config.heads
    out = {}
    if "sleeve" in probs:
        predicted = [heads["sleeve"][j] for j in probs["sleeve"].argmax(1)]
        out["sleeve"] = _sleeve_scores(rows, sleeve, held, predicted, data_dir, testset)
    if "articleType" in probs:
        classes = heads["articleType"]
        given_group = within_group(probs["articleType"], classes, [GROUP_OF[r.label] for r in rows])
        out["closet_type"] = _type_scores(rows, held, [classes[j] for j in probs["articleType"].argmax(1)])
        within = _type_scores(rows, held, [classes[j] for j in given_group.argmax(1)])
        out["closet_type"]["fine_type_accuracy_within_group"] = within["fine_type_accuracy"]
    return out


def _sleeve_scores(rows, sleeve: list[str], held: np.ndarray, predicted: list[str], data_dir, testset: Path) -> dict:
    train_labels = [y for y, h in zip(sleeve, held) if not h]
    by_image = {Path(r.path).stem: i for i, r in enumerate(rows)}
    photos = json.loads(Path(testset).read_text())["photos"]
    missing = [p["image"] for p in photos if p["image"] not in by_image]
    if missing:
        raise SystemExit(f"{len(missing)} photos of {testset} are not in {data_dir}, e.g. {missing[0]}")
    eye = [(by_image[p["image"]], p["sleeve"]) for p in photos if p["sleeve"] != "?"]
    in_testset = {by_image[p["image"]] for p in photos}  # held-out undershirts: by eye, not by the label rule
    if any(not held[i] for i, _ in eye):
        raise SystemExit(f"{testset} holds photos of training senders")
    out = {}
    for name, idx, labels in (
        ("closet", [i for i in np.flatnonzero(held) if sleeve[i] and i not in in_testset], None),
        ("by_eye", [i for i, _ in eye], [y for _, y in eye]),
    ):
        labels = [sleeve[i] for i in idx] if labels is None else labels
        pred = [predicted[i] for i in idx]
        acc, n = accuracy(pred, labels)
        base = majority_baseline(train_labels, labels)
        out[name] = {
            "accuracy": None if acc is None else round(acc, 4),
            "n": n,
            "baseline": None if base is None else round(base, 4),
            "confusion": confusion(pred, labels),
        }
    out["left_out_by_eye"] = sum(p["sleeve"] == "?" for p in photos)
    return out


def _type_scores(rows, held: np.ndarray, predicted: list[str]) -> dict:
    """The article type read as the app's fine type (ml.taxonomy.PRODUCT_CATEGORY) against the closet label,
    on the held-out senders' photos whose label some article type maps to; and the group (top, bottom, ...)."""
    from ml.taxonomy import GROUP_OF, OTHER_CATEGORY, PRODUCT_CATEGORY

    reachable = set(PRODUCT_CATEGORY.values())
    idx = [i for i in np.flatnonzero(held) if rows[i].label in reachable]
    fine = [PRODUCT_CATEGORY.get(predicted[i], OTHER_CATEGORY) for i in idx]
    labels = [rows[i].label for i in idx]
    fine_acc, n = accuracy(fine, labels)
    group_acc, _ = accuracy([GROUP_OF.get(f, OTHER_CATEGORY) for f in fine], [GROUP_OF[y] for y in labels])
    return {
        "fine_type_accuracy": None if fine_acc is None else round(fine_acc, 4),
        "group_accuracy": None if group_acc is None else round(group_acc, 4),
        "n": n,
        "left_out": int(held.sum()) - n,
        "confusion": confusion(fine, labels),
    }


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
    keys = KEYS + tuple(k for k in ("pattern",) if k in config.heads)  # sleeve: closet photos (--closet)
    out = attribute_scores(
        predicted,
        {k: [labels[k][i] for i in idx] for k in keys},
        {k: [labels[k][i] for i in train] for k in keys},
        keys,
    )
    if getattr(args, "closet", None):
        out.update(closet_scores(model, args.closet, args.features_checkpoint, args.threads))
    out["split"] = SPLIT_RULE
    out["model_version"] = meta["model_version"]
    return out
