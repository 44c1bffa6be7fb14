"""Train the attribute heads on fashion-product-images.

    python -m ml.attributes.train --data ../shared/data/fashion-product-images \
        --closet ../shared/data/clothing-dataset [--validation]

Inputs per product: the product feature (ml/product_features, ``--features-checkpoint``) of its photo (cached under ml/cache by
ml/bridge/train.py) and the colour feature of its non-white pixels (ml/shop/colour.py; pixels cached
under ml/cache by ml.shop.data.colour_pixels), as the app stores them per garment and product.

Labels (ml/attributes/labels.py): the styles.csv columns articleType, baseColour, usage, season, gender,
and pattern / sleeve length derived from product names. A class with fewer than ``--min-class`` training
examples is not a class of its head (its rows go unlabelled for that head), and a head with fewer than
``--min-labels`` labelled training rows is dropped (sleeve length: about 25 names say it).

The sleeve head therefore learns from closet photos (``--closet``): the training senders' clothing-dataset
photos whose label says the sleeve length (T-shirt and polo short, longsleeve, hoodie and blazer long,
undershirt sleeveless; ml.attributes.labels.CLOSET_SLEEVE), and 242 training senders' dresses and tops
whose sleeves were read by eye (ml/attributes/sleeve_train_by_eye.json), join as rows labelled for that head alone, read as
the app's ingest reads them (the feature of the whole photo, the colour of its GrabCut cut-out). With them the
product heads moved within noise on the held-out products (articleType 0.882 -> 0.885, baseColour 0.727 ->
0.723, README).

``--closet-types`` lets those photos teach the article-type head too where their label implies a type
(ml.attributes.labels.CLOSET_ARTICLE_TYPE). On the held-out senders (``closet_type`` of ``python -m ml.evaluate
product-attributes ... --closet``, with the 140 by-eye dresses of then) the head alone improved (fine type
0.467 -> 0.527, group 0.635 -> 0.722), but what the app uses, the type chosen within the garment's group, did not
(0.682 -> 0.669), so it is off.

Loss: the sum over heads of cross-entropy (label smoothing ``--smoothing``) on the rows labelled for that
head. Split: ``ml.shop.data.SPLIT_RULE``; ``--validation`` trains without the validation carve of the
training split (``ml.shop.data.VALIDATION_RULE``) and prints its scores (nothing saved): settings were
chosen that way, never on the held-out split. Validation top-1 (articleType / baseColour / usage / season):

| settings | articleType | baseColour | usage | season |
|---|---|---|---|---|
| hidden 512, dropout 0.3, 30 epochs, colour 5x7x7 weight 1 | 0.860 | 0.646 | 0.923 | 0.788 |
| the same, colour weight 3 | 0.852 | 0.667 | 0.931 | 0.786 |
| hidden 1024, dropout 0.2, 50 epochs, colour 5x7x7 weight 3 | 0.870 | 0.683 | 0.934 | 0.795 |
| the same, colour weight 5 | 0.866 | 0.693 | 0.934 | 0.793 |
| the same, colour 8x11x11 weight 3 | 0.856 | 0.707 | 0.928 | 0.791 |

On the product feature (ml/product_features, product-features-v1-87378a15), whose tail was trained on the same
training rows (the validation carve unseen by both):

| settings | articleType | baseColour | usage | season |
|---|---|---|---|---|
| hidden 1024, dropout 0.2, 50 epochs, colour 8x11x11 weight 3 | 0.893 | 0.709 | 0.941 | 0.788 |
| hidden 512, dropout 0.5, 20 epochs, the same colour (the defaults) | 0.890 | 0.725 | 0.941 | 0.799 |
| the same as the first, 5 epochs | 0.883 | 0.722 | 0.938 | 0.794 |
| the same as the first, no colour feature | 0.898 | 0.715 | 0.939 | 0.794 |
| hidden 256, dropout 0.5, 10 epochs, weight decay 0.2 | 0.883 | 0.720 | 0.936 | 0.794 |
| the same as the first, colour weight 1 | 0.891 | 0.710 | 0.945 | 0.788 |

The defaults have the best mean of articleType and baseColour.

``--tail-heads`` (tried, not shipped): the tail's own linear heads, trained with the feature (ml.attributes.tail;
``TAIL_HEADS_COMMAND`` makes them), mixed into each answer. The tail's training printed article type 0.914 on the
carve through its own head, but it leaves out rows whose class is too rare for a head; scored as here (they
count as wrong) that head gets 0.899. Carve, by the share of the tail's head (``--validation``):

| share | articleType | baseColour | usage | season | gender | pattern |
|---|---|---|---|---|---|---|
| 0 (the heads alone) | 0.890 | 0.722 | 0.940 | 0.804 | 0.926 | 0.883 |
| 0.5 | 0.900 | 0.729 | 0.936 | 0.803 | 0.922 | 0.885 |
| 1 | 0.899 | 0.720 | 0.931 | 0.802 | 0.923 | 0.889 |

The rule, fixed before: per head the best share, ties to the smaller (articleType 0.5, baseColour 0.5, pattern
1). On held-out products that mix scored 0.885 / 0.717 / 0.932 / 0.799 / 0.919 / 0.884 against 0.885 / 0.723 /
0.932 / 0.799 / 0.919 / 0.891 without it (the tail's epoch was chosen on the same carve), so the heads ship alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ml.attributes.checkpoint import save_checkpoint
from ml.attributes.config import AttributesConfig
from ml.attributes.evaluate import (
    KEYS,
    attribute_scores,
    closet_inputs,
    closet_scores,
    predicted_values,
    product_inputs,
)
from ml.attributes.labels import closet_article_type
from ml.attributes.model import AttributeHeads, predict_probabilities
from ml.attributes.tail import attach, load_tail_heads
from ml.shop.colour import feature_version
from ml.shop.data import CLOSET_SPLIT_RULE, SPLIT_RULE, VALIDATION_RULE, closet_validation_mask, in_validation

HEADS = (*KEYS, "pattern", "sleeve")
TAIL_HEADS_COMMAND = (
    "python -m ml.product_features.train --data ../shared/data/fashion-product-images --epochs 6 "
    "--out /tmp/product_features.pt --heads-out /tmp/product_features_heads.pt (its blocks come out bit for "
    "bit as the shipped product-features-v1-87378a15's; only its classifier differs)"
)


def head_classes(labels: dict[str, list[str]], rows: np.ndarray, min_class: int, min_labels: int):
    """({head: sorted classes}, {dropped head: why}) from the labels of the training ``rows``."""
    heads, dropped = {}, {}
    for name in HEADS:
        counts = Counter(labels[name][i] for i in rows if labels[name][i])
        classes = sorted(v for v, n in counts.items() if n >= min_class)
        n = sum(counts[v] for v in classes)
        if n < min_labels or len(classes) < 2:
            dropped[name] = f"{n} labelled training rows in {len(classes)} classes (minimum {min_labels}, 2)"
        else:
            heads[name] = classes
    return heads, dropped


def label_ids(labels: dict[str, list[str]], heads: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """Per head, the class index of each row, -1 where it has no (known) label."""
    out = {}
    for name, classes in heads.items():
        index = {c: i for i, c in enumerate(classes)}
        out[name] = np.array([index.get(v, -1) for v in labels[name]], dtype=np.int64)
    return out


def train_heads(
    x: np.ndarray,
    colours: np.ndarray | None,
    targets: dict[str, np.ndarray],
    config: AttributesConfig,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    smoothing: float,
    seed: int,
) -> AttributeHeads:
    torch.manual_seed(seed)
    model = AttributeHeads(config)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * -(-len(x) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    xs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    xc = None if colours is None else torch.from_numpy(np.ascontiguousarray(colours, dtype=np.float32))
    ys = {k: torch.from_numpy(v) for k, v in targets.items()}
    gen = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xs), generator=gen)
        total = 0.0
        for s in range(0, len(order), batch_size):
            b = order[s : s + batch_size]
            logits = model(xs[b], None if xc is None else xc[b])  # {head: (b, C)}
            loss = sum(_masked_ce(logits[k], ys[k][b], smoothing) for k in logits)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        if (epoch + 1) % 10 == 0:
            print(json.dumps({"epoch": epoch + 1, "loss": round(total / len(order), 4)}), file=sys.stderr)
    return model.eval()


def _masked_ce(logits: torch.Tensor, target: torch.Tensor, smoothing: float) -> torch.Tensor:
    keep = target >= 0
    if not keep.any():
        return logits.sum() * 0
    return F.cross_entropy(logits[keep], target[keep], label_smoothing=smoothing)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.attributes.train")
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument(
        "--features-checkpoint", default="ml/weights/product_features.pt", help="whose features the heads read"
    )
    p.add_argument("--out", default="ml/weights/garment_attributes.pt")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--smoothing", type=float, default=0.1)
    p.add_argument("--hidden-dim", type=int, default=512)
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--colour-bins", default="8,11,11", help="L,a,b bins of the colour feature; 'none' for none")
    p.add_argument("--colour-weight", type=float, default=3.0)
    p.add_argument("--min-class", type=int, default=10, help="training examples a class needs")
    p.add_argument("--min-labels", type=int, default=300, help="labelled training rows a head needs")
    p.add_argument(
        "--closet",
        help="clothing-dataset directory: its training senders' photos whose label says the sleeve length "
        "(ml.attributes.labels.CLOSET_SLEEVE) train the sleeve head",
    )
    p.add_argument(
        "--closet-types",
        action="store_true",
        help="the closet photos also teach the article-type head where their label implies one "
        "(ml.attributes.labels.CLOSET_ARTICLE_TYPE)",
    )
    p.add_argument("--validation", action="store_true", help="score on the validation carve; nothing saved")
    p.add_argument(
        "--validation-out",
        type=Path,
        help="with --validation: write every non-held-out product's id, each head's probabilities and classes "
        "(classes_<head>) and which are in the carve (npz), e.g. for scripts/shop_rerank_weight.py",
    )
    p.add_argument(
        "--tail-heads",
        type=Path,
        help="the product-feature tail's own heads (python -m ml.product_features.train --heads-out FILE); with "
        "--validation the carve is scored with their share at 0, 0.5 and 1 for every head",
    )
    p.add_argument(
        "--tail-mix",
        default="",
        help="head=share,... : the share of the tail's head in each answer (ml.attributes.tail), e.g. articleType=1",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    mix = {k: float(v) for k, v in (part.split("=") for part in args.tail_mix.split(",") if part)}
    if mix and not args.tail_heads:
        p.error("--tail-mix needs --tail-heads")
    tail = load_tail_heads(args.tail_heads) if args.tail_heads else None
    torch.set_num_threads(args.threads)
    t0 = time.time()

    bins = () if args.colour_bins == "none" else tuple(int(n) for n in args.colour_bins.split(","))
    items, labels, held, emb, colours, version = product_inputs(args.data, args.features_checkpoint, args.threads, bins)
    if args.validation:  # the held-out products leave altogether; the validation carve plays their part
        train = np.array([not h and not in_validation(q.id) for q, h in zip(items, held)])
        test = np.array([not h and in_validation(q.id) for q, h in zip(items, held)])
    else:
        train, test = ~held, held
    n_closet = 0
    if args.closet:  # training senders' photos join as rows labelled for the sleeve head only
        rows, sleeve, closet_held, closet_emb, closet_colours = closet_inputs(
            args.closet, args.features_checkpoint, args.threads, bins
        )
        val = closet_validation_mask(args.closet) if args.validation else np.zeros(len(rows), bool)
        closet_labels = {"sleeve": sleeve}
        if args.closet_types:
            closet_labels["articleType"] = [closet_article_type(r.source_label) for r in rows]
        labelled = np.array([any(v[i] for v in closet_labels.values()) for i in range(len(rows))], bool)
        keep = np.flatnonzero(~closet_held & ~val & labelled)
        n_closet = len(keep)
        for k in labels:
            labels[k] = list(labels[k]) + [closet_labels[k][i] if k in closet_labels else "" for i in keep]
        emb = np.concatenate([emb, closet_emb[keep]])
        colours = None if colours is None else np.concatenate([colours, closet_colours[keep]])
        train, test = np.concatenate([train, np.ones(n_closet, bool)]), np.concatenate([test, np.zeros(n_closet, bool)])
    train_idx, test_idx = np.flatnonzero(train), np.flatnonzero(test)
    heads, dropped = head_classes(labels, train_idx, args.min_class, args.min_labels)
    config = AttributesConfig(
        colour_bins=bins,
        colour_weight=args.colour_weight,
        hidden_dim=args.hidden_dim,
        dropout=args.dropout,
        heads=heads,
        garment_model_version=version,
        colour_version=feature_version(bins) if bins else "",
    )
    targets = {k: v[train_idx] for k, v in label_ids(labels, heads).items()}
    print(f"{len(train_idx)} train, {len(test_idx)} scored; heads {list(heads)}; dropped {dropped}", file=sys.stderr)
    model = train_heads(
        emb[train_idx],
        None if colours is None else colours[train_idx],
        targets,
        config,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=args.weight_decay,
        smoothing=args.smoothing,
        seed=args.seed,
    )
    keys = tuple(k for k in HEADS if (k in heads or k in KEYS) and k != "sleeve")  # sleeve: closet photos, below

    def score(m: AttributeHeads) -> dict:
        return attribute_scores(
            predicted_values(m, emb[test_idx], None if colours is None else colours[test_idx]),
            {k: [labels[k][i] for i in test_idx] for k in keys},
            {k: [labels[k][i] for i in train_idx] for k in keys},
            keys,
        )

    tail_scores = {}
    if tail is not None:  # every head at each share, for choosing --tail-mix (and the README's side-by-side)
        shared = [k for k in tail["classes"] if k in heads]
        for share in (0.5, 1.0):
            s = score(attach(model, tail, {k: share for k in shared}))
            tail_scores[str(share)] = {k: s[k] for k in keys}
        model = attach(model, tail, mix)
    scores = score(model)
    if tail_scores:
        scores["tail_share_scores"] = tail_scores
    side = "validation" if args.validation else "heldout"
    if args.closet and not args.validation:
        scores.update(closet_scores(model, args.closet, args.features_checkpoint, args.threads))
    if args.validation:
        if args.validation_out:
            rows = np.flatnonzero(~held)  # products that are not held out: the carve and what the heads saw
            probs = predict_probabilities(model, emb[rows], None if colours is None else colours[rows])
            carve = np.isin(rows, test_idx)
            classes = {f"classes_{h}": np.array(c) for h, c in model.config.heads.items()}  # each head's columns
            np.savez(args.validation_out, ids=np.array([items[i].id for i in rows]), carve=carve, **probs, **classes)
        print(json.dumps({"validation": scores, "args": vars(args), "seconds": round(time.time() - t0)}, default=str))
        return
    label_counts = {k: sum(1 for i in train_idx if labels[k][i]) for k in HEADS}
    meta = {
        "data": {
            "source": f"{args.data} styles.csv (articleType, baseColour, usage, season, gender) + images/<id>.jpg",
            "derived_labels": "pattern and sleeve length from productDisplayName words (ml/attributes/labels.py)",
            "closet": (
                f"{args.closet}: {n_closet} training-sender photos labelled for the sleeve head only "
                "(ml.attributes.labels.CLOSET_SLEEVE, and ml/attributes/sleeve_train_by_eye.json)"
                if args.closet
                else None
            ),
            "closet_split_rule": CLOSET_SPLIT_RULE if args.closet else None,
            "split_rule": SPLIT_RULE,
            "validation_rule": VALIDATION_RULE + " (hyperparameters chosen on it)",
            "n_train": len(train_idx),
            "n_heldout": len(test_idx),
            "labelled_train_rows": label_counts,
            "dropped_heads": dropped,
        },
        "command": "python -m ml.attributes.train " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "tail_heads": (
            {
                "file": str(args.tail_heads),
                "sha256": hashlib.sha256(Path(args.tail_heads).read_bytes()).hexdigest(),
                "made_by": TAIL_HEADS_COMMAND,
                "mix": mix,
                "raw_norm": tail["raw_norm"],
            }
            if tail is not None
            else None
        ),
        "garment_model_version": version,
        "scores": {side: scores, "protocol": "python -m ml.evaluate product-attributes --data DIR (held-out products)"},
        "train_seconds": round(time.time() - t0),
    }
    meta = save_checkpoint(args.out, model, model.config, meta)
    print(json.dumps({side: scores, "model_version": meta["model_version"], "seconds": meta["train_seconds"]}))


if __name__ == "__main__":
    main()
